import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { migrationsDirectory } from '../src/app.js';
import { computeMetrics } from '../src/core/metrics/compute-metrics.js';
import { resolvePeriod } from '../src/core/metrics/period.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { KyselyMetricsSource } from '../src/db/metrics-queries.js';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/tables.js';
import { openScratchSchema } from '../test/support/database.js';
import { ms, printRows, summarise, timed } from './stats.js';

/**
 * Time to compute all nine metrics over 100,000 incidents and 2,000,000 events (20 per incident),
 * seeded with generate_series, on real Postgres (BENCH_DATABASE_URL or TEST_DATABASE_URL, default
 * the local server) and on the embedded database. Baseline: `SELECT count(*) FROM incidents`, run
 * the same way in the same database.
 */
const INCIDENTS = Number(process.env.BENCH_METRICS_INCIDENTS ?? 100_000);
const EVENTS_PER_INCIDENT = Number(process.env.BENCH_METRICS_EVENTS_PER_INCIDENT ?? 20);
const RUNS = 10;
const TIME_ZONE = 'America/New_York';
const PLAYBOOKS = "ARRAY['model-safety-violation','prompt-injection','data-leakage','model-drift']";
const KINDS = "ARRAY['note_added','step_ticked','role_assigned','page_sent','decision_recorded']";

export async function seed(db: Kysely<Database>): Promise<void> {
  // Incidents every 10 minutes from 2024-01-01: about 1.9 years. Every 20th a false positive,
  // every 50th an exercise, every 10th still open at triage, every 7th without a playbook.
  await sql
    .raw(
      `INSERT INTO incidents (title, severity, state, playbook_id, private, is_exercise, platform, declared_by,
         impact_started_at, detected_at, declared_at, triaged_at, contained_at, resolved_at, closed_at, false_positive_at)
       SELECT 'bench incident ' || g,
              (ARRAY['sev1','sev2','sev3','sev4'])[1 + g % 4],
              CASE WHEN g % 20 = 0 THEN 'false_positive' WHEN g % 10 = 1 THEN 'triaged' ELSE 'closed' END,
              CASE WHEN g % 7 = 0 THEN NULL ELSE (${PLAYBOOKS})[1 + g % 4] END,
              g % 9 = 0, g % 50 = 0, 'console', 'bench',
              t - interval '1 minute' * (g % 120), t, t,
              t + interval '1 minute' * (5 + g % 30),
              CASE WHEN g % 10 = 1 OR g % 20 = 0 THEN NULL ELSE t + interval '1 minute' * (20 + g % 200) END,
              CASE WHEN g % 10 = 1 OR g % 20 = 0 THEN NULL ELSE t + interval '1 minute' * (60 + g % 900) END,
              CASE WHEN g % 10 = 1 OR g % 20 = 0 THEN NULL ELSE t + interval '1 minute' * (2000 + g % 900) END,
              CASE WHEN g % 20 = 0 THEN t + interval '30 minutes' END
       FROM (SELECT g, timestamptz '2024-01-01T00:00:00Z' + g * interval '10 minutes' AS t FROM generate_series(1, ${INCIDENTS}) AS g) AS s`,
    )
    .execute(db);
  await sql
    .raw(
      `INSERT INTO events (incident_id, kind, payload, actor, occurred_at, recorded_at)
       SELECT i.id, (${KINDS})[1 + (i.id + n) % 5], jsonb_build_object('text', 'bench event ' || n), 'bench',
              i.declared_at + n * interval '1 minute', i.declared_at + n * interval '1 minute'
       FROM incidents AS i CROSS JOIN generate_series(1, ${EVENTS_PER_INCIDENT}) AS n`,
    )
    .execute(db);
  await sql
    .raw(
      `INSERT INTO action_items (incident_id, number, text, owner, due_on, created_at, created_by, done_at)
       SELECT i.id, n, 'follow-up ' || n, 'owner' || (i.id % 17), (i.declared_at + interval '14 days')::date, i.declared_at, 'bench',
              CASE WHEN (i.id + n) % 3 = 0 THEN NULL ELSE i.declared_at + interval '1 day' * (5 + (i.id + n) % 15) END
       FROM incidents AS i CROSS JOIN generate_series(1, 2) AS n WHERE i.id % 2 = 0`,
    )
    .execute(db);
  await sql
    .raw(
      `INSERT INTO exercises (scenario_id, title, facilitator, started_at, completed_at)
       SELECT (${PLAYBOOKS})[1 + g % 4], 'drill ' || g, 'bench', timestamptz '2024-01-10' + g * interval '40 days',
              timestamptz '2024-01-10' + g * interval '40 days' + interval '2 hours'
       FROM generate_series(0, 17) AS g`,
    )
    .execute(db);
  await sql`ANALYZE`.execute(db);
}

