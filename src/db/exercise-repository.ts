import { sql, type Kysely, type Selectable } from 'kysely';
import type { Exercise, ExercisePatch, ExerciseRepository, ExerciseTimer, ExerciseTimerRepository, NewExercise, TimerClaim, TimerKind, TimerStatus } from '../core/exercise/exercise.js';
import type { MessageRef } from '../core/incident/incident.js';
import { claimDueReminders, holdReminder, releaseReminder } from './leased-reminders.js';
import type { Database, ExercisesTable, ExerciseTimersTable } from './tables.js';

function toExercise(row: Selectable<ExercisesTable>): Exercise {
  const view = typeof row.facilitator_view === 'string' ? (JSON.parse(row.facilitator_view) as MessageRef) : ((row.facilitator_view as MessageRef | null) ?? null);
  return {
    id: row.id,
    scenarioId: row.scenario_id,
    caseStudyId: row.case_study_id,
    authoredId: row.authored_id,
    authoredVersion: row.authored_version,
    title: row.title,
    incidentId: row.incident_id,
    facilitator: row.facilitator,
    startedAt: new Date(row.started_at),
    completedAt: row.completed_at && new Date(row.completed_at),
    injectsRevealed: row.injects_revealed,
    pausedAt: row.paused_at && new Date(row.paused_at),
    facilitatorView: view,
    aarPostedAt: row.aar_posted_at && new Date(row.aar_posted_at),
  };
}

export class KyselyExerciseRepository implements ExerciseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(exercise: NewExercise): Promise<Exercise> {
    const row = await this.db
      .insertInto('exercises')
      .values({
        scenario_id: exercise.scenarioId,
        case_study_id: exercise.caseStudyId,
        authored_id: exercise.authoredId ?? null,
        authored_version: exercise.authoredVersion ?? null,
        title: exercise.title,
        incident_id: exercise.incidentId,
        facilitator: exercise.facilitator,
        started_at: exercise.startedAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toExercise(row);
  }

  async get(id: number): Promise<Exercise | undefined> {
    const row = await this.db.selectFrom('exercises').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toExercise(row) : undefined;
  }

  async forIncident(incidentId: number): Promise<Exercise | undefined> {
    const row = await this.db.selectFrom('exercises').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
    return row ? toExercise(row) : undefined;
  }

  async lastStarted(): Promise<Map<string, Date>> {
    const rows = await this.db
      .selectFrom('exercises')
      .select([sql<string>`coalesce(authored_id, case_study_id)`.as('scenario'), (eb) => eb.fn.max('started_at').as('last')])
      .where((eb) => eb.or([eb('case_study_id', 'is not', null), eb('authored_id', 'is not', null)]))
      .groupBy(sql`coalesce(authored_id, case_study_id)`)
      .execute();
    return new Map(rows.map((r) => [r.scenario, new Date(r.last)]));
  }

  async list(limit: number): Promise<Exercise[]> {
    const rows = await this.db.selectFrom('exercises').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toExercise);
  }

  async update(id: number, patch: ExercisePatch): Promise<Exercise> {
    const row = await this.db
      .updateTable('exercises')
      .set({
        ...(patch.injectsRevealed !== undefined ? { injects_revealed: patch.injectsRevealed } : {}),
        ...(patch.completedAt !== undefined ? { completed_at: patch.completedAt } : {}),
        ...(patch.pausedAt !== undefined ? { paused_at: patch.pausedAt } : {}),
        ...(patch.facilitatorView !== undefined ? { facilitator_view: patch.facilitatorView === null ? null : JSON.stringify(patch.facilitatorView) } : {}),
        ...(patch.aarPostedAt !== undefined ? { aar_posted_at: patch.aarPostedAt } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toExercise(row);
  }
}

function toTimer(row: Selectable<ExerciseTimersTable>): ExerciseTimer {
  return {
    id: row.id,
    exerciseId: row.exercise_id,
    incidentId: row.incident_id,
    kind: row.kind as TimerKind,
    subject: row.subject,
    dueAt: new Date(row.due_at),
    status: row.status as TimerStatus,
    firedAt: row.fired_at && new Date(row.fired_at),
  };
}

export class KyselyExerciseTimerRepository implements ExerciseTimerRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async schedule(timer: Pick<ExerciseTimer, 'exerciseId' | 'incidentId' | 'kind' | 'subject' | 'dueAt'> & { status?: 'pending' | 'paused' }): Promise<boolean> {
    const row = await this.db
      .insertInto('exercise_timers')
      .values({ exercise_id: timer.exerciseId, incident_id: timer.incidentId, kind: timer.kind, subject: timer.subject, due_at: timer.dueAt, status: timer.status ?? 'pending' })
      .onConflict((c) => c.columns(['exercise_id', 'kind', 'subject']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async forExercise(exerciseId: number): Promise<ExerciseTimer[]> {
    const rows = await this.db.selectFrom('exercise_timers').selectAll().where('exercise_id', '=', exerciseId).orderBy('due_at').orderBy('id').execute();
    return rows.map(toTimer);
  }

  async claimDue(request: { now: Date; worker: string; leaseMs: number; limit: number }): Promise<ExerciseTimer[]> {
    return (await claimDueReminders(this.db, 'exercise_timers', request)).map(toTimer);
  }

  async claim(timerId: number, claim: TimerClaim & { leaseMs: number }): Promise<ExerciseTimer | undefined> {
    const row = await this.db
      .updateTable('exercise_timers')
      .set((eb) => ({ claimed_by: claim.worker, claimed_until: new Date(claim.now.getTime() + claim.leaseMs), attempts: eb('attempts', '+', 1) }))
      .where('id', '=', timerId)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', claim.now)]))
      .returningAll()
      .executeTakeFirst();
    return row ? toTimer(row) : undefined;
  }

  hold(timerId: number, claim: TimerClaim & { leaseMs: number }): Promise<boolean> {
    return holdReminder(this.db, 'exercise_timers', timerId, claim);
  }

  async settle(timerId: number, status: 'fired' | 'skipped' | 'cancelled', claim: TimerClaim): Promise<boolean> {
    const result = await this.db
      .updateTable('exercise_timers')
      .set({ status, claimed_by: null, claimed_until: null, ...(status === 'fired' ? { fired_at: claim.now } : {}) })
      .where('id', '=', timerId)
      .where('claimed_by', '=', claim.worker)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  release(timerId: number, retryAt: Date, claim: TimerClaim): Promise<boolean> {
    return releaseReminder(this.db, 'exercise_timers', timerId, retryAt, claim);
  }

  async settleUnclaimed(timerId: number, status: 'fired' | 'skipped' | 'cancelled', at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('exercise_timers')
      .set({ status, claimed_by: null, claimed_until: null, ...(status === 'fired' ? { fired_at: at } : {}) })
      .where('id', '=', timerId)
      .where('status', 'in', ['pending', 'paused'])
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', at)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async pause(exerciseId: number): Promise<void> {
    await this.db.updateTable('exercise_timers').set({ status: 'paused' }).where('exercise_id', '=', exerciseId).where('status', '=', 'pending').execute();
  }

  async resume(exerciseId: number, pausedMs: number): Promise<void> {
    await this.db
      .updateTable('exercise_timers')
      .set({ status: 'pending', due_at: sql`due_at + make_interval(secs => ${pausedMs / 1000})` })
      .where('exercise_id', '=', exerciseId)
      .where('status', '=', 'paused')
      .execute();
  }
}
