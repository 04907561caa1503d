import { sql, type Kysely, type Selectable } from 'kysely';
import type { MessageRef } from '../core/incident/incident.js';
import type { AlertFormat, AlertPatch, AlertRepository, AlertStatus, NewAlert, PostedTriageCard, StoredAlert, TriageState } from '../core/signals/alert.js';
import type { AlertsTable, Database } from './tables.js';

function toAlert(row: Selectable<AlertsTable>): StoredAlert {
  return {
    id: row.id,
    incidentId: row.incident_id,
    format: row.format as AlertFormat,
    source: row.source,
    dedupKey: row.dedup_key,
    status: row.status as AlertStatus,
    triage: row.triage as TriageState,
    labels: row.labels as Record<string, string>,
    model: row.model,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    fireCount: row.fire_count,
    resolvedAt: row.resolved_at,
    triageRefs: row.triage_refs as Record<string, MessageRef>,
  };
}

export class KyselyAlertRepository implements AlertRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async lockKey(key: string): Promise<void> {
    await this.lockKeys([key]);
  }

  async lockKeys(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    // One statement for the whole batch. The locks are taken in ascending order of the lock id
    // itself (what the server locks on, after hashing), never in the request's order, so two
    // batches that share keys queue instead of deadlocking; equal ids (a hash collision, a key
    // twice) are locked once.
    await sql`SELECT pg_advisory_xact_lock(l.id) FROM (SELECT DISTINCT hashtext('alert:' || k) AS id FROM unnest(${[...keys]}::text[]) AS k ORDER BY 1) AS l`.execute(this.db);
  }

  async findOpen(dedupKey: string): Promise<StoredAlert | undefined> {
    return (await this.findOpenMany([dedupKey])).get(dedupKey);
  }

  async findOpenMany(dedupKeys: readonly string[]): Promise<Map<string, StoredAlert>> {
    if (dedupKeys.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('alerts')
      .innerJoin('incidents', 'incidents.id', 'alerts.incident_id')
      .distinctOn('alerts.dedup_key')
      .selectAll('alerts')
      .where('alerts.dedup_key', '=', sql<string>`any(${[...new Set(dedupKeys)]}::text[])`)
      .where((eb) => eb.or([eb('alerts.status', '=', 'firing'), eb('incidents.state', 'not in', ['resolved', 'closed', 'false_positive'])]))
      .orderBy('alerts.dedup_key')
      .orderBy('alerts.id', 'desc')
      .execute();
    return new Map(rows.map((row) => [row.dedup_key, toAlert(row)]));
  }

  async createAll(alerts: readonly NewAlert[]): Promise<StoredAlert[]> {
    if (alerts.length === 0) return [];
    const rows = await this.db
      .insertInto('alerts')
      .values(
        alerts.map((alert) => ({
          incident_id: alert.incidentId,
          format: alert.format,
          source: alert.source,
          dedup_key: alert.dedupKey,
          status: alert.status,
          labels: JSON.stringify(alert.labels),
          model: alert.model,
          first_seen_at: alert.firstSeenAt,
          last_seen_at: alert.lastSeenAt,
          resolved_at: null,
          triage_ref: null,
        })),
      )
      .returningAll()
      .execute();
    // Ids are drawn in the order of the rows given.
    return rows.sort((x, y) => x.id - y.id).map(toAlert);
  }

  async update(id: number, patch: AlertPatch): Promise<StoredAlert> {
    const row = await this.db
      .updateTable('alerts')
      .set({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.triage ? { triage: patch.triage } : {}),
        ...(patch.lastSeenAt ? { last_seen_at: patch.lastSeenAt } : {}),
        ...(patch.fireCount !== undefined ? { fire_count: patch.fireCount } : {}),
        ...(patch.resolvedAt !== undefined ? { resolved_at: patch.resolvedAt } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAlert(row);
  }

  async forIncident(incidentId: number): Promise<StoredAlert | undefined> {
    const row = await this.db.selectFrom('alerts').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
    return row && toAlert(row);
  }

  async forIncidents(incidentIds: readonly number[]): Promise<Map<number, StoredAlert>> {
    if (incidentIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('alerts').selectAll().where('incident_id', 'in', [...incidentIds]).execute();
    return new Map(rows.map((row) => [row.incident_id, toAlert(row)]));
  }

  async setTriageRefs(posted: readonly PostedTriageCard[]): Promise<void> {
    if (posted.length === 0) return;
    // Merged in SQL: the cards of two platforms may be posted at the same time.
    await sql`UPDATE alerts SET triage_refs = alerts.triage_refs || posted.refs
      FROM (SELECT id, jsonb_object_agg(platform, ref) AS refs
            FROM unnest(${posted.map((p) => p.alertId)}::int[], ${posted.map((p) => p.platform)}::text[], ${posted.map((p) => JSON.stringify(p.ref))}::jsonb[]) AS p(id, platform, ref)
            GROUP BY id) AS posted
      WHERE alerts.id = posted.id`.execute(this.db);
  }

  async markDeclared(alertId: number, by: { platform: string; userId: string; channelId: string }): Promise<void> {
    const alert = await this.db.updateTable('alerts').set({ triage: 'declared' }).where('id', '=', alertId).returning('incident_id').executeTakeFirstOrThrow();
    await this.db
      .updateTable('incidents')
      .set({ declared_by: by.userId, platform: by.platform, origin_channel_id: by.channelId })
      .where('id', '=', alert.incident_id)
      .where('channel_id', 'is', null)
      .execute();
  }

  async awaitingTriage(limit: number): Promise<StoredAlert[]> {
    const rows = await this.db
      .selectFrom('alerts')
      .innerJoin('incidents', 'incidents.id', 'alerts.incident_id')
      .selectAll('alerts')
      .where('alerts.triage', '=', 'pending')
      .where('incidents.state', 'not in', ['closed', 'false_positive'])
      .orderBy('alerts.id')
      .limit(limit)
      .execute();
    return rows.map(toAlert);
  }
}
