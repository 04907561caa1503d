import type { CoreContext } from '../context.js';
import type { StoredEvent } from '../events/event-kinds.js';
import type { AuthoredScenario } from '../exercise/authored-scenario.js';
import { exerciseProgress, observeActions } from '../exercise/msel.js';
import { EXERCISE_DEFINITIONS } from './definitions.js';
import { round1 } from './format.js';
import type { CompletedAuthoredExercise } from './metrics.js';

/**
 * The exercise metrics beside the incident metrics (issue 11): `exercise_metrics` in `GET
 * /api/metrics` and "Tabletop exercises this quarter" in the weekly digest. They are over the
 * exercises completed in the period; what an exercise did is read back from its event log (the
 * same reading as the facilitator's view and the after-action report), what it was meant to do
 * from its authored scenario in `context.scenarios`. Exercises are few, so this is TypeScript over
 * what the port returns rather than SQL.
 */

/** The public JSON under `exercise_metrics`: exact figures, null where there was nothing to measure. */
export interface ExerciseMetricsJson {
  exercises_completed: number;
  time_to_decision: { median_minutes: number | null; p90_minutes: number | null; within_limit_pct: number | null; decisions: number };
  expected_actions_met_pct: number | null;
  required_role_coverage_pct: number | null;
  contingencies_fired: number;
  improvement_plan_completion_pct: number | null;
  corrective_actions_verified: number;
}

export type ExerciseMetricKey = keyof ExerciseMetricsJson;

/** What the figures are made of; the digest prints the numerators and denominators too. */
export interface ExerciseMeasures {
  exercisesCompleted: number;
  /** Minutes each decision took, ascending. */
  decisionMinutes: number[];
  decisionsWithinLimit: number;
  actionsMet: number;
  /** Expected actions of the injects that were delivered. */
  actionsDelivered: number;
  requiredRolesFilled: number;
  requiredRoles: number;
  contingenciesFired: number;
  improvementItemsOnTime: number;
  improvementItemsDue: number;
  correctiveActionsVerified: number;
}

type Reader = Pick<CoreContext, 'store' | 'scenarios' | 'timeZone'>;
type Span = { from: Date; to: Date };

const BEGINNING = new Date(0);

/** Interpolated like Postgres' percentile_cont over ascending values; null when there are none. */
export function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

function percent(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : (numerator / denominator) * 100;
}

const capabilityKey = (capability: string) => capability.trim().toLowerCase();

function unfilledRoles(events: readonly StoredEvent[]): string[] {
  const started = events.find((e) => e.kind === 'exercise_started');
  const unfilled = started?.payload.required_roles_unfilled;
  return Array.isArray(unfilled) ? unfilled.filter((r): r is string => typeof r === 'string') : [];
}

/** Corrective actions with a capability, each once (by exercise and number) at the first after-action report that listed it. */
function correctiveActions(exercise: CompletedAuthoredExercise, events: readonly StoredEvent[]): { key: string; at: Date; capability: string }[] {
  const found = new Map<string, { key: string; at: Date; capability: string }>();
  const reports = events.filter((e) => e.kind === 'exercise_aar_posted').sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id);
  for (const report of reports) {
    const listed = Array.isArray(report.payload.corrective_actions) ? (report.payload.corrective_actions as unknown[]) : [];
    for (const item of listed) {
      const { number, capability } = (item ?? {}) as { number?: unknown; capability?: unknown };
      if (typeof capability !== 'string' || capability.trim() === '') continue;
      const key = `${exercise.exerciseId}:${String(number)}`;
      if (!found.has(key)) found.set(key, { key, at: report.occurredAt, capability: capabilityKey(capability) });
    }
  }
  return [...found.values()];
}

/**
 * Reads the period's exercises and measures them. Authored exercises completed before the period
 * are read too, only as the source of corrective actions a period's exercise may verify: a
 * corrective action counts as verified in the period of the first exercise that re-tests its
 * capability, so each is counted once over time.
 */
