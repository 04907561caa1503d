import type { Activity, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import { assignForm, declareForm, dismissForm, lateReasonsForm, severityForm } from '../../core/cards/forms.js';
import { exerciseFormFor } from '../../core/exercise/exercise-forms.js';
import { CARD_ACTION } from '../../core/cards/actions.js';
import type { Card } from '../../core/cards/card.js';
import type { Actor, CoreContext } from '../../core/context.js';
import { isSeverity } from '../../core/domain.js';
import { decodeCardClick, handleCardClick } from '../../core/handle-action.js';
import { errorReply, handleCommand } from '../../core/handle-command.js';
import { pageCard } from '../../core/roles/page-card.js';
import type { Reply } from '../../core/reply.js';
import type { ChatDirectory } from '../../db/chat-directory.js';
import type { Inbox, InboxItem } from '../../db/inbox.js';
import { withinRequest } from '../../core/request-scope.js';
import type { WorkQueue } from '../work-queue.js';
import type { TeamsConnector } from './connector.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, type AdaptiveCard } from './render.js';
import { channelOf, type TeamsPlatform } from './platform.js';

/** Teams wants an invoke answered within 5 s; past this the current card goes back and the work goes on. */
const INVOKE_BUDGET_MS = 4_000;

export interface TurnDeps {
  context: CoreContext;
  /** Each message and card click is stored here before Teams gets its answer, and leaves when its work is done. */
  inbox: Inbox;
  platform: TeamsPlatform;
  connector: TeamsConnector;
  directory: ChatDirectory;
  queue: WorkQueue;
  logger: Logger;
}

type Inbound = Activity & { value?: unknown };

function tenantOf(activity: Inbound): string | undefined {
  const data = activity.channelData as { tenant?: { id?: string } } | undefined;
  return activity.conversation?.tenantId ?? data?.tenant?.id;
}

function personId(activity: Inbound): string {
  return activity.from?.aadObjectId ?? activity.from?.id ?? 'unknown';
}

/** Every activity tells where the conversation lives and who the person is: kept for proactive sends. */
async function remember(deps: TurnDeps, activity: Inbound): Promise<void> {
  const now = deps.context.clock.now();
  const tenantId = tenantOf(activity);
  const reference = { serviceUrl: activity.serviceUrl, ...(tenantId ? { tenantId } : {}), conversationType: activity.conversation?.conversationType ?? null };
  const conversationId = activity.conversation?.id;
  if (conversationId) {
    // A channel post's thread is reached through its channel (platform.address): one row per channel.
    const channel = (activity.channelData as { channel?: { id?: string } } | undefined)?.channel?.id ?? channelOf(conversationId);
    await deps.directory.rememberConversation(channel, reference, now);
  }
  const from = activity.from;
  if (from?.id && from.role !== 'bot') {
    const personal = activity.conversation?.conversationType === 'personal' && conversationId ? { personalChat: conversationId } : {};
    await deps.directory.rememberPerson(
      { id: personId(activity), name: from.name ?? from.id, address: { mri: from.id, serviceUrl: activity.serviceUrl, ...(tenantId ? { tenantId } : {}), ...personal } },
      now,
    );
  }
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&nbsp;': ' ' };

/**
 * The command a person typed: the bot's mention removed, other mentions turned into `@<AAD id>`
 * (the stable id the core stores), HTML from the Teams client flattened, the leading `incident`
 * optional.
 */
export async function commandText(deps: TurnDeps, activity: Inbound): Promise<string> {
  const botId = activity.recipient?.id;
  let text = activity.text ?? '';
  const mentions = (activity.entities ?? []).filter((e) => e.type === 'mention') as unknown as { text?: string; mentioned?: { id?: string; name?: string } }[];
  for (const mention of mentions) {
    if (!mention.text || !mention.mentioned?.id) continue;
    if (mention.mentioned.id === botId) {
      text = text.split(mention.text).join(' ');
      continue;
    }
    const person = await resolvePerson(deps, activity, mention.mentioned.id, mention.mentioned.name ?? '');
    text = text.split(mention.text).join(` @${person} `);
  }
  text = text
    .replace(/<br\s*\/?>|<\/p>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (entity) => ENTITIES[entity] ?? entity)
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^incident\b\s*/i, '');
  return `/incident ${text}`.trim();
}

/** A mentioned person's AAD object id: from the people the bot has seen, else asked of Teams. */
async function resolvePerson(deps: TurnDeps, activity: Inbound, mri: string, name: string): Promise<string> {
  const known = await deps.directory.personByAddress('mri', mri);
  if (known) return known.id;
  const member = await deps.connector.member(
    { serviceUrl: activity.serviceUrl, conversationId: activity.conversation.id, ...(tenantOf(activity) ? { tenantId: tenantOf(activity)! } : {}) },
    mri,
  );
  const id = member?.aadObjectId ?? mri;
  await deps.directory.rememberPerson({ id, name: member?.name ?? name, address: { mri, serviceUrl: activity.serviceUrl } }, new Date());
  return id;
}

function actorOf(activity: Inbound): Actor {
  return { platform: 'teams', userId: personId(activity), channelId: activity.conversation.id, ...(activity.id ? { requestKey: `teams:${activity.id}` } : {}) };
}

/** A reply in the conversation it answers: the text, then the card as its own message. */
async function sendReply(deps: TurnDeps, conversationId: string, reply: Reply): Promise<void> {
  const to = await deps.platform.address(conversationId);
  if (reply.text.trim() && reply.text !== reply.card?.title) await deps.connector.send(to, await deps.platform.textActivity(reply.text));
  if (reply.card) await deps.connector.send(to, deps.platform.cardActivity(await deps.platform.render(reply.card)));
}

/** The inbox's edge name for Teams activities. */
export const TEAMS_INBOX_EDGE = 'teams';

/**
 * Stores the activity (before the turn ends, so before Teams gets its 200), then queues its work in
 * arrival order per conversation; the work runs as the stored request and removes it when done.
 * Throws `database_unavailable` when it cannot be stored: the SDK answers 500 and nothing runs.
 */
async function accept(deps: TurnDeps, activity: Inbound, work: () => Promise<void>): Promise<{ done: Promise<void> }> {
  const id = await deps.inbox.accept(TEAMS_INBOX_EDGE, 'application/json', Buffer.from(JSON.stringify(activity)));
  return { done: runStored(deps, id, activity, work) };
}

function runStored(deps: TurnDeps, id: string, activity: Inbound, work: () => Promise<void>): Promise<void> {
  return deps.queue.run(async () => {
    try {
      await withinRequest(id, work);
    } finally {
      await deps.inbox.finish(id);
    }
  }, activity.conversation.id);
}

/** A message or click stored before a crash, run again as it would have run after its answer. */
export function replayActivity(deps: TurnDeps, item: InboxItem): Promise<void> {
  const activity = JSON.parse(item.body.toString('utf8')) as Inbound;
  if (activity.type === 'message') return runStored(deps, item.id, activity, messageWork(deps, activity));
  const data = clickData(activity);
  return runStored(deps, item.id, activity, async () => {
    await clickWork(deps, activity, data);
  });
}

function messageWork(deps: TurnDeps, activity: Inbound): () => Promise<void> {
  return async () => {
    await remember(deps, activity);
    await runMessage(deps, activity);
  };
}

async function onMessage(deps: TurnDeps, turn: TurnContext): Promise<void> {
  // The turn ends with the HTTP answer: the work after it keeps its own copy of the activity.
  const activity = structuredClone(turn.activity) as Inbound;
  // Acked once stored (HTTP 200); everything runs after, in arrival order per conversation.
  await accept(deps, activity, messageWork(deps, activity));
}

async function runMessage(deps: TurnDeps, activity: Inbound): Promise<void> {
  // Action.Submit (the fallback of Action.Execute on older clients) arrives as a message with a value.
  if (!activity.text && activity.value && typeof activity.value === 'object') {
    const outcome = await runClick(deps, activity, activity.value as Record<string, unknown>);
    if (outcome.card && (outcome.replaces || !outcome.text) && activity.replyToId) await deps.platform.updateCard({ id: activity.replyToId, conversation: activity.conversation.id }, outcome.card);
    else if (outcome.text) await sendReply(deps, activity.conversation.id, { text: outcome.text });
    return;
  }
  const text = await commandText(deps, activity);
  const conversationId = activity.conversation.id;
  if (/^\/incident declare$/i.test(text)) {
    // Nothing after `declare`: the form, as Slack opens its modal.
    await sendReply(deps, conversationId, { text: '', card: declareForm(deps.context.playbooks.all()) });
    return;
  }
  // handleCommand never throws: a failure is already a reply saying what failed, with its ref.
  const reply = await handleCommand(deps.context, actorOf(activity), text);
  await sendReply(deps, conversationId, reply).catch((error: unknown) => deps.logger.error({ err: String(error) }, 'could not send the Teams reply'));
}

interface ClickOutcome {
  card?: Card;
  /** The clicked message itself shows `card` from now on (a page once acknowledged). */
  replaces?: boolean;
  content?: AdaptiveCard;
  text?: string;
}

/** Decodes a card click, shows the form first where the action needs input, runs it, and says what to show. */
async function runClick(deps: TurnDeps, activity: Inbound, data: Record<string, unknown>): Promise<ClickOutcome> {
  const actionId = typeof data.action === 'string' ? data.action : '';
  const value = typeof data.value === 'string' ? data.value : '';
  const click = decodeCardClick(actionId, value, data);
  const incidentId = Number(/^(\d+)/.exec(value)?.[1] ?? NaN);
  if (click === 'needs-input') {
    const form = await exerciseFormFor(deps.context, actionId, value);
    if (form) return { card: form };
    const current = value.split(':')[1] ?? '';
    if (actionId === 'severity') return { card: severityForm(incidentId, isSeverity(current) ? current : undefined) };
    if (actionId === 'assign') return { card: assignForm(incidentId) };
    if (actionId === CARD_ACTION.lateReasons) return { card: lateReasonsForm(incidentId, current) };
    if (actionId === 'declare') return { card: declareForm(deps.context.playbooks.all()) };
    return { card: dismissForm(incidentId) };
  }
  if (!click) return { text: `This button ("${actionId}") is not one the bot made.` };
  // A person picked in the form may never have written to the bot: learn their name and 29: id here.
  if (click.action === 'assign') await deps.platform.learn(click.userId, activity.conversation.id).catch(() => undefined);
  const reply = await handleCardClick(deps.context, actorOf(activity), click);
  if (click.action === 'page-ack') {
    const [, pageId] = value.split(':').map(Number);
    const [incident, pages] = await Promise.all([deps.context.store.incidents.get(incidentId), deps.context.store.pages.forIncident(incidentId)]);
    const page = pages.find((p) => p.id === pageId);
    if (incident && page) return { card: pageCard(incident, page, deps.platform, deps.context.timeZone), replaces: true, text: reply.text };
  }
  // The core has re-rendered the incident's (or the alert's) cards; the clicked message's newest content answers.
  const content = activity.replyToId ? deps.platform.lastCard(activity.replyToId) : undefined;
  return content ? { content, text: reply.text } : { text: reply.text };
}

async function invokeResponse(deps: TurnDeps, outcome: ClickOutcome): Promise<unknown> {
  const content = outcome.content ?? (outcome.card ? await deps.platform.render(outcome.card) : undefined);
  if (content) return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: content };
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: outcome.text ?? 'Done.' };
}

