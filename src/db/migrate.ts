import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';

/** An arbitrary constant: the advisory lock that serialises migrations across bot processes. */
const MIGRATION_LOCK = 72_033_115;

async function migrationFiles(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((f) => f.endsWith('.sql')).sort();
}

/**
 * The migrations in `directory` that the database has not applied (readiness: a process whose
 * schema is behind its code is not ready). Throws when the database does not answer.
 */
export async function pendingMigrations(db: Kysely<Database>, directory: string): Promise<string[]> {
  const files = await migrationFiles(directory);
  const exists = await sql<{ table: string | null }>`SELECT to_regclass('schema_migrations')::text AS table`.execute(db);
  if (!exists.rows[0]?.table) return files;
  const applied = new Set((await db.selectFrom('schema_migrations').select('name').execute()).map((row) => row.name));
  return files.filter((file) => !applied.has(file));
}

/**
 * Applies the plain, forward-only `.sql` files in `directory` that have not run yet, each in its
 * own transaction, in file-name order. Safe with several processes starting at once.
 */
export async function migrate(db: Kysely<Database>, directory: string): Promise<string[]> {
  const applied: string[] = [];
  // Usually every file has run: one look, without the lock, and start-up goes on.
  const pending = await pendingMigrations(db, directory);
  if (pending.length === 0) return applied;
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`.execute(trx);
  });
  for (const file of pending) {
    const text = await readFile(join(directory, file), 'utf8');
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
      const done = await trx.selectFrom('schema_migrations').select('name').where('name', '=', file).executeTakeFirst();
      if (done) return;
      await sql.raw(text).execute(trx);
      await trx.insertInto('schema_migrations').values({ name: file }).execute();
      applied.push(file);
    });
  }
  return applied;
}
