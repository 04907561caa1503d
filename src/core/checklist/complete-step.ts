import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { refreshCards } from '../incident/publish-incident.js';
import { privateReply, type Reply } from '../reply.js';

/**
 * Ticks or unticks one step. The write happens under the incident's lock and the card is rebuilt
 * from the database afterwards, so two people clicking at once never lose a tick.
 */
export async function completeStep(context: CoreContext, actor: Actor, incidentId: number, number: number, done: boolean): Promise<Reply> {
  const now = context.clock.now();
  const changed = await changeIncident(context, incidentId, async (store) => {
    const steps = await store.steps.list(incidentId);
    const step = steps.find((s) => s.number === number);
    if (!step) {
      throw new AppError('not_found', steps.length ? `there is no step ${number}; steps are numbered 1 to ${steps.length}` : 'this incident has no checklist; pick a playbook with `/incident playbook <id>`');
    }
    if ((step.doneAt !== null) === done) return null;
    await store.steps.setDone(incidentId, number, done ? { at: now, by: actor.userId } : null);
    await store.events.append({
      incidentId,
      kind: done ? 'step_ticked' : 'step_unticked',
      payload: { step: number, title: step.title },
      actor: actor.userId,
      occurredAt: now,
    });
    return step;
  });
  await refreshCards(context, incidentId);
  if (!changed) return privateReply(`Step ${number} was already ${done ? 'ticked' : 'unticked'}.`);
  return privateReply(`Step ${number} ${done ? 'ticked' : 'unticked'}: ${changed.title}`);
}
