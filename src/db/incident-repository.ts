import type { Kysely, Selectable } from 'kysely';
import type { IncidentState, Severity } from '../core/domain.js';
import type { Incident, IncidentPatch, NewIncident } from '../core/incident/incident.js';
import type { IncidentFilter, IncidentRepository } from '../core/ports/store.js';
import type { Database, IncidentsTable } from './tables.js';

export function toIncident(row: Selectable<IncidentsTable>): Incident {
  return {
    id: row.id,
    title: row.title,
    summary: row.description,
    severity: row.severity as Severity,
    state: row.state as IncidentState,
    playbookId: row.playbook_id,
    playbookReason: row.playbook_reason,
    private: row.private,
    isExercise: row.is_exercise,
    platform: row.platform,
    channelId: row.channel_id,
    channelName: row.channel_name,
    originChannelId: row.origin_channel_id,
    declaredBy: row.declared_by,
    source: row.source,
    impactStartedAt: row.impact_started_at,
    detectedAt: row.detected_at,
    declaredAt: row.declared_at,
    triagedAt: row.triaged_at,
    containedAt: row.contained_at,
    resolvedAt: row.resolved_at,
    closedAt: row.closed_at,
    falsePositiveAt: row.false_positive_at,
    falsePositiveReason: row.false_positive_reason,
  };
}

const COLUMNS: Record<keyof IncidentPatch, keyof IncidentsTable> = {
  title: 'title',
  // The column keeps its first name, so a replica of the previous release still reads it during a rolling deploy.
  summary: 'description',
  severity: 'severity',
  state: 'state',
  playbookId: 'playbook_id',
  playbookReason: 'playbook_reason',
  private: 'private',
  isExercise: 'is_exercise',
  channelId: 'channel_id',
  channelName: 'channel_name',
  originChannelId: 'origin_channel_id',
  platform: 'platform',
  source: 'source',
  impactStartedAt: 'impact_started_at',
  detectedAt: 'detected_at',
  triagedAt: 'triaged_at',
  containedAt: 'contained_at',
  resolvedAt: 'resolved_at',
  closedAt: 'closed_at',
  falsePositiveAt: 'false_positive_at',
  falsePositiveReason: 'false_positive_reason',
};

/** Remembered channel owners (`ownerOfChannel`), by platform and channel id; bounded, oldest forgotten first. */
export class ChannelOwners {
  private readonly owners = new Map<string, number>();

  constructor(private readonly limit = 10_000) {}

  get(platform: string, channelId: string): number | undefined {
    return this.owners.get(`${platform}\u0000${channelId}`);
  }

  remember(platform: string, channelId: string, incidentId: number): void {
    if (this.owners.size >= this.limit) this.owners.delete(this.owners.keys().next().value!);
    this.owners.set(`${platform}\u0000${channelId}`, incidentId);
  }
}

export class KyselyIncidentRepository implements IncidentRepository {
  /** `owners` is remembered only from reads outside a transaction: a transaction's own writes may yet roll back. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly owners: ChannelOwners = new ChannelOwners(),
    private readonly inTransaction = false,
  ) {}

  async create(incident: NewIncident): Promise<Incident> {
    return (await this.createAll([incident]))[0]!;
  }

  async createAll(incidents: readonly NewIncident[]): Promise<Incident[]> {
    if (incidents.length === 0) return [];
    const rows = await this.db
      .insertInto('incidents')
      .values(
        incidents.map((incident) => ({
          title: incident.title,
          description: incident.summary,
          severity: incident.severity,
          playbook_id: incident.playbookId,
          playbook_reason: incident.playbookReason,
          private: incident.private,
          is_exercise: incident.isExercise,
          platform: incident.platform,
          declared_by: incident.declaredBy,
          source: incident.source,
          impact_started_at: incident.impactStartedAt,
          detected_at: incident.detectedAt,
          declared_at: incident.declaredAt,
          channel_id: null,
          channel_name: null,
          origin_channel_id: incident.originChannelId ?? null,
          false_positive_reason: null,
        })),
      )
      .returningAll()
      .execute();
    // Ids are drawn in the order of the rows given.
    return rows.sort((x, y) => x.id - y.id).map(toIncident);
  }

  async getMany(ids: readonly number[]): Promise<Map<number, Incident>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('incidents').selectAll().where('id', 'in', [...ids]).execute();
    return new Map(rows.map((row) => [row.id, toIncident(row)]));
  }

  async get(id: number): Promise<Incident | undefined> {
    const row = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toIncident(row);
  }

  async lock(id: number): Promise<Incident | undefined> {
    const row = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    return row && toIncident(row);
  }

  async findByChannel(platform: string, channelId: string): Promise<Incident | undefined> {
    const row = await this.db
      .selectFrom('incidents')
      .selectAll()
      .where('platform', '=', platform)
      .where('channel_id', '=', channelId)
      .executeTakeFirst();
    return row && toIncident(row);
  }

  async ownerOfChannel(platform: string, channelId: string): Promise<number | undefined> {
    const known = this.owners.get(platform, channelId);
    if (known !== undefined) return known;
    const row = await this.db.selectFrom('incidents').select('id').where('platform', '=', platform).where('channel_id', '=', channelId).executeTakeFirst();
    if (row && !this.inTransaction) this.owners.remember(platform, channelId, row.id);
    return row?.id;
  }

  async update(id: number, patch: IncidentPatch): Promise<Incident> {
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) values[COLUMNS[key as keyof IncidentPatch]] = value;
    }
    const row = await this.db.updateTable('incidents').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    return toIncident(row);
  }

  async list(filter: IncidentFilter): Promise<Incident[]> {
    let query = this.db.selectFrom('incidents').selectAll();
    if (filter.open) query = query.where('state', 'not in', ['closed', 'false_positive']);
    const rows = await query
      .orderBy('severity')
      .orderBy('declared_at', 'desc')
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(toIncident);
  }
}
