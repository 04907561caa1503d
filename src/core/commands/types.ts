import type { RoleId, Severity } from '../domain.js';
import type { TimeInput } from '../time/time-input.js';
import type { TimedState } from '../incident/transitions.js';
import type { PeriodSpec } from '../metrics/period.js';
import type { ClockKind } from '../clocks/deadline.js';

/** A user reference as chat platforms write it: Slack `<@U123>`/`<@U123|name>`, console `@alice`. */
export type UserId = string;

export type Command =
  | { kind: 'help'; topic?: string }
  | { kind: 'list' }
  | {
      kind: 'declare';
      severity?: Severity;
      playbookId?: string;
      title: string;
      /** A declare text longer than a title: all after its first sentence. */
      summary?: string;
      startedAt?: TimeInput;
      detectedAt?: TimeInput;
      private?: boolean;
    }
  | { kind: 'status' }
  | { kind: 'transition'; to: TimedState; at?: TimeInput }
  | { kind: 'reopen' }
  | { kind: 'severity'; severity: Severity }
  | { kind: 'assign'; role: RoleId; user: UserId }
  | { kind: 'page'; role: RoleId }
  | { kind: 'note'; text: string }
  | { kind: 'decision'; text: string; because?: string }
  | { kind: 'false-positive'; reason?: string }
  | { kind: 'timeline' }
  | { kind: 'tag' | 'untag'; tag: string }
  | { kind: 'similar' }
  | { kind: 'tick'; step: number; done: boolean }
  | { kind: 'step'; step: number }
  | { kind: 'playbook'; playbookId: string | null }
  | { kind: 'action-add'; text: string; owner: UserId; due: string }
  | { kind: 'actions'; filter: 'all' | 'mine' | 'overdue' }
  | { kind: 'action-done'; number: number }
  | { kind: 'review' | 'review-export' }
  /** `backup`: undefined keeps the role's backup, null removes it. An empty `users` keeps the roster. */
  | { kind: 'oncall-set'; role: RoleId; users: UserId[]; backup?: UserId | null }
  | { kind: 'ack'; pageId?: number }
  | { kind: 'alert-declare'; incidentId: number }
  | { kind: 'alert-dismiss'; incidentId: number; reason?: string }
  | { kind: 'oncall-show' }
  | { kind: 'metrics'; period?: PeriodSpec }
  | { kind: 'exercise-scenarios'; playbookId?: string }
  | { kind: 'exercise-start'; scenarioId?: string; playbookId?: string; force?: boolean }
  | { kind: 'exercise-inject' }
  | { kind: 'exercise-end' }
  | { kind: 'exercise-steer'; command: 'pause' | 'resume' | 'next' | 'skip' }
  | { kind: 'exercise-decide'; option: string; reasoning: string }
  | { kind: 'exercise-observed'; action: string; note?: string }
  | { kind: 'exercise-note'; text: string }
  | { kind: 'exercise-hotwash'; question: 'went_well' | 'to_change' | 'playbook_gap'; text: string }
  | { kind: 'exercise-aar' }
  | { kind: 'exercise-rate'; objective: string; rating: 'P' | 'S' | 'M' | 'U'; because?: string }
  | { kind: 'exercise-export' }
  | { kind: 'flag'; flag: ClockKind; variant?: 'widespread' | 'death'; aware?: TimeInput }
  | { kind: 'unflag'; flag: ClockKind; reason?: string }
  | { kind: 'notified'; flag: ClockKind; at?: TimeInput; ref?: string; because?: string };

export type CommandKind = Command['kind'];

export interface ParseError {
  error: string;
  usage: string;
}
