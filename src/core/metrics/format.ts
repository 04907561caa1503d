import { SEVERITIES } from '../domain.js';
import { DEFINITIONS, type MetricKey } from './definitions.js';
import type { MetricValues, RateMetric, SeverityCounts, TimeMetric } from './metrics.js';

/** Display rounding only: one decimal, trailing `.0` kept so columns read alike. */
export function round1(value: number): string {
  return (Math.round(value * 10) / 10).toFixed(1);
}

const UNIT_SHORT = { minutes: 'min', hours: 'h' } as const;

/** The figure a trend compares: a time metric's mean, a rate's value, a count's total. */
export function headline(values: MetricValues, key: MetricKey): number | null {
  const metric = values[key];
  if (key === 'incidents_per_quarter') return sum(Object.values(metric as Record<string, SeverityCounts>).map((c) => c.total));
  if (key === 'exercise_frequency') return sum(Object.values(metric as Record<string, number>));
  if ('mean' in metric) return (metric as TimeMetric).mean;
  return (metric as RateMetric).value;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function formatTimeMetric(metric: TimeMetric): string {
  if (metric.n === 0 || metric.mean === null) return 'no incidents reached this point (n 0)';
  const u = UNIT_SHORT[metric.unit];
  return `${round1(metric.mean)} ${u} mean · median ${round1(metric.median ?? 0)} ${u} · p90 ${round1(metric.p90 ?? 0)} ${u} · n ${metric.n}`;
}

export function formatRate(metric: RateMetric, empty: string): string {
  if (metric.value === null) return empty;
  return `${round1(metric.value)}% (${metric.numerator} of ${metric.denominator})`;
}

export function formatQuarters(counts: Record<string, SeverityCounts>): string {
  const entries = Object.entries(counts);
  if (entries.length === 0) return 'none';
  return entries.map(([quarter, c]) => `${quarter}: ${c.total} (${SEVERITIES.map((s) => `${s} ${c[s]}`).join(', ')})`).join('; ');
}

export function formatExercises(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  if (entries.length === 0) return 'none';
  return entries.map(([quarter, n]) => `${quarter}: ${n}`).join('; ');
}

export function formatMetric(values: MetricValues, key: MetricKey): string {
  switch (key) {
    case 'mttd':
    case 'mttt':
    case 'mttc':
    case 'mttr':
      return formatTimeMetric(values[key]);
    case 'false_positive_rate':
      return formatRate(values[key], 'no incidents declared');
    case 'playbook_coverage':
      return formatRate(values[key], 'no incidents');
    case 'action_item_completion':
      return formatRate(values[key], 'no action items due');
    case 'incidents_per_quarter':
      return formatQuarters(values[key]);
    case 'exercise_frequency':
      return formatExercises(values[key]);
  }
}

function unitOf(values: MetricValues, key: MetricKey): string {
  const metric = values[key];
  if ('unit' in metric && typeof metric.unit === 'string') return metric.unit === 'percent' ? '%' : ` ${UNIT_SHORT[metric.unit as 'minutes' | 'hours']}`;
  return '';
}

/** `↑ worse (was 30.0 min)`, `↓ better (was 50.0%)`, `→ same`, or why there is no trend. */
export function trend(current: MetricValues, previous: MetricValues, key: MetricKey): string {
  const now = headline(current, key);
  const before = headline(previous, key);
  if (before === null) return 'no earlier figure to compare';
  const counted = key === 'incidents_per_quarter' || key === 'exercise_frequency';
  const was = `was ${counted ? String(before) : round1(before)}${unitOf(previous, key)}`;
  if (now === null) return was;
  if (round1(now) === round1(before)) return `→ same (${was})`;
  const up = now > before;
  const better = DEFINITIONS[key].better === 'higher' ? up : !up;
  return `${up ? '↑' : '↓'} ${better ? 'better' : 'worse'} (${was})`;
}
