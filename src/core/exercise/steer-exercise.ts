import { randomUUID } from 'node:crypto';
import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { privateReply, publicReply, type Reply } from '../reply.js';
import { workerOf } from '../roles/deliver-pages.js';
import { formatDuration, formatTime } from '../time/time-input.js';
import { advanceMsel, authoredInChannel, mustFacilitate, type AuthoredExercise } from './advance-msel.js';
import { EXERCISE_MARK } from './authored-cards.js';
import { refreshFacilitatorView } from './facilitator-view.js';
import { deliverInject, runDueExerciseTimers, TIMER_LEASE_MS } from './fire-exercise-timers.js';
import { exerciseProgress, injectNumber } from './msel.js';

export type SteerCommand = 'pause' | 'resume' | 'next' | 'skip';

function mustBeRunning(authored: AuthoredExercise): void {
  if (authored.exercise.completedAt) throw new AppError('invalid_transition', `this exercise ended at ${authored.exercise.completedAt.toISOString()}; the hot wash and the report follow`);
}

/** The next inject on the MSEL: the pending inject timer due first. */
async function nextInjectTimer(context: CoreContext, authored: AuthoredExercise) {
  const timers = await context.store.exerciseTimers.forExercise(authored.exercise.id);
  return timers.filter((t) => t.kind === 'inject' && (t.status === 'pending' || t.status === 'paused')).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.id - b.id)[0];
}

/** Why nothing is next: a branch waits for a decision, or the MSEL is done. */
async function nothingNext(context: CoreContext, authored: AuthoredExercise): Promise<Reply> {
  const events = await context.store.events.forIncident(authored.incident.id);
  const progress = exerciseProgress(events);
  const waiting = authored.scenario.injects.find((i) => 'after' in i.trigger && i.trigger.if && !progress.delivered.has(i.id) && !progress.skipped.has(i.id) && progress.delivered.has(i.trigger.after));
  if (waiting && 'after' in waiting.trigger && waiting.trigger.if) {
    return privateReply(`No inject is scheduled: the next one waits for the decision on inject ${injectNumber(authored.scenario, waiting.trigger.if.decision)} (\`exercise decide <option> because <reasoning>\`).`);
  }
  return privateReply('No injects are left. End the exercise with `exercise end` for the hot wash and the after-action report.');
}

async function pause(context: CoreContext, actor: Actor, authored: AuthoredExercise): Promise<Reply> {
  const now = context.clock.now();
  await changeIncident(context, authored.incident.id, async (store) => {
    const exercise = (await store.exercises.get(authored.exercise.id))!;
    if (exercise.pausedAt) throw new AppError('invalid_transition', `the exercise is already paused (since ${formatTime(exercise.pausedAt, context.timeZone)}); \`exercise resume\` continues it`);
    await store.exercises.update(exercise.id, { pausedAt: now });
    await store.exerciseTimers.pause(exercise.id);
    await store.events.append({ incidentId: authored.incident.id, kind: 'exercise_paused', payload: { exercise_id: exercise.id }, actor: actor.userId, occurredAt: now });
  });
  return publicReply(`${EXERCISE_MARK} paused by the facilitator: no inject arrives and no limit runs until \`exercise resume\`.`);
}

async function resume(context: CoreContext, actor: Actor, authored: AuthoredExercise): Promise<Reply> {
  const now = context.clock.now();
  const pausedMs = await changeIncident(context, authored.incident.id, async (store) => {
    const exercise = (await store.exercises.get(authored.exercise.id))!;
    if (!exercise.pausedAt) throw new AppError('invalid_transition', 'the exercise is not paused; `exercise pause` pauses it');
    const ms = now.getTime() - exercise.pausedAt.getTime();
    await store.exercises.update(exercise.id, { pausedAt: null });
    await store.exerciseTimers.resume(exercise.id, ms);
    await store.events.append({ incidentId: authored.incident.id, kind: 'exercise_resumed', payload: { exercise_id: exercise.id, paused_ms: ms }, actor: actor.userId, occurredAt: now });
    return ms;
  });
  await runDueExerciseTimers(context);
  return publicReply(`${EXERCISE_MARK} resumed after ${formatDuration(pausedMs)}: every inject and limit moves back by the pause.`);
}

