import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.js';
import { createApp, type App } from '../../src/app.js';
import { startSlack, type SlackEdge } from '../../src/adapters/slack/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { TestClock } from './clock.js';
import { FAKE_APP_TOKEN, FAKE_BOT_TOKEN, FakeSlack, GENERAL, type StoredMessage } from './fake-slack.js';
import { SIGNING_SECRET, blockActions, interactionBody, postSigned, slashCommandBody, triggerId, viewSubmission, type SendOptions } from './slack-requests.js';

/**
 * The bot as it runs in production (createApp + the Slack edge on our HTTP server) in front of the
 * fake Web API. Requests go over real HTTP, signed as Slack signs them.
 */
export interface SlackHarness {
  app: App;
  slack: SlackEdge;
  fake: FakeSlack;
  clock: TestClock;
  eventsUrl: string;
  baseUrl: string;
  /** Sends `/incident <text>`; waits for the work after the ack. Returns the HTTP status and the response_url replies. */
  command(text: string, options?: { user?: string; channel?: string; triggerId?: string; send?: SendOptions; wait?: boolean }): Promise<{ status: number; replies: Record<string, unknown>[] }>;
  /** Sends a block action on a message the bot posted. */
  act(message: StoredMessage, action: Record<string, unknown>, options?: { user?: string; triggerId?: string }): Promise<{ status: number; replies: Record<string, unknown>[] }>;
  submit(view: { id: string; callback_id: string; private_metadata: string; values: Record<string, Record<string, unknown>> }, user?: string): Promise<{ status: number; body: string }>;
  /** Sends any interaction payload as Slack would. */
  interact(payload: Record<string, unknown>): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

let responseSequence = 0;

export async function startSlackHarness(
  database: DatabaseHandle,
  options: { retryConfig?: { retries: number; minTimeout?: number; maxTimeout?: number }; env?: Record<string, string>; socketMode?: boolean } = {},
): Promise<SlackHarness> {
  const fake = new FakeSlack();
  await fake.start();
  const clock = new TestClock();
  const config = loadConfig({ SLACK_BOT_TOKEN: FAKE_BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url, LOG_LEVEL: 'silent', ...options.env });
  const logger = createLogger({ level: 'silent' });
  const app = await createApp(config, { logger, clock, database });
  const slack = await startSlack(
    app,
    {
      botToken: config.SLACK_BOT_TOKEN!,
      ...(options.socketMode ? { appToken: FAKE_APP_TOKEN } : { signingSecret: config.SLACK_SIGNING_SECRET! }),
      apiUrl: config.SLACK_API_URL!,
      retryConfig: options.retryConfig ?? { retries: 2, minTimeout: 10, maxTimeout: 20 },
    },
    logger,
  );
  const port = await app.http.listen(0, '127.0.0.1');
  app.http.ready = true;
  const baseUrl = `http://127.0.0.1:${port}`;
  const eventsUrl = `${baseUrl}/slack/events`;

  const repliesTo = (id: string) => fake.responses.filter((r) => r.id === id).map((r) => r.body);

  return {
    app,
    slack,
    fake,
    clock,
    eventsUrl,
    baseUrl,
    async command(text, opts = {}) {
      const id = `r${++responseSequence}`;
      const body = slashCommandBody({
        text,
        user: opts.user ?? 'UALICE',
        channel: opts.channel ?? GENERAL,
        triggerId: opts.triggerId ?? triggerId(),
        responseUrl: fake.responseUrl(id),
      });
      const response = await postSigned(eventsUrl, body, opts.send);
      await response.text();
      if (opts.wait !== false) await slack.drain();
      return { status: response.status, replies: repliesTo(id) };
    },
    async act(message, action, opts = {}) {
      const id = `r${++responseSequence}`;
      const payload = blockActions({
        user: opts.user ?? 'UALICE',
        channel: message.channel,
        message: { ts: message.ts, blocks: message.blocks, text: message.text },
        action,
        responseUrl: fake.responseUrl(id),
        ...(opts.triggerId ? { triggerId: opts.triggerId } : {}),
      });
      const response = await postSigned(eventsUrl, interactionBody(payload));
      await response.text();
      await slack.drain();
      return { status: response.status, replies: repliesTo(id) };
    },
    async submit(view, user = 'UALICE') {
      const response = await postSigned(eventsUrl, interactionBody(viewSubmission({ user, view })));
      const body = await response.text();
      await slack.drain();
      return { status: response.status, body };
    },
    async interact(payload) {
      const response = await postSigned(eventsUrl, interactionBody(payload));
      const body = await response.text();
      await slack.drain();
      return { status: response.status, body };
    },
    async close() {
      await slack.stop();
      await app.close();
      await fake.close();
    },
  };
}

/**
 * One migrated test database and one Slack harness per test file, started before its tests and
 * stopped after. The returned object stands in for the harness once it is running.
 */
export function useSlackHarness(options: Parameters<typeof startSlackHarness>[1] = {}): SlackHarness {
  let database: TestDatabase | undefined;
  let harness: SlackHarness | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startSlackHarness(database, options);
  });
  afterAll(async () => {
    await harness?.close();
    await database?.close();
  });
  return new Proxy({} as SlackHarness, {
    get(_target, property) {
      if (!harness) throw new Error('the Slack harness is used outside a test');
      return Reflect.get(harness, property, harness);
    },
  });
}
