import type { Card, CardAction, CardInput, ChecklistGroup, ChecklistItem } from '../../core/cards/card.js';
import { CARD_ACTION } from '../../core/cards/actions.js';
import { ROLES, isRoleId } from '../../core/domain.js';
import { MAX_MENTION_NAME, dropPartialToken, mentionNames, resolveMentions, xmlEscape, type MentionEntity, type TeamsDirectory } from './mentions.js';

/**
 * Card → Adaptive Card 1.5 for Teams, pure. Every text is shortened to a limit set here (never
 * dropped) so that a card stays under the size Teams accepts, and user text cannot turn into
 * markdown formatting or links.
 */
export const MAX_CARD_BYTES = 28_000;

/**
 * The most checklist steps one card holds (as on Slack): every label and name at its limit, each
 * step ticked by someone else, and 60 refresh user ids come to ~25.6 KB. Labels and names in
 * 3-byte scripts would pass 28 KB; cardToAdaptiveCard shortens those further.
 */
export const CHECKLIST_ITEMS_PER_CARD = 20;

export const LIMITS = {
  title: 200,
  subtitle: 300,
  factTitle: 60,
  factValue: 1000,
  heading: 150,
  sectionText: 3000,
  /** The playbook schema allows 75. */
  stepLabel: 80,
  stepRole: 30,
  /** formatTime: '2026-11-25 09:12 GMT+5:30'. */
  stepTime: 32,
  stepWho: 100,
  contextLines: 10,
  contextText: 500,
  buttonTitle: 60,
  inputLabel: 150,
  placeholder: 150,
  choiceTitle: 100,
  choices: 100,
  refreshUsers: 60,
  /** Characters of a text message, before escaping (the help text is ~3,000). */
  messageText: 6000,
} as const;

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** The verb of every button and checklist row; the click's `data.action` says which. */
export const EXECUTE_VERB = 'incident';
export const REFRESH_VERB = 'refresh';

type Json = Record<string, unknown>;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.5';
  refresh?: Json;
  body: Json[];
  actions?: Json[];
  msteams: { width: 'Full'; entities: MentionEntity[] };
}

export interface RenderOptions {
  directory: TeamsDirectory;
  /** Teams re-fetches the card (Action.Execute verb `refresh`) when one of these users views it. */
  refresh?: { key: string; userIds: string[] };
  /** What a person types before a command in Teams; it replaces `/incident` in every text. */
  commandPrefix?: string;
}

export function cardBytes(content: unknown): number {
  return Buffer.byteLength(JSON.stringify(content), 'utf8');
}

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never leave half a mention token or half a surrogate pair at the cut.
  return `${dropPartialToken(text.slice(0, Math.max(0, max - 1))).replace(/[\uD800-\uDBFF]$/, '').trimEnd()}…`;
}

function withPrefix(text: string, prefix: string): string {
  return text.replace(/(?<![\w/])\/incident(?![\w-])/g, prefix);
}

/**
 * Left whole by inertMarkdown: bare http(s) URLs, and what `TeamsPlatform.channelMention` makes, a
 * link to an incident thread's root message named by its slug (it can only point into Teams and its
 * text is a slug: no more than the bare URL Teams links anyway).
 */
const KEPT_WHOLE = /(\[[a-z0-9][a-z0-9-]*\]\(https:\/\/teams\.microsoft\.com\/l\/message\/[\w%.-]+\/\d+\)|https?:\/\/[^\s<>]+)/;

/**
 * Backslash-escapes the markdown Teams renders in TextBlocks and messages (`*`, `_`, `[`, `]`), so
 * `**x**` stays literal and `[a](javascript:…)` is no link; bare http(s) URLs and the links to incident
 * threads (KEPT_WHOLE) are left whole, and a typed `<at>` is broken so it cannot pose as one of our mentions.
 */
export function inertMarkdown(text: string): string {
  return text
    .split(KEPT_WHOLE)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/[\\*_[\]]/g, '\\$&').replace(/<(\/?at>)/gi, '<\u200B$1')))
    .join('');
}

/** Renders the texts of one card, collecting the mention entities they use. */
class Texts {
  readonly entities = new Map<string, MentionEntity>();
  private readonly prefix: string;

  constructor(
    private readonly options: RenderOptions,
    /** Below 1 when the card came out too big: the long texts get a smaller share. */
    readonly scale: number,
  ) {
    this.prefix = options.commandPrefix ?? '@IncidentBot';
  }

