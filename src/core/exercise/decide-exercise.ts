import type { Actor, CoreContext } from '../context.js';
import { ROLES } from '../domain.js';
import { AppError } from '../errors.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { publicReply, type Reply } from '../reply.js';
import { formatDuration, formatTime } from '../time/time-input.js';
import { advanceMsel, authoredInChannel, loadAuthored, type AuthoredExercise } from './advance-msel.js';
import { EXERCISE_MARK } from './authored-cards.js';
import { refreshFacilitatorView } from './facilitator-view.js';
import { runDueExerciseTimers } from './fire-exercise-timers.js';
import { exerciseProgress, injectNumber, injectOf, runningMs } from './msel.js';

/** The decision a text `exercise decide` answers: the latest delivered inject whose decision is still open. */
function openDecision(authored: AuthoredExercise, progress: ReturnType<typeof exerciseProgress>): string | undefined {
  const open = [...progress.delivered.entries()]
    .filter(([id]) => injectOf(authored.scenario, id)?.decision && !progress.decisions.has(id))
    .sort((a, b) => b[1].at.getTime() - a[1].at.getTime());
  return open[0]?.[0];
}

/**
 * Records a decision at a decision point: who chose which option and why (required), the time
 * from the prompt (less pauses) and whether it was within the inject's limit. A branch that
 * waited on it is scheduled or skipped at once.
 */
export async function decide(context: CoreContext, actor: Actor, authored: AuthoredExercise, request: { inject?: string; option: string; reasoning: string }): Promise<Reply> {
  const { exercise, scenario, incident } = authored;
  if (exercise.completedAt) throw new AppError('invalid_transition', 'this exercise has ended; decisions are closed (the hot wash is open: `exercise hotwash`)');
  const reasoning = request.reasoning.trim();
  const now = context.clock.now();
  const reply = await changeIncident(context, incident.id, async (store) => {
    const progress = exerciseProgress(await store.events.forIncident(incident.id));
    const injectId = request.inject ?? openDecision(authored, progress);
    const inject = injectId ? injectOf(scenario, injectId) : undefined;
    if (!inject?.decision || !injectId) throw new AppError('invalid_transition', 'no decision is open right now: a decision point arrives with an inject');
    const delivered = progress.delivered.get(injectId);
    if (!delivered) throw new AppError('invalid_transition', `inject ${injectNumber(scenario, injectId)} has not been delivered yet`);
    const taken = progress.decisions.get(injectId);
    if (taken) throw new AppError('invalid_transition', `inject ${injectNumber(scenario, injectId)}'s decision was taken at ${formatTime(taken.at, context.timeZone)}: ${taken.label}`);
    const option = inject.decision.options.find((o) => o.id === request.option.toLowerCase());
    if (!option) throw new AppError('bad_command', `"${request.option}" is not an option here; choose ${inject.decision.options.map((o) => `\`${o.id}\``).join(', ')}`);
    if (!reasoning) throw new AppError('bad_command', `give your reasoning: \`exercise decide ${option.id} because <reasoning>\``);
    const decider = inject.decision.decided_by;
    if (decider) {
      const holder = (await store.roles.forIncident(incident.id)).find((r) => r.role === decider)?.userId;
      if (holder && holder !== actor.userId && actor.userId !== exercise.facilitator) {
        throw new AppError('forbidden', `the ${ROLES[decider].name} decides this one (${holder}); say what you would advise in a \`note\``);
      }
    }
    const limitMs = inject.decision.within_minutes * 60_000;
    const tookMs = runningMs(delivered.at, now, progress.pauses);
    await store.events.append({
      incidentId: incident.id,
      kind: 'exercise_decided',
      payload: { exercise_id: exercise.id, inject: injectId, option: option.id, label: option.label, reasoning, prompted_at: delivered.at.toISOString(), took_ms: tookMs, limit_ms: limitMs, within_limit: tookMs <= limitMs },
      actor: actor.userId,
      occurredAt: now,
      idempotencyKey: `exercise:${exercise.id}:decided:${injectId}`,
    });
    await advanceMsel(store, authored, now);
    const timing = tookMs <= limitMs ? `within the ${formatDuration(limitMs)} limit` : `over the ${formatDuration(limitMs)} limit`;
    return `${EXERCISE_MARK} decision on inject ${injectNumber(scenario, injectId)}: ${option.label}. Taken after ${formatDuration(tookMs)}, ${timing}.\nReasoning: ${reasoning}`;
  });
  await runDueExerciseTimers(context);
  await refreshFacilitatorView(context, exercise.id).catch((error: unknown) => context.logger.warn({ exerciseId: exercise.id, err: error instanceof Error ? error.message : String(error) }, 'could not refresh the facilitator view'));
  return publicReply(reply);
}

/** `exercise decide <option> because <reasoning>`, typed in the exercise's space. */
export async function decideFromText(context: CoreContext, actor: Actor, option: string, reasoning: string): Promise<Reply> {
  return decide(context, actor, await authoredInChannel(context, actor, 'exercise decide'), { option, reasoning });
}

/** The reasoning form's submit (`exercise:decision`, value `<incidentId>:<inject>:<option>`). */
export async function decideFromForm(context: CoreContext, actor: Actor, value: string, reasoning: string): Promise<Reply> {
  const match = /^(\d+):([a-z0-9-]+):([a-z0-9-]+)$/.exec(value);
  if (!match) throw new AppError('bad_command', `this button's value "${value}" is not one the bot made`);
  const exercise = await context.store.exercises.forIncident(Number(match[1]));
  const authored = exercise && (await loadAuthored(context, exercise));
  if (!authored) throw new AppError('not_found', 'this exercise is no longer running');
  return decide(context, actor, authored, { inject: match[2]!, option: match[3]!, reasoning });
}
