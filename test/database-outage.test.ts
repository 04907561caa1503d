import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/context.js';
import { handleCardClick } from '../src/core/handle-action.js';
import { handleCommand } from '../src/core/handle-command.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isConnectionFailure, openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { registerAlertsRoute } from '../src/http/alerts-route.js';
import { HttpServer } from '../src/http/server.js';
import { projectRoot } from '../src/project-root.js';
import { createTestCore } from './support/core.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from './support/database.js';
import { ALERTS_TOKEN, startTestApp, type TestApp } from './support/paging.js';

/**
 * Issue 9: "Stopping Postgres kills the bot": the pool's `error` event was unhandled, so a restart or
 * failover ended the process; and while the database was away a person got an internal error with
 * a ref. Now lost connections are logged (never the URL) and a command says the database is
 * unreachable; `/readyz` tells an orchestrator the same.
 */

const PASSWORD = 'pw-that-must-never-be-logged';
const general: Actor = { platform: 'console', userId: 'ana', channelId: 'general' };

interface Warning {
  message?: string;
  data: object;
}
const capture = () => {
  const warnings: Warning[] = [];
  return { warnings, logger: { warn: (data: object, message?: string) => warnings.push({ data, ...(message ? { message } : {}) }) } };
};

/** A postgres:// URL with a password in it (trust authentication never asks for it), to check it is never logged. */
function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = PASSWORD;
  return parsed.toString();
}

