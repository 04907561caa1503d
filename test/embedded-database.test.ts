import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationsDirectory } from '../src/app.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { createCluster } from '../src/db/embedded-server.js';
import { migrate } from '../src/db/migrate.js';

const dataDir = mkdtempSync(join(tmpdir(), 'embedded-first-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const migrationsApplied = async (handle: DatabaseHandle) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM schema_migrations`.execute(handle.db)).rows[0]!.n;

describe('the embedded database in DATA_DIR', () => {
  it('is created on a first start by a short-lived process of its own, then opened like a restart; what is stored stays', async () => {
    const warnings: string[] = [];
    const logger = { warn: (data: object, message?: string) => void warnings.push(`${message} ${JSON.stringify(data)}`) };
    const scratch = join(dataDir, 'by-the-child');
    await createCluster(scratch, [], logger);
    // This process never opened it: the child made the cluster, and no fallback was needed.
    expect(warnings).toEqual([]);
    expect(existsSync(join(scratch, 'PG_VERSION'))).toBe(true);

    const first = await openDatabase({ dataDir, logger });
    expect(warnings).toEqual([]);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    const applied = await migrate(first.db, migrationsDirectory());
    expect(applied.length).toBeGreaterThan(0);
    expect(await migrationsApplied(first)).toBe(applied.length);
    await first.close();

    const again = await openDatabase({ dataDir, logger });
    expect(await migrationsApplied(again)).toBe(applied.length);
    expect(await migrate(again.db, migrationsDirectory())).toEqual([]);
    await again.close();
    expect(warnings).toEqual([]);
  });
});
