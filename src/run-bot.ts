import { collectStartupGarbage } from './memory-flags.js';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { chatEdges, type Config } from './config.js';
import { createApp, refuseTeamsRequests, resume } from './app.js';
import { ConsoleChat } from './adapters/console/console-chat.js';
import { ConsoleSession } from './adapters/console/console-session.js';
// Static on purpose: loaded lazily, Bolt left the idle bot 10-15 MB larger (bench/memory.ts).
import { startSlack } from './adapters/slack/app.js';
import type { App } from './app.js';
import type { EmbeddedServer } from './db/embedded-server.js';
import type { Logger } from 'pino';

/** Kubernetes waits 30 s by default before SIGKILL; stay well inside the 10 s the operators were promised. */
const SHUTDOWN_DEADLINE_MS = 9_000;

/** The app, then the chat edge that was configured (main.ts has read the configuration and started the database). */
export async function runBot(config: Config, logger: Logger, embedded?: Promise<EmbeddedServer>): Promise<void> {
  const edges = chatEdges(config);
  const consoleMode = edges.includes('console');
  const app = await createApp(config, { logger, ...(embedded ? { embedded } : {}) });

  const port = await app.http.listen(config.PORT).catch((error: NodeJS.ErrnoException) => {
    if (!consoleMode) throw error;
    logger.warn({ port: config.PORT, err: error.message }, 'HTTP port unavailable; the console runs without the HTTP API');
    return undefined;
  });

  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  /** Stop taking requests, finish the work already acknowledged, close; never longer than the deadline. */
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      logger.warn({ afterMs: SHUTDOWN_DEADLINE_MS }, 'shutdown deadline reached; exiting with work unfinished');
      process.exit(code);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.http.ready = false;
    const closing = app.http.close();
    for (const stop of stops) await stop().catch(() => undefined);
    await closing.catch(() => undefined);
    await app.close().catch(() => undefined);
    logger.info('stopped');
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  if (consoleMode) {
    const print = (text: string) => process.stdout.write(`${text}\n`);
    const chat = new ConsoleChat(print, join(resolve(config.DATA_DIR), 'files'));
    app.addPlatform(chat);
    await resume(app);
    await app.startSchedules();
    app.startPaging();
    app.http.ready = true;
    if (port) logger.info({ port }, 'HTTP listening');
    collectStartupGarbage();
    const session = new ConsoleSession(app.context, chat, print, config.CONSOLE_USER ?? safeUserName());
    await session.run(process.stdin, process.stdout, Boolean(process.stdin.isTTY));
    await shutdown(0);
    return;
  }
  if (!edges.includes('teams')) refuseTeamsRequests(app, logger);
  for (const edge of edges) if (edge !== 'console') stops.push(await startEdge(edge, app, config, logger));
  await resume(app);
  await app.startSchedules();
  app.startPaging();
  app.http.ready = true;
  logger.info({ port, edges }, 'HTTP listening');
  collectStartupGarbage();
}

/** Starts one chat edge and returns how to stop it. Teams' library is loaded only when Teams runs. */
async function startEdge(edge: 'slack' | 'teams', app: App, config: Config, logger: Logger): Promise<() => Promise<void>> {
  if (edge === 'slack') {
    const slack = await startSlack(
      app,
      {
        botToken: config.SLACK_BOT_TOKEN!,
        ...(config.SLACK_SIGNING_SECRET ? { signingSecret: config.SLACK_SIGNING_SECRET } : {}),
        ...(config.SLACK_APP_TOKEN ? { appToken: config.SLACK_APP_TOKEN } : {}),
        ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}),
      },
      logger,
    );
    logger.info({ mode: slack.mode }, 'Slack edge ready');
    return () => slack.stop();
  }
  const { startTeams, teamsSettings } = await import('./adapters/teams/app.js');
  const teams = await startTeams(app, teamsSettings(config), logger);
  logger.info({ emulator: config.TEAMS_EMULATOR }, 'Teams edge ready');
  return () => teams.stop();
}

function safeUserName(): string {
  try {
    const name = userInfo().username.replace(/[^\w.-]/g, '');
    return name || 'you';
  } catch {
    return 'you';
  }
}
