import { LIFECYCLE, type IncidentState, type LifecycleState } from '../domain.js';
import { formatTime } from '../time/time-input.js';

/** The moments an incident reached each state; the declaration is `detected_at`'s companion. */
export interface StateTimes {
  state: IncidentState;
  detectedAt: Date;
  declaredAt: Date;
  triagedAt: Date | null;
  containedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  falsePositiveAt: Date | null;
}

export type TimedState = Exclude<LifecycleState, 'declared'>;

export const STATE_COLUMN = {
  triaged: 'triagedAt',
  contained: 'containedAt',
  resolved: 'resolvedAt',
  closed: 'closedAt',
} as const satisfies Record<TimedState, keyof StateTimes>;

export const STATE_VERB: Record<TimedState, string> = {
  triaged: 'triage',
  contained: 'contain',
  resolved: 'resolve',
  closed: 'close',
};

export interface TransitionPlan {
  from: IncidentState;
  to: IncidentState;
  at: Date;
  /** States passed over on the way; each is stamped with the same time so every metric stays defined. */
  skipped: TimedState[];
  stamps: Partial<Record<TimedState, Date>>;
}

export type Refusal = { refused: string };

function lastStampedTime(times: StateTimes): Date {
  const stamps = [times.detectedAt, times.triagedAt, times.containedAt, times.resolvedAt, times.closedAt].filter(
    (d): d is Date => d !== null,
  );
  return new Date(Math.max(...stamps.map((d) => d.getTime())));
}

/** Checks a time a person gave for a state change: not in the future, not before what already happened. */
export function checkStateTime(times: StateTimes, at: Date, now: Date, timeZone: string): Refusal | null {
  if (at.getTime() > now.getTime()) {
    return { refused: `${formatTime(at, timeZone)} is in the future; give a time up to now (${formatTime(now, timeZone)})` };
  }
  const earliest = lastStampedTime(times);
  if (at.getTime() < earliest.getTime()) {
    return {
      refused: `${formatTime(at, timeZone)} is before the incident's previous state at ${formatTime(earliest, timeZone)}`,
    };
  }
  return null;
}

export function planTransition(
  times: StateTimes,
  to: TimedState,
  at: Date,
  now: Date,
  timeZone: string,
): TransitionPlan | Refusal {
  const { state } = times;
  if (state === 'false_positive') {
    return { refused: 'this incident was marked a false positive; use `reopen` first' };
  }
  const fromIndex = LIFECYCLE.indexOf(state);
  const toIndex = LIFECYCLE.indexOf(to);
  if (toIndex === fromIndex) return { refused: `the incident is already ${to}` };
  if (toIndex < fromIndex) {
    return { refused: `the incident is ${state}; it cannot go back to ${to} (use \`reopen\` to work on it again)` };
  }
  const timeRefusal = checkStateTime(times, at, now, timeZone);
  if (timeRefusal) return timeRefusal;

  const passed = LIFECYCLE.slice(fromIndex + 1, toIndex + 1) as TimedState[];
  const stamps: Partial<Record<TimedState, Date>> = {};
  for (const s of passed) stamps[s] = at;
  return { from: state, to, at, skipped: passed.slice(0, -1), stamps };
}

/** Reopening returns to the furthest of declared/triaged the incident had reached and clears later stamps. */
export function planReopen(times: StateTimes): { from: IncidentState; to: LifecycleState } | Refusal {
  if (times.state === 'declared' || times.state === 'triaged' || times.state === 'contained') {
    return { refused: `the incident is ${times.state}, still open; nothing to reopen` };
  }
  return { from: times.state, to: times.triagedAt ? 'triaged' : 'declared' };
}

export function isOpen(state: IncidentState): boolean {
  return state !== 'closed' && state !== 'false_positive';
}
