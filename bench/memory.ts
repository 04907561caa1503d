import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack, FAKE_BOT_TOKEN, GENERAL } from '../test/support/fake-slack.js';
import { printRows } from './stats.js';
import { adminQuery, BARE_SERVER, botNodeFlags, buildDist, mb, postgresUrl, rssOf, schemaUrl, spawnNode, mainScript, unbundledScript, verdict, waitFor200, type Spawned } from './support-process.js';

/**
 * Idle resident memory of the bot with every chat edge loaded (CHAT=slack,teams: Slack against
 * test/support/fake-slack.ts, Teams in emulator mode), measured from outside (/proc/<pid>/status)
 * after /readyz answers 200 and the process has sat idle for IDLE_MS, on Postgres and on the
 * embedded database (a DATA_DIR created by the first start, then a restart over it).
 * Baseline: a bare `node -e` process that only listens on HTTP, measured the same way; and beside
 * each restart, the same sources unbundled (`dist/src/main.js`, how the bot ran before the bundle).
 * Targets (issue 9): < 120 MB on Postgres, < 250 MB on the embedded database.
 */
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 5_000);
const TARGET_POSTGRES_MB = 120;
const TARGET_EMBEDDED_MB = 250;
const ALERTS_TOKEN = 'bench-memory-token-0123456789';

export function botEnv(fakeSlackUrl: string, extra: Record<string, string>): Record<string, string> {
  return {
    CHAT: 'slack,teams',
    SLACK_BOT_TOKEN: FAKE_BOT_TOKEN,
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: fakeSlackUrl,
    // A channel the fake Slack has: alerts' triage cards are posted once, not retried at every start.
    TRIAGE_CHANNEL: GENERAL,
    TEAMS_EMULATOR: '1',
    ALERTS_TOKEN,
    NODE_ENV: 'production',
    ...extra,
  };
}

async function idleRss(spawned: Spawned, readyPath: string): Promise<{ rss: number; peak: number }> {
  try {
    await waitFor200(spawned, readyPath, performance.now());
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return await rssOf(spawned.child.pid!);
  } finally {
    await spawned.stop();
  }
}

export default async function bench(): Promise<void> {
  await buildDist();
  const slack = new FakeSlack();
  await slack.start();
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-memory-'));
  const rows: Record<string, string | number>[] = [];
  const verdicts: string[] = [];
  try {
    const bare = await idleRss(spawnNode(['-e', BARE_SERVER], {}), '/');
    const row = (database: string, start: string, m: { rss: number; peak: number }, target?: number, process = 'bot CHAT=slack,teams') => {
      rows.push({ process: database === '-' ? 'node -e (baseline)' : process, database, start, 'idle RSS': mb(m.rss), 'peak RSS': mb(m.peak), 'baseline RSS': mb(bare.rss), 'RSS − baseline': mb(m.rss - bare.rss), ...(target ? { target: `< ${target} MB` } : {}) });
      if (target) verdicts.push(`target idle RSS ${database} (${start}) < ${target} MB: ${mb(m.rss)} (baseline node -e ${mb(bare.rss)}): ${verdict(m.rss < target)}`);
    };
    row('-', '-', bare);

    const url = await postgresUrl();
    if (url) {
      const schema = `bench_memory_${randomBytes(4).toString('hex')}`;
      await adminQuery(url, `CREATE SCHEMA ${schema}`);
      try {
        // The first start applies the migrations; the second is the steady state measured.
        await idleRss(spawnNode([...botNodeFlags, mainScript], botEnv(slack.url, { DATABASE_URL: schemaUrl(url, schema) })), '/readyz');
        row('postgres', 'restart', await idleRss(spawnNode([...botNodeFlags, mainScript], botEnv(slack.url, { DATABASE_URL: schemaUrl(url, schema) })), '/readyz'), TARGET_POSTGRES_MB);
        row('postgres', 'restart', await idleRss(spawnNode([...botNodeFlags, unbundledScript], botEnv(slack.url, { DATABASE_URL: schemaUrl(url, schema) })), '/readyz'), undefined, 'unbundled (dist/src)');
      } finally {
        await adminQuery(url, `DROP SCHEMA ${schema} CASCADE`);
      }
    }
    const embedded = () => spawnNode([...botNodeFlags, mainScript], botEnv(slack.url, { DATA_DIR: dataDir }));
    row('embedded', 'first (initdb)', await idleRss(embedded(), '/readyz'), TARGET_EMBEDDED_MB);
    row('embedded', 'restart', await idleRss(embedded(), '/readyz'), TARGET_EMBEDDED_MB);
    row('embedded', 'restart', await idleRss(spawnNode([...botNodeFlags, unbundledScript], botEnv(slack.url, { DATA_DIR: dataDir })), '/readyz'), undefined, 'unbundled (dist/src)');
  } finally {
    await slack.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  printRows(`idle RSS after /readyz 200 + ${IDLE_MS / 1000} s idle (from /proc/<pid>/status)`, rows);
  for (const line of verdicts) console.log(line);
}
