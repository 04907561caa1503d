import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';

/**
 * The embedded database runs on a thread of its own (src/db/embedded-server.ts) and is spoken to
 * in the wire protocol: these are the promises that arrangement makes to the rest of the bot.
 */
describe('the embedded database server', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openDatabase({});
  });
  afterAll(async () => {
    await handle.close();
  });

  it('runs a long statement while the bot keeps answering: the event loop turns throughout', async () => {
    let turns = 0;
    const timer = setInterval(() => turns++, 10);
    const started = performance.now();
    // Work that keeps the server busy for a good part of a second.
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM generate_series(1, 3000000) AS s WHERE s % 7 = 0`.execute(handle.db);
    const tookMs = performance.now() - started;
    clearInterval(timer);
    expect(rows[0]!.n).toBe('428571');
    // In the same thread no timer could fire until the statement was done; on its own thread the
    // 10 ms timer fires about as often as the statement's duration allows.
    expect(tookMs).toBeGreaterThan(100);
    expect(turns).toBeGreaterThan(tookMs / 10 / 4);
  });

  it('reports a failed statement with its Postgres error, and the session goes on', async () => {
    await sql`CREATE TABLE scratch_unique (id int PRIMARY KEY)`.execute(handle.db);
    await sql`INSERT INTO scratch_unique VALUES (1)`.execute(handle.db);
    const failure = await sql`INSERT INTO scratch_unique VALUES (1)`.execute(handle.db).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: '23505' });
    // A failed transaction leaves nothing behind and the next statement runs.
    const rolledBack = await handle.db
      .transaction()
      .execute(async (tx) => {
        await sql`INSERT INTO scratch_unique VALUES (2)`.execute(tx);
        await sql`INSERT INTO scratch_unique VALUES (1)`.execute(tx);
      })
      .catch((error: unknown) => error);
    expect(rolledBack).toMatchObject({ code: '23505' });
    const { rows } = await sql<{ id: number }>`SELECT id FROM scratch_unique ORDER BY id`.execute(handle.db);
    expect(rows).toEqual([{ id: 1 }]);
  });

  it('answers many statements sent at once, each with its own result', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => sql<{ v: number }>`SELECT ${i}::int * 2 AS v`.execute(handle.db)));
    expect(results.map((result) => result.rows[0]!.v)).toEqual(Array.from({ length: 200 }, (_, i) => i * 2));
  });
});

describe('an embedded data directory the server cannot open', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'embedded-damaged-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('fails to open with the directory and a reason, instead of hanging', async () => {
    const damaged = join(dataDir, 'pglite');
    mkdirSync(damaged);
    // Looks like a cluster (so no new one is created over it) but holds nothing of one.
    writeFileSync(join(damaged, 'PG_VERSION'), '18\n');
    await expect(openDatabase({ dataDir: damaged })).rejects.toThrow(`the embedded database in ${damaged} could not start`);
  });
});
