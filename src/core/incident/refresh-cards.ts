import { createHash, randomUUID } from 'node:crypto';
import type { Card } from '../cards/card.js';
import { buildChecklistCards } from '../checklist/checklist-card.js';
import type { CoreContext } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import type { CardKey, ChatPlatform } from '../ports/chat-platform.js';
import type { CardSources, ShownCard } from '../ports/store.js';
import { workerOf } from '../roles/deliver-pages.js';
import { buildHeaderCard } from './header-card.js';
import { taxonomyOf } from '../taxonomy/taxonomy.js';
import type { BoundMessage, Incident, MessageRef } from './incident.js';
import { platformFor } from './platform-for.js';
import { RenderQueue } from './render-queue.js';
import { recordFailure } from './side-effect-failure.js';

/** The incident's header and checklist cards as they are now (the given incident row, the rest read in one statement). */
export async function incidentCards(context: CoreContext, incident: Incident, platform: ChatPlatform): Promise<{ header: Card; checklist: Card[] }> {
  const sources = await context.store.cardPublishing.sources(incident.id);
  if (!sources) throw new AppError('not_found', `incident ${incident.id} does not exist`);
  return renderCards(context, { ...sources, incident }, platform);
}

function renderCards(context: CoreContext, { incident, roles, steps, tags: tagged, clocks }: CardSources, platform: ChatPlatform): { header: Card; checklist: Card[] } {
  const playbook = context.playbooks.get(incident.playbookId);
  const mention = (userId: string) => platform.mention(userId);
  const taxonomy = taxonomyOf(context);
  const tags = tagged.map((t) => taxonomy.label(t.tag, true));
  const clockView = clocks.length ? { clocks: { list: clocks, now: context.clock.now() } } : {};
  const header = buildHeaderCard({ incident, playbook, roles, mention, timeZone: context.timeZone, tags, ...clockView });
  const checklist = buildChecklistCards({
    incident,
    playbook,
    steps,
    mention,
    timeZone: context.timeZone,
    clocks,
    ...(platform.checklistItemsPerCard ? { maxItemsPerCard: platform.checklistItemsPerCard } : {}),
  });
  return { header, checklist };
}

/**
 * How long a publisher may go without renewing its lease; it renews before chat calls in the second
 * half. Short, because a publisher that died holds its incident's cards until it runs out (then the
 * side-effect retries render them again).
 */
export const PUBLISH_LEASE_MS = 20_000;
/** A bound on render rounds by one holder, in case changes never stop; the next change carries on. */
const MAX_ROUNDS = 500;

/** A digest of what a card shows, so a message already showing it is not sent again. */
export function cardDigest(card: Card): string {
  return createHash('sha256').update(JSON.stringify(card)).digest('base64url');
}

/** Test seam: runs before each chat call of a publisher (the deterministic interleaving test pauses here). */
export const publishHooks: { beforeSend?: (incidentId: number, what: string) => Promise<void> } = {};

/** Renders at once per process; more wait in line, one per incident (render-queue.ts). */
const RENDERS_AT_ONCE = 2;
const renderQueues = new WeakMap<CoreContext, RenderQueue>();

function renderQueue(context: CoreContext): RenderQueue {
  let queue = renderQueues.get(context);
  if (!queue) {
    queue = new RenderQueue((incidentId) => publishCards(context, incidentId), RENDERS_AT_ONCE, (incidentId, error) =>
      context.logger.warn({ incidentId, err: error instanceof Error ? error.message : String(error) }, 'card render failed; the next change or the side-effect retry renders again'),
    );
    renderQueues.set(context, queue);
  }
  return queue;
}

/**
 * Brings the incident's cards up to date after a change: renders them now when this process has a
 * render slot free (the caller waits for it), else queues one render that covers every change
 * made until it starts.
 */
export function refreshCards(context: CoreContext, incidentId: number): Promise<void> {
  return renderQueue(context).request(incidentId);
}

/** Resolves when this process has no card render running or waiting. */
export function cardRendersSettled(context: CoreContext): Promise<void> {
  return renderQueues.get(context)?.settled() ?? Promise.resolve();
}

/**
 * Re-renders every card of the incident from the database and updates each bound message; a card
 * that has no message yet is posted and bound. Lost or stale updates heal on the next refresh.
 *
 * Across processes one publisher per incident holds a short lease: a refresh that finds it held
 * marks the incident dirty and returns, and the holder renders again before it lets go whenever
 * the incident's card version moved or it was marked dirty, so the newest state always reaches
 * chat and nothing older is sent after something newer. Each message records the version and
 * digest it shows: a render of the same state is not sent twice.
 */
async function publishCards(context: CoreContext, incidentId: number): Promise<void> {
  const publishing = context.store.cardPublishing;
  const lease = new Lease(context, incidentId, `${workerOf(context)}/${randomUUID()}`);
  let version = await lease.take(() => publishing.acquire(incidentId, lease.holder, PUBLISH_LEASE_MS));
  if (version === undefined) return; // Held: the holder was told (dirty) and renders again.
  let released = false;
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const shown: ShownCard[] = [];
      if (!(await publishRound(context, incidentId, lease, version, shown))) {
        released = true; // The lease ran out and another publisher may have it: its render is newer.
        return;
      }
      released = await publishing.release(incidentId, lease.holder, version, shown);
      if (released) return;
      // The incident changed (or someone asked) while this round rendered: another round. The
      // version is read before the state, so the state rendered is at least this new.
      version = await lease.take(() => publishing.beginRound(incidentId, lease.holder, PUBLISH_LEASE_MS));
      if (version === undefined) {
        released = true;
        return;
      }
    }
  } finally {
    if (!released) await publishing.abandon(incidentId, lease.holder).catch(() => undefined);
  }
}

