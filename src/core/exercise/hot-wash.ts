import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { changeState } from '../incident/change-state.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { changeGoverned } from '../incident/permissions.js';
import { platformFor } from '../incident/platform-for.js';
import { isOpen } from '../incident/transitions.js';
import { privateReply, publicReply, type Reply } from '../reply.js';
import { formatTime } from '../time/time-input.js';
import { authoredInChannel, loadAuthored, mustFacilitate, type AuthoredExercise } from './advance-msel.js';
import { EXERCISE_MARK, HOT_WASH_QUESTIONS, hotWashCard, type HotWashQuestion } from './authored-cards.js';
import { refreshFacilitatorView } from './facilitator-view.js';
import { exerciseProgress } from './msel.js';
import { postAfterActionReport } from './post-after-action-report.js';

/**
 * `exercise end` of an authored scenario: the exercise counts as completed from now
 * (`exercise_frequency`), its incident closes, what was still to come is cancelled, and the hot
 * wash opens for the scenario's `hot_wash_minutes`; the after-action report follows when it closes.
 */
export async function endAuthoredExercise(context: CoreContext, actor: Actor, authored: AuthoredExercise): Promise<Reply> {
  const { scenario, incident } = authored;
  const now = context.clock.now();
  const closesAt = new Date(now.getTime() + scenario.hot_wash_minutes * 60_000);
  await changeGoverned(context, actor, incident.id, 'close', async (store) => {
    const exercise = (await store.exercises.get(authored.exercise.id))!;
    if (exercise.completedAt) throw new AppError('invalid_transition', `this exercise already ended at ${formatTime(exercise.completedAt, context.timeZone)}; the hot wash and report are in the channel`);
    const progress = exerciseProgress(await store.events.forIncident(incident.id));
    await store.exercises.update(exercise.id, { completedAt: now, pausedAt: null });
    for (const timer of await store.exerciseTimers.forExercise(exercise.id)) {
      if (timer.status === 'pending' || timer.status === 'paused') await store.exerciseTimers.settleUnclaimed(timer.id, 'cancelled', now);
    }
    await store.exerciseTimers.schedule({ exerciseId: exercise.id, incidentId: incident.id, kind: 'hot_wash_end', subject: 'hot-wash', dueAt: closesAt });
    await store.events.append({
      incidentId: incident.id,
      kind: 'exercise_completed',
      payload: { exercise_id: exercise.id, injects_revealed: progress.delivered.size, injects_total: scenario.injects.length },
      actor: actor.userId,
      occurredAt: now,
    });
  });
  const latest = await context.store.incidents.get(incident.id);
  if (latest && isOpen(latest.state)) await changeState(context, actor, incident.id, 'closed');
  if (incident.channelId) await platformFor(context, incident).postCard(incident.channelId, hotWashCard(incident.id, scenario.hot_wash_minutes, closesAt, context.timeZone));
  await refreshFacilitatorView(context, authored.exercise.id).catch(() => undefined);
  return publicReply(`${EXERCISE_MARK} ended and closed: it counts as completed now. Hot wash open until ${formatTime(closesAt, context.timeZone)}; then the after-action report and improvement plan are posted here.`);
}

async function recordAnswers(context: CoreContext, actor: Actor, authored: AuthoredExercise, answers: Partial<Record<HotWashQuestion, string>>): Promise<Reply> {
  const { exercise, incident } = authored;
  if (!exercise.completedAt) throw new AppError('invalid_transition', 'the hot wash opens at `exercise end`');
  const given = (Object.entries(answers) as [HotWashQuestion, string][]).filter(([, text]) => text.trim().length > 0);
  if (given.length === 0) throw new AppError('bad_command', 'write an answer: `exercise hotwash well|change|missing <answer>`');
  const now = context.clock.now();
  await changeIncident(context, incident.id, async (store) => {
    for (const [question, text] of given) {
      await store.events.append({ incidentId: incident.id, kind: 'exercise_hot_wash_answer', payload: { exercise_id: exercise.id, question, text: text.trim() }, actor: actor.userId, occurredAt: now });
    }
  });
  const late = exercise.aarPostedAt ? ' The report is already posted: `exercise aar` posts it again with your answer.' : '';
  return privateReply(`Thanks: recorded for the after-action report (${given.map(([q]) => HOT_WASH_QUESTIONS[q]).join(' ')}).${late}`);
}

/** `exercise hotwash <well|change|missing> <answer>`. */
export async function hotWashFromText(context: CoreContext, actor: Actor, question: HotWashQuestion, text: string): Promise<Reply> {
  return recordAnswers(context, actor, await authoredInChannel(context, actor, 'exercise hotwash'), { [question]: text });
}

/** The hot wash form's submit; value `<incidentId>`. */
export async function hotWashFromForm(context: CoreContext, actor: Actor, value: string, answers: Partial<Record<HotWashQuestion, string>>): Promise<Reply> {
  if (!/^\d+$/.test(value)) throw new AppError('bad_command', `this button's value "${value}" is not one the bot made`);
  const exercise = await context.store.exercises.forIncident(Number(value));
  const authored = exercise && (await loadAuthored(context, exercise));
  if (!authored) throw new AppError('not_found', 'this exercise is gone');
  return recordAnswers(context, actor, authored, answers);
}

/** `exercise aar`: the facilitator closes the hot wash now, or posts the report again. */
export async function postAarNow(context: CoreContext, actor: Actor): Promise<Reply> {
  const authored = await authoredInChannel(context, actor, 'exercise aar');
  mustFacilitate(context, actor, authored.exercise, 'exercise aar');
  if (!authored.exercise.completedAt) throw new AppError('invalid_transition', 'the report follows the end: `exercise end` first');
  const now = context.clock.now();
  const timers = await context.store.exerciseTimers.forExercise(authored.exercise.id);
  for (const timer of timers.filter((t) => t.kind === 'hot_wash_end' && t.status === 'pending')) await context.store.exerciseTimers.settleUnclaimed(timer.id, 'cancelled', now);
  return postAfterActionReport(context, actor, authored.incident.id);
}
