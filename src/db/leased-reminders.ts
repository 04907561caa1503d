import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from './tables.js';

/** Reminder tables that are claimed under a lease and settled once, as pages are (page-queue.ts). */
export type ReminderTable = 'clock_reminders' | 'action_item_reminders' | 'exercise_timers';

export interface ReminderClaimRequest {
  now: Date;
  worker: string;
  leaseMs: number;
  limit: number;
}

/**
 * Claims due, pending reminders of `table` for `worker`. The inner SELECT skips rows another worker
 * is claiming right now; the lease keeps them skipped after it commits, until it settles the
 * reminder or the lease runs out. Oldest first.
 */
export async function claimDueReminders<T extends ReminderTable>(db: Kysely<Database>, table: T, request: ReminderClaimRequest): Promise<Selectable<Database[T]>[]> {
  const until = new Date(request.now.getTime() + request.leaseMs);
  const result = await sql<Selectable<Database[T]> & { id: number; due_at: Date | string }>`
    UPDATE ${sql.table(table)} AS r
       SET claimed_by = ${request.worker}, claimed_until = ${until}, attempts = r.attempts + 1
      FROM (
        SELECT id FROM ${sql.table(table)}
         WHERE status = 'pending' AND due_at <= ${request.now}
           AND (claimed_until IS NULL OR claimed_until <= ${request.now})
         ORDER BY due_at, id
         LIMIT ${request.limit}
         FOR UPDATE SKIP LOCKED
      ) AS due
     WHERE r.id = due.id
    RETURNING r.*`.execute(db);
  const at = (row: { due_at: Date | string }) => new Date(row.due_at).getTime();
  return result.rows.sort((a, b) => at(a) - at(b) || a.id - b.id);
}

/** Renews this worker's lease on a reminder it still holds, before it sends; false when it no longer holds it. */
export async function holdReminder(db: Kysely<Database>, table: ReminderTable, reminderId: number, claim: { worker: string; now: Date; leaseMs: number }): Promise<boolean> {
  const result = await sql`
    UPDATE ${sql.table(table)} SET claimed_until = ${new Date(claim.now.getTime() + claim.leaseMs)}
     WHERE id = ${reminderId} AND claimed_by = ${claim.worker} AND claimed_until > ${claim.now} AND status = 'pending'`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** How a held reminder is settled: sent (to whom, when), failed (why), cancelled or skipped. */
export interface ReminderSettlement {
  status: 'pending' | 'sent' | 'failed' | 'cancelled' | 'skipped';
  userId?: string | null;
  sentAt?: Date;
  error?: string | null;
}

/** Settles a pending reminder this worker holds, once; the settled row, or undefined when it no longer holds it. */
export async function settleReminder<T extends 'clock_reminders' | 'action_item_reminders'>(
  db: Kysely<Database>,
  table: T,
  reminderId: number,
  outcome: ReminderSettlement,
  claim: { worker: string },
): Promise<Selectable<Database[T]> | undefined> {
  const result = await sql<Selectable<Database[T]>>`
    UPDATE ${sql.table(table)}
       SET status = ${outcome.status}, claimed_by = NULL, claimed_until = NULL,
           user_id = ${outcome.userId !== undefined ? sql`${outcome.userId}` : sql`user_id`},
           sent_at = ${outcome.sentAt ? sql`${outcome.sentAt}` : sql`sent_at`},
           error = ${outcome.error !== undefined ? sql`${outcome.error}` : sql`error`}
     WHERE id = ${reminderId} AND claimed_by = ${claim.worker} AND status = 'pending'
    RETURNING *`.execute(db);
  return result.rows[0];
}

/** Lets go of a reminder this worker holds, to be tried again from `retryAt`; false when it no longer holds it. */
export async function releaseReminder(db: Kysely<Database>, table: ReminderTable, reminderId: number, retryAt: Date, claim: { worker: string }): Promise<boolean> {
  const result = await sql`UPDATE ${sql.table(table)} SET claimed_by = NULL, claimed_until = ${retryAt} WHERE id = ${reminderId} AND claimed_by = ${claim.worker}`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}
