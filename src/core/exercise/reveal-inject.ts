import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { privateReply, publicReply, type Reply } from '../reply.js';
import { injectCard, tacticName, techniqueName } from './exercise-cards.js';
import { exerciseInChannel } from './exercise-in-channel.js';

/** Reveals the next procedure step of the scenario as an inject; the count lives with the exercise. */
export async function revealInject(context: CoreContext, actor: Actor): Promise<Reply> {
  const { incident, exercise, scenario } = await exerciseInChannel(context, actor, 'exercise inject');
  const study = scenario.caseStudy;
  const total = study.procedure.length;
  const now = context.clock.now();
  const number = await changeIncident(context, incident.id, async (store) => {
    const current = (await store.exercises.forIncident(incident.id)) ?? exercise;
    if (current.completedAt) throw new AppError('invalid_transition', 'this exercise has ended; start another with `exercise start`');
    if (current.injectsRevealed >= total) return null;
    const next = current.injectsRevealed + 1;
    const step = study.procedure[next - 1]!;
    await store.exercises.update(current.id, { injectsRevealed: next });
    await store.events.append({
      incidentId: incident.id,
      kind: 'exercise_inject',
      payload: {
        exercise_id: current.id,
        number: next,
        total,
        tactic: tacticName(study, step.tactic),
        technique: step.technique,
        technique_name: techniqueName(study, step.technique),
      },
      actor: actor.userId,
      occurredAt: now,
    });
    return next;
  });
  if (number === null) {
    return privateReply(`There are no more injects: all ${total} have been revealed. Record your decisions, then \`exercise end\` for the after-action review.`);
  }
  return publicReply(`Inject ${number} of ${total}`, injectCard(study, number));
}
