import type { MessageRef } from '../incident/incident.js';

/**
 * A tabletop exercise: an incident marked `isExercise`, played from an authored scenario
 * (`authoredId`, playbooks/exercises/*.yaml) or from one ATLAS case study (`caseStudyId`).
 */
export interface Exercise {
  id: number;
  /** The playbook the exercise practises (the quarterly reminder reads exercises by playbook). */
  scenarioId: string;
  caseStudyId: string | null;
  authoredId: string | null;
  authoredVersion: number | null;
  title: string;
  incidentId: number | null;
  facilitator: string;
  startedAt: Date;
  completedAt: Date | null;
  injectsRevealed: number;
  pausedAt: Date | null;
  /** The facilitator's private view: one direct message, updated in place. */
  facilitatorView: MessageRef | null;
  aarPostedAt: Date | null;
}

export type NewExercise = Pick<Exercise, 'scenarioId' | 'caseStudyId' | 'title' | 'incidentId' | 'facilitator' | 'startedAt'> & Partial<Pick<Exercise, 'authoredId' | 'authoredVersion'>>;

export type ExercisePatch = Partial<Pick<Exercise, 'injectsRevealed' | 'completedAt' | 'pausedAt' | 'facilitatorView' | 'aarPostedAt'>>;

export interface ExerciseRepository {
  create(exercise: NewExercise): Promise<Exercise>;
  get(id: number): Promise<Exercise | undefined>;
  forIncident(incidentId: number): Promise<Exercise | undefined>;
  update(id: number, patch: ExercisePatch): Promise<Exercise>;
  /** When each scenario (case study or authored) was last started, so a playbook's scenarios take turns. */
  lastStarted(): Promise<Map<string, Date>>;
  /** Every exercise, newest first (the API's list). */
  list(limit: number): Promise<Exercise[]>;
}

export const TIMER_KINDS = ['inject', 'decision_limit', 'action_limit', 'hot_wash_end'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];
export type TimerStatus = 'pending' | 'paused' | 'fired' | 'skipped' | 'cancelled';

/** A durable timer of an exercise: an inject due, a limit running out, the hot wash closing. */
export interface ExerciseTimer {
  id: number;
  exerciseId: number;
  incidentId: number;
  kind: TimerKind;
  /** The inject id; for an action limit `<inject>/<action>`. */
  subject: string;
  dueAt: Date;
  status: TimerStatus;
  firedAt: Date | null;
}

export interface TimerClaim {
  worker: string;
  now: Date;
}

export interface ExerciseTimerRepository {
  /** Schedules a timer once: a second schedule of the same kind and subject changes nothing (false). */
  schedule(timer: Pick<ExerciseTimer, 'exerciseId' | 'incidentId' | 'kind' | 'subject' | 'dueAt'> & { status?: 'pending' | 'paused' }): Promise<boolean>;
  forExercise(exerciseId: number): Promise<ExerciseTimer[]>;
  claimDue(request: { now: Date; worker: string; leaseMs: number; limit: number }): Promise<ExerciseTimer[]>;
  /** Claims one pending timer now (the facilitator's `next`); undefined when it is not pending or another worker holds it. */
  claim(timerId: number, claim: TimerClaim & { leaseMs: number }): Promise<ExerciseTimer | undefined>;
  hold(timerId: number, claim: TimerClaim & { leaseMs: number }): Promise<boolean>;
  /** Settles a claimed timer; false when this worker no longer holds it. */
  settle(timerId: number, status: 'fired' | 'skipped' | 'cancelled', claim: TimerClaim): Promise<boolean>;
  release(timerId: number, retryAt: Date, claim: TimerClaim): Promise<boolean>;
  /** Settles a pending timer nobody holds (the facilitator's `next`, `skip`, `end`); false when it is not pending any more. */
  settleUnclaimed(timerId: number, status: 'fired' | 'skipped' | 'cancelled', at: Date): Promise<boolean>;
  /** Pending timers wait while the exercise is paused. */
  pause(exerciseId: number): Promise<void>;
  /** Paused timers run again, each pushed back by the pause. */
  resume(exerciseId: number, pausedMs: number): Promise<void>;
}
