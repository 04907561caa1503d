import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { BoundMessage, MessageRef } from '../core/incident/incident.js';
import type { CardKey, CardPublishing, CardSources, ShownCard, ShownMessage } from '../core/ports/store.js';
import { toRole, toStep } from './checklist-repositories.js';
import { toClock } from './clock-repository.js';
import { toIncident } from './incident-repository.js';
import type { ChecklistStepsTable, Database, IncidentMessagesTable, IncidentRolesTable, IncidentsTable, IncidentTagsTable, RegulatoryClocksTable } from './tables.js';
import { toTag } from './tag-repository.js';

/** A table's row as `json_agg` gives it: times as text. */
type JsonRow<T> = { [K in keyof Selectable<T>]: Selectable<T>[K] extends Date ? string : Selectable<T>[K] extends Date | null ? string | null : Selectable<T>[K] };
interface JsonSources {
  roles: JsonRow<IncidentRolesTable>[];
  steps: JsonRow<ChecklistStepsTable>[];
  tags: JsonRow<IncidentTagsTable>[];
  clocks: Selectable<RegulatoryClocksTable>[];
  messages: Selectable<IncidentMessagesTable>[];
}

function toShownMessage(r: Selectable<IncidentMessagesTable>): ShownMessage {
  return {
    incidentId: r.incident_id,
    purpose: r.purpose as BoundMessage['purpose'],
    part: r.part,
    channelId: r.channel_id,
    ref: r.ref as MessageRef,
    shownVersion: r.shown_version === null ? null : Number(r.shown_version),
    shownDigest: r.shown_digest,
  };
}

/** `now + ms` on the database's clock (clock_timestamp: the real time even inside a transaction). */
const until = (ms: number) => sql`clock_timestamp() + ${Math.max(1, Math.round(ms))}::int * interval '1 millisecond'`;

/**
 * The publish lease of each incident (`publish_leases`) and what each bound message shows
 * (`incident_messages.shown_*`). Every method is one or two statements outside any transaction:
 * the caller talks to the chat platform between them.
 */
