import type { CoreContext } from '../context.js';
import type { Incident, Page } from './incident.js';
import { publishIncident } from './publish-incident.js';
import { similarCasesKey, wantsSimilarCases } from '../similar/post-similar-cases.js';
import { isOpen } from './transitions.js';

/**
 * Side effects that did not happen (the chat platform or the database was away) are finished
 * later by the bot itself, not only at the next restart: a channel never created, a card never
 * posted, a card whose last update failed (the message may show an older state), a page still
 * pending, or a page that failed for a reason that passes (a 5xx, a timeout, a lost connection).
 *
 * `publishIncident` only does what is missing, so running it again is safe; what makes a round
 * finish an incident is read from the database each time, so a restart picks up where it was.
 */

/** What a failed delivery says when the failure is the platform's and passes: HTTP 5xx, timeouts, lost connections. */
const TRANSIENT_PAGE_ERROR = /HTTP 5\d\d|timed? ?out|timeout|aborted|ECONN|EPIPE|socket hang up|fetch failed|service_unavailable|internal_error|database/i;

/** Card effects recorded by refreshCards (`update header card`, `post checklist card`, …). */
const CARD_EFFECT = /card$/;

export function isTransientPageFailure(page: Pick<Page, 'status' | 'error'>): boolean {
  return page.status === 'failed' && TRANSIENT_PAGE_ERROR.test(page.error ?? '');
}

export interface RetryRound {
  /** Incidents whose side effects were all done in this round. */
  finished: number;
  /** Incidents that still have something undone (tried again after the backoff). */
  unfinished: number;
  /** Failed pages given back to the queue to be delivered again. */
  requeuedPages: number;
}

/**
 * The last card failure this process has seen healed, per incident (the event's id). A card
 * failure newer than that means a bound message may show an older state: the next round re-sends
 * every card. Kept in memory: after a restart every incident with a card failure is refreshed
 * once, which only re-sends what is already there.
 */
export class CardHealing {
  private readonly healed = new Map<number, number>();

  async staleSince(context: CoreContext, incidentId: number): Promise<number | undefined> {
    const latest = await context.store.events.latest('side_effect_failed', incidentId);
    if (!latest || !CARD_EFFECT.test(String(latest.payload.effect))) return undefined;
    return latest.id > (this.healed.get(incidentId) ?? 0) ? latest.id : undefined;
  }

  markHealed(incidentId: number, eventId: number): void {
    this.healed.set(incidentId, eventId);
  }
}

const defaultHealing = new WeakMap<CoreContext, CardHealing>();
function healingOf(context: CoreContext): CardHealing {
  let healing = defaultHealing.get(context);
  if (!healing) defaultHealing.set(context, (healing = new CardHealing()));
  return healing;
}

interface Outstanding {
  reasons: string[];
  staleEvent?: number;
  retryPages: Page[];
}

async function outstanding(context: CoreContext, incident: Incident, healing: CardHealing, now: Date): Promise<Outstanding> {
  const reasons: string[] = [];
  const [messages, pages, steps, staleEvent] = await Promise.all([
    context.store.messages.forIncident(incident.id),
    context.store.pages.forIncident(incident.id),
    context.store.steps.list(incident.id),
    incident.channelId ? healing.staleSince(context, incident.id) : Promise.resolve(undefined),
  ]);
  if (!incident.channelId) reasons.push('channel');
  // Invites happen after the cards; one cut short (a rate limit, an outage, a crash) is finished too.
  const platform = context.platforms.get(incident.platform);
  if (incident.channelId && platform?.invite && !(await context.store.events.findByIdempotencyKey(`invited:${incident.id}:${incident.channelId}`))) reasons.push('invites');
  if (wantsSimilarCases(incident) && !(await context.store.events.findByIdempotencyKey(similarCasesKey(incident)))) reasons.push('similar cases');
  if (!messages.some((m) => m.purpose === 'header')) reasons.push('header card');
  if (steps.length > 0 && !messages.some((m) => m.purpose === 'checklist')) reasons.push('checklist card');
  if (staleEvent !== undefined) reasons.push('card update');
  if (pages.some((p) => p.status === 'pending')) reasons.push('pending page');
  // A page that failed for a passing reason goes out again, unless it is already escalating to the next person.
  const retryPages = incident.state === 'resolved' ? [] : pages.filter((p) => isTransientPageFailure(p) && (p.escalateAt === null || p.escalateAt > now));
  if (retryPages.length > 0) reasons.push('failed page');
  return { reasons, ...(staleEvent !== undefined ? { staleEvent } : {}), retryPages };
}