async function next(context: CoreContext, actor: Actor, authored: AuthoredExercise): Promise<Reply> {
  if (authored.exercise.pausedAt) throw new AppError('invalid_transition', 'the exercise is paused: `exercise resume` first');
  const timer = await nextInjectTimer(context, authored);
  if (!timer) return nothingNext(context, authored);
  const worker = `${workerOf(context)}/${randomUUID()}`;
  const claimed = await context.store.exerciseTimers.claim(timer.id, { worker, now: context.clock.now(), leaseMs: TIMER_LEASE_MS });
  if (!claimed) throw new AppError('invalid_transition', 'that inject is going out right now; look in the channel');
  try {
    await deliverInject(context, authored, claimed, worker, 'facilitator');
  } catch (error) {
    await context.store.exerciseTimers.release(claimed.id, context.clock.now(), { worker, now: context.clock.now() }).catch(() => undefined);
    throw error;
  }
  await runDueExerciseTimers(context);
  return privateReply(`Inject ${injectNumber(authored.scenario, timer.subject)} (${timer.subject}) brought forward and delivered.`);
}

async function skip(context: CoreContext, actor: Actor, authored: AuthoredExercise): Promise<Reply> {
  const timer = await nextInjectTimer(context, authored);
  if (!timer) return nothingNext(context, authored);
  const now = context.clock.now();
  const skipped = await changeIncident(context, authored.incident.id, async (store) => {
    if (!(await store.exerciseTimers.settleUnclaimed(timer.id, 'skipped', now))) return false;
    await store.events.append({ incidentId: authored.incident.id, kind: 'exercise_inject_skipped', payload: { exercise_id: authored.exercise.id, inject: timer.subject, reason: 'facilitator' }, actor: actor.userId, occurredAt: now });
    await advanceMsel(store, authored, now);
    return true;
  });
  if (!skipped) throw new AppError('invalid_transition', 'that inject is going out right now; look in the channel');
  await runDueExerciseTimers(context);
  return privateReply(`Inject ${injectNumber(authored.scenario, timer.subject)} (${timer.subject}) skipped; the injects after it run from now.`);
}

/** `exercise pause | resume | next | skip`: the facilitator steers; the view updates. */
export async function steerExercise(context: CoreContext, actor: Actor, command: SteerCommand): Promise<Reply> {
  const authored = await authoredInChannel(context, actor, `exercise ${command}`);
  mustFacilitate(context, actor, authored.exercise, `exercise ${command}`);
  mustBeRunning(authored);
  const run = { pause, resume, next, skip }[command];
  const reply = await run(context, actor, authored);
  await refreshFacilitatorView(context, authored.exercise.id).catch((error: unknown) => context.logger.warn({ exerciseId: authored.exercise.id, err: error instanceof Error ? error.message : String(error) }, 'could not refresh the facilitator view'));
  return reply;
}

/** `exercise observed <action> [note]`: the facilitator saw an expected action the bot cannot see. */
export async function markObserved(context: CoreContext, actor: Actor, actionId: string, note: string | undefined): Promise<Reply> {
  const authored = await authoredInChannel(context, actor, 'exercise observed');
  mustFacilitate(context, actor, authored.exercise, 'exercise observed');
  const inject = authored.scenario.injects.find((i) => i.expected_actions.some((a) => a.id === actionId));
  if (!inject) {
    const ids = authored.scenario.injects.flatMap((i) => i.expected_actions.map((a) => a.id));
    throw new AppError('bad_command', `no expected action "${actionId}" in this scenario; the ids are ${ids.join(', ')}`);
  }
  const now = context.clock.now();
  await changeIncident(context, authored.incident.id, (store) =>
    store.events.append({ incidentId: authored.incident.id, kind: 'exercise_action_observed', payload: { exercise_id: authored.exercise.id, inject: inject.id, action: actionId, note: note ?? null }, actor: actor.userId, occurredAt: now }),
  );
  await refreshFacilitatorView(context, authored.exercise.id);
  return privateReply(`Marked ${actionId} observed at ${formatTime(now, context.timeZone)}; your view shows whether it was within its limit.`);
}

/** `exercise note <text>`: an evaluator note, for the facilitator's view and the report only. */
export async function evaluatorNote(context: CoreContext, actor: Actor, text: string): Promise<Reply> {
  const authored = await authoredInChannel(context, actor, 'exercise note');
  mustFacilitate(context, actor, authored.exercise, 'exercise note');
  await changeIncident(context, authored.incident.id, (store) =>
    store.events.append({ incidentId: authored.incident.id, kind: 'exercise_evaluator_note', payload: { exercise_id: authored.exercise.id, text }, actor: actor.userId, occurredAt: context.clock.now() }),
  );
  await refreshFacilitatorView(context, authored.exercise.id);
  return privateReply('Evaluator note recorded: it is in your view and the after-action report, not in the channel.');
}
