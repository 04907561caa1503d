import { randomBytes } from 'node:crypto';
import type { ActionsBlock, Button, Checkboxes, KnownBlock, MrkdwnElement, MrkdwnOption, PlainTextElement } from '@slack/types';
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
  /** A message's `text` without blocks (Slack truncates past 40,000). */
  messageText: 39_000,
} as const;

/**
 * The most checklist steps one Slack message holds: with every option at its longest and ticked
 * (a ticked option appears twice, in `options` and `initial_options`) 20 stay under the size limit.
 */
export const CHECKLIST_ITEMS_PER_MESSAGE = 20;

/**
 * Mentions the bot makes. The core builds text with `platform.mention(id)`; on Slack that is a token
 * (private-use characters around a per-process key and the id), not `<@U1>`, so the renderer can
 * tell the bot's mentions from anything a person typed: every other character is escaped, once, in
 * `escapeMrkdwn`, and only genuine tokens become live `<@U1>` / `<#C1>`. The key never leaves the
 * process (the renderer replaces every token), so typed or pasted text cannot carry a valid token;
 * the two marker characters are removed from everything else.
 */
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARKERS = /[\uE000\uE001]/g;
const KEY = randomBytes(12).toString('hex');
const TOKEN = new RegExp(`${OPEN}${KEY}([@#])([A-Za-z0-9._-]+)(?:\\|([A-Za-z0-9._-]*))?${CLOSE}`, 'g');
/** What Slack ids (and the console-style names a roster may hold) are made of; anything else is never put inside `<…>`. */
const ID = /^[A-Za-z0-9._-]+$/;

/** How the Slack edge mentions a person: a token `escapeMrkdwn` turns into `<@U1>`. */
export function slackMention(userId: string): string {
  return ID.test(userId) ? `${OPEN}${KEY}@${userId}${CLOSE}` : `@${userId}`;
}

/** How the Slack edge links a channel: a token `escapeMrkdwn` turns into `<#C1>` (plain text shows `#name`). */
export function slackChannelMention(channelId: string, name?: string): string {
  if (!ID.test(channelId)) return `#${name ?? channelId}`;
  const label = name && ID.test(name) ? `|${name}` : '';
  return `${OPEN}${KEY}#${channelId}${label}${CLOSE}`;
}

const escapeEntities = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Text between tokens: the markers removed, and the key of a token cut in half (it never shows). */
const inert = (text: string): string => text.replace(MARKERS, '').split(KEY).join('');

/** Each part of `text` between tokens through `part` (made inert first), each token through `token`. */
function mapTokens(text: string, part: (text: string) => string, token: (kind: '@' | '#', id: string, name: string | undefined) => string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    out += part(inert(text.slice(last, match.index))) + token(match[1] as '@' | '#', match[2]!, match[3] || undefined);
    last = match.index + match[0].length;
  }
  return out + part(inert(text.slice(last)));
}

/**
 * The one way text reaches Slack mrkdwn (section and field texts, context, checkbox options, a
 * message's `text` and every reply): `&`, `<` and `>` become entities, so whatever a person typed
 * (`<!channel>`, `<@U1>`, `<https://x|label>`, `&lt;`) shows as they typed it; the bot's own
 * mention tokens become live `<@U1>` / `<#C1>`. Apply it once, to text that was never escaped.
 */
export function escapeMrkdwn(text: string): string {
  return mapTokens(text, escapeEntities, (kind, id) => `<${kind}${id}>`);
}

/** Text for a plain_text field (header, buttons, descriptions, modals): Slack shows it literally, so no entities and no live mentions. */
export function plainText(text: string): string {
  return mapTokens(text, (part) => part, (kind, id, name) => `${kind}${kind === '#' ? (name ?? id) : id}`);
}

/** The inverse of Slack's escaping of what it sends (a slash command's text): `&amp;` `&lt;` `&gt;` once. */
export function decodeSlackText(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}

const ELLIPSIS = '…';

/** Plain text shortened to `max` UTF-16 units, never leaving half a surrogate pair at the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '').trimEnd()}${ELLIPSIS}`;
}

/**
 * Escaped mrkdwn shortened to `max`: never leaves half an entity (`&am`), half a mention (`<@U12`)
 * or half a surrogate pair at the cut. After `escapeMrkdwn`, every `&` starts an entity and every
 * `<` one of the bot's mentions, so a trailing partial one is exactly what these patterns match.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/&[a-z]*$|<[^>]*$/, '').replace(/[\uD800-\uDBFF]$/, '').trimEnd()}${ELLIPSIS}`;
}

/** Text for a mrkdwn field: escaped once, then shortened. */
export function fitMrkdwn(text: string, max: number): string {
  return truncateMrkdwn(escapeMrkdwn(text), max);
}

/** Text for a plain_text field: tokens as plain names, then shortened. */
export function fitPlain(text: string, max: number): string {
  return truncate(plainText(text), max);
}

const mrkdwn = (text: string, max: number): MrkdwnElement => ({ type: 'mrkdwn', text: fitMrkdwn(text, max) });
const plain = (text: string, max: number): PlainTextElement => ({ type: 'plain_text', text: fitPlain(text, max) });

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
  const by = item.done && item.doneBy ? escapeMrkdwn(` · ${item.doneBy}`) : '';
  const text = `${prefix}${fitMrkdwn(item.label, LIMITS.optionText - prefix.length - by.length)}${by}`;
  const role = roleName(item.role);
  const description = [...(item.done ? [`done${item.doneAt ? ` ${item.doneAt}` : ''}`] : []), ...(role ? [role] : [])].join(' · ');
  return {
    text: { type: 'mrkdwn', text },
    value: item.value,
    ...(description ? { description: plain(description, LIMITS.optionDescription) } : {}),
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
    text: plain(action.label, LIMITS.buttonText),
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
  const blocks: KnownBlock[] = [{ type: 'header', text: plain(card.title, LIMITS.headerText) }];
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
  // Slack refuses an empty text: a context line is dropped when nothing of it would show.
  const context = (card.context ?? []).map((c) => mrkdwn(c, LIMITS.fieldText)).filter((c) => c.text.trim() !== '').slice(0, LIMITS.contextElements);
  if (context.length) blocks.push({ type: 'context', elements: context });
  // `text` is the notification and fallback: mrkdwn too, so escaped like the blocks.
  return { text: fitMrkdwn(card.title, LIMITS.sectionText), blocks: blocks.slice(0, LIMITS.blocks) };
}

/** Core text as a message of its own (a reply, a notice in the channel): escaped once, mentions live. */
export function textMessage(text: string): { text: string } {
  return { text: fitMrkdwn(text, LIMITS.messageText) };
}

/**
 * A reply's text as a Slack message. A reply that carries a card shows its text above the card:
 * Slack shows only the blocks of a message that has them, `text` is just the notification.
 */
export function replyToMessage(reply: { text: string; card?: Card }): SlackMessage | { text: string } {
  if (!reply.card) return textMessage(reply.text);
  const card = cardToBlocks(reply.card);
  const said = reply.text.trim() && reply.text !== reply.card.title ? [{ type: 'section' as const, text: mrkdwn(reply.text, LIMITS.sectionText) }] : [];
  return { blocks: [...said, ...card.blocks].slice(0, LIMITS.blocks), text: fitMrkdwn(reply.text || reply.card.title, LIMITS.sectionText) };
}
