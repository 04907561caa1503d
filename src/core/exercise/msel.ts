import type { StoredEvent } from '../events/event-kinds.js';
import type { AuthoredScenario, Inject, Observe } from './authored-scenario.js';

/**
 * Where an authored exercise stands, read back from its event log only: which injects were
 * delivered or skipped and when, the decisions taken, the pauses. Every view (the players'
 * cards, the facilitator's MSEL, the after-action report, the metrics) is built from this.
 */
export interface ExerciseProgress {
  delivered: Map<string, { at: Date; trigger: 'schedule' | 'facilitator' | 'contingency'; eventId: number }>;
  /** Contingencies delivered, by the inject they belong to. */
  contingencies: Map<string, { at: Date; missedAction: string | null }>;
  skipped: Map<string, { at: Date; reason: string }>;
  decisions: Map<string, DecisionTaken>;
  overdueDecisions: Set<string>;
  /** Actions the facilitator marked observed, with when. */
  marked: Map<string, { at: Date; note: string | null }>;
  missed: Set<string>;
  pauses: { from: Date; to: Date | null }[];
  completedAt: Date | null;
}

export interface DecisionTaken {
  inject: string;
  option: string;
  label: string;
  reasoning: string;
  by: string;
  at: Date;
  promptedAt: Date;
  tookMs: number;
  limitMs: number;
  withinLimit: boolean;
}

const byTime = (a: StoredEvent, b: StoredEvent) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id;

export function exerciseProgress(events: readonly StoredEvent[]): ExerciseProgress {
  const progress: ExerciseProgress = {
    delivered: new Map(),
    contingencies: new Map(),
    skipped: new Map(),
    decisions: new Map(),
    overdueDecisions: new Set(),
    marked: new Map(),
    missed: new Set(),
    pauses: [],
    completedAt: null,
  };
  for (const event of [...events].sort(byTime)) {
    const p = event.payload;
    switch (event.kind) {
      case 'exercise_inject_delivered':
        if (p.trigger === 'contingency') progress.contingencies.set(String(p.inject), { at: event.occurredAt, missedAction: typeof p.missed_action === 'string' ? p.missed_action : null });
        else progress.delivered.set(String(p.inject), { at: event.occurredAt, trigger: p.trigger as 'schedule' | 'facilitator', eventId: event.id });
        break;
      case 'exercise_inject_skipped':
        progress.skipped.set(String(p.inject), { at: event.occurredAt, reason: String(p.reason) });
        break;
      case 'exercise_decided':
        progress.decisions.set(String(p.inject), {
          inject: String(p.inject),
          option: String(p.option),
          label: String(p.label),
          reasoning: String(p.reasoning),
          by: event.actor,
          at: event.occurredAt,
          promptedAt: new Date(String(p.prompted_at)),
          tookMs: Number(p.took_ms),
          limitMs: Number(p.limit_ms),
          withinLimit: Boolean(p.within_limit),
        });
        break;
      case 'exercise_decision_overdue':
        progress.overdueDecisions.add(String(p.inject));
        break;
      case 'exercise_action_observed':
        progress.marked.set(String(p.action), { at: event.occurredAt, note: typeof p.note === 'string' ? p.note : null });
        break;
      case 'exercise_action_missed':
        progress.missed.add(String(p.action));
        break;
      case 'exercise_paused':
        progress.pauses.push({ from: event.occurredAt, to: null });
        break;
      case 'exercise_resumed': {
        const open = progress.pauses.at(-1);
        if (open && !open.to) open.to = event.occurredAt;
        break;
      }
      case 'exercise_completed':
        progress.completedAt = event.occurredAt;
        break;
      default:
        break;
    }
  }
  return progress;
}

/** Milliseconds from `from` to `to` that the exercise was running (pauses do not count against players). */
export function runningMs(from: Date, to: Date, pauses: ExerciseProgress['pauses']): number {
  let ms = to.getTime() - from.getTime();
  for (const pause of pauses) {
    const start = Math.max(pause.from.getTime(), from.getTime());
    const end = Math.min((pause.to ?? to).getTime(), to.getTime());
    if (end > start) ms -= end - start;
  }
  return Math.max(0, ms);
}

/** Whether one incident event is what `observe` looks for. */
function matches(observe: Observe, event: StoredEvent): boolean {
  if ('decision' in observe) return event.kind === 'exercise_decided' && event.payload.inject === observe.decision;
  switch (observe.event) {
    case 'step_completed':
      return event.kind === 'step_ticked' && (observe.step === undefined || event.payload.step === observe.step);
    case 'state_changed':
      return event.kind === 'state_changed' && (event.payload.to === observe.to || (Array.isArray(event.payload.skipped) && event.payload.skipped.includes(observe.to)));
    case 'role_assigned':
      return event.kind === 'role_assigned' && (observe.role === undefined || event.payload.role === observe.role);
    default:
      return event.kind === observe.event;
  }
}

