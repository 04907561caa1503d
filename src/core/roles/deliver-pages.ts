import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { CoreContext } from '../context.js';
import { ROLES, type RoleId } from '../domain.js';
import { incidentRef } from '../incident/header-card.js';
import type { Incident, Page } from '../incident/incident.js';
import { isOpen } from '../incident/transitions.js';
import type { Pager } from '../ports/pager.js';
import { ChatDmPager } from './chat-dm-pager.js';
import { escalatePage } from './escalate-page.js';
import { tellChannel } from './tell-channel.js';
import { escalationDelayMs } from './escalation-policy.js';
import { pageCard } from './page-card.js';

/**
 * How long a claimed page stays out of other workers' reach while this one delivers it, and how
 * many pages one claim takes: a batch must finish well inside the lease even when every pager
 * runs into its 10 s timeout, or another worker would take the same pages again. The deliverer
 * renews it before every send, so it only needs to outlast one; a worker that died holds its pages
 * this long at most.
 */
export const CLAIM_LEASE_MS = 60_000;
const CLAIM_BATCH = 3;
const DEFAULT_WORKER = `${hostname()}:${process.pid}`;

export function pagersOf(context: CoreContext): readonly Pager[] {
  return context.paging?.pagers ?? [new ChatDmPager(context.platforms)];
}

export function workerOf(context: CoreContext): string {
  return context.paging?.worker ?? DEFAULT_WORKER;
}

/** One external alert per incident and role, so repeats and escalations update the same one. */
export function dedupKeyFor(incidentId: number, role: RoleId): string {
  return `incident-${incidentId}-${role}`;
}

function mentionFor(context: CoreContext, incident: Incident): (userId: string) => string {
  const platform = context.platforms.get(incident.platform);
  return (userId) => (platform ? platform.mention(userId) : `@${userId}`);
}

