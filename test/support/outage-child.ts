/**
 * A bot-like process for test/database-outage.test.ts: it holds idle pooled connections and one
 * connection checked out in a transaction, says `ready`, waits while the test kills its server
 * sessions (`pg_terminate_backend`), then queries again. It installs no uncaughtException handler:
 * an unhandled `error` event ends it with a non-zero code, as it would end the bot.
 *
 * OUTAGE_MODE=bot opens the bot's own handle (src/db/database.ts); OUTAGE_MODE=bare a pg.Pool with
 * no error listener, the shape the bot had before, to show that the test's outage really kills.
 * Lines on stdout are JSON: {"event": …}.
 */
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.js';

const url = process.env.OUTAGE_URL!;
const schema = process.env.OUTAGE_SCHEMA!;
const applicationName = process.env.OUTAGE_APP!;
const say = (event: string, data: object = {}) => process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const nextLine = async () => (await lines.next()).value as string | undefined;
const IDLE = 3;

if (process.env.OUTAGE_MODE === 'bare') {
  const pool = new pg.Pool({ connectionString: url, application_name: applicationName, max: IDLE });
  await Promise.all(Array.from({ length: IDLE }, () => pool.query('SELECT pg_sleep(0.05)')));
  say('ready');
  await nextLine();
  await pool.query('SELECT 1');
  say('survived');
  await pool.end();
} else {
  const handle = await openDatabase({ url, schema, applicationName, poolSize: IDLE + 1, logger: { warn: (data, message) => say('warn', { message, data }) } });
  await Promise.all(Array.from({ length: IDLE + 1 }, () => sql`SELECT pg_sleep(0.05)`.execute(handle.db)));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const transaction = handle.db
    .transaction()
    .execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      await gate; // checked out and idle in the transaction while the sessions are killed
      await sql`SELECT 1`.execute(trx);
    })
    .then(
      () => say('transaction', { code: 'committed' }),
      (error: { code?: string; message?: string }) => say('transaction', { code: error.code, message: error.message }),
    );
  say('ready');
  await nextLine();
  release();
  await transaction;
  const migrations = await handle.db.selectFrom('schema_migrations').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  say('after', { migrations: Number(migrations.count) });
  await handle.close();
}
say('done');
process.exit(0);
