import type { MetricValues } from './metrics.js';

export type MetricKey = keyof MetricValues;

export interface MetricDefinition {
  name: string;
  /** One line saying exactly how the figure is computed; printed under it in every digest. */
  how: string;
  /** Which way is better, for the trend arrow. */
  better: 'lower' | 'higher';
}

const TIME_SCOPE = 'over incidents declared in the period that reached that point; false positives and exercises left out; median and p90 interpolated (percentile_cont)';

export const DEFINITIONS: Record<MetricKey, MetricDefinition> = {
  mttd: { name: 'Mean time to detect', how: `impact start → detection (declaration), minutes, ${TIME_SCOPE}`, better: 'lower' },
  mttt: { name: 'Mean time to triage', how: `detection → triaged, minutes, ${TIME_SCOPE}`, better: 'lower' },
  mttc: { name: 'Mean time to contain', how: `detection → contained, minutes, ${TIME_SCOPE}`, better: 'lower' },
  mttr: { name: 'Mean time to recover', how: `detection → resolved, hours, ${TIME_SCOPE}`, better: 'lower' },
  incidents_per_quarter: {
    name: 'Incidents per quarter',
    how: 'incidents declared in the period by quarter (in the bot\'s time zone) and current severity; false positives and exercises left out',
    better: 'lower',
  },
  false_positive_rate: {
    name: 'False-positive rate',
    how: 'incidents marked false positive / all incidents declared in the period (alerts included, exercises left out)',
    better: 'lower',
  },
  playbook_coverage: {
    name: 'Playbook coverage',
    how: 'incidents with a playbook / incidents declared in the period (false positives and exercises left out)',
    better: 'higher',
  },
  exercise_frequency: {
    name: 'Exercise frequency',
    how: 'tabletop exercises completed in the period, by quarter of completion',
    better: 'higher',
  },
  action_item_completion: {
    name: 'Action items done on time',
    how: 'post-incident action items (not exercise corrective actions) due in the period completed on or before their due date (calendar day in the bot\'s time zone) / those due in the period',
    better: 'higher',
  },
};

export const METRIC_KEYS = Object.keys(DEFINITIONS) as MetricKey[];
