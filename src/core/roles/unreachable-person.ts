import type { CoreContext } from '../context.js';
import { ROLES, type RoleId } from '../domain.js';
import type { Incident } from '../incident/incident.js';
import type { Store } from '../ports/store.js';
import { escalationChain, nextInChain } from './escalation-policy.js';

/** A page that still waits for its person: delivered or not, nobody answered and nothing replaced it. */
const WAITING = new Set(['pending', 'sent', 'failed']);

export interface Replacement {
  role: RoleId;
  from: string;
  /** Who is paged instead (the next person of the role's escalation chain), or null when there is nobody else. */
  to: string | null;
}

/**
 * The platform says `unreachable` cannot be reached (no such person, a deactivated account): every
 * role they were being paged for goes to the next person of its chain now, as an escalation would
 * after the wait (the same policy, event and idempotency key: a page is escalated once). People in
 * `skip` (refused in the same invite) are passed over. Runs inside the caller's transaction.
 */
export async function pageNextInstead(context: CoreContext, store: Store, incident: Incident, unreachable: string, skip: ReadonlySet<string>, reason: string): Promise<Replacement[]> {
  if (incident.isExercise) return [];
  const now = context.clock.now();
  const held = (await store.roles.forIncident(incident.id)).filter((r) => r.userId === unreachable).map((r) => r.role);
  if (held.length === 0) return [];
  const pages = await store.pages.forIncident(incident.id);
  const [roster, backups] = await Promise.all([store.roles.roster(incident.platform), store.roles.backups(incident.platform)]);
  const replacements: Replacement[] = [];
  for (const role of held) {
    const latest = pages.filter((p) => p.role === role).sort((a, b) => a.id - b.id).at(-1);
    if (!latest || latest.userId !== unreachable || !WAITING.has(latest.status) || latest.acknowledgedAt) continue;
    const page = await store.pageQueue.lock(latest.id);
    if (!page || !WAITING.has(page.status) || page.acknowledgedAt) continue;
    const chain = escalationChain(roster.get(role) ?? [], backups.get(role));
    const step = page.step + 1;
    let next = nextInChain(chain, unreachable, step);
    for (let tries = 0; next && (next === unreachable || skip.has(next)) && tries < chain.length; tries++) next = nextInChain(chain, next, step);
    if (!next || next === unreachable || skip.has(next)) {
      await store.pageQueue.settle(page.id, { status: 'cancelled', escalateAt: null });
      await store.events.append({
        incidentId: incident.id,
        kind: 'page_cancelled',
        payload: { page_id: page.id, role, user: unreachable, reason: `${reason}; nobody else on the ${ROLES[role].name} roster` },
        actor: 'bot',
        occurredAt: now,
        idempotencyKey: `unreachable:${page.id}`,
      });
      replacements.push({ role, from: unreachable, to: null });
      continue;
    }
    const first = await store.events.append({
      incidentId: incident.id,
      kind: 'page_escalated',
      payload: { page_id: page.id, role, from: unreachable, to: next, step, to_backup: next === backups.get(role) && !(roster.get(role) ?? []).includes(next) },
      actor: 'bot',
      occurredAt: now,
      idempotencyKey: `escalate:${page.id}`,
    });
    if (!first) continue;
    await store.pageQueue.settle(page.id, { status: 'escalated', escalateAt: null, escalatedAt: now, error: reason });
    await store.pages.create({ incidentId: incident.id, role, userId: next, createdAt: now, step });
    replacements.push({ role, from: unreachable, to: next });
  }
  return replacements;
}