/** A port on which nothing listens (taken and given back). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function adminQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    return (await admin.query<T>(text, values)).rows;
  } finally {
    await admin.end();
  }
}

/** Ends every server session of one application_name, as a restart or a failover would; returns how many. */
async function terminateSessions(applicationName: string): Promise<number> {
  const rows = await adminQuery<{ ended: boolean }>('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [applicationName]);
  return rows.filter((row) => row.ended).length;
}

async function sessionCount(applicationName: string): Promise<number> {
  const [row] = await adminQuery<{ count: string }>('SELECT count(*) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  return Number(row!.count);
}

async function until(condition: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('which errors mean "the database cannot be reached"', () => {
  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it.each([
    ['refused', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['reset', coded('ECONNRESET', 'read ECONNRESET')],
    ['admin shutdown (57P01)', coded('57P01', 'terminating connection due to administrator command')],
    ['cannot connect now (57P03)', coded('57P03', 'the database system is starting up')],
    ['connection failure (08006)', coded('08006')],
    ['connection does not exist (08003)', coded('08003')],
    ['connection exception (08000)', coded('08000')],
    ['pg: terminated', new Error('Connection terminated unexpectedly')],
    ['pg: not queryable', new Error('Client has encountered a connection error and is not queryable')],
    ['every address refused', new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], 'connect failed')],
  ])('%s: yes', (_name, error) => expect(isConnectionFailure(error)).toBe(true));

  it.each([
    ['unique violation', coded('23505', 'duplicate key value violates unique constraint')],
    ['syntax error', coded('42601', 'syntax error at or near "x"')],
    ['invalid byte sequence', coded('22021', 'invalid byte sequence for encoding "UTF8": 0x00')],
    ['not an error', 'Connection terminated'],
  ])('%s: no', (_name, error) => expect(isConnectionFailure(error)).toBe(false));
});

describe('a command while the database is unreachable', () => {
  let handle: DatabaseHandle;
  const log = capture();
  let http: HttpServer | undefined;

  beforeAll(async () => {
    handle = await openDatabase({ url: `postgres://bot:${PASSWORD}@127.0.0.1:${await deadPort()}/incidents`, logger: log.logger });
  });
  afterAll(async () => {
    await http?.close();
    await handle?.close();
  });

  it('tells the person the database is unreachable: no stack trace, no ref', async () => {
    const { context } = await createTestCore(handle);
    for (const text of ['/incident list', '/incident declare sev2 Support bot leaks other customers\' data', '/incident oncall']) {
      expect((await handleCommand(context, general, text)).text).toBe(DATABASE_UNAVAILABLE_MESSAGE);
    }
    expect((await handleCardClick(context, general, { action: 'triage-declare', value: '7' })).text).toBe(DATABASE_UNAVAILABLE_MESSAGE);
    // The operators' log says why, without the URL or its password.
    expect(log.warnings.length).toBeGreaterThan(0);
    expect(log.warnings[0]).toMatchObject({ message: 'database unreachable', data: { err: { code: 'ECONNREFUSED' } } });
    expect(JSON.stringify(log.warnings)).not.toContain(PASSWORD);
    expect(JSON.stringify(log.warnings)).not.toContain('postgres://');
  });

  it('answers an alert sender 503 with Retry-After, so it sends again later', async () => {
    const { context } = await createTestCore(handle);
    const failures: unknown[] = [];
    http = new HttpServer((error) => failures.push(error));
    registerAlertsRoute(http, context, { token: ALERTS_TOKEN });
    const port = await http.listen(0, '127.0.0.1');
    const response = await fetch(`http://127.0.0.1:${port}/hooks/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERTS_TOKEN}` },
      body: JSON.stringify({ title: 'Guardrail block rate above 5%' }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('60');
    expect(await response.json()).toEqual({ error: DATABASE_UNAVAILABLE_MESSAGE });
    expect(failures).toEqual([]); // not logged as a handler failure: the database layer logged it
  });
});

describe('GET /readyz', () => {
  let database: TestDatabase;
  let bot: TestApp;
  const readyz = async () => {
    const response = await fetch(`${bot.baseUrl}/readyz`);
    return { status: response.status, body: (await response.json()) as { ok: boolean; reason?: string } };
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    bot = await startTestApp({ database });
  });
  afterAll(async () => {
    await bot?.close();
    await database?.close().catch(() => undefined);
  });

  it('is 200 when the database answers and every migration is applied, 503 while one is not, or before start-up', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { ok: true } });
    const [last] = await database.db.selectFrom('schema_migrations').select('name').orderBy('name', 'desc').limit(1).execute();
    await database.db.deleteFrom('schema_migrations').where('name', '=', last!.name).execute();
    expect(await readyz()).toEqual({ status: 503, body: { ok: false, reason: `migrations not applied: ${last!.name}` } });
    await database.db.insertInto('schema_migrations').values({ name: last!.name }).execute();
    expect((await readyz()).status).toBe(200);

    bot.app.http.ready = false;
    expect(await readyz()).toEqual({ status: 503, body: { ok: false, reason: 'starting' } });
    bot.app.http.ready = true;
    // Liveness is another question: /healthz stays as it was.
    expect((await fetch(`${bot.baseUrl}/healthz`)).status).toBe(200);
  });

  it('is 503 once the database handle is closed, while /healthz still says the process is up', async () => {
    await database.close();
    expect(await readyz()).toEqual({ status: 503, body: { ok: false, reason: 'the database does not answer' } });
    expect((await fetch(`${bot.baseUrl}/healthz`)).status).toBe(200);
  });
});

