import { sql, type Kysely, type Selectable } from 'kysely';
import type { RoleId } from '../core/domain.js';
import type { Page } from '../core/incident/incident.js';
import type { AckSample, ClaimRequest, DuePage, ExternalAlert, PageClaim, PagePatch, PageQueue } from '../core/roles/page-queue.js';
import { KyselyPageRepository } from './checklist-repositories.js';
import type { Database, PagerAlertsTable, PagesTable } from './tables.js';

const OVER = ['resolved', 'closed', 'false_positive'];

function toExternal(row: Selectable<PagerAlertsTable>): ExternalAlert {
  return { incidentId: row.incident_id, role: row.role as RoleId, pager: row.pager, dedupKey: row.dedup_key };
}

const seconds = (value: unknown) => (value === null || value === undefined ? null : Number(value));

export class KyselyPageQueue implements PageQueue {
  constructor(private readonly db: Kysely<Database>) {}

  async claim(request: ClaimRequest): Promise<DuePage[]> {
    const until = new Date(request.now.getTime() + request.leaseMs);
    const onlyIncident = request.incidentId === undefined ? sql`` : sql`AND incident_id = ${request.incidentId}`;
    // The inner SELECT skips rows another worker is claiming right now; the lease keeps them
    // skipped after that worker commits, until it settles the page or the lease runs out.
    const result = await sql<Selectable<PagesTable>>`
      UPDATE pages AS p
         SET claimed_by = ${request.worker}, claimed_until = ${until}, attempts = p.attempts + 1
        FROM (
          SELECT id FROM pages
           WHERE (status = 'pending' OR escalate_at <= ${request.now})
             AND (claimed_until IS NULL OR claimed_until <= ${request.now})
             ${onlyIncident}
           ORDER BY coalesce(escalate_at, created_at), id
           LIMIT ${request.limit}
           FOR UPDATE SKIP LOCKED
        ) AS due
       WHERE p.id = due.id
      RETURNING p.*`.execute(this.db);
    return result.rows
      .map((row) => ({ page: KyselyPageRepository.toPage(row), due: row.status === 'pending' ? ('deliver' as const) : ('escalate' as const) }))
      .sort((a, b) => a.page.id - b.page.id);
  }

  async get(pageId: number): Promise<Page | undefined> {
    const row = await this.db.selectFrom('pages').selectAll().where('id', '=', pageId).executeTakeFirst();
    return row && KyselyPageRepository.toPage(row);
  }

  async lock(pageId: number): Promise<Page | undefined> {
    const row = await this.db.selectFrom('pages').selectAll().where('id', '=', pageId).forUpdate().executeTakeFirst();
    return row && KyselyPageRepository.toPage(row);
  }

