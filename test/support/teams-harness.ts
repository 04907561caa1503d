import { createApp, type App } from '../../src/app.js';
import { startTeams, teamsSettings, type TeamsEdge, type TeamsSettings } from '../../src/adapters/teams/app.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { INCIDENTS_CHANNEL_ID, TEAM_ID, USERS, teamsActivities, personalConversationId, type TeamsActivities } from './bot-framework-activities.js';
import { TestClock } from './clock.js';
import { FakeBotConnector, type StoredMessage } from './fake-bot-connector.js';

/**
 * The bot as it runs in production (createApp + the Teams edge on our HTTP server, the real
 * CloudAdapter) in front of a local Bot Connector double. Activities go over real HTTP.
 */
export interface TeamsHarness {
  app: App;
  teams: TeamsEdge;
  connector: FakeBotConnector;
  activities: TeamsActivities;
  clock: TestClock;
  baseUrl: string;
  /** Posts an activity as Teams does (the connector learns the conversation first); waits for the work after the ack. */
  post(activity: Record<string, unknown>, options?: { headers?: Record<string, string>; wait?: boolean }): Promise<{ status: number; body: unknown }>;
  /** Stops the edge and the app; `keepConnector` leaves the connector running for a restarted harness. */
  close(options?: { keepConnector?: boolean }): Promise<void>;
}

/** The team, its channels and the users' personal chats, as after the app was installed. */
export async function startFakeConnector(): Promise<FakeBotConnector> {
  const connector = new FakeBotConnector();
  await connector.start();
  connector.addTeam({ id: TEAM_ID, name: 'Incident Response' });
  connector.addChannel(TEAM_ID, { teamId: TEAM_ID, name: 'General', members: Object.values(USERS) });
  connector.addChannel(INCIDENTS_CHANNEL_ID, { teamId: TEAM_ID, name: 'incidents', members: Object.values(USERS) });
  for (const user of Object.values(USERS)) connector.addChat(personalConversationId(user), { kind: 'personal', members: [user] });
  return connector;
}

/**
 * Starts the bot in front of a connector. Pass the `connector` (and `clock`) of a closed harness to
 * restart the bot on the same database against the same Teams.
 */
export async function startTeamsHarness(
  database: DatabaseHandle,
  options: {
    /** Configuration; without TEAMS_APP_ID the bot runs in emulator mode (TEAMS_EMULATOR=1) unless env says otherwise. */
    env?: Record<string, string>;
    connector?: FakeBotConnector;
    clock?: TestClock;
    /** Settings beyond the configuration (e.g. openIdMetadataUrl, authenticateTimeoutMs). */
    teams?: Partial<TeamsSettings>;
    /** Where the bot's log goes (JSON lines, level info); silent without it. */
    logs?: NodeJS.WritableStream;
  } = {},
): Promise<TeamsHarness> {
  const connector = options.connector ?? (await startFakeConnector());
  const clock = options.clock ?? new TestClock();
  const emulator = options.env?.TEAMS_APP_ID ? {} : { TEAMS_EMULATOR: '1' };
  const config = loadConfig({ CHAT: 'none', ...emulator, LOG_LEVEL: 'silent', ...options.env });
  const logger = options.logs ? createLogger({ level: 'info', destination: options.logs }) : createLogger({ level: 'silent' });
  const app = await createApp(config, { logger, clock, database });
  const teams = await startTeams(app, { ...teamsSettings(config), retry: { attempts: 3, baseMs: 5, maxMs: 20 }, ...options.teams }, logger);
  const port = await app.http.listen(0, '127.0.0.1');
  app.http.ready = true;
  const baseUrl = `http://127.0.0.1:${port}`;
  const activities = teamsActivities({ serviceUrl: connector.serviceUrl });

  return {
    app,
    teams,
    connector,
    activities,
    clock,
    baseUrl,
    async post(activity, postOptions = {}) {
      connector.recordInbound(activity);
      const response = await fetch(`${baseUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...postOptions.headers },
        body: JSON.stringify(activity),
      });
      const text = await response.text();
      if (postOptions.wait !== false) await teams.drain();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body };
    },
    async close(closeOptions = {}) {
      await teams.stop();
      await app.close();
      if (!closeOptions.keepConnector) await connector.close();
    },
  };
}

type Json = Record<string, unknown>;

/** The Adaptive Card of a message the bot posted (its current version unless one is passed). */
export function cardOf(message: StoredMessage | undefined, version?: Json): Json {
  const activity = version ?? message?.activity;
  const attachment = (activity?.attachments as { content: Json }[] | undefined)?.[0];
  if (!attachment) throw new Error(`no card in ${JSON.stringify(activity).slice(0, 300)}`);
  return attachment.content;
}

/** Every Action.Execute data object in a card (buttons, checklist rows), in card order. */
export function executeData(node: unknown, found: Json[] = []): Json[] {
  if (Array.isArray(node)) node.forEach((n) => executeData(n, found));
  else if (node && typeof node === 'object') {
    const o = node as Json;
    if (o.type === 'Action.Execute' && o.data) found.push(o.data as Json);
    Object.values(o).forEach((v) => executeData(v, found));
  }
  return found;
}
