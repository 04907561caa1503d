import type { CoreContext } from '../context.js';
import { ROLES } from '../domain.js';
import type { Incident, Page } from '../incident/incident.js';
import { CLAIM_LEASE_MS } from './deliver-pages.js';
import { tellChannel } from './tell-channel.js';
import { escalationChain, nextInChain } from './escalation-policy.js';

type Outcome = { kind: 'escalated'; incident: Incident; from: string; to: string; toBackup: boolean } | { kind: 'exhausted'; incident: Incident; steps: number } | null;

/**
 * A claimed page whose escalation time has passed: unless someone acknowledged meanwhile, mark
 * it escalated and queue a page to the next person in the role's roster, then its backup.
 */
export async function escalatePage(context: CoreContext, claimed: Page, worker?: string): Promise<boolean> {
  const now = context.clock.now();
  // With the claim's worker, every write below happens only while this claim still holds the page.
  const claim = worker ? { worker, now } : undefined;
  const outcome: Outcome = await context.store.transaction(async (store) => {
    // The incident row lock orders this against an acknowledgement arriving at the same moment.
    const incident = await store.incidents.lock(claimed.incidentId);
    const page = await store.pageQueue.lock(claimed.id);
    // The lease ran out before this ran (and it may be claimed again): leave it to the next claimer.
    if (claim && !(await store.pageQueue.hold(claimed.id, { ...claim, leaseMs: CLAIM_LEASE_MS }))) return null;
    if (!incident || !page || page.escalateAt === null || page.acknowledgedAt || page.status === 'acknowledged' || page.status === 'cancelled') {
      await store.pageQueue.settle(claimed.id, {}, claim);
      return null;
    }
    // One chain per role: a newer page for the role (`page <role>`, a reassignment) supersedes this one.
    const superseded = (await store.pages.forIncident(incident.id)).some((p) => p.role === page.role && p.id > page.id);
    if (superseded || incident.state === 'resolved' || incident.state === 'closed' || incident.state === 'false_positive') {
      await store.pageQueue.settle(page.id, { escalateAt: null }, claim);
      return null;
    }
    const [roster, backups] = await Promise.all([store.roles.roster(incident.platform), store.roles.backups(incident.platform)]);
    const backup = backups.get(page.role);
    const chain = escalationChain(roster.get(page.role) ?? [], backup);
    const step = page.step + 1;
    const next = nextInChain(chain, page.userId, step);
    if (!next) {
      await store.pageQueue.settle(page.id, { escalateAt: null }, claim);
      await store.events.append({
        incidentId: incident.id,
        kind: 'escalation_exhausted',
        payload: { page_id: page.id, role: page.role, steps: step },
        actor: 'bot',
        occurredAt: now,
        idempotencyKey: `escalation-exhausted:${page.id}`,
      });
      return { kind: 'exhausted', incident, steps: step };
    }
    await store.pageQueue.settle(page.id, { status: 'escalated', escalateAt: null, escalatedAt: now }, claim);
    await store.pages.create({ incidentId: incident.id, role: page.role, userId: next, createdAt: now, step });
    const toBackup = next === backup && !(roster.get(page.role) ?? []).includes(next);
    await store.events.append({
      incidentId: incident.id,
      kind: 'page_escalated',
      payload: { page_id: page.id, role: page.role, from: page.userId, to: next, step, to_backup: toBackup },
      actor: 'bot',
      occurredAt: now,
      idempotencyKey: `escalate:${page.id}`,
    });
    return { kind: 'escalated', incident, from: page.userId, to: next, toBackup };
  });
  if (!outcome) return false;
  const platform = context.platforms.get(outcome.incident.platform);
  const mention = (user: string) => (platform ? platform.mention(user) : `@${user}`);
  const role = ROLES[claimed.role].name;
  if (outcome.kind === 'exhausted') {
    await tellChannel(
      context,
      outcome.incident,
      `🚨 Nobody acknowledged the ${role} page after ${outcome.steps} tries; the bot stopped escalating. Page someone with \`/incident assign ${claimed.role} @person\`.`,
    );
    return false;
  }
  context.telemetry?.pageEscalated();
  await tellChannel(
    context,
    outcome.incident,
    `${mention(outcome.from)} did not acknowledge the ${role} page in time: paging ${mention(outcome.to)}${outcome.toBackup ? ' (the backup)' : ''}.`,
  );
  return true;
}
