/** A tabletop exercise: an incident marked `isExercise`, played from one ATLAS case study. */
export interface Exercise {
  id: number;
  /** The playbook the exercise practises (the quarterly reminder reads exercises by playbook). */
  scenarioId: string;
  caseStudyId: string | null;
  title: string;
  incidentId: number | null;
  facilitator: string;
  startedAt: Date;
  completedAt: Date | null;
  injectsRevealed: number;
}

export type NewExercise = Omit<Exercise, 'id' | 'completedAt' | 'injectsRevealed'>;

export interface ExerciseRepository {
  create(exercise: NewExercise): Promise<Exercise>;
  forIncident(incidentId: number): Promise<Exercise | undefined>;
  update(id: number, patch: Partial<Pick<Exercise, 'injectsRevealed' | 'completedAt'>>): Promise<Exercise>;
  /** When each case study was last started, so a playbook's scenarios take turns. */
  lastStarted(): Promise<Map<string, Date>>;
}
