import type { ActionsBlock, Button, Checkboxes, KnownBlock, MrkdwnElement, MrkdwnOption } from '@slack/types';
import type { Card, ChecklistGroup, ChecklistItem } from '../../core/cards/card.js';
import { ROLES, isRoleId } from '../../core/domain.js';
import { stepsActionId } from './ids.js';

/**
 * Card → Block Kit, pure. Every Block Kit length limit is respected here (STACK-NOTES.md), because
 * Slack refuses a whole message for one field too long: texts are shortened, never dropped.
 */
export const LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  optionsPerCheckboxes: 10,
  optionText: 75,
  optionDescription: 75,
  buttonText: 75,
  contextElements: 10,
  /** Slack refuses messages whose blocks come to roughly 13k characters (bolt-js#2509); stay well under. */
  messageChars: 12_000,
} as const;

/**
 * The most checklist steps one Slack message holds: with every option at its longest and ticked
 * (a ticked option appears twice, in `options` and `initial_options`) 20 stay under the size limit.
 */
export const CHECKLIST_ITEMS_PER_MESSAGE = 20;

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never leave half an escape (`&am`) or half a mention (`<@U12`) at the cut.
  return `${text.slice(0, max - 1).replace(/&[a-z]*$|<[^>]*$/, '').trimEnd()}…`;
}

/** Escapes `&`, `<`, `>` in free text but keeps Slack's own tokens (`<@U1>`, `<#C1>`, `<!here>`, links). */
export function escapeMrkdwn(text: string): string {
  return text
    .split(/(<[@#!][^<>\s]*>|<https?:[^<>\s]*>)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('');
}

const mrkdwn = (text: string, max: number): MrkdwnElement => ({ type: 'mrkdwn', text: truncate(escapeMrkdwn(text), max) });

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function roleName(role: string | undefined): string | undefined {
  if (!role) return undefined;
  return isRoleId(role) ? ROLES[role].name : role;
}

function stepOption(item: ChecklistItem): MrkdwnOption {
  // The label is shortened, never the mention of who ticked: half a mention shows as raw text.
  const prefix = `*${item.number}.* `;
  const by = item.done && item.doneBy ? ` · ${item.doneBy}` : '';
  const text = `${prefix}${truncate(escapeMrkdwn(item.label), LIMITS.optionText - prefix.length - by.length)}${by}`;
  const role = roleName(item.role);
  const description = [...(item.done ? [`done${item.doneAt ? ` ${item.doneAt}` : ''}`] : []), ...(role ? [role] : [])].join(' · ');
  return {
    text: { type: 'mrkdwn', text },
    value: item.value,
    ...(description ? { description: { type: 'plain_text', text: truncate(description, LIMITS.optionDescription) } } : {}),
  };
}

function checklistBlocks(group: ChecklistGroup): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(`*${group.heading}*`, LIMITS.sectionText) }];
  chunks(group.items, LIMITS.optionsPerCheckboxes).forEach((items, chunk) => {
    const options = items.map(stepOption);
    const initial = options.filter((_, i) => items[i]!.done);
    const element: Checkboxes = {
      type: 'checkboxes',
      action_id: stepsActionId(group.id, chunk),
      options,
      ...(initial.length ? { initial_options: initial } : {}),
    };
    blocks.push({ type: 'actions', block_id: `checklist:${group.id}:${chunk}`, elements: [element] });
  });
  return blocks;
}

function actionBlock(card: Card): ActionsBlock | undefined {
  if (!card.actions?.length) return undefined;
  const buttons: Button[] = card.actions.map((action) => ({
    type: 'button',
    action_id: action.id,
    text: { type: 'plain_text', text: truncate(action.label, LIMITS.buttonText) },
    value: action.value,
    ...(action.style ? { style: action.style } : {}),
  }));
  return { type: 'actions', block_id: 'actions', elements: buttons };
}

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export function cardToBlocks(card: Card): SlackMessage {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(card.title, LIMITS.headerText) } }];
  if (card.subtitle) blocks.push({ type: 'section', text: mrkdwn(`*${card.subtitle}*`, LIMITS.sectionText) });
  for (const fields of chunks(card.fields ?? [], LIMITS.fields)) {
    blocks.push({ type: 'section', fields: fields.map((f) => mrkdwn(`*${f.label}*\n${f.value}`, LIMITS.fieldText)) });
  }
  for (const section of card.sections ?? []) {
    blocks.push({ type: 'section', text: mrkdwn(section.heading ? `*${section.heading}*\n${section.text}` : section.text, LIMITS.sectionText) });
  }
  for (const group of card.checklist ?? []) blocks.push(...checklistBlocks(group));
  const actions = actionBlock(card);
  if (actions) blocks.push(actions);
  const context = (card.context ?? []).filter((c) => c.trim() !== '').slice(0, LIMITS.contextElements);
  if (context.length) blocks.push({ type: 'context', elements: context.map((c) => mrkdwn(c, LIMITS.fieldText)) });
  return { text: truncate(card.title, LIMITS.sectionText), blocks: blocks.slice(0, LIMITS.blocks) };
}

/** A reply's text as a Slack message; a reply that carries a card shows the card. */
export function replyToMessage(reply: { text: string; card?: Card }): SlackMessage | { text: string } {
  if (reply.card) return { ...cardToBlocks(reply.card), text: truncate(reply.text || reply.card.title, LIMITS.sectionText) };
  return { text: truncate(escapeMrkdwn(reply.text), 39_000) };
}