  async settle(pageId: number, patch: PagePatch, claim?: PageClaim): Promise<boolean> {
    let update = this.db
      .updateTable('pages')
      .set({
        claimed_by: null,
        claimed_until: null,
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.sentAt ? { sent_at: patch.sentAt } : {}),
        ...(patch.acknowledgedAt ? { acknowledged_at: patch.acknowledgedAt } : {}),
        ...(patch.acknowledgedBy ? { acknowledged_by: patch.acknowledgedBy } : {}),
        ...(patch.escalateAt !== undefined ? { escalate_at: patch.escalateAt } : {}),
        ...(patch.escalatedAt ? { escalated_at: patch.escalatedAt } : {}),
        ...(patch.error !== undefined ? { error: patch.error } : {}),
      })
      .where('id', '=', pageId);
    // Still this claim's: a lease that ran out with nobody claiming again still records what was
    // done (the send happened; recording it keeps the next claimer from sending it again).
    if (claim) update = update.where('claimed_by', '=', claim.worker);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async release(pageId: number, retryAt: Date, claim?: PageClaim): Promise<boolean> {
    let update = this.db.updateTable('pages').set({ claimed_by: null, claimed_until: retryAt }).where('id', '=', pageId);
    if (claim) update = update.where('claimed_by', '=', claim.worker);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async hold(pageId: number, claim: PageClaim & { leaseMs: number }): Promise<boolean> {
    const result = await this.db
      .updateTable('pages')
      .set({ claimed_until: new Date(claim.now.getTime() + claim.leaseMs) })
      .where('id', '=', pageId)
      .where('claimed_by', '=', claim.worker)
      .where('claimed_until', '>', claim.now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async stopEscalation(incidentId: number, role: RoleId): Promise<void> {
    await this.db.updateTable('pages').set({ escalate_at: null }).where('incident_id', '=', incidentId).where('role', '=', role).where('escalate_at', 'is not', null).execute();
    await this.db.updateTable('pages').set({ status: 'cancelled' }).where('incident_id', '=', incidentId).where('role', '=', role).where('status', '=', 'pending').execute();
  }

  async recordExternal(alert: ExternalAlert & { at: Date }): Promise<void> {
    await this.db
      .insertInto('pager_alerts')
      .values({ incident_id: alert.incidentId, role: alert.role, pager: alert.pager, dedup_key: alert.dedupKey, triggered_at: alert.at, resolved_at: null, claimed_until: null })
      .onConflict((c) => c.columns(['incident_id', 'role', 'pager']).doUpdateSet({ resolved_at: null }))
      .execute();
  }

  async claimResolvable(request: { now: Date; leaseMs: number; limit: number }): Promise<ExternalAlert[]> {
    const until = new Date(request.now.getTime() + request.leaseMs);
    const result = await sql<Selectable<PagerAlertsTable>>`
      UPDATE pager_alerts AS a
         SET claimed_until = ${until}
        FROM (
          SELECT x.incident_id, x.role, x.pager
            FROM pager_alerts x JOIN incidents i ON i.id = x.incident_id
           WHERE x.resolved_at IS NULL
             AND i.state IN (${sql.join(OVER)})
             AND (x.claimed_until IS NULL OR x.claimed_until <= ${request.now})
           LIMIT ${request.limit}
           FOR UPDATE OF x SKIP LOCKED
        ) AS due
       WHERE a.incident_id = due.incident_id AND a.role = due.role AND a.pager = due.pager
      RETURNING a.*`.execute(this.db);
    return result.rows.map(toExternal);
  }

  async markResolved(alert: ExternalAlert, at: Date): Promise<void> {
    await this.db
      .updateTable('pager_alerts')
      .set({ resolved_at: at, claimed_until: null })
      .where('incident_id', '=', alert.incidentId)
      .where('role', '=', alert.role)
      .where('pager', '=', alert.pager)
      .execute();
  }

  async openExternal(incidentId: number, role: RoleId): Promise<ExternalAlert[]> {
    const rows = await this.db.selectFrom('pager_alerts').selectAll().where('incident_id', '=', incidentId).where('role', '=', role).where('resolved_at', 'is', null).execute();
    return rows.map(toExternal);
  }

  async acknowledgementTimes(from: Date, to: Date): Promise<AckSample[]> {
    const result = await sql<{ role: string; mean: unknown; median: unknown; p90: unknown; n: number }>`
      WITH chains AS (
        SELECT p.incident_id, p.role, extract(epoch FROM min(p.acknowledged_at) - min(p.created_at)) AS seconds
          FROM pages p JOIN incidents i ON i.id = p.incident_id
         WHERE i.declared_at >= ${from} AND i.declared_at < ${to}
           AND NOT i.is_exercise AND i.state <> 'false_positive'
         GROUP BY p.incident_id, p.role
        HAVING min(p.acknowledged_at) IS NOT NULL
      )
      SELECT role,
             avg(seconds)::float8 AS mean,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90,
             count(*)::int AS n
        FROM chains GROUP BY role ORDER BY role`.execute(this.db);
    return result.rows.map((r) => ({ role: r.role as RoleId, mean: seconds(r.mean), median: seconds(r.median), p90: seconds(r.p90), n: Number(r.n) }));
  }
}
