import { createApp, resume, type App } from '../../src/app.js';
import { startSlack, type SlackEdge } from '../../src/adapters/slack/app.js';
import { startTeams, teamsSettings, type TeamsEdge } from '../../src/adapters/teams/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { TEAM_ID, USERS, teamsActivities, type TeamsActivities } from './bot-framework-activities.js';
import { TestClock } from './clock.js';
import type { FakeBotConnector } from './fake-bot-connector.js';
import { FAKE_BOT_TOKEN, FakeSlack, GENERAL, type StoredMessage } from './fake-slack.js';
import { ALERTS_TOKEN } from './paging.js';
import { SIGNING_SECRET, blockActions, interactionBody, postSigned, slashCommandBody, triggerId } from './slack-requests.js';
import { startFakeConnector } from './teams-harness.js';

/** The Slack channels the bot posts triage cards and the digest to. */
export const SLACK_TRIAGE = 'C0TRIAGE';
export const SLACK_DIGEST = 'C0DIGEST';
/** The Teams channels (of the team in bot-framework-activities) for the same. */
export const TEAMS_TRIAGE = '19:Tr1ageChannelAlertsX7pQ2m9ZkT4n@thread.tacv2';
export const TEAMS_DIGEST = '19:D1gestChannelMetricsY8qR3n0AlU5o@thread.tacv2';
export const API_TOKEN = 'two-edges-api-token-0123456789';

/**
 * One bot process with both chat edges, as main.ts runs it when Slack and Teams are configured:
 * one createApp, the Slack edge (Bolt's HTTP receiver on POST /slack/events) and the Teams edge
 * (botbuilder's CloudAdapter on POST /api/messages) on the same HttpServer, the configuration read
 * by loadConfig. In front of the fake Slack Web API and the fake Bot Connector, over real HTTP.
 */
