import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { platformFor } from '../incident/platform-for.js';
import { workerOf } from '../roles/deliver-pages.js';
import { formatDuration } from '../time/time-input.js';
import { advanceMsel, loadAuthored, type AuthoredExercise } from './advance-msel.js';
import { contingencyCard, exerciseTitle, injectCard, rolesAddressed } from './authored-cards.js';
import { playerView } from './authored-scenario.js';
import type { ExerciseTimer } from './exercise.js';
import { refreshFacilitatorView } from './facilitator-view.js';
import { exerciseProgress, injectNumber, injectOf, observeActions } from './msel.js';
import { postAfterActionReport } from './post-after-action-report.js';

/** As for pages and reminders: a claimed timer is out of other workers' reach this long, renewed right before its message goes out. */
export const TIMER_LEASE_MS = 60_000;
const TIMER_BATCH = 10;

type Outcome = 'fired' | 'cancelled' | 'lost';

/** Posts in the exercise's space; the space is the exercise's incident channel. */
async function post(context: CoreContext, authored: AuthoredExercise, card: Parameters<ReturnType<typeof platformFor>['postCard']>[1]): Promise<void> {
  const { incident } = authored;
  if (!incident.channelId) throw new Error(`exercise ${authored.exercise.id} has no space yet`);
  await platformFor(context, incident).postCard(incident.channelId, card);
}

/**
 * Delivers an inject: its card goes out first (under a renewed lease), then the delivery is
 * recorded with the timer settled in one transaction, with its limits scheduled and the MSEL
 * moved on. `trigger` says who brought it: its schedule, or the facilitator's `exercise next`.
 */
export async function deliverInject(context: CoreContext, authored: AuthoredExercise, timer: ExerciseTimer, worker: string, trigger: 'schedule' | 'facilitator'): Promise<Outcome> {
  const { exercise, scenario, incident } = authored;
  const inject = injectOf(scenario, timer.subject);
  const settle = (status: 'cancelled') => context.store.exerciseTimers.settle(timer.id, status, { worker, now: context.clock.now() });
  if (!inject) return (await settle('cancelled')) ? 'cancelled' : 'lost';
  if (!(await context.store.exerciseTimers.hold(timer.id, { worker, now: context.clock.now(), leaseMs: TIMER_LEASE_MS }))) return 'lost';
  const platform = platformFor(context, incident);
  const roles = await context.store.roles.forIncident(incident.id);
  await post(context, authored, injectCard(incident.id, playerView(inject), injectNumber(scenario, inject.id), scenario.injects.length, rolesAddressed(inject.to, roles, (u) => platform.mention(u))));
  const now = context.clock.now();
  const settled = await changeIncident(context, incident.id, async (store) => {
    if (!(await store.exerciseTimers.settle(timer.id, 'fired', { worker, now }))) return false;
    await store.events.append({
      incidentId: incident.id,
      kind: 'exercise_inject_delivered',
      payload: { exercise_id: exercise.id, inject: inject.id, trigger },
      actor: 'bot',
      occurredAt: now,
      idempotencyKey: `exercise:${exercise.id}:delivered:${inject.id}`,
    });
    const paused = exercise.pausedAt ? ('paused' as const) : ('pending' as const);
    if (inject.decision) {
      await store.exerciseTimers.schedule({ exerciseId: exercise.id, incidentId: incident.id, kind: 'decision_limit', subject: inject.id, dueAt: new Date(now.getTime() + inject.decision.within_minutes * 60_000), status: paused });
    }
    for (const action of inject.expected_actions) {
      await store.exerciseTimers.schedule({ exerciseId: exercise.id, incidentId: incident.id, kind: 'action_limit', subject: `${inject.id}/${action.id}`, dueAt: new Date(now.getTime() + action.within_minutes * 60_000), status: paused });
    }
    await advanceMsel(store, authored, now);
    return true;
  });
  return settled ? 'fired' : 'lost';
}

