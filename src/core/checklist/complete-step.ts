import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { refreshCards } from '../incident/publish-incident.js';
import { privateReply, type Reply } from '../reply.js';

/**
 * Ticks or unticks one step. The change and its event are one statement: the step's row lock
 * orders two people clicking one step, and the card-version trigger takes the incident's row lock
 * until commit, as every change to the incident does. The card is rebuilt from the database
 * afterwards, so nobody loses a tick.
 */
export async function completeStep(context: CoreContext, actor: Actor, incidentId: number, number: number, done: boolean): Promise<Reply> {
  const now = context.clock.now();
  const change = await context.store.steps.setDone(incidentId, number, done ? { at: now, by: actor.userId } : null, { actor: actor.userId, occurredAt: now });
  if (change.outcome === 'missing') {
    throw new AppError('not_found', change.stepCount ? `there is no step ${number}; steps are numbered 1 to ${change.stepCount}` : 'this incident has no checklist; pick a playbook with `/incident playbook <id>`');
  }
  await refreshCards(context, incidentId);
  if (change.outcome === 'already') return privateReply(`Step ${number} was already ${done ? 'ticked' : 'unticked'}.`);
  return privateReply(`Step ${number} ${done ? 'ticked' : 'unticked'}: ${change.title}`);
}
