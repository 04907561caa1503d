import type { RoleId } from '../../domain.js';
import { localDate } from '../../review/action-items.js';
import type { Inject } from '../authored-scenario.js';
import { clip } from '../chat-text.js';
import { exerciseProgress, injectNumber, runningMs } from '../msel.js';
import { findings, postedPlan, strengths } from './findings.js';
import { nextExercise } from './next-exercise.js';
import { objectiveRatings } from './ratings.js';
import { byTime, CORRECTIVE_ACTION_DAYS, type AarDecision, type AarInjectActions, type AfterActionReport, type AfterActionReportInput, type CorrectiveAction, type HotWashAnswer } from './report.js';
import { participants, timeline } from './timeline.js';

const ITEM_TEXT_MAX = 480;

/** `date` (YYYY-MM-DD) plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

export function buildAfterActionReport(input: AfterActionReportInput): AfterActionReport {
  const { scenario, exercise, events, now, timeZone } = input;
  const progress = exerciseProgress(events);
  const endedAt = progress.completedAt ?? exercise.completedAt;
  const end = endedAt ?? now;
  const objectives = objectiveRatings(scenario, events, now);
  const observations = objectives.flatMap((o) => o.observations);

  const decisions: AarDecision[] = scenario.injects
    .filter((i): i is Inject & { decision: NonNullable<Inject['decision']> } => Boolean(i.decision) && progress.delivered.has(i.id))
    .map((i) => ({
      inject: i.id,
      number: injectNumber(scenario, i.id),
      prompt: i.decision.prompt,
      decidedBy: i.decision.decided_by ?? null,
      limitMs: i.decision.within_minutes * 60_000,
      taken: progress.decisions.get(i.id) ?? null,
      overdue: progress.overdueDecisions.has(i.id),
    }));

  const actions: AarInjectActions[] = scenario.injects
    .filter((i) => i.expected_actions.length > 0)
    .map((i) => ({ inject: i.id, number: injectNumber(scenario, i.id), from: i.from, delivered: progress.delivered.has(i.id), observations: observations.filter((o) => o.inject === i.id) }));

  const roles = participants(scenario, events, input.roles, exercise.startedAt, end);
  const hotWash: HotWashAnswer[] = [...events]
    .sort(byTime)
    .filter((e) => e.kind === 'exercise_hot_wash_answer')
    .map((e) => ({ question: e.payload.question as HotWashAnswer['question'], text: String(e.payload.text), by: e.actor, at: e.occurredAt }));

  const found = findings(input, objectives, decisions, roles, hotWash);
  const holderOf = new Map<RoleId, string>();
  for (const r of roles) if (r.holders.length) holderOf.set(r.role, r.holders.at(-1)!);
  for (const r of input.roles) holderOf.set(r.role, r.userId);
  const due = addDays(localDate(now, timeZone), CORRECTIVE_ACTION_DAYS);
  const proposedPlan: CorrectiveAction[] = found.flatMap(({ area, action }) => {
    if (!action) return [];
    const holder = action.ownerRole ? holderOf.get(action.ownerRole) : undefined;
    return [
      {
        number: null,
        text: clip(action.text, ITEM_TEXT_MAX),
        owner: holder ?? exercise.facilitator,
        ownerRole: holder ? action.ownerRole : null,
        due,
        capability: area.capability,
        objective: area.objective,
        rootCause: area.rootCause,
        status: 'proposed' as const,
      },
    ];
  });

  const pauses = progress.pauses;
  const playedMs = runningMs(exercise.startedAt, end, pauses);
  return {
    exerciseId: exercise.id,
    incidentId: exercise.incidentId,
    scenario: { id: scenario.id, version: scenario.version, title: scenario.title, durationMinutes: scenario.duration_minutes, injects: scenario.injects.length },
    playbook: { id: scenario.playbook, name: input.playbookName },
    basis: scenario.basis,
    facilitator: exercise.facilitator,
    startedAt: exercise.startedAt,
    endedAt,
    playedMs,
    pausedMs: end.getTime() - exercise.startedAt.getTime() - playedMs,
    injectsDelivered: progress.delivered.size,
    postedAt: exercise.aarPostedAt,
    timeZone,
    generatedAt: now,
    participants: roles,
    timeline: timeline(scenario, exercise, events),
    decisions,
    actions,
    rolesNeverActed: roles.filter((r) => r.required && !r.acted),
    objectives,
    strengths: strengths(scenario, objectives, decisions, hotWash),
    areas: found.map((f) => f.area),
    plan: postedPlan(events, input.actionItems ?? [], proposedPlan, now, timeZone) ?? proposedPlan,
    hotWash,
    evaluatorNotes: [...events]
      .sort(byTime)
      .filter((e) => e.kind === 'exercise_evaluator_note')
      .map((e) => ({ text: String(e.payload.text), by: e.actor, at: e.occurredAt })),
    nextExercise: nextExercise(scenario, objectives, input.otherScenarios),
  };
}
