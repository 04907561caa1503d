import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrationsDirectory } from '../../src/app.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

/** True when the suite runs against a real Postgres server (TEST_DATABASE_URL) rather than PGlite. */
export const onRealPostgres = Boolean(process.env.TEST_DATABASE_URL);

/**
 * A migrated database for one test file: an in-memory PGlite by default, or a fresh schema on the
 * server named by TEST_DATABASE_URL (dropped again by `close`), so test files never share rows.
 */
export interface TestDatabase extends DatabaseHandle {
  /** On real Postgres: the URL and schema, so a test can open a second connection as another bot process would. */
  url?: string;
  schema?: string;
}

export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const handle = await openDatabase({});
    await migrate(handle.db, migrationsDirectory());
    return handle;
  }
  const handle = await openScratchSchema(url, 'test', options.poolSize);
  await migrate(handle.db, migrationsDirectory());
  return handle;
}

async function adminQuery(url: string, text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

/**
 * A fresh, empty schema on a Postgres server (tests and benches), dropped again by `close`, so runs
 * never share rows and leave nothing behind.
 */
export async function openScratchSchema(url: string, prefix: string, poolSize?: number): Promise<TestDatabase> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `CREATE SCHEMA ${schema}`);
  const handle = await openDatabase({ url, schema, ...(poolSize ? { poolSize } : {}) });
  return {
    ...handle,
    url,
    schema,
    async close() {
      await handle.close();
      await adminQuery(url, `DROP SCHEMA ${schema} CASCADE`);
    },
  };
}
