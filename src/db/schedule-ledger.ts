import { sql, type Kysely } from 'kysely';
import type { ScheduleLedger } from '../scheduler/ledger.js';

/** The claims tables of migration 0003; INSERT … ON CONFLICT DO NOTHING RETURNING elects one process. */
export class KyselyScheduleLedger implements ScheduleLedger {
  // The claims tables are not in tables.ts: this file is their only reader, through raw SQL.
  constructor(private readonly db: Kysely<any>) {}

  async register(job: string, at: Date): Promise<Date> {
    await sql`INSERT INTO schedule_jobs (job, registered_at) VALUES (${job}, ${at}) ON CONFLICT (job) DO NOTHING`.execute(this.db);
    const row = await sql<{ registered_at: Date }>`SELECT registered_at FROM schedule_jobs WHERE job = ${job}`.execute(this.db);
    return new Date(row.rows[0]!.registered_at);
  }

  async claim(claim: { job: string; slot: string; slotAt: Date; by: string; at: Date }): Promise<boolean> {
    const result = await sql<{ slot: string }>`
      INSERT INTO schedule_claims (job, slot, slot_at, claimed_by, claimed_at)
      VALUES (${claim.job}, ${claim.slot}, ${claim.slotAt}, ${claim.by}, ${claim.at})
      ON CONFLICT (job, slot) DO NOTHING
      RETURNING slot`.execute(this.db);
    return result.rows.length === 1;
  }

  async release(claim: { job: string; slot: string; by: string }): Promise<void> {
    await sql`DELETE FROM schedule_claims WHERE job = ${claim.job} AND slot = ${claim.slot} AND claimed_by = ${claim.by}`.execute(this.db);
  }

  async lastRun(job: string): Promise<Date | undefined> {
    const row = await sql<{ last: Date | null }>`SELECT max(slot_at) AS last FROM schedule_claims WHERE job = ${job}`.execute(this.db);
    const last = row.rows[0]?.last;
    return last ? new Date(last) : undefined;
  }
}
