import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { refreshCards } from '../incident/refresh-cards.js';
import { publicReply, type Reply } from '../reply.js';
import { formatTime } from '../time/time-input.js';
import { clockShortLabel, type ClockKind } from './deadline.js';

/** `unflag <flag> [reason]`: the incident is not that kind of notifiable incident after all; its clock and reminders stop. */
export async function unflagClock(context: CoreContext, actor: Actor, incidentId: number, kind: ClockKind, reason?: string): Promise<Reply> {
  const now = context.clock.now();
  await changeIncident(context, incidentId, async (store) => {
    const current = await store.clocks.current(incidentId, kind);
    if (!current) throw new AppError('not_found', `no ${kind} clock is running on this incident; \`/incident flag ${kind}\` starts one`);
    if (current.notifiedAt) {
      throw new AppError('invalid_transition', `the ${clockShortLabel(kind)} was already made, ${formatTime(current.notifiedAt, context.timeZone)}; there is no clock left to stop`);
    }
    await store.clocks.stop(current.id, now, reason ?? null);
    await store.events.append({ incidentId, kind: 'clock_unflagged', payload: { clock: kind, reason: reason ?? null }, actor: actor.userId, occurredAt: now });
  });
  await refreshCards(context, incidentId);
  return publicReply(`${kind} unflagged: its clock and reminders stopped${reason ? ` (${reason})` : ''}.`);
}
