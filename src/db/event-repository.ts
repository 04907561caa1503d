import { requestEventKey } from '../core/request-scope.js';
import { sql, type Kysely, type Selectable } from 'kysely';
import { validateEvent, type EventKind, type NewEvent, type StoredEvent } from '../core/events/event-kinds.js';
import type { EventRepository } from '../core/ports/store.js';
import type { Database, EventsTable } from './tables.js';

function toEvent(row: Selectable<EventsTable>): StoredEvent {
  const event = validateEvent(row.kind, row.payload);
  return {
    id: Number(row.id),
    incidentId: row.incident_id,
    kind: event.kind,
    payload: event.payload as Record<string, unknown>,
    actor: row.actor,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
  };
}

export class KyselyEventRepository implements EventRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly recordedAt: () => Date,
  ) {}

  /** The row an event is stored as (validated), for statements that record an event beside another change. */
  row(event: NewEvent, recordedAt: Date = this.recordedAt()) {
    const valid = validateEvent(event.kind, event.payload);
    return {
      incident_id: event.incidentId,
      kind: valid.kind,
      payload: JSON.stringify(valid.payload),
      actor: event.actor,
      occurred_at: event.occurredAt,
      recorded_at: recordedAt,
      idempotency_key: event.idempotencyKey ?? requestEventKey(event) ?? null,
    };
  }

  async append(event: NewEvent): Promise<boolean> {
    return (await this.appendAll([event])) === 1;
  }

  async appendAll(events: readonly NewEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const recordedAt = this.recordedAt();
    const inserted = await this.db
      .insertInto('events')
      .values(events.map((event) => this.row(event, recordedAt)))
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .returning('id')
      .execute();
    return inserted.length;
  }

  async forIncident(incidentId: number): Promise<StoredEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();
    return rows.map(toEvent);
  }

  async findByIdempotencyKey(key: string): Promise<StoredEvent | undefined> {
    const row = await this.db.selectFrom('events').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
    return row && toEvent(row);
  }

  async latest(kind: EventKind, incidentId?: number): Promise<StoredEvent | undefined> {
    let query = this.db.selectFrom('events').selectAll().where('kind', '=', kind);
    if (incidentId !== undefined) query = query.where('incident_id', '=', incidentId);
    const row = await query.orderBy(sql`occurred_at desc, id desc`).limit(1).executeTakeFirst();
    return row && toEvent(row);
  }
}
