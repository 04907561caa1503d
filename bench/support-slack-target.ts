import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, HTTPReceiver } from '@slack/bolt';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { startSlack } from '../src/adapters/slack/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';

/**
 * A server for bench/slack.ts, in its own process so the load generator does not share its event
 * loop: `bot` is the incident bot as main.ts runs it (embedded database), `bare` a Bolt app that
 * only acks. Prints `{"port":…}` when ready; exits when stdin closes.
 */
const [mode] = process.argv.slice(2);
const { FAKE_SLACK_URL, BENCH_TOKEN, BENCH_SECRET } = process.env;
if (!FAKE_SLACK_URL || !BENCH_TOKEN || !BENCH_SECRET) throw new Error('FAKE_SLACK_URL, BENCH_TOKEN and BENCH_SECRET are required');

let cleanup = async (): Promise<void> => undefined;

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(text);
  await client.end();
}

async function startBot(): Promise<number> {
  // BENCH_DATABASE_URL: a fresh schema on that Postgres server; else the embedded database in a fresh
  // data directory, on disk as main.ts opens it (in memory it spends its time in a different file layer).
  const url = process.env.BENCH_DATABASE_URL;
  const schema = `bench_slack_${Date.now().toString(36)}`;
  if (url) await adminQuery(url, `CREATE SCHEMA ${schema}`);
  const dataDir = url ? undefined : await mkdtemp(join(tmpdir(), 'bench-slack-'));
  const database = await openDatabase(url ? { url, schema } : { dataDir: join(dataDir!, 'pglite') });
  const config = loadConfig({ SLACK_BOT_TOKEN: BENCH_TOKEN, SLACK_SIGNING_SECRET: BENCH_SECRET, SLACK_API_URL: FAKE_SLACK_URL });
  const logger = createLogger({ level: 'silent' });
  const app = await createApp(config, { logger, database });
  // The app first (its inbox holds a session of its own), then the database and the scratch schema.
  cleanup = async () => {
    await app.close();
    await database.close();
    if (url) await adminQuery(url, `DROP SCHEMA ${schema} CASCADE`);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  const parallelWork = process.env.BENCH_SLACK_PARALLEL ? Number(process.env.BENCH_SLACK_PARALLEL) : undefined;
  await startSlack(app, { botToken: BENCH_TOKEN!, signingSecret: BENCH_SECRET!, apiUrl: FAKE_SLACK_URL!, ...(parallelWork ? { parallelWork } : {}) }, logger);
  const port = await app.http.listen(0, '127.0.0.1');
  app.http.ready = true;
  return port;
}

async function startBare(): Promise<number> {
  const receiver = new HTTPReceiver({ signingSecret: BENCH_SECRET!, endpoints: '/slack/events' });
  const app = new App({ receiver, token: BENCH_TOKEN, botId: 'BBOT', botUserId: 'UBOT', tokenVerificationEnabled: false, clientOptions: { slackApiUrl: FAKE_SLACK_URL } });
  app.command('/incident', async ({ ack }) => {
    await ack();
  });
  const server = await receiver.start(0);
  return (server.address() as AddressInfo).port;
}

const port = mode === 'bare' ? await startBare() : await startBot();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void cleanup().then(() => process.exit(0)));
