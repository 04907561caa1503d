import { createApp, type App } from '../../src/app.js';
import { startTeams, teamsSettings, type TeamsEdge } from '../../src/adapters/teams/app.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { INCIDENTS_CHANNEL_ID, TEAM_ID, USERS, teamsActivities, personalConversationId, type TeamsActivities } from './bot-framework-activities.js';
import { TestClock } from './clock.js';
import { FakeBotConnector } from './fake-bot-connector.js';

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
  close(): Promise<void>;
}

export async function startTeamsHarness(database: DatabaseHandle, options: { env?: Record<string, string> } = {}): Promise<TeamsHarness> {
  const connector = new FakeBotConnector();
  await connector.start();
  connector.addTeam({ id: TEAM_ID, name: 'Incident Response' });
  connector.addChannel(TEAM_ID, { teamId: TEAM_ID, name: 'General', members: Object.values(USERS) });
  connector.addChannel(INCIDENTS_CHANNEL_ID, { teamId: TEAM_ID, name: 'incidents', members: Object.values(USERS) });
  for (const user of Object.values(USERS)) connector.addChat(personalConversationId(user), { kind: 'personal', members: [user] });
  const clock = new TestClock();
  const config = loadConfig({ CHAT: 'none', TEAMS_EMULATOR: '1', LOG_LEVEL: 'silent', ...options.env });
  const logger = createLogger({ level: 'silent' });
  const app = await createApp(config, { logger, clock, database });
  const teams = await startTeams(app, { ...teamsSettings(config), emulator: true, retry: { attempts: 3, baseMs: 5, maxMs: 20 } }, logger);
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
    async close() {
      await teams.stop();
      await app.close();
      await connector.close();
    },
  };
}