export interface TwoEdgesHarness {
  app: App;
  config: Config;
  slack: SlackEdge;
  teams: TeamsEdge;
  fake: FakeSlack;
  connector: FakeBotConnector;
  activities: TeamsActivities;
  clock: TestClock;
  baseUrl: string;
  /** What `startSchedules` caught up at start (the scheduled runs missed while the bot was down). */
  caughtUp: string[];
  /** POSTs an alert body to /hooks/alerts with the alerts token. */
  alert(body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** `/incident <text>` in Slack; waits for the work after the ack. */
  slackCommand(text: string, options?: { user?: string; channel?: string }): Promise<{ status: number; replies: Record<string, unknown>[] }>;
  /** A block action on a message the bot posted in Slack; waits for the work. */
  slackAct(message: StoredMessage, action: Record<string, unknown>, options?: { user?: string }): Promise<{ status: number; replies: Record<string, unknown>[] }>;
  /** An activity from Teams (the connector learns the conversation first); waits for the work. */
  teamsPost(activity: Record<string, unknown>): Promise<{ status: number; body: unknown }>;
  /** GET on the bot's JSON API with the API token. */
  api(path: string): Promise<{ status: number; body: unknown }>;
  drain(): Promise<void>;
  /** Stops both edges and the app; `keepFakes` leaves the fake Slack and connector up for a restarted harness. */
  close(options?: { keepFakes?: boolean }): Promise<void>;
}

export interface TwoEdgesOptions {
  env?: Record<string, string>;
  /** Those of a closed harness, to restart the bot against the same Slack and Teams. */
  fake?: FakeSlack;
  connector?: FakeBotConnector;
  clock?: TestClock;
}

let responseSequence = 0;

export async function startTwoEdges(database: DatabaseHandle, options: TwoEdgesOptions = {}): Promise<TwoEdgesHarness> {
  let fake = options.fake;
  if (!fake) {
    fake = new FakeSlack();
    await fake.start();
    fake.addChannel(SLACK_TRIAGE, 'ai-alerts');
    fake.addChannel(SLACK_DIGEST, 'ai-metrics');
  }
  let connector = options.connector;
  if (!connector) {
    connector = await startFakeConnector();
    connector.addChannel(TEAMS_TRIAGE, { teamId: TEAM_ID, name: 'ai-alerts', members: Object.values(USERS) });
    connector.addChannel(TEAMS_DIGEST, { teamId: TEAM_ID, name: 'ai-metrics', members: Object.values(USERS) });
  }
  const clock = options.clock ?? new TestClock();
  const config = loadConfig({
    SLACK_BOT_TOKEN: FAKE_BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    TEAMS_EMULATOR: '1',
    TRIAGE_CHANNEL: SLACK_TRIAGE,
    TEAMS_TRIAGE_CHANNEL: TEAMS_TRIAGE,
    DIGEST_CHANNEL: SLACK_DIGEST,
    TEAMS_DIGEST_CHANNEL: TEAMS_DIGEST,
    ALERTS_TOKEN,
    API_TOKEN,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const logger = createLogger({ level: 'silent' });
  const app = await createApp(config, { logger, clock, database });
  // As main.ts: each configured edge, then what was left over, the schedules, the paging loop.
  const slack = await startSlack(
    app,
    { botToken: config.SLACK_BOT_TOKEN!, signingSecret: config.SLACK_SIGNING_SECRET!, apiUrl: config.SLACK_API_URL!, retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 } },
    logger,
  );
  const teams = await startTeams(app, { ...teamsSettings(config), retry: { attempts: 3, baseMs: 5, maxMs: 20 } }, logger);
  await resume(app);
  const caughtUp = await app.startSchedules();
  const port = await app.http.listen(0, '127.0.0.1');
  app.http.ready = true;
  const baseUrl = `http://127.0.0.1:${port}`;
  const eventsUrl = `${baseUrl}/slack/events`;
  const activities = teamsActivities({ serviceUrl: connector.serviceUrl });
  const slackFake = fake;
  const teamsConnector = connector;
  const repliesTo = (id: string) => slackFake.responses.filter((r) => r.id === id).map((r) => r.body);
  const drain = async () => {
    await Promise.all([slack.drain(), teams.drain()]);
  };

  return {
    app,
    config,
    slack,
    teams,
    fake,
    connector,
    activities,
    clock,
    baseUrl,
    caughtUp,
    async alert(body) {
      const response = await fetch(`${baseUrl}/hooks/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERTS_TOKEN}` },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async slackCommand(text, opts = {}) {
      const id = `two-edges-${++responseSequence}`;
      const body = slashCommandBody({ text, user: opts.user ?? 'UALICE', channel: opts.channel ?? GENERAL, triggerId: triggerId(), responseUrl: slackFake.responseUrl(id) });
      const response = await postSigned(eventsUrl, body);
      await response.text();
      await slack.drain();
      return { status: response.status, replies: repliesTo(id) };
    },
    async slackAct(message, action, opts = {}) {
      const id = `two-edges-${++responseSequence}`;
      const payload = blockActions({
        user: opts.user ?? 'UALICE',
        channel: message.channel,
        message: { ts: message.ts, blocks: message.blocks, text: message.text },
        action,
        responseUrl: slackFake.responseUrl(id),
      });
      const response = await postSigned(eventsUrl, interactionBody(payload));
      await response.text();
      await slack.drain();
      return { status: response.status, replies: repliesTo(id) };
    },
    async teamsPost(activity) {
      teamsConnector.recordInbound(activity);
      const response = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      const text = await response.text();
      await teams.drain();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body };
    },
    async api(path) {
      const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      return { status: response.status, body: await response.json() };
    },
    drain,
    async close(closeOptions = {}) {
      await slack.stop();
      await teams.stop();
      await app.close();
      if (!closeOptions.keepFakes) {
        await slackFake.close();
        await teamsConnector.close();
      }
    },
  };
}
