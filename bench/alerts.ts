import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { createApp, type App } from '../src/app.js';
import { ConsoleChat } from '../src/adapters/console/console-chat.js';
import { loadConfig } from '../src/config.js';
import { handleCommand } from '../src/core/handle-command.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { openScratchSchema } from '../test/support/database.js';
import { printRows, summarise } from './stats.js';

/**
 * Alert intake and escalation timing, on the embedded database and on real Postgres
 * (BENCH_DATABASE_URL or TEST_DATABASE_URL, default the local server).
 *
 * 1. Alerts ingested per second: 1,000 generic alerts over HTTP, 10% repeats of an earlier
 *    dedup_key, one client and eight concurrent clients. Baseline: the same number of
 *    GET /healthz requests at the same concurrency on the same server.
 *    Then Alertmanager batches (BATCH alerts a request, each batch taken in one transaction),
 *    eight concurrent clients, 10% of the alerts repeating a key of an earlier batch. Target
 *    (issue 9): ≥ 1,000 alerts/s with 8 clients on Postgres, judged on the batch row.
 * 2. Page-to-escalation timing error: sent pages whose escalation falls due at spread-out times
 *    in the next seconds, escalated by the real paging loop at its default interval (5 s) and at
 *    1 s; lateness = when the escalation was recorded − when it was due.
 */
const ALERTS = 1_000;
const DUPLICATE_EVERY = 10;
const TOKEN = 'bench-alerts-token-0123456789';
const BATCH = 20;
const BATCHED_ALERTS = 4_000;
const TARGET_ALERTS_PER_SECOND = 1_000;
/** BENCH_ALERTS=ingest skips the escalation timing (a minute or two); BENCH_ALERTS_DATABASES below. */
const PARTS = (process.env.BENCH_ALERTS ?? 'ingest,escalation').split(',');

interface Target {
  name: string;
  open(): Promise<DatabaseHandle & { drop?(): Promise<void> }>;
}

async function startBot(database: DatabaseHandle, env: Record<string, string> = {}): Promise<{ app: App; url: string }> {
  const config = loadConfig({ ALERTS_TOKEN: TOKEN, TRIAGE_CHANNEL: 'triage', LOG_LEVEL: 'silent', ...env });
  const app = await createApp(config, { logger: createLogger({ level: 'silent' }), database });
  app.addPlatform(new ConsoleChat(() => undefined));
  const port = await app.http.listen(0, '127.0.0.1');
  app.http.ready = true;
  return { app, url: `http://127.0.0.1:${port}` };
}

async function inParallel(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    for (let index = next++; index < count; index = next++) await work(index);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - start;
}

async function ingestion(target: Target): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];
  for (const concurrency of [1, 8]) {
    const database = await target.open();
    const { app, url } = await startBot(database);
    const run = `${concurrency}-${randomBytes(3).toString('hex')}`;
    const healthMs = await inParallel(ALERTS, concurrency, async () => {
      const response = await fetch(`${url}/healthz`);
      await response.arrayBuffer();
    });
    const outcomes = new Map<string, number>();
    const alertsMs = await inParallel(ALERTS, concurrency, async (index) => {
      // Every 10th alert repeats the key of the one before it: 10% duplicates.
      const key = index % DUPLICATE_EVERY === DUPLICATE_EVERY - 1 ? index - 1 : index;
      const response = await fetch(`${url}/hooks/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Guardrail block rate high on replica ${key}`, severity: 'sev2', playbook: 'prompt-injection', source: 'bench', dedup_key: `${run}-${key}`, model: 'support-bot' }),
      });
      const body = (await response.json()) as { alerts?: { outcome: string }[] };
      const outcome = response.status === 200 ? (body.alerts?.[0]?.outcome ?? '?') : `http ${response.status}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    });
    const stored = await database.db.selectFrom('alerts').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    rows.push({
      database: target.name,
      clients: concurrency,
      'alerts/s': Math.round(ALERTS / (alertsMs / 1000)),
      'healthz/s (baseline)': Math.round(ALERTS / (healthMs / 1000)),
      'ratio alerts:baseline': (healthMs / alertsMs).toFixed(3),
      outcomes: [...outcomes].map(([k, v]) => `${k} ${v}`).join(', '),
      'alerts stored': stored.n,
    });
    await app.close();
    await database.close();
    await database.drop?.();
  }
  rows.push(await batches(target));
  return rows;
}

function amBody(run: string, batch: number): unknown {
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  return {
    version: '4',
    groupKey: `{}:{alertname="GuardrailBlockRate"}`,
    status: 'firing',
    receiver: 'incident-bot',
    groupLabels: { alertname: 'GuardrailBlockRate' },
    commonLabels: { alertname: 'GuardrailBlockRate', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.bench:9093',
    alerts: Array.from({ length: BATCH }, (_, i) => {
      // Every 10th alert repeats a key of the batch before: 10% duplicates across batches.
      const key = i === BATCH - 1 && batch > 0 ? `${run}-${batch - 1}-0` : `${run}-${batch}-${i}`;
      return {
        status: 'firing',
        labels: { alertname: 'GuardrailBlockRate', severity: 'critical', replica: key, model: 'support-bot', playbook: 'prompt-injection' },
        annotations: { summary: `Guardrail block rate high on replica ${key}` },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.bench:9090/graph',
        fingerprint: key,
      };
    }),
  };
}

async function batches(target: Target): Promise<Record<string, string | number>> {
  const concurrency = 8;
  const database = await target.open();
  const { app, url } = await startBot(database);
  const run = randomBytes(3).toString('hex');
  const requests = BATCHED_ALERTS / BATCH;
  const healthMs = await inParallel(requests, concurrency, async () => {
    const response = await fetch(`${url}/healthz`);
    await response.arrayBuffer();
  });
  const outcomes = new Map<string, number>();
  const alertsMs = await inParallel(requests, concurrency, async (index) => {
    const response = await fetch(`${url}/hooks/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(amBody(run, index)),
    });
    const body = (await response.json()) as { alerts?: { outcome: string }[] };
    if (response.status !== 200) outcomes.set(`http ${response.status}`, (outcomes.get(`http ${response.status}`) ?? 0) + 1);
    for (const alert of body.alerts ?? []) outcomes.set(alert.outcome, (outcomes.get(alert.outcome) ?? 0) + 1);
  });
  const stored = await database.db.selectFrom('alerts').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  await app.close();
  await database.close();
  await database.drop?.();
  return {
    database: target.name,
    clients: `${concurrency}, Alertmanager batches of ${BATCH}`,
    'alerts/s': Math.round(BATCHED_ALERTS / (alertsMs / 1000)),
    'healthz/s (baseline)': Math.round(requests / (healthMs / 1000)),
    'ratio alerts:baseline': (healthMs / requests / (alertsMs / BATCHED_ALERTS)).toFixed(3),
    outcomes: [...outcomes].map(([k, v]) => `${k} ${v}`).join(', '),
    'alerts stored': stored.n,
  };
}