/** Gives a failed page back to the queue (still failed and unclaimed under its row lock), so the next delivery sends it. */
async function requeuePage(context: CoreContext, page: Page): Promise<boolean> {
  return context.store.transaction(async (store) => {
    const locked = await store.pageQueue.lock(page.id);
    if (!locked || !isTransientPageFailure(locked)) return false;
    await store.pageQueue.settle(page.id, { status: 'pending', error: null });
    return true;
  });
}

/**
 * One round: for every open incident on a running platform that has something undone, finish it.
 * Never throws for one incident; a database that does not answer ends the round (it throws).
 */
export async function retryUnfinishedSideEffects(context: CoreContext, healing: CardHealing = healingOf(context)): Promise<RetryRound> {
  const round: RetryRound = { finished: 0, unfinished: 0, requeuedPages: 0 };
  const now = context.clock.now();
  const behind = new Set(await context.store.cardPublishing.behind());
  const incidents = await context.store.incidents.list({ open: true, limit: 500 });
  // Cards behind their incident are drawn again even for an incident older than the newest 500 open ones.
  for (const id of behind) {
    if (incidents.some((i) => i.id === id)) continue;
    const incident = await context.store.incidents.get(id);
    if (incident) incidents.push(incident);
  }
  // The alerts of the incidents without a channel, in one read: an alert storm leaves hundreds.
  const alerts = await context.store.alerts.forIncidents(incidents.filter((i) => !i.channelId).map((i) => i.id));
  for (const incident of incidents) {
    if (!context.platforms.has(incident.platform) || !isOpen(incident.state)) continue;
    // An alert waiting for triage has no channel on purpose: it gets one when someone declares it.
    if (!incident.channelId && alerts.get(incident.id)?.triage === 'pending') continue;
    const undone = await outstanding(context, incident, healing, now);
    if (behind.has(incident.id)) undone.reasons.push('cards behind the incident');
    if (undone.reasons.length === 0) continue;
    try {
      for (const page of undone.retryPages) if (await requeuePage(context, page)) round.requeuedPages++;
      await publishIncident(context, incident.id);
      // Every card was re-sent without a new failure: the older failure is healed.
      if (undone.staleEvent !== undefined && (await healing.staleSince(context, incident.id)) === undone.staleEvent) healing.markHealed(incident.id, undone.staleEvent);
      const after = await context.store.incidents.get(incident.id);
      const left: { reasons: string[] } = after ? await outstanding(context, after, healing, context.clock.now()) : { reasons: [] };
      if (left.reasons.length === 0) round.finished++;
      else round.unfinished++;
      context.logger.info({ incidentId: incident.id, undone: undone.reasons, left: left.reasons }, 'retried unfinished side effects');
    } catch (error) {
      round.unfinished++;
      context.logger.warn({ incidentId: incident.id, undone: undone.reasons, err: error instanceof Error ? error.message : String(error) }, 'could not finish side effects; will retry');
    }
  }
  return round;
}

export interface SideEffectRetries {
  /** One round now (rounds never overlap). */
  runNow(): Promise<RetryRound | undefined>;
  stop(): Promise<void>;
}

export interface RetryTiming {
  /** Wait after a round that left something undone, doubled after each such round … */
  minMs: number;
  /** … up to this; also the wait between rounds while everything is done. */
  maxMs: number;
}

/**
 * Runs a round every `maxMs` while everything is done, and with exponential backoff from `minMs`
 * while something is left (the platform or the database is still away), so the first round after
 * an outage comes at most `maxMs` after it ends and a long outage costs a few calls a minute.
 */
export function startSideEffectRetries(context: CoreContext, timing: RetryTiming): SideEffectRetries {
  const healing = healingOf(context);
  let running: Promise<RetryRound | undefined> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let wait = timing.minMs;

  const runNow = (): Promise<RetryRound | undefined> => {
    if (running) return running;
    running = retryUnfinishedSideEffects(context, healing)
      .then(
        (round) => {
          wait = round.unfinished > 0 ? Math.min(wait * 2, timing.maxMs) : timing.minMs;
          return round;
        },
        (error: unknown) => {
          wait = Math.min(wait * 2, timing.maxMs);
          context.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'side-effect retry round failed; will retry');
          return undefined;
        },
      )
      .finally(() => {
        running = null;
      });
    return running;
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runNow().then((round) => {
        // Nothing left: look again after the longest wait; something left: back off.
        schedule(round && round.unfinished === 0 ? timing.maxMs : wait);
      });
    }, ms);
    timer.unref();
  };
  schedule(timing.minMs);

  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
