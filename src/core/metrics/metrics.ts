import type { Severity } from '../domain.js';
import type { Incident } from '../incident/incident.js';

/** A duration statistic; values are null when no incident reached the end point (n = 0). */
export interface TimeMetric {
  mean: number | null;
  median: number | null;
  p90: number | null;
  n: number;
  unit: 'minutes' | 'hours';
}

export interface RateMetric {
  value: number | null;
  numerator: number;
  denominator: number;
  unit: 'percent';
}

export type SeverityCounts = Record<Severity, number> & { total: number };

export const TIME_METRIC_KEYS = ['mttd', 'mttt', 'mttc', 'mttr'] as const;
export type TimeMetricKey = (typeof TIME_METRIC_KEYS)[number];
export const RATE_METRIC_KEYS = ['false_positive_rate', 'playbook_coverage', 'action_item_completion'] as const;
export type RateMetricKey = (typeof RATE_METRIC_KEYS)[number];

/** The nine metrics, keyed exactly as the public JSON contract names them. */
export interface MetricValues {
  mttd: TimeMetric;
  mttt: TimeMetric;
  mttc: TimeMetric;
  mttr: TimeMetric;
  incidents_per_quarter: Record<string, SeverityCounts>;
  false_positive_rate: RateMetric;
  playbook_coverage: RateMetric;
  exercise_frequency: Record<string, number>;
  action_item_completion: RateMetric;
}

export interface DurationSample {
  mean: number | null;
  median: number | null;
  p90: number | null;
  n: number;
}

/** What the SQL answers for one period; the core shapes it into MetricValues. */
export interface RawMetrics {
  /** Seconds. */
  durations: Record<TimeMetricKey, DurationSample>;
  incidentsByQuarter: { quarter: string; severity: Severity; count: number }[];
  declared: number;
  falsePositives: number;
  realIncidents: number;
  withPlaybook: number;
  exercisesByQuarter: { quarter: string; count: number }[];
  actionItemsDue: number;
  actionItemsOnTime: number;
}

export interface WeekPoint {
  from: Date;
  to: Date;
  incidents: number;
  /** Mean hours detection → resolved of that week's resolved incidents; null when none. */
  mttrHours: number | null;
}

export interface ScenarioStat {
  playbookId: string;
  incidents: number;
  /** Median seconds detection → contained over the contained ones; null when none. */
  medianContainSeconds: number | null;
  lastExerciseAt: Date | null;
}

export interface OverdueActionItem {
  incidentId: number;
  incidentPlatform: string;
  incidentChannelId: string | null;
  number: number;
  text: string;
  owner: string;
  due: string;
  /** A private incident's item is shown by number only outside its channel. */
  incidentPrivate: boolean;
  source: 'incident' | 'exercise';
}

/** An authored exercise that was completed: its scenario, and the incident whose events record it. */
export interface CompletedAuthoredExercise {
  exerciseId: number;
  incidentId: number;
  authoredId: string;
  startedAt: Date;
  completedAt: Date;
}

export interface IncidentListFilter {
  from?: Date;
  to?: Date;
  limit: number;
}

/**
 * The reporting reads, implemented in SQL by the database adapter. Periods are half-open
 * [from, to); `timeZone` places quarters and calendar days.
 */
export interface MetricsSource {
  compute(period: { from: Date; to: Date }, timeZone: string): Promise<RawMetrics>;
  weekly(weeks: { from: Date; to: Date }[]): Promise<WeekPoint[]>;
  scenarioStats(period: { from: Date; to: Date }): Promise<ScenarioStat[]>;
  exercisesCompleted(period: { from: Date; to: Date }): Promise<number>;
  /** Exercises played from an authored scenario and completed in the period, oldest first. */
  completedAuthoredExercises(period: { from: Date; to: Date }): Promise<CompletedAuthoredExercise[]>;
  /** Exercise action items (improvement plans) due in the period (calendar days in `timeZone`), and those done on or before their due day. */
  improvementPlanItems(period: { from: Date; to: Date }, timeZone: string): Promise<{ due: number; onTime: number }>;
  /** The newest `limit` incidents declared in the period (exercises left out), and how many there were. */
  incidentsDeclared(period: { from: Date; to: Date }, limit: number): Promise<{ incidents: Incident[]; total: number }>;
  listIncidents(filter: IncidentListFilter): Promise<Incident[]>;
  /** Open action items whose due date (a calendar day) is before `today`. */
  overdueActionItems(today: string): Promise<OverdueActionItem[]>;
  /** One incident's own durations in seconds, by the same definitions as the time metrics (null: not reached). */
  incidentDurations(incidentId: number): Promise<Record<TimeMetricKey, number | null>>;
}
