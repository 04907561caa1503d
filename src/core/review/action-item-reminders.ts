import { zonedTime } from '../metrics/period.js';

/** When an owner is reminded of an action item: the day before its due date, and on it. */
export type ReminderKind = 'day_before' | 'due_day';
export type ActionItemReminderStatus = 'pending' | 'sent' | 'failed' | 'cancelled' | 'skipped';

/** Reminders go out at this hour of the bot's time zone (BOT_TIMEZONE). */
export const REMINDER_HOUR = 9;

export interface ActionItemReminder {
  id: number;
  incidentId: number;
  number: number;
  kind: ReminderKind;
  dueAt: Date;
  status: ActionItemReminderStatus;
  userId: string | null;
  sentAt: Date | null;
  attempts: number;
}

export interface PlannedReminder {
  kind: ReminderKind;
  dueAt: Date;
  /** `skipped`: its time had passed when the item was added (the owner was just told in the channel). */
  status: 'pending' | 'skipped';
}

/** The claim a worker holds on a reminder, as for pages (roles/page-queue.ts). */
export interface ActionItemReminderClaim {
  worker: string;
  now: Date;
}

/**
 * Action item reminders as durable jobs like pages: each due one is a row claimed FOR UPDATE SKIP
 * LOCKED under a lease and settled once, so a restart neither loses nor repeats one and two
 * replicas send it once.
 */
export interface ActionItemReminderRepository {
  schedule(incidentId: number, number: number, reminders: PlannedReminder[]): Promise<void>;
  /** The item is done: its pending reminders will not be sent. */
  cancel(incidentId: number, number: number): Promise<void>;
  forItem(incidentId: number, number: number): Promise<ActionItemReminder[]>;
  claim(request: { now: Date; worker: string; leaseMs: number; limit: number }): Promise<ActionItemReminder[]>;
  /** Right before a send: renews the lease while the claim still holds it. */
  hold(reminderId: number, claim: ActionItemReminderClaim & { leaseMs: number }): Promise<boolean>;
  /** Records the outcome while the reminder is still this claim's; false: it was not, nothing changed. */
  settle(reminderId: number, outcome: { status: ActionItemReminderStatus; userId?: string | null; sentAt?: Date; error?: string | null }, claim: ActionItemReminderClaim): Promise<boolean>;
  /** Gives the reminder back to be tried again at `retryAt`. */
  release(reminderId: number, retryAt: Date, claim: ActionItemReminderClaim): Promise<boolean>;
}

/** The day before `due` and `due` itself (YYYY-MM-DD) at REMINDER_HOUR in the zone; one whose time is past at `now` is skipped. */
export function planReminders(due: string, now: Date, timeZone: string): PlannedReminder[] {
  const [year, month, day] = due.split('-').map(Number) as [number, number, number];
  const onDue = zonedTime(year, month, day, timeZone, REMINDER_HOUR);
  const before = new Date(Date.UTC(year, month - 1, day - 1));
  const dayBefore = zonedTime(before.getUTCFullYear(), before.getUTCMonth() + 1, before.getUTCDate(), timeZone, REMINDER_HOUR);
  return [
    { kind: 'day_before', dueAt: dayBefore, status: dayBefore.getTime() < now.getTime() ? 'skipped' : 'pending' },
    { kind: 'due_day', dueAt: onDue, status: onDue.getTime() < now.getTime() ? 'skipped' : 'pending' },
  ];
}