describe.skipIf(!onRealPostgres)('when Postgres ends the bot\'s sessions (restart, failover) [real Postgres only: PGlite runs in the process and has no server sessions to end]', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  /** Runs test/support/outage-child.ts; `between` runs once it is ready and before it queries again. */
  async function runChild(mode: 'bot' | 'bare', applicationName: string, between: (output: () => string) => Promise<void>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const root = projectRoot();
    const child = spawn(join(root, 'node_modules/.bin/tsx'), ['test/support/outage-child.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OUTAGE_MODE: mode, OUTAGE_URL: withPassword(database.url!), OUTAGE_SCHEMA: database.schema!, OUTAGE_APP: applicationName },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let ended = false;
    void exited.then(() => (ended = true));
    await until(() => ended || stdout.includes('"event":"ready"'), 'the child to be ready', 30_000);
    if (!ended) {
      await between(() => stdout);
      child.stdin.end('go\n');
    }
    return { code: await exited, stdout, stderr };
  }

  const events = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string; [key: string]: unknown });

  it('the outage is real: a pool without an error listener takes its process down', async () => {
    const app = `outage-bare-${randomBytes(4).toString('hex')}`;
    const run = await runChild('bare', app, async () => {
      expect(await terminateSessions(app)).toBe(3);
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('terminating connection due to administrator command');
    expect(run.stdout).not.toContain('survived');
  });

  it('the bot\'s process stays up, logs without secrets, and its next query through the same handle succeeds', async () => {
    const app = `outage-bot-${randomBytes(4).toString('hex')}`;
    const run = await runChild('bot', app, async (stdout) => {
      expect(await sessionCount(app)).toBe(4); // three idle in the pool, one checked out in a transaction
      expect(await terminateSessions(app)).toBe(4);
      await until(() => events(stdout()).filter((e) => e.event === 'warn').length >= 3, 'the pool to log its three idle connections');
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const seen = events(run.stdout);
    expect(seen.filter((e) => e.event === 'warn' && e.message === 'database connection lost while idle; the next query opens a new one')).toHaveLength(3);
    expect(seen.find((e) => e.event === 'warn')).toMatchObject({ data: { err: { code: '57P01', message: 'terminating connection due to administrator command' } } });
    // The transaction whose connection died is refused as unreachable; the next query opens a new connection.
    expect(seen.find((e) => e.event === 'transaction')).toMatchObject({ code: 'database_unavailable', message: DATABASE_UNAVAILABLE_MESSAGE });
    expect(seen.find((e) => e.event === 'after')).toEqual({ event: 'after', migrations: expect.any(Number) as number });
    expect(seen.at(-1)).toEqual({ event: 'done' });
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('a command whose session is ended mid-transaction gets the database message, and the next command works', async () => {
    const app = `outage-cmd-${randomBytes(4).toString('hex')}`;
    const log = capture();
    const handle = await openDatabase({ url: withPassword(database.url!), schema: database.schema!, applicationName: app, logger: log.logger });
    const blocker = new pg.Client({ connectionString: database.url!, options: `-c search_path=${database.schema!}` });
    try {
      const { context } = await createTestCore(handle);
      const declared = await handleCommand(context, general, '/incident declare sev2 Summariser invents refund policy');
      const incident = (await context.store.incidents.get(declared.incidentId!))!;
      const inChannel: Actor = { ...general, channelId: incident.channelId! };

      // Another session holds the incident's row, so the note waits inside its transaction; then the server ends the bot's sessions.
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [incident.id]);
      const note = handleCommand(context, inChannel, '/incident note rolled back the guardrail config');
      await until(async () => Number((await adminQuery<{ count: string }>("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [app]))[0]!.count) > 0, 'the note to wait for the row lock');
      expect(await terminateSessions(app)).toBeGreaterThan(0);
      expect((await note).text).toBe(DATABASE_UNAVAILABLE_MESSAGE);
      await blocker.query('ROLLBACK');

      expect((await handleCommand(context, inChannel, '/incident note the database is back')).text).toBe('Noted in the timeline: the database is back');
      const notes = (await context.store.events.forIncident(incident.id)).filter((e) => e.kind === 'note_added').map((e) => e.payload.text);
      expect(notes).toEqual(['the database is back']);
      expect(log.warnings.some((w) => JSON.stringify(w).includes('57P01'))).toBe(true);
      expect(JSON.stringify(log.warnings)).not.toContain(PASSWORD);
      const afterwards = await sql<{ one: number }>`SELECT 1 AS one`.execute(handle.db);
      expect(afterwards.rows).toEqual([{ one: 1 }]);
    } finally {
      await blocker.end().catch(() => undefined);
      await handle.close();
    }
  });
});