  /** Markdown text (TextBlock, Fact) with mentions. Teams needs a blank line for a line break there. */
  rich(text: string, max: number): string {
    const shortened = truncate(withPrefix(text, this.prefix), max);
    const { text: resolved, entities } = resolveMentions(inertMarkdown(shortened).replace(/\n+/g, '\n\n'), this.options.directory, {
      maxName: this.long(MAX_MENTION_NAME),
    });
    for (const entity of entities) this.entities.set(entity.mentioned.id, entity);
    return resolved;
  }

  /** Plain text (button titles, labels, choices): no markdown, no mentions. */
  plain(text: string, max: number): string {
    return truncate(mentionNames(withPrefix(text, this.prefix), this.options.directory), max);
  }

  /** The limit of a text that gives way when the card is too big (see cardToAdaptiveCard). */
  long(limit: number): number {
    return Math.max(12, Math.floor(limit * this.scale));
  }
}

const textBlock = (text: string, extra: Json = {}): Json => ({ type: 'TextBlock', text, wrap: true, ...extra });

function roleName(role: string | undefined): string | undefined {
  if (!role) return undefined;
  return isRoleId(role) ? ROLES[role].name : role;
}

function execute(title: string, data: Json): Json {
  return { type: 'Action.Execute', verb: EXECUTE_VERB, title, data };
}

function stepRow(item: ChecklistItem, texts: Texts): Json {
  const role = roleName(item.role);
  // Each part is shortened on its own, so the person who ticked is never cut off.
  const meta = [
    ...(role ? [texts.rich(role, LIMITS.stepRole)] : []),
    ...(item.done ? [`done${item.doneAt ? ` ${texts.rich(item.doneAt, LIMITS.stepTime)}` : ''}`] : []),
    ...(item.done && item.doneBy ? [texts.rich(item.doneBy, LIMITS.stepWho)] : []),
  ].join(' · ');
  return {
    type: 'ColumnSet',
    // The data names the state the clicker wants, not a toggle: a stale card asking to tick a step
    // someone already ticked is a no-op instead of an untick.
    selectAction: execute(`${item.done ? 'Untick' : 'Tick'} step ${item.number}`, { action: CARD_ACTION.step, value: item.value, done: !item.done }),
    columns: [
      { type: 'Column', width: 'auto', items: [{ type: 'TextBlock', text: `${item.done ? '☑' : '☐'} ${item.number}.`, ...(item.done ? { color: 'Good' } : {}) }] },
      {
        type: 'Column',
        width: 'stretch',
        items: [
          textBlock(texts.rich(item.label, texts.long(LIMITS.stepLabel))),
          ...(meta ? [textBlock(meta, { isSubtle: true, size: 'Small', spacing: 'None' })] : []),
        ],
      },
    ],
  };
}

function checklistBlocks(group: ChecklistGroup, texts: Texts): Json[] {
  return [
    textBlock(texts.rich(group.heading, LIMITS.heading), { weight: 'Bolder', separator: true, spacing: 'Medium' }),
    ...group.items.map((item) => stepRow(item, texts)),
  ];
}

function inputElement(input: CardInput, texts: Texts): Json {
  const common = { id: input.id, label: texts.plain(input.label, LIMITS.inputLabel) };
  switch (input.kind) {
    case 'choice':
      return {
        type: 'Input.ChoiceSet',
        ...common,
        style: 'compact',
        choices: input.options.slice(0, LIMITS.choices).map((o) => ({ title: texts.plain(o.label, LIMITS.choiceTitle), value: o.value })),
        ...(input.initial ? { value: input.initial } : {}),
      };
    case 'person':
      // The Teams people picker: the value is the chosen person's AAD object id.
      return { type: 'Input.ChoiceSet', ...common, choices: [], 'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' } };
    case 'text':
      return {
        type: 'Input.Text',
        ...common,
        ...(input.placeholder ? { placeholder: texts.plain(input.placeholder, LIMITS.placeholder) } : {}),
        ...(input.multiline ? { isMultiline: true } : {}),
        ...(input.maxLength ? { maxLength: input.maxLength } : {}),
        ...(input.required ? { isRequired: true, errorMessage: `${common.label} is required.` } : {}),
      };
  }
}

