import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Store } from '../ports/store.js';
import { publicReply, type Reply } from '../reply.js';
import { formatTime } from '../time/time-input.js';
import { STATE_LABELS } from './header-card.js';
import type { Incident } from './incident.js';
import { changeIncident } from './incident-transaction.js';
import { changeGoverned } from './permissions.js';
import { askForReview } from '../review/ask-for-review.js';
import { refreshCards } from './publish-incident.js';
import { STATE_COLUMN, isOpen, planReopen, planTransition, type TimedState } from './transitions.js';

function refusal(result: object): result is { refused: string } {
  return 'refused' in result;
}

export async function changeState(context: CoreContext, actor: Actor, incidentId: number, to: TimedState, at?: Date): Promise<Reply> {
  const now = context.clock.now();
  const when = at ?? now;
  const move = async (store: Store, incident: Incident) => {
    const planned = planTransition(incident, to, when, now, context.timeZone);
    if (refusal(planned)) throw new AppError('invalid_transition', planned.refused);
    const patch: Partial<Incident> = { state: to };
    for (const [state, stamp] of Object.entries(planned.stamps)) patch[STATE_COLUMN[state as TimedState]] = stamp;
    await store.incidents.update(incident.id, patch);
    await store.events.append({
      incidentId: incident.id,
      kind: 'state_changed',
      payload: { from: planned.from, to, skipped: planned.skipped },
      actor: actor.userId,
      occurredAt: when,
      ...(actor.requestKey ? { idempotencyKey: `state:${actor.requestKey}` } : {}),
    });
    return planned;
  };
  // Forward progress is open to everyone in the channel; closing is governed (permissions.ts).
  const plan = to === 'closed' ? await changeGoverned(context, actor, incidentId, 'close', move) : await changeIncident(context, incidentId, move);
  await refreshCards(context, incidentId);
  const skipped = plan.skipped.length ? ` (also stamped ${plan.skipped.join(', ')} at the same time)` : '';
  const backdated = at ? ` at ${formatTime(when, context.timeZone)}` : '';
  // Closing a sev1–sev2 incident without a posted review asks for one (review/ask-for-review.ts).
  const closed = to === 'closed' ? await context.store.incidents.get(incidentId) : undefined;
  const ask = closed ? await askForReview(context, closed) : '';
  return publicReply(`${STATE_LABELS[to]}${backdated}${skipped}.${ask}`);
}

export async function reopenIncident(context: CoreContext, actor: Actor, incidentId: number): Promise<Reply> {
  const now = context.clock.now();
  const target = await changeGoverned(context, actor, incidentId, 'reopen', async (store, incident) => {
    const planned = planReopen(incident);
    if (refusal(planned)) throw new AppError('invalid_transition', planned.refused);
    await store.incidents.update(incident.id, {
      state: planned.to,
      containedAt: null,
      resolvedAt: null,
      closedAt: null,
      falsePositiveAt: null,
      falsePositiveReason: null,
      ...(planned.to === 'declared' ? { triagedAt: null } : {}),
    });
    await store.events.append({ incidentId: incident.id, kind: 'incident_reopened', payload: planned, actor: actor.userId, occurredAt: now });
    return planned.to;
  });
  await refreshCards(context, incidentId);
  return publicReply(`Reopened: the incident is ${target} again.`);
}

export async function markFalsePositive(context: CoreContext, actor: Actor, incidentId: number, reason?: string): Promise<Reply> {
  const now = context.clock.now();
  // An alert nobody has declared yet is dismissed in triage by whoever sees its card (permissions.ts).
  await changeGoverned(context, actor, incidentId, 'false_positive', async (store, incident) => {
    if (!isOpen(incident.state)) throw new AppError('invalid_transition', `the incident is already ${incident.state === 'false_positive' ? 'marked a false positive' : incident.state}; use \`reopen\` first`);
    await store.incidents.update(incident.id, { state: 'false_positive', falsePositiveAt: now, falsePositiveReason: reason ?? null });
    await store.events.append({
      incidentId: incident.id,
      kind: 'state_changed',
      payload: { from: incident.state, to: 'false_positive', skipped: [], ...(reason ? { reason } : {}) },
      actor: actor.userId,
      occurredAt: now,
      ...(actor.requestKey ? { idempotencyKey: `state:${actor.requestKey}` } : {}),
    });
  });
  await refreshCards(context, incidentId);
  return publicReply(`Marked a false positive${reason ? `: ${reason}` : ''}. It counts in the false-positive rate, not in the response times.`);
}
