import { sql, type Kysely, type Selectable } from 'kysely';
import type { RoleId } from '../core/domain.js';
import type { ActionItem, BoundMessage, ChecklistStep, MessageRef, Page, PageStatus, RoleAssignment } from '../core/incident/incident.js';
import type { Phase } from '../core/playbook/schema.js';
import type { ActionItemRepository, MessageRepository, PageRepository, RoleRepository, StepChange, StepRepository } from '../core/ports/store.js';
import type { KyselyEventRepository } from './event-repository.js';
import type { ChecklistStepsTable, Database, IncidentRolesTable, PagesTable } from './tables.js';

export function toStep(r: Selectable<ChecklistStepsTable>): ChecklistStep {
  return {
    incidentId: r.incident_id,
    number: r.number,
    phase: r.phase as Phase,
    title: r.title,
    detail: r.detail,
    role: r.role as RoleId | null,
    doneAt: r.done_at,
    doneBy: r.done_by,
  };
}

export function toRole(r: Selectable<IncidentRolesTable>): RoleAssignment {
  return { incidentId: r.incident_id, role: r.role as RoleId, userId: r.user_id, assignedAt: r.assigned_at };
}

export class KyselyStepRepository implements StepRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly events: KyselyEventRepository,
  ) {}

  async replace(incidentId: number, steps: Omit<ChecklistStep, 'incidentId' | 'doneAt' | 'doneBy'>[]): Promise<void> {
    await this.db.deleteFrom('checklist_steps').where('incident_id', '=', incidentId).execute();
    await this.addAll(steps.map((step) => ({ ...step, incidentId })));
  }

  async addAll(steps: readonly Omit<ChecklistStep, 'doneAt' | 'doneBy'>[]): Promise<void> {
    if (steps.length === 0) return;
    await this.db
      .insertInto('checklist_steps')
      .values(steps.map((s) => ({ incident_id: s.incidentId, number: s.number, phase: s.phase, title: s.title, detail: s.detail, role: s.role, done_at: null, done_by: null })))
      .execute();
  }

  async list(incidentId: number): Promise<ChecklistStep[]> {
    const rows = await this.db.selectFrom('checklist_steps').selectAll().where('incident_id', '=', incidentId).orderBy('number').execute();
    return rows.map(toStep);
  }

  async setDone(incidentId: number, number: number, done: { at: Date; by: string } | null, recorded: { actor: string; occurredAt: Date }): Promise<StepChange> {
    // The event's title is the step's, known only once the row is updated: it is set in SQL. When
    // nothing changed, the same statement says whether the step exists (CASE runs the subqueries
    // only then; they see the rows as they were before the statement, which changed none).
    const event = this.events.row({ incidentId, kind: done ? 'step_ticked' : 'step_unticked', payload: { step: number, title: '' }, ...recorded });
    const result = await sql<{ title: string | null; present: boolean | null; steps: number | null }>`
      WITH changed AS (
        UPDATE checklist_steps SET done_at = ${done?.at ?? null}, done_by = ${done?.by ?? null}
         WHERE incident_id = ${incidentId} AND number = ${number} AND (done_at IS NULL) = ${done !== null}
        RETURNING title
      ), recorded AS (
        INSERT INTO events (incident_id, kind, payload, actor, occurred_at, recorded_at, idempotency_key)
        SELECT ${event.incident_id}, ${event.kind}, jsonb_set(${event.payload}::jsonb, '{title}', to_jsonb(changed.title)),
               ${event.actor}, ${event.occurred_at}, ${event.recorded_at}, ${event.idempotency_key}
          FROM changed
        ON CONFLICT (idempotency_key) DO NOTHING
      )
      SELECT changed.title,
             CASE WHEN changed.title IS NULL THEN EXISTS (SELECT 1 FROM checklist_steps WHERE incident_id = ${incidentId} AND number = ${number}) END AS present,
             CASE WHEN changed.title IS NULL THEN (SELECT count(*) FROM checklist_steps WHERE incident_id = ${incidentId})::int END AS steps
        FROM (SELECT 1) AS one LEFT JOIN changed ON true`.execute(this.db);
    const row = result.rows[0]!;
    if (row.title !== null) return { outcome: 'changed', title: row.title };
    return row.present ? { outcome: 'already' } : { outcome: 'missing', stepCount: row.steps ?? 0 };
  }
}

export class KyselyRoleRepository implements RoleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async assign(a: RoleAssignment): Promise<void> {
    await this.db
      .insertInto('incident_roles')
      .values({ incident_id: a.incidentId, role: a.role, user_id: a.userId, assigned_at: a.assignedAt })
      .onConflict((c) => c.columns(['incident_id', 'role']).doUpdateSet({ user_id: a.userId, assigned_at: a.assignedAt }))
      .execute();
  }

  async forIncident(incidentId: number): Promise<RoleAssignment[]> {
    const rows = await this.db.selectFrom('incident_roles').selectAll().where('incident_id', '=', incidentId).execute();
    return rows.map(toRole);
  }

  async setRoster(platform: string, role: RoleId, users: string[]): Promise<void> {
    await this.db.deleteFrom('roster').where('platform', '=', platform).where('role', '=', role).execute();
    if (users.length === 0) return;
    await this.db.insertInto('roster').values(users.map((user_id, position) => ({ platform, role, position, user_id }))).execute();
  }

  async setBackup(platform: string, role: RoleId, userId: string | null): Promise<void> {
    if (userId === null) {
      await this.db.deleteFrom('roster_backups').where('platform', '=', platform).where('role', '=', role).execute();
      return;
    }
    await this.db
      .insertInto('roster_backups')
      .values({ platform, role, user_id: userId })
      .onConflict((c) => c.columns(['platform', 'role']).doUpdateSet({ user_id: userId }))
      .execute();
  }

  async backups(platform: string): Promise<Map<RoleId, string>> {
    const rows = await this.db.selectFrom('roster_backups').selectAll().where('platform', '=', platform).execute();
    return new Map(rows.map((r) => [r.role as RoleId, r.user_id]));
  }

  async roster(platform: string): Promise<Map<RoleId, string[]>> {
    const rows = await this.db.selectFrom('roster').selectAll().where('platform', '=', platform).orderBy('role').orderBy('position').execute();
    const roster = new Map<RoleId, string[]>();
    for (const row of rows) roster.set(row.role as RoleId, [...(roster.get(row.role as RoleId) ?? []), row.user_id]);
    return roster;
  }
}