async function measure(label: string, handle: DatabaseHandle): Promise<Record<string, string | number>[]> {
  const migrateTime = await timed(() => migrate(handle.db, migrationsDirectory()));
  const seeded = await timed(() => seed(handle.db));
  const counts = await sql<{ incidents: number; events: number }>`
    SELECT (SELECT count(*) FROM incidents)::int AS incidents, (SELECT count(*) FROM events)::int AS events`.execute(handle.db);
  console.log(`${label}: migrated in ${ms(migrateTime.ms)}, seeded ${counts.rows[0]!.incidents} incidents and ${counts.rows[0]!.events} events in ${ms(seeded.ms)}`);
  const source = new KyselyMetricsSource(handle.db);
  const now = new Date('2026-01-15T12:00:00Z');
  const spans = {
    'all nine, whole history (2 years)': resolvePeriod({ kind: 'range', from: '2024-01-01', to: '2025-12-31' }, now, TIME_ZONE),
    'all nine, one quarter (2025-Q2)': resolvePeriod({ kind: 'quarter', year: 2025, quarter: 2 }, now, TIME_ZONE),
  };
  const baseline = async () => sql`SELECT count(*) FROM incidents`.execute(handle.db);
  await baseline();
  const baseSamples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) baseSamples.push((await timed(baseline)).ms);
  const base = summarise(baseSamples);
  const rows: Record<string, string | number>[] = [{ database: label, what: 'baseline: count(*) incidents', p50: ms(base.p50), max: ms(Math.max(...baseSamples)), 'x baseline': 1 }];
  for (const [what, period] of Object.entries(spans)) {
    await computeMetrics(source, period, TIME_ZONE); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i += 1) samples.push((await timed(() => computeMetrics(source, period, TIME_ZONE))).ms);
    const s = summarise(samples);
    rows.push({ database: label, what, p50: ms(s.p50), max: ms(Math.max(...samples)), 'x baseline': Number((s.p50 / base.p50).toFixed(1)) });
  }
  return rows;
}

async function onPostgres(url: string): Promise<Record<string, string | number>[]> {
  const handle = await openScratchSchema(url, 'bench_metrics');
  try {
    return await measure('Postgres', handle);
  } finally {
    await handle.close();
  }
}

async function onEmbedded(): Promise<Record<string, string | number>[]> {
  // On disk rather than in memory: 2,000,000 events would otherwise sit in the wasm heap.
  const dir = await mkdtemp(join(tmpdir(), 'bench-metrics-'));
  const handle = await openDatabase({ dataDir: dir });
  try {
    return await measure('embedded (PGlite)', handle);
  } finally {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function benchMetrics(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const rows: Record<string, string | number>[] = [];
  try {
    rows.push(...(await onPostgres(url)));
  } catch (error) {
    console.log(`Postgres at ${url.replace(/\/\/[^@]*@/, '//…@')} not measured: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (process.env.BENCH_SKIP_EMBEDDED !== '1') rows.push(...(await onEmbedded()));
  printRows(`metrics: ${INCIDENTS.toLocaleString('en')} incidents, ${(INCIDENTS * EVENTS_PER_INCIDENT).toLocaleString('en')} events, ${RUNS} runs each (target: under 500 ms on Postgres)`, rows);
}
