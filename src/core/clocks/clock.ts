import type { RoleId } from '../domain.js';
import type { ClockKind, ClockVariant, ReminderPlan } from './deadline.js';

/** A regulatory clock on an incident (GDPR Art. 33, EU AI Act Art. 73). */
export interface RegulatoryClock {
  id: number;
  incidentId: number;
  kind: ClockKind;
  variant: ClockVariant;
  /** Awareness: when the clock started. */
  startedAt: Date;
  dueAt: Date;
  flaggedAt: Date;
  flaggedBy: string;
  /** Unflagged (not a notifiable breach after all); such a clock no longer shows anywhere. */
  stoppedAt: Date | null;
  stopReason: string | null;
  notifiedAt: Date | null;
  notifiedRef: string | null;
  /** Why a late notification was late (GDPR Art. 33(1)); null until given. */
  lateReasons: string | null;
}

export interface NewClock {
  incidentId: number;
  kind: ClockKind;
  variant: ClockVariant;
  startedAt: Date;
  dueAt: Date;
  flaggedAt: Date;
  flaggedBy: string;
}

export type ReminderStatus = 'pending' | 'sent' | 'failed' | 'cancelled' | 'skipped';

export interface ClockReminder {
  id: number;
  clockId: number;
  incidentId: number;
  percent: number;
  role: RoleId;
  dueAt: Date;
  status: ReminderStatus;
  userId: string | null;
  sentAt: Date | null;
}

/** The claim a worker holds on a reminder, as for pages (roles/page-queue.ts). */
export interface ReminderClaim {
  worker: string;
  now: Date;
}

export interface ClockDueLine {
  clock: RegulatoryClock;
  incident: { id: number; title: string; private: boolean; severity: string };
}

/**
 * Clocks and their reminders. Reminders are durable jobs like pages: each due one is a row claimed
 * FOR UPDATE SKIP LOCKED under a lease and settled once, so a restart neither loses nor repeats one.
 */
export interface ClockRepository {
  /** The incident's clock of this kind that was not unflagged (running or notified), locked for the transaction. */
  current(incidentId: number, kind: ClockKind): Promise<RegulatoryClock | undefined>;
  /** Every clock of the incident that was not unflagged, oldest first. */
  forIncident(incidentId: number): Promise<RegulatoryClock[]>;
  start(clock: NewClock, reminders: ReminderPlan[]): Promise<RegulatoryClock>;
  /** Unflags the clock and cancels its pending reminders. */
  stop(clockId: number, at: Date, reason: string | null): Promise<void>;
  /** Records the notification and cancels the pending reminders. */
  notify(clockId: number, at: Date, ref: string | null, lateReasons: string | null): Promise<void>;
  recordLateReasons(clockId: number, reasons: string): Promise<void>;
  reminders(clockId: number): Promise<ClockReminder[]>;
  /** Clocks not unflagged whose deadline falls in [from, to), with their incident. */
  dueBetween(from: Date, to: Date): Promise<ClockDueLine[]>;
  claimReminders(request: { now: Date; worker: string; leaseMs: number; limit: number }): Promise<ClockReminder[]>;
  /** Right before a send: renews the lease while the claim still holds it. */
  holdReminder(reminderId: number, claim: ReminderClaim & { leaseMs: number }): Promise<boolean>;
  /** Records the outcome while the reminder is still this claim's; false: it was not, nothing changed. */
  settleReminder(reminderId: number, outcome: { status: ReminderStatus; userId?: string | null; sentAt?: Date; error?: string | null }, claim: ReminderClaim): Promise<boolean>;
  /** Gives the reminder back to be tried again at `retryAt`. */
  releaseReminder(reminderId: number, retryAt: Date, claim: ReminderClaim): Promise<boolean>;
}