export class KyselyCardPublishing implements CardPublishing {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly coordination: Kysely<Database> = db,
  ) {}

  /**
   * Runs one lease statement without waiting for its WAL flush: leases and shown versions are
   * coordination state, and a crash that loses the last of them only costs a re-render or a lease
   * that runs out. Every other session sees the change at once either way. On a session of its
   * own (`coordination`) that is one round trip; on the shared sessions it takes a transaction.
   */
  private async quick<R>(statement: RawBuilder<R>): Promise<R[]> {
    if (this.coordination !== this.db) return (await statement.execute(this.coordination)).rows;
    return this.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL synchronous_commit = off`.execute(trx);
      return (await statement.execute(trx)).rows;
    });
  }

  async acquire(incidentId: number, holder: string, leaseMs: number): Promise<number | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const taken = await this.quick(sql<{ version: string | number }>`
        INSERT INTO publish_leases AS l (incident_id, holder, lease_until, dirty)
        VALUES (${incidentId}, ${holder}, ${until(leaseMs)}, false)
        ON CONFLICT (incident_id) DO UPDATE
           SET holder = excluded.holder, lease_until = excluded.lease_until, dirty = false
         WHERE l.holder IS NULL OR l.lease_until IS NULL OR l.lease_until <= clock_timestamp()
        RETURNING (SELECT card_version FROM incidents WHERE id = ${incidentId}) AS version`);
      if (taken.length > 0) return Number(taken[0]!.version);
      // Held: ask the holder for another round. If it let go in between, try to take it again.
      const marked = await this.quick(sql<{ incident_id: number }>`
        UPDATE publish_leases SET dirty = true
         WHERE incident_id = ${incidentId} AND holder IS NOT NULL AND lease_until > clock_timestamp()
        RETURNING incident_id`);
      if (marked.length > 0) return undefined;
    }
    return undefined;
  }

  async beginRound(incidentId: number, holder: string, leaseMs: number): Promise<number | undefined> {
    const result = await this.quick(sql<{ version: string | number }>`
      UPDATE publish_leases SET dirty = false, lease_until = ${until(leaseMs)}
       WHERE incident_id = ${incidentId} AND holder = ${holder} AND lease_until > clock_timestamp()
      RETURNING (SELECT card_version FROM incidents WHERE id = ${incidentId}) AS version`);
    const row = result[0];
    return row ? Number(row.version) : undefined;
  }

  async hold(incidentId: number, holder: string, leaseMs: number): Promise<boolean> {
    const result = await this.quick(sql`
      UPDATE publish_leases SET lease_until = ${until(leaseMs)}
       WHERE incident_id = ${incidentId} AND holder = ${holder} AND lease_until > clock_timestamp()
      RETURNING incident_id`);
    return result.length > 0;
  }

  async release(incidentId: number, holder: string, version: number, shown: readonly ShownCard[] = []): Promise<boolean> {
    // The messages' new versions are written whether or not the lease is let go (they were sent).
    const record = shown.length
      ? sql`WITH shown AS (
          UPDATE incident_messages AS m SET shown_version = v.version, shown_digest = v.digest
            FROM (VALUES ${sql.join(shown.map((s) => sql`(${s.key.purpose}::text, ${s.key.part}::int, ${s.version}::bigint, ${s.digest}::text)`))}) AS v (purpose, part, version, digest)
           WHERE m.incident_id = ${incidentId} AND m.purpose = v.purpose AND m.part = v.part
             AND (m.shown_version IS NULL OR m.shown_version <= v.version)
        )`
      : sql``;
    const result = await this.quick(sql`
      ${record}
      UPDATE publish_leases SET holder = NULL, lease_until = NULL, dirty = false
       WHERE incident_id = ${incidentId} AND holder = ${holder} AND NOT dirty
         AND (SELECT card_version FROM incidents WHERE id = ${incidentId}) = ${version}
      RETURNING incident_id`);
    return result.length > 0;
  }

  async abandon(incidentId: number, holder: string): Promise<void> {
    await this.quick(sql`UPDATE publish_leases SET holder = NULL, lease_until = NULL WHERE incident_id = ${incidentId} AND holder = ${holder}`);
  }

  async sources(incidentId: number): Promise<CardSources | undefined> {
    // One statement: a render follows every tick, and six reads were six round trips. JSON
    // carries times as text; the columns the cards read as times are made Dates again.
    const result = await sql<Selectable<IncidentsTable> & { card_sources: JsonSources | string }>`
      SELECT i.*, json_build_object(
        'roles', (SELECT coalesce(json_agg(r), '[]') FROM incident_roles r WHERE r.incident_id = i.id),
        'steps', (SELECT coalesce(json_agg(s ORDER BY s.number), '[]') FROM checklist_steps s WHERE s.incident_id = i.id),
        'tags', (SELECT coalesce(json_agg(t ORDER BY t.tag), '[]') FROM incident_tags t WHERE t.incident_id = i.id),
        'clocks', (SELECT coalesce(json_agg(c ORDER BY c.id), '[]') FROM regulatory_clocks c WHERE c.incident_id = i.id AND c.stopped_at IS NULL),
        'messages', (SELECT coalesce(json_agg(m ORDER BY m.purpose, m.part), '[]') FROM incident_messages m WHERE m.incident_id = i.id)
      ) AS card_sources
      FROM incidents i WHERE i.id = ${incidentId}`.execute(this.db);
    const row = result.rows[0];
    if (!row) return undefined;
    const { card_sources: json, ...incident } = row;
    const sources = typeof json === 'string' ? (JSON.parse(json) as JsonSources) : json;
    return {
      incident: toIncident(incident),
      roles: sources.roles.map((r) => toRole({ ...r, assigned_at: new Date(r.assigned_at) })),
      steps: sources.steps.map((s) => toStep({ ...s, done_at: s.done_at === null ? null : new Date(s.done_at) })),
      tags: sources.tags.map((t) => toTag({ ...t, added_at: new Date(t.added_at) })),
      clocks: sources.clocks.map(toClock),
      messages: sources.messages.map(toShownMessage),
    };
  }

  async attemptPost(key: CardKey, at: Date): Promise<number> {
    const row = await this.db
      .insertInto('card_post_attempts')
      .values({ incident_id: key.incidentId, purpose: key.purpose, part: key.part, attempts: 1, attempted_at: at })
      .onConflict((c) => c.columns(['incident_id', 'purpose', 'part']).doUpdateSet({ attempts: sql`card_post_attempts.attempts + 1`, attempted_at: at }))
      .returning('attempts')
      .executeTakeFirstOrThrow();
    return Number(row.attempts);
  }

  async posted(key: CardKey): Promise<void> {
    await this.db.deleteFrom('card_post_attempts').where('incident_id', '=', key.incidentId).where('purpose', '=', key.purpose).where('part', '=', key.part).execute();
  }

  async behind(): Promise<number[]> {
    const rows = await sql<{ incident_id: number }>`
      SELECT incident_id FROM publish_leases WHERE holder IS NOT NULL AND lease_until <= clock_timestamp()
      UNION
      SELECT m.incident_id FROM incident_messages m
        JOIN incidents i ON i.id = m.incident_id
        LEFT JOIN publish_leases l ON l.incident_id = m.incident_id
       WHERE (m.shown_version IS NULL OR m.shown_version < i.card_version)
         AND (l.holder IS NULL OR l.lease_until <= clock_timestamp())`.execute(this.db);
    return rows.rows.map((r) => r.incident_id);
  }
}
