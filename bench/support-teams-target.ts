import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { createApp } from '../src/app.js';
import { startTeams, teamsSettings } from '../src/adapters/teams/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { openScratchSchema } from '../test/support/database.js';
import { startBotServer } from '../test/support/teams-bot-server.js';

/**
 * A server for bench/teams.ts, in its own process so the load generator (and the Bot Connector
 * double it plays) does not share its event loop: `bot` is the incident bot as main.ts runs it with
 * CHAT=teams TEAMS_EMULATOR=1 (embedded database, the Teams edge on our HTTP server), `bare` a
 * botbuilder CloudAdapter (auth off) on plain node:http whose logic answers every message with one
 * `context.sendActivity` text. Prints `{"port":…}` when ready; exits when stdin closes.
 */
const [mode] = process.argv.slice(2);

let cleanup = async (): Promise<void> => undefined;

async function startBot(): Promise<number> {
  // BENCH_DATABASE_URL: a fresh schema on that Postgres server; else the embedded database in memory.
  const url = process.env.BENCH_DATABASE_URL;
  const database: DatabaseHandle = url ? await openScratchSchema(url, 'bench_teams') : await openDatabase({});
  if (url) cleanup = () => database.close();
  const config = loadConfig({ CHAT: 'teams', TEAMS_EMULATOR: '1', LOG_LEVEL: 'silent' });
  const logger = createLogger({ level: 'silent' });
  const app = await createApp(config, { logger, database });
  const parallelWork = process.env.BENCH_TEAMS_PARALLEL ? Number(process.env.BENCH_TEAMS_PARALLEL) : undefined;
  await startTeams(app, { ...teamsSettings(config), emulator: true, ...(parallelWork ? { parallelWork } : {}) }, logger);
  const port = await app.http.listen(0, '127.0.0.1');
  app.http.ready = true;
  return port;
}

async function startBare(): Promise<number> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '' }));
  const server = await startBotServer(adapter, async (context) => {
    if (context.activity.type === 'message') await context.sendActivity(`You said: ${context.activity.text}`);
  });
  cleanup = () => server.close();
  return Number(new URL(server.url).port);
}

const port = mode === 'bare' ? await startBare() : await startBot();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void cleanup().then(() => process.exit(0)));
