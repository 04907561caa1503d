import { sql, type Kysely, type Selectable } from 'kysely';
import type { IncidentTag, TaggedIncident, TagRepository, TagSource } from '../core/taxonomy/tags.js';
import { toIncident } from './incident-repository.js';
import type { Database, IncidentsTable, IncidentTagsTable } from './tables.js';

export function toTag(r: Selectable<IncidentTagsTable>): IncidentTag {
  return { incidentId: r.incident_id, tag: r.tag, source: r.source as TagSource, addedAt: r.added_at, addedBy: r.added_by };
}

export class KyselyTagRepository implements TagRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async forIncident(incidentId: number): Promise<IncidentTag[]> {
    const rows = await this.db.selectFrom('incident_tags').selectAll().where('incident_id', '=', incidentId).orderBy('tag').execute();
    return rows.map(toTag);
  }

  async forIncidents(incidentIds: readonly number[]): Promise<Map<number, string[]>> {
    const tags = new Map<number, string[]>();
    if (incidentIds.length === 0) return tags;
    const rows = await this.db.selectFrom('incident_tags').select(['incident_id', 'tag']).where('incident_id', 'in', [...incidentIds]).orderBy('incident_id').orderBy('tag').execute();
    for (const row of rows) {
      const list = tags.get(row.incident_id) ?? [];
      list.push(row.tag);
      tags.set(row.incident_id, list);
    }
    return tags;
  }

  async add(tag: IncidentTag): Promise<boolean> {
    return (await this.addAll([tag])).length === 1;
  }

  async addAll(tags: readonly IncidentTag[]): Promise<IncidentTag[]> {
    if (tags.length === 0) return [];
    const rows = await this.db
      .insertInto('incident_tags')
      .values(tags.map((tag) => ({ incident_id: tag.incidentId, tag: tag.tag, source: tag.source, added_at: tag.addedAt, added_by: tag.addedBy })))
      .onConflict((oc) => oc.columns(['incident_id', 'tag']).doNothing())
      .returning(['incident_id', 'tag'])
      .execute();
    const added = new Set(rows.map((row) => `${row.incident_id}:${row.tag}`));
    return tags.filter((tag) => added.has(`${tag.incidentId}:${tag.tag}`));
  }

  async remove(incidentId: number, tag: string): Promise<boolean> {
    const row = await this.db.deleteFrom('incident_tags').where('incident_id', '=', incidentId).where('tag', '=', tag).returning('tag').executeTakeFirst();
    return row !== undefined;
  }

  async countByTag(period: { from: Date; to: Date }): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('incident_tags as t')
      .innerJoin('incidents as i', 'i.id', 't.incident_id')
      .select(['t.tag', (eb) => eb.fn.countAll<number>().as('count')])
      .where('i.declared_at', '>=', period.from)
      .where('i.declared_at', '<', period.to)
      .where('i.is_exercise', '=', false)
      .groupBy('t.tag')
      .orderBy('t.tag')
      .execute();
    return new Map(rows.map((r) => [r.tag, Number(r.count)]));
  }

  async recentWithTags(excludeId: number, limit: number): Promise<TaggedIncident[]> {
    const result = await sql<Selectable<IncidentsTable> & { tags: string[] | null }>`
      SELECT i.*, (SELECT array_agg(t.tag ORDER BY t.tag) FROM incident_tags t WHERE t.incident_id = i.id) AS tags
      FROM (SELECT * FROM incidents WHERE id <> ${excludeId} AND NOT is_exercise ORDER BY declared_at DESC, id DESC LIMIT ${limit}) i
      ORDER BY i.declared_at DESC, i.id DESC`.execute(this.db);
    return result.rows.map((row) => ({ incident: toIncident(row), tags: row.tags ?? [] }));
  }
}