/** A decision's time ran out undecided: the players are told, and the review counts it over the limit. */
async function decisionLimit(context: CoreContext, authored: AuthoredExercise, timer: ExerciseTimer, worker: string): Promise<Outcome> {
  const { exercise, scenario, incident } = authored;
  const inject = injectOf(scenario, timer.subject);
  const events = await context.store.events.forIncident(incident.id);
  const decided = exerciseProgress(events).decisions.has(timer.subject);
  const now = context.clock.now();
  if (!inject?.decision || decided) return (await context.store.exerciseTimers.settle(timer.id, 'cancelled', { worker, now })) ? 'cancelled' : 'lost';
  if (!(await context.store.exerciseTimers.hold(timer.id, { worker, now, leaseMs: TIMER_LEASE_MS }))) return 'lost';
  const limitMs = inject.decision.within_minutes * 60_000;
  await post(context, authored, {
    title: exerciseTitle(`Decision time is up (inject ${injectNumber(scenario, inject.id)})`),
    sections: [{ text: `${inject.decision.prompt}\nThe ${formatDuration(limitMs)} limit has passed with no decision. Decide now: the report records it as over the limit.` }],
  });
  const settled = await changeIncident(context, incident.id, async (store) => {
    if (!(await store.exerciseTimers.settle(timer.id, 'fired', { worker, now: context.clock.now() }))) return false;
    await store.events.append({ incidentId: incident.id, kind: 'exercise_decision_overdue', payload: { exercise_id: exercise.id, inject: inject.id, limit_ms: limitMs }, actor: 'bot', occurredAt: now, idempotencyKey: `exercise:${exercise.id}:overdue:${inject.id}` });
    return true;
  });
  return settled ? 'fired' : 'lost';
}

/** An expected action's limit: seen in time, nothing to do; not seen, it is recorded missed and the inject's contingency goes out (once). */
async function actionLimit(context: CoreContext, authored: AuthoredExercise, timer: ExerciseTimer, worker: string): Promise<Outcome> {
  const { exercise, scenario, incident } = authored;
  const [injectId, actionId] = timer.subject.split('/');
  const inject = injectOf(scenario, injectId ?? '');
  const now = context.clock.now();
  const events = await context.store.events.forIncident(incident.id);
  const progress = exerciseProgress(events);
  const observation = observeActions(scenario, events, progress, now).find((o) => o.inject === injectId && o.action.id === actionId);
  if (!inject || !observation || observation.outcome === 'met' || observation.outcome === 'pending') {
    // Pending here means the exercise was paused in between: the limit is measured in running time, so look again when it would run out.
    if (observation?.outcome === 'pending') {
      const retry = new Date(now.getTime() + Math.max(1_000, observation.action.within_minutes * 60_000 - (now.getTime() - progress.delivered.get(injectId!)!.at.getTime())));
      return (await context.store.exerciseTimers.release(timer.id, retry, { worker, now })) ? 'cancelled' : 'lost';
    }
    return (await context.store.exerciseTimers.settle(timer.id, 'fired', { worker, now })) ? 'fired' : 'lost';
  }
  const contingency = inject.contingency && !progress.contingencies.has(inject.id) ? inject.contingency : undefined;
  if (contingency) {
    if (!(await context.store.exerciseTimers.hold(timer.id, { worker, now, leaseMs: TIMER_LEASE_MS }))) return 'lost';
    const platform = platformFor(context, incident);
    const roles = await context.store.roles.forIncident(incident.id);
    await post(context, authored, contingencyCard(contingency.from, contingency.text, rolesAddressed(inject.to, roles, (u) => platform.mention(u))));
  }
  const settled = await changeIncident(context, incident.id, async (store) => {
    if (!(await store.exerciseTimers.settle(timer.id, 'fired', { worker, now: context.clock.now() }))) return false;
    await store.events.append({
      incidentId: incident.id,
      kind: 'exercise_action_missed',
      payload: { exercise_id: exercise.id, inject: inject.id, action: actionId!, limit_ms: observation.action.within_minutes * 60_000, contingency_fired: Boolean(contingency) },
      actor: 'bot',
      occurredAt: now,
      idempotencyKey: `exercise:${exercise.id}:missed:${actionId}`,
    });
    if (contingency) {
      await store.events.append({
        incidentId: incident.id,
        kind: 'exercise_inject_delivered',
        payload: { exercise_id: exercise.id, inject: inject.id, trigger: 'contingency', missed_action: actionId! },
        actor: 'bot',
        occurredAt: now,
        idempotencyKey: `exercise:${exercise.id}:contingency:${inject.id}`,
      });
    }
    return true;
  });
  return settled ? 'fired' : 'lost';
}

