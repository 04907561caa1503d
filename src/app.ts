import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { chatEdges, destinations, embeddedDataDir, type Config } from './config.js';
import type { CoreContext } from './core/context.js';
import { cardRendersSettled } from './core/incident/refresh-cards.js';
import { loadPlaybooks } from './core/playbook/load-playbooks.js';
import { loadScenarios } from './core/exercise/scenario-catalog.js';
import { loadTaxonomyBeside } from './core/taxonomy/taxonomy.js';
import type { ChatPlatform, Destination } from './core/ports/chat-platform.js';
import { resumeUnfinishedIncidents } from './core/incident/resume-incidents.js';
import { systemClock, type Clock } from './core/time/time-input.js';
import { openDatabase, type DatabaseHandle, type DatabaseLogger } from './db/database.js';
import type { EmbeddedServer } from './db/embedded-server.js';
import { Inbox } from './db/inbox.js';
import { migrate, pendingMigrations } from './db/migrate.js';
import { KyselyStore } from './db/store.js';
import { registerApiRoutes } from './http/api/routes.js';
import { HttpServer, sendJson } from './http/server.js';
import { PrometheusMetrics, serveMetrics } from './http/metrics.js';
import { registerAlertsRoute } from './http/alerts-route.js';
import { buildPagers } from './adapters/pager/build-pagers.js';
import { timeToAcknowledge } from './core/metrics/mtta.js';
import { startPagingLoop, type PagingLoop } from './core/roles/paging-loop.js';
import { applyRosterFile, parseRosterFile } from './core/roles/roster-file.js';
import { postPendingTriageCards } from './core/signals/triage.js';
import { projectRoot } from './project-root.js';
import type { Scheduler } from './scheduler/scheduler.js';
import { createScheduler } from './scheduler/start-scheduler.js';

export interface App {
  context: CoreContext;
  database: DatabaseHandle;
  http: HttpServer;
  /** Requests acknowledged and not yet done; edges store each one before they acknowledge it. */
  inbox: Inbox;
  /** Registers a running chat edge so incidents declared there can be published. */
  addPlatform(platform: ChatPlatform): void;
  /** Starts the digest and reminder schedules (after the chat edge is added); returns the jobs caught up. */
  startSchedules(): Promise<string[]>;
  /** Starts the loop that delivers, escalates and resolves pages (PAGING_POLL_SECONDS). */
  startPaging(): PagingLoop;
  close(): Promise<void>;
}

export interface AppOptions {
  logger: Logger;
  clock?: Clock;
  /** An already open database (tests); otherwise DATABASE_URL or the embedded one under DATA_DIR. */
  database?: DatabaseHandle;
  /** The embedded server under DATA_DIR, already starting (main.ts starts it first). */
  embedded?: Promise<EmbeddedServer>;
}

/** Where the Bot Framework posts Teams activities (the bot's messaging endpoint). */
export const TEAMS_MESSAGES_PATH = '/api/messages';

export function migrationsDirectory(): string {
  return join(projectRoot(), 'migrations');
}

export function playbooksDirectory(config: Pick<Config, 'PLAYBOOKS_DIR'>): string {
  return config.PLAYBOOKS_DIR ? resolve(config.PLAYBOOKS_DIR) : join(projectRoot(), 'playbooks');
}

/** Tabletop exercise scenarios sit beside the playbooks; the playbook loader reads only `*.yaml` there. */
export function scenariosFile(config: Pick<Config, 'PLAYBOOKS_DIR'>): string {
  return join(playbooksDirectory(config), 'exercises', 'atlas-case-studies.json');
}

/** Each edge's triage or digest channel; with CHAT=none (edges added by hand, as in tests) the Slack/console setting for whichever edge runs. */
function placesFor(config: Config, kind: 'triage' | 'digest'): Destination[] {
  if (chatEdges(config).length) return destinations(config, kind);
  const channelId = kind === 'triage' ? config.TRIAGE_CHANNEL : config.DIGEST_CHANNEL;
  return channelId ? [{ channelId }] : [];
}

export async function openConfiguredDatabase(config: Config, logger?: DatabaseLogger, embedded?: Promise<EmbeddedServer>): Promise<DatabaseHandle> {
  if (config.DATABASE_URL) return openDatabase({ url: config.DATABASE_URL, ...(logger ? { logger } : {}) });
  return openDatabase({ dataDir: embeddedDataDir(config), ...(logger ? { logger } : {}), ...(embedded ? { embedded } : {}) });
}