function button(action: CardAction, texts: Texts): Json {
  const title = texts.plain(action.label, LIMITS.buttonTitle);
  const data = { action: action.id, value: action.value };
  const style = action.style === 'primary' ? 'positive' : action.style === 'danger' ? 'destructive' : undefined;
  // Clients without Universal Actions run the fallback: the same data arrives as a message's value.
  return { ...execute(title, data), ...(style ? { style } : {}), fallback: { type: 'Action.Submit', title, data } };
}

function build(card: Card, options: RenderOptions, scale: number): AdaptiveCard {
  const texts = new Texts(options, scale);
  const body: Json[] = [textBlock(texts.rich(card.title, LIMITS.title), { size: 'Large', weight: 'Bolder', style: 'heading' })];
  if (card.subtitle) body.push(textBlock(texts.rich(card.subtitle, LIMITS.subtitle), { isSubtle: true, spacing: 'None' }));
  if (card.fields?.length) {
    body.push({
      type: 'FactSet',
      facts: card.fields.map((f) => ({ title: texts.rich(f.label, LIMITS.factTitle), value: texts.rich(f.value, texts.long(LIMITS.factValue)) })),
    });
  }
  for (const section of card.sections ?? []) {
    if (section.heading) body.push(textBlock(texts.rich(section.heading, LIMITS.heading), { weight: 'Bolder', spacing: 'Medium' }));
    body.push(textBlock(texts.rich(section.text, texts.long(LIMITS.sectionText)), section.heading ? { spacing: 'Small' } : {}));
  }
  for (const group of card.checklist ?? []) body.push(...checklistBlocks(group, texts));
  for (const input of card.inputs ?? []) body.push(inputElement(input, texts));
  const context = (card.context ?? []).filter((c) => c.trim() !== '').slice(0, LIMITS.contextLines);
  for (const line of context) body.push(textBlock(texts.rich(line, texts.long(LIMITS.contextText)), { isSubtle: true, size: 'Small' }));
  const actions = (card.actions ?? []).map((a) => button(a, texts));
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    ...(options.refresh
      ? {
          refresh: {
            action: { type: 'Action.Execute', verb: REFRESH_VERB, data: { action: REFRESH_VERB, value: options.refresh.key } },
            userIds: options.refresh.userIds.slice(0, LIMITS.refreshUsers),
          },
        }
      : {}),
    body,
    ...(actions.length ? { actions } : {}),
    msteams: { width: 'Full', entities: [...texts.entities.values()] },
  };
}

export function cardToAdaptiveCard(card: Card, options: RenderOptions): AdaptiveCard {
  // The limits keep a card under MAX_CARD_BYTES for ordinary text; one that still comes out too big
  // (many long sections, or step labels and names in 3-byte scripts) gets its long texts shortened
  // further until it fits.
  let content = build(card, options, 1);
  for (let scale = 0.5; cardBytes(content) > MAX_CARD_BYTES && scale >= 1 / 32; scale /= 2) content = build(card, options, scale);
  return content;
}

export function adaptiveAttachment(content: AdaptiveCard): { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; content: AdaptiveCard } {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content };
}

export interface TeamsMessage {
  type: 'message';
  text?: string;
  textFormat?: 'markdown';
  entities?: MentionEntity[];
  attachments?: ReturnType<typeof adaptiveAttachment>[];
}

/** A message's text: markdown made inert, `&`, `<`, `>` escaped (Teams reads it as XML), mentions resolved. */
export function messageText(text: string, options: RenderOptions): { text: string; entities: MentionEntity[] } {
  const shortened = truncate(withPrefix(text, options.commandPrefix ?? '@IncidentBot'), LIMITS.messageText);
  return resolveMentions(xmlEscape(inertMarkdown(shortened)), options.directory, { xml: true });
}

/**
 * A reply as Teams activities: the text, then the card as its own message (a message with both
 * text and a card cannot be updated later). Text that only repeats the card's title is not sent.
 */
export function replyToActivity(reply: { text: string; card?: Card }, options: RenderOptions): TeamsMessage[] {
  const activities: TeamsMessage[] = [];
  if (reply.text.trim() !== '' && reply.text !== reply.card?.title) {
    const { text, entities } = messageText(reply.text, options);
    activities.push({ type: 'message', textFormat: 'markdown', text, entities });
  }
  if (reply.card) activities.push({ type: 'message', attachments: [adaptiveAttachment(cardToAdaptiveCard(reply.card, options))] });
  return activities;
}
