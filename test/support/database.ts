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
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const handle = await openDatabase({ url, schema, ...(options.poolSize ? { poolSize: options.poolSize } : {}) });
  await migrate(handle.db, migrationsDirectory());
  return {
    ...handle,
    url,
    schema,
    async close() {
      await handle.close();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}