async function hotWashEnd(context: CoreContext, authored: AuthoredExercise, timer: ExerciseTimer, worker: string): Promise<Outcome> {
  const now = context.clock.now();
  if (!authored.exercise.aarPostedAt) {
    if (!(await context.store.exerciseTimers.hold(timer.id, { worker, now, leaseMs: TIMER_LEASE_MS }))) return 'lost';
    await postAfterActionReport(context, { platform: authored.incident.platform, userId: 'bot', channelId: authored.incident.channelId ?? '' }, authored.incident.id);
  }
  return (await context.store.exerciseTimers.settle(timer.id, 'fired', { worker, now: context.clock.now() })) ? 'fired' : 'lost';
}

export async function fireTimer(context: CoreContext, timer: ExerciseTimer, worker: string): Promise<Outcome> {
  const exercise = await context.store.exercises.get(timer.exerciseId);
  const authored = exercise && (await loadAuthored(context, exercise));
  const now = context.clock.now();
  // Gone, or ended (only the hot wash outlives the end): nothing to fire.
  if (!authored || (authored.exercise.completedAt && timer.kind !== 'hot_wash_end')) {
    return (await context.store.exerciseTimers.settle(timer.id, 'cancelled', { worker, now })) ? 'cancelled' : 'lost';
  }
  switch (timer.kind) {
    case 'inject':
      return deliverInject(context, authored, timer, worker, 'schedule');
    case 'decision_limit':
      return decisionLimit(context, authored, timer, worker);
    case 'action_limit':
      return actionLimit(context, authored, timer, worker);
    case 'hot_wash_end':
      return hotWashEnd(context, authored, timer, worker);
  }
}

export interface TimerRound {
  fired: number;
}

/**
 * Fires every exercise timer that is due, by the injected clock. Each is claimed FOR UPDATE SKIP
 * LOCKED under a lease and settled once, so several processes and a restart neither repeat nor
 * lose one; a timer whose message could not go out is released and tried again.
 */
export async function runDueExerciseTimers(context: CoreContext): Promise<TimerRound> {
  const round: TimerRound = { fired: 0 };
  const touched = new Set<number>();
  for (let pass = 0; pass < 100; pass++) {
    const worker = `${workerOf(context)}/${randomUUID()}`;
    const claimed = await context.store.exerciseTimers.claimDue({ now: context.clock.now(), worker, leaseMs: TIMER_LEASE_MS, limit: TIMER_BATCH });
    if (claimed.length === 0) break;
    for (const timer of claimed) {
      try {
        if ((await fireTimer(context, timer, worker)) === 'fired') round.fired++;
        touched.add(timer.exerciseId);
      } catch (error) {
        context.logger.error({ timerId: timer.id, kind: timer.kind, err: error instanceof Error ? error.message : String(error) }, 'exercise timer failed; will retry');
        await context.store.exerciseTimers.release(timer.id, new Date(context.clock.now().getTime() + TIMER_LEASE_MS), { worker, now: context.clock.now() }).catch(() => undefined);
      }
    }
  }
  for (const exerciseId of touched) {
    await refreshFacilitatorView(context, exerciseId).catch((error: unknown) => context.logger.warn({ exerciseId, err: error instanceof Error ? error.message : String(error) }, 'could not refresh the facilitator view'));
  }
  return round;
}