export async function measureExercises(context: Reader, period: Span): Promise<ExerciseMeasures> {
  const source = context.store.metrics;
  const [completed, inPeriod, earlier, items] = await Promise.all([
    source.exercisesCompleted(period),
    source.completedAuthoredExercises(period),
    source.completedAuthoredExercises({ from: BEGINNING, to: period.from }),
    source.improvementPlanItems(period, context.timeZone),
  ]);
  // Oldest completed first: the earlier ones, then the period's.
  const played = inPeriod.length > 0 ? [...earlier, ...inPeriod] : [];
  const logs = new Map<number, StoredEvent[]>();
  for (const exercise of played) logs.set(exercise.exerciseId, await context.store.events.forIncident(exercise.incidentId));
  const scenarioOf = (exercise: CompletedAuthoredExercise): AuthoredScenario | undefined => context.scenarios?.getAuthored(exercise.authoredId);

  const measures: ExerciseMeasures = {
    exercisesCompleted: completed,
    decisionMinutes: [],
    decisionsWithinLimit: 0,
    actionsMet: 0,
    actionsDelivered: 0,
    requiredRolesFilled: 0,
    requiredRoles: 0,
    contingenciesFired: 0,
    improvementItemsOnTime: items.onTime,
    improvementItemsDue: items.due,
    correctiveActionsVerified: 0,
  };
  for (const exercise of inPeriod) {
    const events = logs.get(exercise.exerciseId) ?? [];
    const progress = exerciseProgress(events);
    for (const decision of progress.decisions.values()) {
      if (!Number.isFinite(decision.tookMs)) continue;
      measures.decisionMinutes.push(decision.tookMs / 60_000);
      if (decision.withinLimit) measures.decisionsWithinLimit += 1;
    }
    measures.contingenciesFired += progress.contingencies.size;
    // A scenario no longer loaded cannot say what was expected or required: those figures leave it out.
    const scenario = scenarioOf(exercise);
    if (!scenario) continue;
    const observed = observeActions(scenario, events, progress, exercise.completedAt).filter((o) => o.outcome !== 'not_delivered');
    measures.actionsDelivered += observed.length;
    measures.actionsMet += observed.filter((o) => o.outcome === 'met').length;
    const required = new Set<string>(scenario.roles.filter((r) => r.required).map((r) => r.role));
    const unfilled = new Set(unfilledRoles(events).filter((r) => required.has(r)));
    measures.requiredRoles += required.size;
    measures.requiredRolesFilled += required.size - unfilled.size;
  }
  measures.decisionMinutes.sort((a, b) => a - b);

  const capabilities = new Map(played.map((e) => [e.exerciseId, new Set((scenarioOf(e)?.objectives ?? []).map((o) => capabilityKey(o.capability)))]));
  for (const exercise of played) {
    for (const action of correctiveActions(exercise, logs.get(exercise.exerciseId) ?? [])) {
      const first = played.find((later) => later.startedAt > action.at && capabilities.get(later.exerciseId)!.has(action.capability));
      if (first && first.completedAt >= period.from) measures.correctiveActionsVerified += 1;
    }
  }
  return measures;
}

export function exerciseMetricsJson(m: ExerciseMeasures): ExerciseMetricsJson {
  const decisions = m.decisionMinutes.length;
  return {
    exercises_completed: m.exercisesCompleted,
    time_to_decision: {
      median_minutes: percentile(m.decisionMinutes, 0.5),
      p90_minutes: percentile(m.decisionMinutes, 0.9),
      within_limit_pct: percent(m.decisionsWithinLimit, decisions),
      decisions,
    },
    expected_actions_met_pct: percent(m.actionsMet, m.actionsDelivered),
    required_role_coverage_pct: percent(m.requiredRolesFilled, m.requiredRoles),
    contingencies_fired: m.contingenciesFired,
    improvement_plan_completion_pct: percent(m.improvementItemsOnTime, m.improvementItemsDue),
    corrective_actions_verified: m.correctiveActionsVerified,
  };
}

/** `exercise_metrics` of `GET /api/metrics` for the period. */
export async function computeExerciseMetrics(context: Reader, period: Span): Promise<ExerciseMetricsJson> {
  return exerciseMetricsJson(await measureExercises(context, period));
}

/** The `definitions.exercise_metrics` of the JSON: how each figure is computed. */
export function exerciseDefinitionTexts(): Record<ExerciseMetricKey, string> {
  return Object.fromEntries(Object.entries(EXERCISE_DEFINITIONS).map(([key, d]) => [key, d.how])) as Record<ExerciseMetricKey, string>;
}

function rateText(numerator: number, denominator: number, empty: string): string {
  const value = percent(numerator, denominator);
  return value === null ? empty : `${round1(value)}% (${numerator} of ${denominator})`;
}

/** One display line per figure, rounded for reading (the JSON is not). */
export function exerciseFigureTexts(m: ExerciseMeasures): Record<ExerciseMetricKey, string> {
  const n = m.decisionMinutes.length;
  return {
    exercises_completed: String(m.exercisesCompleted),
    time_to_decision:
      n === 0
        ? 'no decisions taken'
        : `median ${round1(percentile(m.decisionMinutes, 0.5)!)} min · p90 ${round1(percentile(m.decisionMinutes, 0.9)!)} min · ${round1(percent(m.decisionsWithinLimit, n)!)}% within limit (${m.decisionsWithinLimit} of ${n})`,
    expected_actions_met_pct: rateText(m.actionsMet, m.actionsDelivered, 'no expected actions delivered'),
    required_role_coverage_pct: rateText(m.requiredRolesFilled, m.requiredRoles, 'no required roles'),
    contingencies_fired: String(m.contingenciesFired),
    improvement_plan_completion_pct: rateText(m.improvementItemsOnTime, m.improvementItemsDue, 'no corrective actions due'),
    corrective_actions_verified: String(m.correctiveActionsVerified),
  };
}

/** The digest's "Tabletop exercises this quarter": one line per figure, its definition under it. */
export async function exerciseMetricsSection(context: Reader, quarter: Span & { label: string }): Promise<{ heading: string; text: string }> {
  const figures = exerciseFigureTexts(await measureExercises(context, quarter));
  const lines = (Object.keys(EXERCISE_DEFINITIONS) as ExerciseMetricKey[]).map((key) => `${EXERCISE_DEFINITIONS[key].name} (${key}): ${figures[key]}\n_how: ${EXERCISE_DEFINITIONS[key].how}_`);
  return { heading: `Tabletop exercises this quarter (${quarter.label})`, text: lines.join('\n') };
}