/** Sends one claimed page through every pager; records what went out and what did not. `lost`: the lease ran out first, the next claimer has it. */
async function deliverPage(context: CoreContext, page: Page, worker: string): Promise<'sent' | 'failed' | 'cancelled' | 'lost'> {
  const claim = () => ({ worker, now: context.clock.now() });
  const incident = await context.store.incidents.get(page.incidentId);
  if (!incident || !isOpen(incident.state) || incident.state === 'resolved') {
    const reason = incident ? `the incident is ${incident.state}` : 'the incident no longer exists';
    return context.store.transaction(async (store) => {
      if (!(await store.pageQueue.settle(page.id, { status: 'cancelled' }, claim()))) return 'lost';
      if (incident) {
        await store.events.append({
          incidentId: incident.id,
          kind: 'page_cancelled',
          payload: { page_id: page.id, role: page.role, user: page.userId, reason },
          actor: 'bot',
          occurredAt: context.clock.now(),
        });
      }
      return 'cancelled' as const;
    });
  }
  const mention = mentionFor(context, incident);
  const dedupKey = dedupKeyFor(incident.id, page.role);
  const notice = {
    incident,
    page,
    dedupKey,
    summary: `${incidentRef(incident)} ${incident.severity.toUpperCase()}: ${incident.title} (paging ${ROLES[page.role].name})`,
    // The incident's own platform names people and links its channel; without it, plain text.
    card: pageCard(incident, page, context.platforms.get(incident.platform) ?? { mention }, context.timeZone),
  };
  const sent: Pager[] = [];
  const failed: { pager: Pager; error: string }[] = [];
  for (const pager of pagersOf(context)) {
    // A batch must not outlive its lease: each send first renews this claim's lease, and a claim
    // whose lease ran out (a stall longer than the lease) sends nothing more.
    if (!(await context.store.pageQueue.hold(page.id, { ...claim(), leaseMs: CLAIM_LEASE_MS }))) {
      if (sent.length === 0 && failed.length === 0) return 'lost';
      break;
    }
    try {
      await pager.page(notice);
      sent.push(pager);
    } catch (error) {
      failed.push({ pager, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const now = context.clock.now();
  const delay = escalationDelayMs(incident.severity, context.paging?.escalationMinutes);
  // Escalation is scheduled even when nothing went out: the next person is the way through.
  const escalateAt = delay === null ? null : new Date(now.getTime() + delay);
  const settled = await context.store.transaction(async (store) => {
    const held = await store.pageQueue.settle(
      page.id,
      {
        status: sent.length ? 'sent' : 'failed',
        ...(sent.length ? { sentAt: now } : {}),
        escalateAt,
        error: failed.length ? failed.map((f) => `${f.pager.name}: ${f.error}`).join('; ') : null,
      },
      claim(),
    );
    // Claimed again by another worker meanwhile: the outcome is theirs to record.
    if (!held) return false;
    if (sent.length) {
      await store.events.append({
        incidentId: incident.id,
        kind: 'page_sent',
        payload: { page_id: page.id, role: page.role, user: page.userId, via: sent.map((p) => p.name).join('+') },
        actor: 'bot',
        occurredAt: now,
        idempotencyKey: `page-sent:${page.id}`,
      });
    }
    for (const failure of failed) {
      await store.events.append({
        incidentId: incident.id,
        kind: 'page_failed',
        payload: { page_id: page.id, role: page.role, user: page.userId, error: failure.error, via: failure.pager.name },
        actor: 'bot',
        occurredAt: now,
        idempotencyKey: `page-failed:${page.id}:${failure.pager.name}`,
      });
    }
    for (const pager of sent) {
      if (pager.resolve) await store.pageQueue.recordExternal({ incidentId: incident.id, role: page.role, pager: pager.name, dedupKey, at: now });
    }
    return true;
  });
  if (!settled) {
    context.logger.warn({ pageId: page.id }, 'the page was claimed again after its lease ran out; its outcome is left to that claim');
    return 'lost';
  }
  for (const pager of sent) context.telemetry?.pageSent(pager.name);
  for (const { pager } of failed) context.telemetry?.pageFailed(pager.name);
  for (const failure of failed) {
    const next = escalateAt ? ' The bot will page the next person in the roster if nobody acknowledges.' : '';
    await tellChannel(
      context,
      incident,
      `⚠️ The page to ${mention(page.userId)} (${ROLES[page.role].name}) via ${failure.pager.name} did not go out: ${failure.error}. Try \`/incident page ${page.role}\` again.${next}`,
    );
  }
  return sent.length ? 'sent' : 'failed';
}

/** Closes external alerts (PagerDuty) of incidents that are over. */
async function resolveExternalAlerts(context: CoreContext): Promise<number> {
  const claimed = await context.store.pageQueue.claimResolvable({ now: context.clock.now(), leaseMs: CLAIM_LEASE_MS, limit: 50 });
  let resolved = 0;
  for (const alert of claimed) {
    const pager = pagersOf(context).find((p) => p.name === alert.pager);
    const incident = await context.store.incidents.get(alert.incidentId);
    if (!incident) continue;
    try {
      if (pager?.resolve) await pager.resolve({ incident, role: alert.role, dedupKey: alert.dedupKey });
      const now = context.clock.now();
      await context.store.transaction(async (store) => {
        await store.pageQueue.markResolved(alert, now);
        await store.events.append({
          incidentId: alert.incidentId,
          kind: 'pager_resolved',
          payload: { role: alert.role, via: alert.pager, dedup_key: alert.dedupKey },
          actor: 'bot',
          occurredAt: now,
          idempotencyKey: `pager-resolved:${alert.dedupKey}:${alert.pager}`,
        });
      });
      resolved++;
    } catch (error) {
      // The claim's lease runs out and the next round tries again.
      context.logger.warn({ incidentId: alert.incidentId, pager: alert.pager, err: error instanceof Error ? error.message : String(error) }, 'could not resolve the external alert; will retry');
    }
  }
  return resolved;
}

export interface PagingRound {
  sent: number;
  failed: number;
  escalated: number;
  resolved: number;
}

/**
 * Claims and runs every page that is due: deliveries, then escalations (whose new pages are
 * delivered in the next pass), then external alerts to resolve. Each claim is FOR UPDATE SKIP
 * LOCKED with a lease, so several processes never do the same page twice.
 */
export async function runDuePages(context: CoreContext, options: { incidentId?: number } = {}): Promise<PagingRound> {
  const round: PagingRound = { sent: 0, failed: 0, escalated: 0, resolved: 0 };
  for (let pass = 0; pass < 200; pass++) {
    // Unique per claim, so two rounds of one process (the loop and a command) never pass for each other.
    const worker = `${workerOf(context)}/${randomUUID()}`;
    const claimed = await context.store.pageQueue.claim({
      now: context.clock.now(),
      worker,
      leaseMs: CLAIM_LEASE_MS,
      limit: CLAIM_BATCH,
      ...(options.incidentId !== undefined ? { incidentId: options.incidentId } : {}),
    });
    if (claimed.length === 0) break;
    for (const { page, due } of claimed) {
      try {
        if (due === 'deliver') {
          const outcome = await deliverPage(context, page, worker);
          if (outcome === 'sent') round.sent++;
          if (outcome === 'failed') round.failed++;
        } else if (await escalatePage(context, page, worker)) {
          round.escalated++;
        }
      } catch (error) {
        // A database hiccup: give the page back to be tried again a minute later.
        context.logger.error({ pageId: page.id, err: error instanceof Error ? error.message : String(error) }, 'page job failed; will retry');
        await context.store.pageQueue.release(page.id, new Date(context.clock.now().getTime() + CLAIM_LEASE_MS), { worker, now: context.clock.now() }).catch(() => undefined);
      }
    }
  }
  if (options.incidentId === undefined) round.resolved = await resolveExternalAlerts(context);
  return round;
}

/** Sends every page of the incident still pending; a page that fails is an event and a message in the channel. */
export async function deliverPendingPages(context: CoreContext, incidentId: number): Promise<void> {
  await runDuePages(context, { incidentId });
}
