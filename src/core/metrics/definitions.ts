import type { ExerciseMetricKey } from './exercise-metrics.js';
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

/** The exercise metrics, keyed as `exercise_metrics` in the JSON names them; each `how` is printed under its line in the digest. */
export const EXERCISE_DEFINITIONS: Record<ExerciseMetricKey, Omit<MetricDefinition, 'better'>> = {
  exercises_completed: {
    name: 'Exercises completed',
    how: 'tabletop exercises completed in the period (`exercise end` given), authored scenarios and quick ATLAS ones; the figures below are over the authored ones among them',
  },
  time_to_decision: {
    name: 'Time to decision',
    how: "each decision point's decision in those exercises: prompt → decision, minutes, paused time left out; median and p90 interpolated (as percentile_cont); within limit: decided within the inject's time limit / decisions taken",
  },
  expected_actions_met_pct: {
    name: 'Expected actions met',
    how: 'expected actions seen within their time limit / expected actions of the injects delivered; partly met (seen after the limit) and missed count as not met; injects never delivered (branches not taken, skipped) left out',
  },
  required_role_coverage_pct: {
    name: 'Required-role coverage',
    how: "the scenarios' required roles that had a holder when the exercise started / required roles, summed over those exercises",
  },
  contingencies_fired: {
    name: 'Contingencies fired',
    how: 'contingency injects delivered in those exercises (an expected action was not seen within its limit)',
  },
  improvement_plan_completion_pct: {
    name: 'Improvement plan done on time',
    how: "exercise action items (improvement-plan corrective actions) due in the period completed on or before their due date (calendar day in the bot's time zone) / those due in the period",
  },
  corrective_actions_verified: {
    name: 'Corrective actions verified',
    how: "corrective actions of an after-action report with a capability that were first re-tested in the period: an exercise completed in the period, started after that report, has an objective with the same capability (case ignored)",
  },
};