/**
 * This publisher's lease. It is known to be held until `PUBLISH_LEASE_MS` after the statement that
 * last took or renewed it was sent; a send in the first half of that needs no round trip, later
 * ones renew it first (and stop when it ran out).
 */
class Lease {
  private renewedAt = Number.NEGATIVE_INFINITY;
  constructor(
    private readonly context: CoreContext,
    private readonly incidentId: number,
    readonly holder: string,
  ) {}

  async take<T>(statement: () => Promise<T | undefined>): Promise<T | undefined> {
    const sentAt = performance.now();
    const result = await statement();
    if (result !== undefined) this.renewedAt = sentAt;
    return result;
  }

  async beforeSend(what: string): Promise<boolean> {
    await publishHooks.beforeSend?.(this.incidentId, what);
    if (performance.now() - this.renewedAt < PUBLISH_LEASE_MS / 2) return true;
    return (await this.take(async () => ((await this.context.store.cardPublishing.hold(this.incidentId, this.holder, PUBLISH_LEASE_MS)) ? true : undefined))) === true;
  }
}

/** One render of the incident at `version` or newer; what it sent is added to `shown`. False when the lease was lost on the way. */
async function publishRound(context: CoreContext, incidentId: number, lease: Lease, version: number, shown: ShownCard[]): Promise<boolean> {
  const publishing = context.store.cardPublishing;
  const sources = await publishing.sources(incidentId);
  const incident = sources?.incident;
  if (!sources || !incident?.channelId) return true;
  const platform = platformFor(context, incident);
  const { header, checklist } = renderCards(context, sources, platform);
  const bound = sources.messages;
  const wanted: { purpose: BoundMessage['purpose']; part: number; card: Card }[] = [
    { purpose: 'header', part: 0, card: header },
    ...checklist.map((card, part) => ({ purpose: 'checklist' as const, part, card })),
  ];
  for (const { purpose, part, card } of wanted) {
    const key: CardKey = { incidentId: incident.id, purpose, part };
    const digest = cardDigest(card);
    const existing = bound.find((m) => m.purpose === purpose && m.part === part);
    if (existing && (existing.shownVersion ?? -1) > version) continue;
    if (existing?.shownDigest === digest) {
      // Unchanged: nothing to send, but it is recorded as drawn from this version (see `behind`).
      if ((existing.shownVersion ?? -1) < version) shown.push({ key, version, digest });
      continue;
    }
    try {
      if (!(await lease.beforeSend(`${existing ? 'update' : 'post'} ${purpose} ${part}`))) return false;
      if (existing && (await updateBound(context, platform, existing, card)) === 'done') {
        shown.push({ key, version, digest });
        continue;
      }
      const ref = await postOnce(context, platform, incident.channelId, key, card);
      await context.store.messages.bind({ incidentId: incident.id, purpose, part, channelId: incident.channelId, ref });
      shown.push({ key, version, digest });
      await publishing.posted(key);
      if (purpose === 'header' && platform.pin) await platform.pin(ref);
    } catch (error) {
      if (isAppError(error, 'rate_limited')) throw error;
      await recordFailure(context, incident, `${existing ? 'update' : 'post'} ${purpose} card`, error);
    }
  }
  const stale = bound.filter((m) => m.purpose === 'checklist' && m.part >= checklist.length);
  for (const message of stale) {
    if (!(await lease.beforeSend(`retire checklist ${message.part}`))) return false;
    // One already deleted, or in an archived channel, needs no retiring.
    await platform.updateCard(message.ref, { title: 'This checklist was replaced; see the messages above.' }).catch((error: unknown) => {
      if (!isAppError(error, 'message_gone') && !isAppError(error, 'space_archived')) throw error;
    });
  }
  if (stale.length > 0) await context.store.messages.unbind(incident.id, 'checklist', checklist.length);
  return true;
}

/**
 * Updates a bound card. An update that can never succeed would otherwise be retried, and reported
 * in the channel, forever: a card whose message was deleted is posted again (`repost`: the caller
 * binds the new message), and one in an archived channel is left as it is (`done`).
 */
async function updateBound(context: CoreContext, platform: ChatPlatform, message: BoundMessage, card: Card): Promise<'done' | 'repost'> {
  const where = { incidentId: message.incidentId, purpose: message.purpose, part: message.part };
  try {
    await platform.updateCard(message.ref, card);
    return 'done';
  } catch (error) {
    if (isAppError(error, 'space_archived')) {
      context.logger.info(where, 'the incident channel is archived; its cards stay as they are');
      return 'done';
    }
    if (!isAppError(error, 'message_gone')) throw error;
    context.logger.info(where, 'a card was deleted from its channel; posting it again');
    return 'repost';
  }
}

/**
 * Posts a card that has no bound message. The attempt is recorded first: when an earlier attempt
 * was recorded and never bound, it may have reached the platform without its answer reaching us
 * (a crash, a timeout after Slack posted), so the platform is asked for that card and it is
 * adopted (and brought up to date) instead of posting a second one.
 */
async function postOnce(context: CoreContext, platform: ChatPlatform, channelId: string, key: CardKey, card: Card): Promise<MessageRef> {
  const attempts = await context.store.cardPublishing.attemptPost(key, context.clock.now());
  if (attempts > 1 && platform.findCard) {
    const found = await platform.findCard(channelId, key);
    if (found) {
      await platform.updateCard(found, card);
      context.logger.info({ incidentId: key.incidentId, purpose: key.purpose, part: key.part }, 'adopted a card an earlier attempt posted');
      return found;
    }
  }
  return platform.postCard(channelId, card, key);
}
