import type { CoreContext } from '../context.js';
import type { Incident, Page } from './incident.js';
import { publishIncident, refreshCards } from './publish-incident.js';
import { similarCasesKey, wantsSimilarCases } from '../similar/post-similar-cases.js';
import { isOpen } from './transitions.js';

/**
 * Side effects that did not happen (the chat platform or the database was away) are finished
 * later by the bot itself, not only at the next restart: a channel never created, a card never
 * posted, a card behind its incident (its update failed, or its render was lost in a crash: see
 * `CardPublishing.behind`), a page still pending, or a page that failed for a reason that passes
 * (a 5xx, a timeout, a lost connection).
 *
 * `publishIncident` only does what is missing, so running it again is safe; what makes a round
 * finish an incident is read from the database each time, so a restart picks up where it was.
 */

/** What a failed delivery says when the failure is the platform's and passes: HTTP 5xx, timeouts, lost connections. */
const TRANSIENT_PAGE_ERROR = /HTTP 5\d\d|timed? ?out|timeout|aborted|ECONN|EPIPE|socket hang up|fetch failed|service_unavailable|internal_error|database/i;

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

interface Outstanding {
  reasons: string[];
  retryPages: Page[];
}

async function outstanding(context: CoreContext, incident: Incident, now: Date): Promise<Outstanding> {
  const reasons: string[] = [];
  const [messages, pages, steps] = await Promise.all([
    context.store.messages.forIncident(incident.id),
    context.store.pages.forIncident(incident.id),
    context.store.steps.list(incident.id),
  ]);
  if (!incident.channelId) reasons.push('channel');
  // Invites happen after the cards; one cut short (a rate limit, an outage, a crash) is finished too.
  const platform = context.platforms.get(incident.platform);
  if (incident.channelId && platform?.invite && !(await context.store.events.findByIdempotencyKey(`invited:${incident.id}:${incident.channelId}`))) reasons.push('invites');
  if (wantsSimilarCases(incident) && !(await context.store.events.findByIdempotencyKey(similarCasesKey(incident)))) reasons.push('similar cases');
  if (!messages.some((m) => m.purpose === 'header')) reasons.push('header card');
  if (steps.length > 0 && !messages.some((m) => m.purpose === 'checklist')) reasons.push('checklist card');
  if (pages.some((p) => p.status === 'pending')) reasons.push('pending page');
  // A page that failed for a passing reason goes out again, unless it is already escalating to the next person.
  const retryPages = incident.state === 'resolved' ? [] : pages.filter((p) => isTransientPageFailure(p) && (p.escalateAt === null || p.escalateAt > now));
  if (retryPages.length > 0) reasons.push('failed page');
  return { reasons, retryPages };
}

async function redrawClosed(context: CoreContext, incident: Incident, finished: number[], round: RetryRound): Promise<void> {
  try {
    await refreshCards(context, incident.id);
    finished.push(incident.id);
    context.logger.info({ incidentId: incident.id, undone: ['cards behind the incident'] }, 'retried unfinished side effects');
  } catch (error) {
    round.unfinished++;
    context.logger.warn({ incidentId: incident.id, err: error instanceof Error ? error.message : String(error) }, 'could not redraw the cards of a closed incident; will retry');
  }
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
 * One round: for every open incident on a running platform that has something undone, finish it;
 * a closed incident only has its cards drawn again when they are behind it.
 * Never throws for one incident; a database that does not answer ends the round (it throws).
 */
export async function retryUnfinishedSideEffects(context: CoreContext): Promise<RetryRound> {
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
  const finished: number[] = [];
  // The alerts of the incidents without a channel, in one read: an alert storm leaves hundreds.
  const alerts = await context.store.alerts.forIncidents(incidents.filter((i) => !i.channelId).map((i) => i.id));
  for (const incident of incidents) {
    if (!context.platforms.has(incident.platform)) continue;
    if (!isOpen(incident.state)) {
      // A closed incident has nothing left to do but show it: its cards, when a render was lost.
      if (behind.has(incident.id)) await redrawClosed(context, incident, finished, round);
      continue;
    }
    // An alert waiting for triage has no channel on purpose: it gets one when someone declares it.
    if (!incident.channelId && alerts.get(incident.id)?.triage === 'pending') continue;
    const undone = await outstanding(context, incident, now);
    if (behind.has(incident.id)) undone.reasons.push('cards behind the incident');
    if (undone.reasons.length === 0) continue;
    try {
      for (const page of undone.retryPages) if (await requeuePage(context, page)) round.requeuedPages++;
      await publishIncident(context, incident.id);
      const after = await context.store.incidents.get(incident.id);
      const left: { reasons: string[] } = after ? await outstanding(context, after, context.clock.now()) : { reasons: [] };
      if (left.reasons.length === 0) finished.push(incident.id);
      else round.unfinished++;
      context.logger.info({ incidentId: incident.id, undone: undone.reasons, left: left.reasons }, 'retried unfinished side effects');
    } catch (error) {
      round.unfinished++;
      context.logger.warn({ incidentId: incident.id, undone: undone.reasons, err: error instanceof Error ? error.message : String(error) }, 'could not finish side effects; will retry');
    }
  }
  // A card whose update failed again is still behind: unfinished, so the next round comes after the backoff.
  const stillBehind = finished.length > 0 ? new Set(await context.store.cardPublishing.behind()) : new Set<number>();
  for (const id of finished) {
    if (stillBehind.has(id)) round.unfinished++;
    else round.finished++;
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
  let running: Promise<RetryRound | undefined> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let wait = timing.minMs;

  const runNow = (): Promise<RetryRound | undefined> => {
    if (running) return running;
    running = retryUnfinishedSideEffects(context)
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