async function escalationTiming(target: Target): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];
  for (const seconds of [5, 1]) {
    const database = await target.open();
    const { app } = await startBot(database, { PAGING_POLL_SECONDS: String(seconds) });
    const context = app.context;
    const ana = { platform: 'console', userId: 'ana', channelId: 'general' };
    await handleCommand(context, ana, '/incident oncall security @sam @lee');
    const PAGES = 40;
    for (let i = 0; i < PAGES; i++) await handleCommand(context, ana, `/incident declare sev1 prompt-injection Jailbreak wave ${i}`);
    // Spread the due times over the next 12 s, so they fall at every phase of the loop's interval.
    const now = Date.now();
    const pages = await database.db.selectFrom('pages').select(['id']).where('role', '=', 'security').where('status', '=', 'sent').orderBy('id').execute();
    const due = new Map<number, number>();
    for (const [index, page] of pages.entries()) {
      const at = now + 2_000 + Math.round((index / pages.length) * 12_000);
      due.set(page.id, at);
      await database.db.updateTable('pages').set({ escalate_at: new Date(at) }).where('id', '=', page.id).execute();
    }
    app.startPaging();
    const deadline = Date.now() + 14_000 + seconds * 1000 * 3 + 10_000;
    let escalated: { id: number; escalated_at: Date | null }[] = [];
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      escalated = await database.db.selectFrom('pages').select(['id', 'escalated_at']).where('id', 'in', [...due.keys()]).where('escalated_at', 'is not', null).execute();
      if (escalated.length === due.size) break;
    }
    const lateness = escalated.map((p) => p.escalated_at!.getTime() - due.get(p.id)!);
    const s = summarise(lateness);
    rows.push({
      database: target.name,
      'loop interval': `${seconds} s`,
      escalations: `${escalated.length}/${due.size}`,
      'late p50': `${(s.p50 / 1000).toFixed(2)} s`,
      'late p99': `${(s.p99 / 1000).toFixed(2)} s`,
      'late max': `${(Math.max(...lateness) / 1000).toFixed(2)} s`,
      'late mean / interval': (s.mean / (seconds * 1000)).toFixed(2),
      early: lateness.filter((l) => l < 0).length,
    });
    await app.close();
    await database.close();
    await database.drop?.();
  }
  return rows;
}

async function realPostgres(): Promise<Target | null> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    await probe.end();
  } catch {
    console.log(`(no Postgres at ${url.replace(/\/\/[^@]*@/, '//…@')}: real Postgres rows skipped)`);
    return null;
  }
  return {
    name: 'postgres',
    async open() {
      const handle = await openScratchSchema(url, 'bench_alerts');
      return handle; // its close() also drops the schema
    },
  };
}

export default async function bench(): Promise<void> {
  // BENCH_ALERTS_DATABASES=postgres (or embedded) runs one of the two.
  const only = process.env.BENCH_ALERTS_DATABASES?.split(',');
  const targets: Target[] = [];
  if (!only || only.includes('embedded')) targets.push({ name: 'embedded', open: () => openDatabase({}) });
  const server = !only || only.includes('postgres') ? await realPostgres() : null;
  if (server) targets.push(server);
  const ingest: Record<string, string | number>[] = [];
  const timing: Record<string, string | number>[] = [];
  if (PARTS.includes('ingest')) {
    for (const target of targets) ingest.push(...(await ingestion(target)));
    printRows(`alerts ingested over HTTP (${ALERTS} single alerts; ${BATCHED_ALERTS} in batches; 10% duplicates)`, ingest);
    const judged = ingest.find((r) => r.database === 'postgres' && String(r.clients).includes('batches'));
    if (judged) {
      const rate = Number(judged['alerts/s']);
      console.log(
        `target alert intake ≥ ${TARGET_ALERTS_PER_SECOND} alerts/s, 8 clients, Postgres (Alertmanager batches of ${BATCH}): ${rate} alerts/s ` +
          `(baseline GET /healthz ${judged['healthz/s (baseline)']} req/s): ${rate >= TARGET_ALERTS_PER_SECOND ? 'PASS' : 'MISS'}`,
      );
    } else {
      console.log('target alert intake on Postgres: not measured (no Postgres server)');
    }
  }
  if (PARTS.includes('escalation')) {
    for (const target of targets) timing.push(...(await escalationTiming(target)));
    printRows('page-to-escalation timing error (real paging loop)', timing);
  }
}