/** Builds the core and its infrastructure; chat edges plug in afterwards. */
export async function createApp(config: Config, options: AppOptions): Promise<App> {
  const { logger } = options;
  const playbooks = await loadPlaybooks(playbooksDirectory(config));
  const scenarios = await loadScenarios(scenariosFile(config), playbooks.all());
  const taxonomy = loadTaxonomyBeside(playbooksDirectory(config));
  const database = options.database ?? (await openConfiguredDatabase(config, logger, options.embedded));
  const applied = await migrate(database.db, migrationsDirectory());
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const clock = options.clock ?? systemClock;
  const platforms = new Map<string, ChatPlatform>();
  const inbox = new Inbox(database.db, database.kind, logger);
  const metrics = new PrometheusMetrics({ inboxDepth: () => inbox.depth() });
  const context: CoreContext = {
    store: new KyselyStore(database.db, clock, { coordination: database.coordination }),
    playbooks,
    scenarios,
    taxonomy,
    clock,
    timeZone: config.BOT_TIMEZONE,
    platforms,
    logger,
    paging: { pagers: buildPagers(config, platforms, clock), escalationMinutes: config.ESCALATION_MINUTES },
    // Alerts open on the configured chat edges even if one arrives before the edges are added.
    triage: { destinations: placesFor(config, 'triage') },
    admins: config.ADMIN_USERS,
    telemetry: metrics,
  };
  if (config.ROSTER_FILE) {
    const file = resolve(config.ROSTER_FILE);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`ROSTER_FILE: cannot read ${file} (${error.code ?? error.message})`);
    });
    const changed = await applyRosterFile(context, parseRosterFile(text, file, chatEdges(config)[0] ?? 'console'), 'roster-file');
    logger.info({ file, changed }, 'roster file applied');
  }
  const http = new HttpServer((error) => logger.error({ err: error instanceof Error ? error.message : String(error) }, 'http handler failed'));
  registerApiRoutes(http, context, { token: config.API_TOKEN, mtta: (period) => timeToAcknowledge(context.store, period) });
  registerAlertsRoute(http, context, { token: config.ALERTS_TOKEN });
  serveMetrics(http, metrics);
  http.setReadinessCheck(async () => {
    // Unreachable, restarting, or closed: the database layer logged why; the probe says only that.
    const pending = await pendingMigrations(database.db, migrationsDirectory()).catch(() => undefined);
    if (!pending) return { ok: false, reason: 'the database does not answer' };
    return pending.length ? { ok: false, reason: `migrations not applied: ${pending.join(', ')}` } : { ok: true };
  });
  let paging: PagingLoop | undefined;
  let scheduler: Scheduler | undefined;
  return {
    context,
    database,
    http,
    inbox,
    addPlatform(platform) {
      platforms.set(platform.name, platform);
    },
    async startSchedules() {
      scheduler ??= createScheduler(context, database.db, { digestCron: config.DIGEST_CRON, digestTo: placesFor(config, 'digest'), reminderCron: config.REMINDER_CRON });
      const caughtUp = await scheduler.start();
      if (caughtUp.length) logger.info({ caughtUp }, 'made scheduled runs missed while the bot was down');
      return caughtUp;
    },
    startPaging() {
      paging ??= startPagingLoop(context, config.PAGING_POLL_SECONDS * 1000);
      return paging;
    },
    async close() {
      await inbox.stop();
      await paging?.stop();
      await scheduler?.stop();
      // Renders queued behind the last changes (not needed for correctness: a restart renders again).
      await cardRendersSettled(context);
      await http.close();
      if (!options.database) await database.close();
    },
  };
}

/** The Teams endpoint when Teams is not configured: 401, and the log says what to set. */
export function refuseTeamsRequests(app: App, logger: Logger): void {
  app.http.route('POST', TEAMS_MESSAGES_PATH, (_req, res) => {
    logger.warn({ path: TEAMS_MESSAGES_PATH }, 'refused a Teams request: Teams is not configured (set TEAMS_APP_ID, or TEAMS_EMULATOR=1 for local use)');
    sendJson(res, 401, { error: 'Teams is not configured on this bot' });
  });
}

/** How often a process looks for requests a dead replica acknowledged and did not finish. */
export const INBOX_SWEEP_MS = 15_000;

/** After a restart: requests acknowledged and not done, then side effects left unfinished. */
export async function resume(app: App): Promise<void> {
  const replayed = await app.inbox.start(INBOX_SWEEP_MS);
  if (replayed) app.context.logger.info({ replayed }, 'finished requests acknowledged before the restart');
  const resumed = await resumeUnfinishedIncidents(app.context);
  if (resumed) app.context.logger.info({ resumed }, 'finished side effects left over from before the restart');
  const triage = await postPendingTriageCards(app.context);
  if (triage) app.context.logger.info({ triage }, 'posted triage cards left over from before the restart');
}
