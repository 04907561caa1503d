import type { Actor, CoreContext } from '../context.js';
import { ROLE_IDS } from '../domain.js';
import { AppError } from '../errors.js';
import { changeState } from '../incident/change-state.js';
import { changeGoverned } from '../incident/permissions.js';
import { platformFor } from '../incident/publish-incident.js';
import { isOpen } from '../incident/transitions.js';
import { publicReply, type Reply } from '../reply.js';
import { formatTime } from '../time/time-input.js';
import type { Exercise } from './exercise.js';
import { reviewCard, type AfterActionReview, type DecisionTaken } from './exercise-cards.js';
import { exerciseInChannel } from './exercise-in-channel.js';
import { authoredInChannel } from './advance-msel.js';
import { endAuthoredExercise } from './hot-wash.js';

/** What the exercise showed, read back from its event log, checklist and roles. */
export async function afterActionReview(context: CoreContext, exercise: Exercise, incidentId: number, injectsTotal: number): Promise<AfterActionReview> {
  const [events, steps, roles] = await Promise.all([
    context.store.events.forIncident(incidentId),
    context.store.steps.list(incidentId),
    context.store.roles.forIncident(incidentId),
  ]);
  let latestInject: { number: number; at: Date } | null = null;
  const decisions: DecisionTaken[] = [];
  for (const event of [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id)) {
    if (event.kind === 'exercise_inject') latestInject = { number: Number(event.payload.number), at: event.occurredAt };
    if (event.kind === 'decision_recorded') {
      decisions.push({
        text: String(event.payload.text),
        because: typeof event.payload.because === 'string' ? event.payload.because : null,
        by: event.actor,
        tookMs: latestInject ? event.occurredAt.getTime() - latestInject.at.getTime() : null,
        afterInject: latestInject?.number ?? null,
      });
    }
  }
  const held = new Set(roles.map((r) => r.role));
  return {
    title: exercise.title,
    durationMs: (exercise.completedAt ?? context.clock.now()).getTime() - exercise.startedAt.getTime(),
    injectsRevealed: exercise.injectsRevealed,
    injectsTotal,
    decisions,
    gaps: steps.filter((s) => !s.doneAt),
    unheldRoles: ROLE_IDS.filter((role) => !held.has(role)),
  };
}

/**
 * Ends the exercise (the completion is what `exercise_frequency` counts), closes its incident
 * through the normal state path, and answers with the after-action review.
 */
export async function endExercise(context: CoreContext, actor: Actor): Promise<Reply> {
  const here = await context.store.incidents.findByChannel(actor.platform, actor.channelId);
  const played = here?.isExercise ? await context.store.exercises.forIncident(here.id) : undefined;
  if (played?.authoredId) return endAuthoredExercise(context, actor, await authoredInChannel(context, actor, 'exercise end'));
  const { incident, exercise, scenario } = await exerciseInChannel(context, actor, 'exercise end');
  const total = scenario.caseStudy.procedure.length;
  const now = context.clock.now();
  // Ending closes the exercise's incident: the facilitator, the commander or an admin may (permissions.ts).
  const completed = await changeGoverned(context, actor, incident.id, 'close', async (store) => {
    const current = (await store.exercises.forIncident(incident.id)) ?? exercise;
    if (current.completedAt) {
      throw new AppError('invalid_transition', `this exercise already ended at ${formatTime(current.completedAt, context.timeZone)}; its review is in the channel`);
    }
    const updated = await store.exercises.update(current.id, { completedAt: now });
    await store.events.append({
      incidentId: incident.id,
      kind: 'exercise_completed',
      payload: { exercise_id: current.id, injects_revealed: current.injectsRevealed, injects_total: total },
      actor: actor.userId,
      occurredAt: now,
    });
    return updated;
  });
  const latest = await context.store.incidents.get(incident.id);
  if (latest && isOpen(latest.state)) await changeState(context, actor, incident.id, 'closed');
  const review = await afterActionReview(context, completed, incident.id, total);
  const platform = platformFor(context, incident);
  return publicReply('Exercise ended and closed. After-action review:', reviewCard(review, (u) => platform.mention(u)));
}