export class KyselyPageRepository implements PageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  static toPage(r: Selectable<PagesTable>): Page {
    return {
      id: r.id,
      incidentId: r.incident_id,
      role: r.role as RoleId,
      userId: r.user_id,
      status: r.status as PageStatus,
      createdAt: r.created_at,
      sentAt: r.sent_at,
      acknowledgedAt: r.acknowledged_at,
      error: r.error,
      step: r.step,
      escalateAt: r.escalate_at,
      acknowledgedBy: r.acknowledged_by,
    };
  }

  async create(page: { incidentId: number; role: RoleId; userId: string; createdAt: Date; step?: number }): Promise<Page> {
    const row = await this.db
      .insertInto('pages')
      .values({
        incident_id: page.incidentId,
        role: page.role,
        user_id: page.userId,
        created_at: page.createdAt,
        step: page.step ?? 0,
        sent_at: null,
        acknowledged_at: null,
        error: null,
        escalate_at: null,
        escalated_at: null,
        acknowledged_by: null,
        claimed_by: null,
        claimed_until: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return KyselyPageRepository.toPage(row);
  }

  async forIncident(incidentId: number): Promise<Page[]> {
    const rows = await this.db.selectFrom('pages').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
    return rows.map(KyselyPageRepository.toPage);
  }

  async setStatus(id: number, status: PageStatus, at: Date, error?: string): Promise<void> {
    await this.db
      .updateTable('pages')
      .set({
        status,
        error: error ?? null,
        ...(status === 'sent' ? { sent_at: at } : {}),
        ...(status === 'acknowledged' ? { acknowledged_at: at } : {}),
      })
      .where('id', '=', id)
      .execute();
  }
}

export class KyselyActionItemRepository implements ActionItemRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(item: Omit<ActionItem, 'number' | 'doneAt' | 'doneBy' | 'source'> & { source?: ActionItem['source'] }): Promise<ActionItem> {
    const source = item.source ?? 'incident';
    const next = await this.db
      .selectFrom('action_items')
      .select(sql<number>`coalesce(max(number), 0) + 1`.as('number'))
      .where('incident_id', '=', item.incidentId)
      .executeTakeFirstOrThrow();
    const number = Number(next.number);
    await this.db
      .insertInto('action_items')
      .values({ incident_id: item.incidentId, number, text: item.text, owner: item.owner, due_on: item.due, created_at: item.createdAt, created_by: item.createdBy, done_at: null, done_by: null, source })
      .execute();
    return { ...item, number, doneAt: null, doneBy: null, source };
  }

  async forIncident(incidentId: number): Promise<ActionItem[]> {
    const rows = await this.db
      .selectFrom('action_items')
      .select(['incident_id', 'number', 'text', 'owner', sql<string>`due_on::text`.as('due'), 'created_at', 'created_by', 'done_at', 'done_by', 'source'])
      .where('incident_id', '=', incidentId)
      .orderBy('number')
      .execute();
    return rows.map((r) => ({
      incidentId: r.incident_id,
      number: r.number,
      text: r.text,
      owner: r.owner,
      due: r.due,
      createdAt: r.created_at,
      createdBy: r.created_by,
      doneAt: r.done_at,
      doneBy: r.done_by,
      source: r.source as ActionItem['source'],
    }));
  }

  async complete(incidentId: number, number: number, at: Date, by: string): Promise<void> {
    await this.db.updateTable('action_items').set({ done_at: at, done_by: by }).where('incident_id', '=', incidentId).where('number', '=', number).execute();
  }
}

export class KyselyMessageRepository implements MessageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async bind(m: BoundMessage): Promise<void> {
    await this.db
      .insertInto('incident_messages')
      .values({ incident_id: m.incidentId, purpose: m.purpose, part: m.part, channel_id: m.channelId, ref: JSON.stringify(m.ref) })
      .onConflict((c) => c.columns(['incident_id', 'purpose', 'part']).doUpdateSet({ channel_id: m.channelId, ref: JSON.stringify(m.ref) }))
      .execute();
  }

  async forIncident(incidentId: number): Promise<BoundMessage[]> {
    const rows = await this.db.selectFrom('incident_messages').selectAll().where('incident_id', '=', incidentId).orderBy('purpose').orderBy('part').execute();
    return rows.map((r) => ({ incidentId: r.incident_id, purpose: r.purpose as BoundMessage['purpose'], part: r.part, channelId: r.channel_id, ref: r.ref as MessageRef }));
  }

  async unbind(incidentId: number, purpose: BoundMessage['purpose'], fromPart: number): Promise<void> {
    await this.db.deleteFrom('incident_messages').where('incident_id', '=', incidentId).where('purpose', '=', purpose).where('part', '>=', fromPart).execute();
  }
}