export type ActionOutcome = 'met' | 'partly' | 'missed' | 'pending' | 'not_delivered';

export interface ActionObservation {
  inject: string;
  action: Inject['expected_actions'][number];
  outcome: ActionOutcome;
  /** When it was seen (the first matching event after the inject, or the facilitator's mark). */
  at: Date | null;
  /** Running time from the inject to it. */
  tookMs: number | null;
  by: 'event' | 'facilitator' | null;
}

/**
 * Each expected action of each delivered inject: met within its limit, partly met (after it),
 * missed, or still pending (its limit has not passed). `now` is the clock: an action of an
 * exercise that has ended and was never seen is missed.
 */
export function observeActions(scenario: AuthoredScenario, events: readonly StoredEvent[], progress: ExerciseProgress, now: Date): ActionObservation[] {
  const sorted = [...events].sort(byTime);
  const end = progress.completedAt ?? now;
  return scenario.injects.flatMap((inject) =>
    inject.expected_actions.map((action): ActionObservation => {
      const delivered = progress.delivered.get(inject.id);
      if (!delivered) return { inject: inject.id, action, outcome: 'not_delivered', at: null, tookMs: null, by: null };
      const limitMs = action.within_minutes * 60_000;
      const mark = progress.marked.get(action.id);
      const seen = action.observe ? sorted.find((e) => e.occurredAt >= delivered.at && e.id !== delivered.eventId && matches(action.observe!, e)) : undefined;
      const candidates = [seen ? { at: seen.occurredAt, by: 'event' as const } : null, mark ? { at: mark.at, by: 'facilitator' as const } : null].filter((c): c is { at: Date; by: 'event' | 'facilitator' } => c !== null);
      const first = candidates.sort((a, b) => a.at.getTime() - b.at.getTime())[0];
      if (first) {
        const tookMs = runningMs(delivered.at, first.at, progress.pauses);
        return { inject: inject.id, action, outcome: tookMs <= limitMs ? 'met' : 'partly', at: first.at, tookMs, by: first.by };
      }
      const running = runningMs(delivered.at, end, progress.pauses);
      return { inject: inject.id, action, outcome: progress.completedAt || running > limitMs ? 'missed' : 'pending', at: null, tookMs: null, by: null };
    }),
  );
}

/** What to do with an inject whose trigger is `after`: wait, schedule it at a time, or skip it (a branch not taken). */
export type FollowUp = { inject: Inject; action: 'schedule'; dueAt: Date } | { inject: Inject; action: 'skip' };

/**
 * The injects that can now be scheduled or skipped: each `after` inject whose predecessor was
 * delivered or skipped, and, for a branch, whose decision was taken. One rule serves every
 * moment something happens (a delivery, a skip, a decision), so the MSEL moves on by itself.
 */
export function followUps(scenario: AuthoredScenario, progress: ExerciseProgress, alreadyScheduled: ReadonlySet<string>): FollowUp[] {
  const out: FollowUp[] = [];
  for (const inject of scenario.injects) {
    const trigger = inject.trigger;
    if (!('after' in trigger)) continue;
    if (alreadyScheduled.has(inject.id) || progress.delivered.has(inject.id) || progress.skipped.has(inject.id)) continue;
    const before = progress.delivered.get(trigger.after) ?? progress.skipped.get(trigger.after);
    if (!before) continue;
    // A follower of a skipped inject is skipped when the skip was a branch not taken; it runs from the skip when the facilitator skipped.
    const skippedBefore = progress.skipped.get(trigger.after);
    if (skippedBefore && skippedBefore.reason !== 'facilitator') {
      out.push({ inject, action: 'skip' });
      continue;
    }
    if (trigger.if) {
      const decision = progress.decisions.get(trigger.if.decision);
      if (!decision) {
        if (progress.skipped.has(trigger.if.decision)) out.push({ inject, action: 'skip' });
        continue;
      }
      if (decision.option !== trigger.if.option) {
        out.push({ inject, action: 'skip' });
        continue;
      }
    }
    out.push({ inject, action: 'schedule', dueAt: new Date(before.at.getTime() + trigger.delay_minutes * 60_000) });
  }
  return out;
}

export function injectOf(scenario: AuthoredScenario, id: string): Inject | undefined {
  return scenario.injects.find((i) => i.id === id);
}

/** "inject 3 of 7": the inject's place in the MSEL, as players count. */
export function injectNumber(scenario: AuthoredScenario, id: string): number {
  return scenario.injects.findIndex((i) => i.id === id) + 1;
}
