import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { workerOf } from '../roles/deliver-pages.js';

export interface ReminderRound {
  sent: number;
  failed: number;
}

/** What became of one claimed reminder: `retry` when it was put back for later, `lost` when another worker took it over first. */
export type ReminderOutcome = 'sent' | 'failed' | 'cancelled' | 'retry' | 'lost';

/** A kind of reminder kept in a leased table (regulatory clocks, action items). */
export interface LeasedReminders<R extends { id: number }> {
  /** For the log: `clock reminder`, `action item reminder`. */
  name: string;
  leaseMs: number;
  batch: number;
  claim(request: { now: Date; worker: string; leaseMs: number; limit: number }): Promise<R[]>;
  release(reminderId: number, retryAt: Date, claim: { worker: string; now: Date }): Promise<boolean>;
  /** Sends or cancels one claimed reminder and settles it. */
  remind(reminder: R, worker: string): Promise<ReminderOutcome>;
}

/**
 * Sends every reminder of one kind that is due by the injected clock. Each is claimed FOR UPDATE
 * SKIP LOCKED under a lease and settled once, so several processes and a restart neither repeat
 * nor lose one; one that throws is let go, to be claimed again after the lease.
 */
export async function runLeasedReminders<R extends { id: number }>(context: CoreContext, reminders: LeasedReminders<R>): Promise<ReminderRound> {
  const round: ReminderRound = { sent: 0, failed: 0 };
  for (let pass = 0; pass < 100; pass++) {
    const worker = `${workerOf(context)}/${randomUUID()}`;
    const claimed = await reminders.claim({ now: context.clock.now(), worker, leaseMs: reminders.leaseMs, limit: reminders.batch });
    if (claimed.length === 0) break;
    for (const reminder of claimed) {
      try {
        const outcome = await reminders.remind(reminder, worker);
        if (outcome === 'sent') round.sent++;
        if (outcome === 'failed') round.failed++;
      } catch (error) {
        context.logger.error({ reminderId: reminder.id, err: error instanceof Error ? error.message : String(error) }, `${reminders.name} failed; will retry`);
        const now = context.clock.now();
        await reminders.release(reminder.id, new Date(now.getTime() + reminders.leaseMs), { worker, now }).catch(() => undefined);
      }
    }
  }
  return round;
}