function clickData(activity: Inbound): Record<string, unknown> {
  const action = (activity.value as { action?: { data?: unknown } } | undefined)?.action;
  return action?.data && typeof action.data === 'object' ? (action.data as Record<string, unknown>) : {};
}

/** Runs the click; a page acknowledged replaces the clicked message. Never throws: a failure is the outcome's text. */
async function clickWork(deps: TurnDeps, activity: Inbound, data: Record<string, unknown>): Promise<ClickOutcome> {
  const outcome = await runClick(deps, activity, data).catch((error: unknown) => ({ text: errorReply(deps.context, error, undefined, 'handle the click').text }) as ClickOutcome);
  if (outcome.card && outcome.replaces && activity.replyToId) {
    await deps.platform.updateCard({ id: activity.replyToId, conversation: activity.conversation.id }, outcome.card).catch(() => undefined);
  }
  return outcome;
}

async function onCardAction(deps: TurnDeps, turn: TurnContext): Promise<void> {
  const activity = turn.activity as Inbound;
  const data = clickData(activity);
  let outcome: ClickOutcome | undefined;
  const { done: work } = await accept(deps, structuredClone(activity), async () => {
    outcome = await clickWork(deps, activity, data);
  });
  const inTime = await Promise.race([work.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), INVOKE_BUDGET_MS).unref())]);
  const shown = inTime && outcome ? outcome : { ...(activity.replyToId && deps.platform.lastCard(activity.replyToId) ? { content: deps.platform.lastCard(activity.replyToId)! } : { text: 'Working on it: the card updates in a moment.' }) };
  // A form now stands where the clicker saw the message: the next update must reach them.
  if (shown.card && !shown.replaces && activity.replyToId) deps.platform.forget(activity.replyToId);
  await turn.sendActivity({ type: 'invokeResponse', value: { status: 200, body: await invokeResponse(deps, shown) } });
}

/** The bot's logic for one activity from Teams. */
export function teamsTurn(deps: TurnDeps): (turn: TurnContext) => Promise<void> {
  return async (turn) => {
    const activity = turn.activity as Inbound;
    if (activity.type === 'message') return onMessage(deps, turn);
    await remember(deps, activity);
    if (activity.type === 'invoke' && activity.name === 'adaptiveCard/action') return onCardAction(deps, turn);
    if (activity.type === 'invoke') {
      await turn.sendActivity({ type: 'invokeResponse', value: { status: 200, body: {} } });
    }
    // conversationUpdate (installed, members added) needs nothing more than what was remembered.
  };
}
