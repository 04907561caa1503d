import type { Kysely, Selectable } from 'kysely';
import type {
  ActionItemReminder,
  ActionItemReminderClaim,
  ActionItemReminderRepository,
  ActionItemReminderStatus,
  PlannedReminder,
  ReminderKind,
} from '../core/review/action-item-reminders.js';
import { claimDueReminders, holdReminder, releaseReminder, settleReminder, type ReminderClaimRequest, type ReminderSettlement } from './leased-reminders.js';
import type { ActionItemRemindersTable, Database } from './tables.js';

function toReminder(row: Selectable<ActionItemRemindersTable>): ActionItemReminder {
  return {
    id: row.id,
    incidentId: row.incident_id,
    number: row.number,
    kind: row.kind as ReminderKind,
    dueAt: new Date(row.due_at),
    status: row.status as ActionItemReminderStatus,
    userId: row.user_id,
    sentAt: row.sent_at && new Date(row.sent_at),
    attempts: row.attempts,
  };
}

/** Action item reminders (migration 0010): claimed and settled as pages are (page-queue.ts). */
export class KyselyActionItemReminderRepository implements ActionItemReminderRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async schedule(incidentId: number, number: number, reminders: PlannedReminder[]): Promise<void> {
    if (reminders.length === 0) return;
    await this.db
      .insertInto('action_item_reminders')
      .values(reminders.map((r) => ({ incident_id: incidentId, number, kind: r.kind, due_at: r.dueAt, status: r.status })))
      .onConflict((c) => c.columns(['incident_id', 'number', 'kind']).doNothing())
      .execute();
  }

  async cancel(incidentId: number, number: number): Promise<void> {
    await this.db
      .updateTable('action_item_reminders')
      .set({ status: 'cancelled', claimed_by: null })
      .where('incident_id', '=', incidentId)
      .where('number', '=', number)
      .where('status', '=', 'pending')
      .execute();
  }

  async forItem(incidentId: number, number: number): Promise<ActionItemReminder[]> {
    const rows = await this.db.selectFrom('action_item_reminders').selectAll().where('incident_id', '=', incidentId).where('number', '=', number).orderBy('due_at').orderBy('id').execute();
    return rows.map(toReminder);
  }

  async claim(request: ReminderClaimRequest): Promise<ActionItemReminder[]> {
    return (await claimDueReminders(this.db, 'action_item_reminders', request)).map(toReminder);
  }

  async hold(reminderId: number, claim: ActionItemReminderClaim & { leaseMs: number }): Promise<boolean> {
    return holdReminder(this.db, 'action_item_reminders', reminderId, claim);
  }

  async settle(reminderId: number, outcome: ReminderSettlement, claim: ActionItemReminderClaim): Promise<boolean> {
    return (await settleReminder(this.db, 'action_item_reminders', reminderId, outcome, claim)) !== undefined;
  }

  release(reminderId: number, retryAt: Date, claim: ActionItemReminderClaim): Promise<boolean> {
    return releaseReminder(this.db, 'action_item_reminders', reminderId, retryAt, claim);
  }
}
