import type { Kysely, Selectable } from 'kysely';
import type { Exercise, ExerciseRepository, NewExercise } from '../core/exercise/exercise.js';
import type { Database, ExercisesTable } from './tables.js';

function toExercise(row: Selectable<ExercisesTable>): Exercise {
  return {
    id: row.id,
    scenarioId: row.scenario_id,
    caseStudyId: row.case_study_id,
    title: row.title,
    incidentId: row.incident_id,
    facilitator: row.facilitator,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    injectsRevealed: row.injects_revealed,
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
        title: exercise.title,
        incident_id: exercise.incidentId,
        facilitator: exercise.facilitator,
        started_at: exercise.startedAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toExercise(row);
  }

  async forIncident(incidentId: number): Promise<Exercise | undefined> {
    const row = await this.db.selectFrom('exercises').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
    return row ? toExercise(row) : undefined;
  }

  async lastStarted(): Promise<Map<string, Date>> {
    const rows = await this.db
      .selectFrom('exercises')
      .select(['case_study_id', (eb) => eb.fn.max('started_at').as('last')])
      .where('case_study_id', 'is not', null)
      .groupBy('case_study_id')
      .execute();
    return new Map(rows.map((r) => [r.case_study_id!, new Date(r.last)]));
  }

  async update(id: number, patch: Partial<Pick<Exercise, 'injectsRevealed' | 'completedAt'>>): Promise<Exercise> {
    const row = await this.db
      .updateTable('exercises')
      .set({
        ...(patch.injectsRevealed !== undefined ? { injects_revealed: patch.injectsRevealed } : {}),
        ...(patch.completedAt !== undefined ? { completed_at: patch.completedAt } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toExercise(row);
  }
}
