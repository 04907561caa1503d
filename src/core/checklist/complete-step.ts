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
    const step = await store.steps.setDone(incidentId, number, done ? { at: now, by: actor.userId } : null);
    if (!step) {
      // Not changed: a step already so, or none by that number (the rare path reads the list).
      const steps = await store.steps.list(incidentId);
      const existing = steps.find((s) => s.number === number);
      if (existing) return { title: existing.title, changed: false };
      throw new AppError('not_found', steps.length ? `there is no step ${number}; steps are numbered 1 to ${steps.length}` : 'this incident has no checklist; pick a playbook with `/incident playbook <id>`');
    }
    await store.events.append({
      incidentId,
      kind: done ? 'step_ticked' : 'step_unticked',
      payload: { step: number, title: step.title },
      actor: actor.userId,
      occurredAt: now,
    });
    return { title: step.title, changed: true };
  });
  await refreshCards(context, incidentId);
  if (!changed.changed) return privateReply(`Step ${number} was already ${done ? 'ticked' : 'unticked'}.`);
  return privateReply(`Step ${number} ${done ? 'ticked' : 'unticked'}: ${changed.title}`);
}
