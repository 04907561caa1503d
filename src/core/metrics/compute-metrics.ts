import type { CoreContext } from '../context.js';
import { SEVERITIES } from '../domain.js';
import { computeExerciseMetrics, type ExerciseMetricsJson } from './exercise-metrics.js';
import type { DurationSample, MetricsSource, MetricValues, RateMetric, RawMetrics, SeverityCounts, TimeMetric, TimeMetricKey } from './metrics.js';
import { quartersIn, type Period } from './period.js';

export const UNITS: Record<TimeMetricKey, { unit: TimeMetric['unit']; seconds: number }> = {
  mttd: { unit: 'minutes', seconds: 60 },
  mttt: { unit: 'minutes', seconds: 60 },
  mttc: { unit: 'minutes', seconds: 60 },
  mttr: { unit: 'hours', seconds: 3600 },
};

function timeMetric(sample: DurationSample, key: TimeMetricKey): TimeMetric {
  const { unit, seconds } = UNITS[key];
  const scale = (value: number | null) => (sample.n === 0 || value === null ? null : value / seconds);
  return { mean: scale(sample.mean), median: scale(sample.median), p90: scale(sample.p90), n: sample.n, unit };
}

function rate(numerator: number, denominator: number): RateMetric {
  return { value: denominator === 0 ? null : (numerator / denominator) * 100, numerator, denominator, unit: 'percent' };
}

function emptyCounts(): SeverityCounts {
  return { sev1: 0, sev2: 0, sev3: 0, sev4: 0, total: 0 };
}

/** Shapes what the SQL answered into the public contract; every quarter the period touches is present. */
export function shapeMetrics(raw: RawMetrics, period: Pick<Period, 'from' | 'to'>, timeZone: string): MetricValues {
  const quarters = quartersIn(period, timeZone);
  const perQuarter: Record<string, SeverityCounts> = Object.fromEntries(quarters.map((q) => [q, emptyCounts()]));
  for (const row of raw.incidentsByQuarter) {
    const counts = (perQuarter[row.quarter] ??= emptyCounts());
    if ((SEVERITIES as readonly string[]).includes(row.severity)) counts[row.severity] += row.count;
    counts.total += row.count;
  }
  const exercises: Record<string, number> = Object.fromEntries(quarters.map((q) => [q, 0]));
  for (const row of raw.exercisesByQuarter) exercises[row.quarter] = (exercises[row.quarter] ?? 0) + row.count;
  return {
    mttd: timeMetric(raw.durations.mttd, 'mttd'),
    mttt: timeMetric(raw.durations.mttt, 'mttt'),
    mttc: timeMetric(raw.durations.mttc, 'mttc'),
    mttr: timeMetric(raw.durations.mttr, 'mttr'),
    incidents_per_quarter: perQuarter,
    false_positive_rate: rate(raw.falsePositives, raw.declared),
    playbook_coverage: rate(raw.withPlaybook, raw.realIncidents),
    exercise_frequency: exercises,
    action_item_completion: rate(raw.actionItemsOnTime, raw.actionItemsDue),
  };
}

export async function computeMetrics(source: MetricsSource, period: Pick<Period, 'from' | 'to'>, timeZone: string): Promise<MetricValues> {
  return shapeMetrics(await source.compute(period, timeZone), period, timeZone);
}

/** The figures of `GET /api/metrics`: the nine incident metrics and, beside them (exercises stay out of those), `exercise_metrics`. */
export async function computeReportedMetrics(
  context: Pick<CoreContext, 'store' | 'scenarios' | 'timeZone'>,
  period: Pick<Period, 'from' | 'to'>,
): Promise<MetricValues & { exercise_metrics: ExerciseMetricsJson }> {
  const metrics = await computeMetrics(context.store.metrics, period, context.timeZone);
  return { ...metrics, exercise_metrics: await computeExerciseMetrics(context, period) };
}
