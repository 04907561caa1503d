import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Incident } from '../incident/incident.js';
import type { Store } from '../ports/store.js';
import type { AuthoredScenario } from './authored-scenario.js';
import type { Exercise } from './exercise.js';
import { exerciseProgress, followUps } from './msel.js';

export interface AuthoredExercise {
  exercise: Exercise;
  scenario: AuthoredScenario;
  incident: Incident;
}

/** The authored exercise an exercise row plays; undefined when it plays an ATLAS case study or its scenario is gone. */
export async function loadAuthored(context: CoreContext, exercise: Exercise): Promise<AuthoredExercise | undefined> {
  if (!exercise.authoredId || exercise.incidentId === null) return undefined;
  const scenario = context.scenarios?.getAuthored(exercise.authoredId);
  const incident = await context.store.incidents.get(exercise.incidentId);
  return scenario && incident ? { exercise, scenario, incident } : undefined;
}

/** The authored exercise whose space the command was typed in. */
export async function authoredInChannel(context: CoreContext, actor: Actor, command: string): Promise<AuthoredExercise> {
  const incident = await context.store.incidents.findByChannel(actor.platform, actor.channelId);
  const exercise = incident?.isExercise ? await context.store.exercises.forIncident(incident.id) : undefined;
  if (!incident || !exercise) throw new AppError('not_in_incident_channel', `\`${command}\` works in a tabletop exercise's channel; start one with \`exercise start\``);
  if (!exercise.authoredId) throw new AppError('invalid_transition', `\`${command}\` works in exercises of authored scenarios; this one plays ATLAS case study ${exercise.caseStudyId ?? ''} (use \`exercise inject\` and \`exercise end\`)`);
  const authored = await loadAuthored(context, exercise);
  if (!authored) throw new AppError('not_found', `scenario ${exercise.authoredId} is no longer in playbooks/exercises/`);
  return authored;
}

/** Only the facilitator (or an admin) steers an exercise. */
export function mustFacilitate(context: CoreContext, actor: Actor, exercise: Exercise, command: string): void {
  const admin = (context.admins ?? []).some((a) => a.userId === actor.userId && (a.platform === undefined || a.platform === actor.platform));
  if (actor.userId !== exercise.facilitator && !admin) {
    throw new AppError('forbidden', `only the facilitator (${exercise.facilitator}) or an admin may \`${command}\``);
  }
}

/**
 * Moves the MSEL on after anything happened (a delivery, a skip, a decision): schedules each
 * `after` inject whose trigger has come, and records each branch not taken as skipped. Runs in
 * the caller's transaction; skips can enable more, so it repeats until nothing changes.
 */
export async function advanceMsel(store: Store, authored: AuthoredExercise, at: Date): Promise<void> {
  const { exercise, scenario, incident } = authored;
  for (let round = 0; round < scenario.injects.length; round++) {
    const [events, timers] = await Promise.all([store.events.forIncident(incident.id), store.exerciseTimers.forExercise(exercise.id)]);
    const scheduled = new Set(timers.filter((t) => t.kind === 'inject').map((t) => t.subject));
    const next = followUps(scenario, exerciseProgress(events), scheduled);
    if (next.length === 0) return;
    for (const follow of next) {
      if (follow.action === 'schedule') {
        await store.exerciseTimers.schedule({ exerciseId: exercise.id, incidentId: incident.id, kind: 'inject', subject: follow.inject.id, dueAt: follow.dueAt, status: exercise.pausedAt ? 'paused' : 'pending' });
      } else {
        await store.events.append({
          incidentId: incident.id,
          kind: 'exercise_inject_skipped',
          payload: { exercise_id: exercise.id, inject: follow.inject.id, reason: 'branch' },
          actor: 'bot',
          occurredAt: at,
          idempotencyKey: `exercise:${exercise.id}:skipped:${follow.inject.id}`,
        });
      }
    }
  }
}
