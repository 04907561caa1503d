import type { Kysely, Selectable } from 'kysely';
import type { ClockDueLine, ClockReminder, ClockRepository, NewClock, RegulatoryClock, ReminderClaim, ReminderStatus } from '../core/clocks/clock.js';
import type { ClockKind, ClockVariant, ReminderPlan } from '../core/clocks/deadline.js';
import type { RoleId } from '../core/domain.js';
import { claimDueReminders, holdReminder, releaseReminder, settleReminder, type ReminderClaimRequest, type ReminderSettlement } from './leased-reminders.js';
import type { ClockRemindersTable, Database, RegulatoryClocksTable } from './tables.js';

export function toClock(row: Selectable<RegulatoryClocksTable>): RegulatoryClock {
  return {
    id: row.id,
    incidentId: row.incident_id,
    kind: row.kind as ClockKind,
    variant: row.variant as ClockVariant,
    startedAt: new Date(row.started_at),
    dueAt: new Date(row.due_at),
    flaggedAt: new Date(row.flagged_at),
    flaggedBy: row.flagged_by,
    stoppedAt: row.stopped_at && new Date(row.stopped_at),
    stopReason: row.stop_reason,
    notifiedAt: row.notified_at && new Date(row.notified_at),
    notifiedRef: row.notified_ref,
    lateReasons: row.late_reasons,
  };
}

function toReminder(row: Selectable<ClockRemindersTable>): ClockReminder {
  return {
    id: row.id,
    clockId: row.clock_id,
    incidentId: row.incident_id,
    percent: row.percent,
    role: row.role as RoleId,
    dueAt: new Date(row.due_at),
    status: row.status as ReminderStatus,
    userId: row.user_id,
    sentAt: row.sent_at && new Date(row.sent_at),
  };
}

export class KyselyClockRepository implements ClockRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async current(incidentId: number, kind: ClockKind): Promise<RegulatoryClock | undefined> {
    const row = await this.db
      .selectFrom('regulatory_clocks')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .where('kind', '=', kind)
      .where('stopped_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    return row && toClock(row);
  }

  async forIncident(incidentId: number): Promise<RegulatoryClock[]> {
    const rows = await this.db.selectFrom('regulatory_clocks').selectAll().where('incident_id', '=', incidentId).where('stopped_at', 'is', null).orderBy('id').execute();
    return rows.map(toClock);
  }

  async start(clock: NewClock, reminders: ReminderPlan[]): Promise<RegulatoryClock> {
    const row = await this.db
      .insertInto('regulatory_clocks')
      .values({
        incident_id: clock.incidentId,
        kind: clock.kind,
        variant: clock.variant,
        started_at: clock.startedAt,
        due_at: clock.dueAt,
        flagged_at: clock.flaggedAt,
        flagged_by: clock.flaggedBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (reminders.length) {
      await this.db
        .insertInto('clock_reminders')
        .values(reminders.map((r) => ({ clock_id: row.id, incident_id: clock.incidentId, percent: r.percent, role: r.role, due_at: r.dueAt, status: r.status })))
        .execute();
    }
    return toClock(row);
  }

  private async cancelPending(clockId: number): Promise<void> {
    await this.db.updateTable('clock_reminders').set({ status: 'cancelled', claimed_by: null }).where('clock_id', '=', clockId).where('status', '=', 'pending').execute();
  }

  async stop(clockId: number, at: Date, reason: string | null): Promise<void> {
    await this.db.updateTable('regulatory_clocks').set({ stopped_at: at, stop_reason: reason }).where('id', '=', clockId).execute();
    await this.cancelPending(clockId);
  }

  async notify(clockId: number, at: Date, ref: string | null, lateReasons: string | null): Promise<void> {
    await this.db.updateTable('regulatory_clocks').set({ notified_at: at, notified_ref: ref, late_reasons: lateReasons }).where('id', '=', clockId).execute();
    await this.cancelPending(clockId);
  }

  async recordLateReasons(clockId: number, reasons: string): Promise<void> {
    await this.db.updateTable('regulatory_clocks').set({ late_reasons: reasons }).where('id', '=', clockId).execute();
  }

  async reminders(clockId: number): Promise<ClockReminder[]> {
    const rows = await this.db.selectFrom('clock_reminders').selectAll().where('clock_id', '=', clockId).orderBy('due_at').orderBy('id').execute();
    return rows.map(toReminder);
  }

  async dueBetween(from: Date, to: Date): Promise<ClockDueLine[]> {
    const rows = await this.db
      .selectFrom('regulatory_clocks as c')
      .innerJoin('incidents as i', 'i.id', 'c.incident_id')
      .selectAll('c')
      .select(['i.title as incident_title', 'i.private as incident_private', 'i.severity as incident_severity'])
      .where('c.stopped_at', 'is', null)
      .where('c.due_at', '>=', from)
      .where('c.due_at', '<', to)
      .where('i.is_exercise', '=', false)
      .orderBy('c.due_at')
      .orderBy('c.id')
      .execute();
    return rows.map((row) => ({
      clock: toClock(row),
      incident: { id: row.incident_id, title: row.incident_title, private: row.incident_private, severity: row.incident_severity },
    }));
  }

  async claimReminders(request: ReminderClaimRequest): Promise<ClockReminder[]> {
    return (await claimDueReminders(this.db, 'clock_reminders', request)).map(toReminder);
  }

  async holdReminder(reminderId: number, claim: ReminderClaim & { leaseMs: number }): Promise<boolean> {
    return holdReminder(this.db, 'clock_reminders', reminderId, claim);
  }

  async settleReminder(reminderId: number, outcome: ReminderSettlement, claim: ReminderClaim): Promise<boolean> {
    const row = await settleReminder(this.db, 'clock_reminders', reminderId, outcome, claim);
    if (!row) return false;
    if (outcome.status === 'sent') {
      await this.db.updateTable('regulatory_clocks').set({ reminded_percent: row.percent }).where('id', '=', row.clock_id).execute();
    }
    return true;
  }

  releaseReminder(reminderId: number, retryAt: Date, claim: ReminderClaim): Promise<boolean> {
    return releaseReminder(this.db, 'clock_reminders', reminderId, retryAt, claim);
  }
}
