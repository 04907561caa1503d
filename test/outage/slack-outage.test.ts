import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { startSlack, type SlackEdge } from '../../src/adapters/slack/app.js';
import { cardToBlocks } from '../../src/adapters/slack/render.js';
import { loadConfig } from '../../src/config.js';
import { incidentCards } from '../../src/core/incident/refresh-cards.js';
import type { Incident } from '../../src/core/incident/incident.js';
import { createLogger } from '../../src/logger.js';
import { TestClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FAKE_BOT_TOKEN, FakeSlack, GENERAL, type StoredMessage } from '../support/fake-slack.js';
import { SIGNING_SECRET, blockActions, interactionBody, postSigned, slashCommandBody, triggerId } from '../support/slack-requests.js';
import { toggle } from '../slack/support.js';

/**
 * Issue 9, Slack's side: "Web API 5xx and timeouts for 60 s: side effects are retried with backoff
 * and done exactly once when Slack answers again." The bot as it runs (createApp, the Slack edge
 * on our HTTP server, the paging loop with its side-effect retry) in front of the fake Web API,
 * which for 60 s answers every method 500, 503 or not at all, performing nothing. Meanwhile people
 * declare, tick and page; afterwards every incident has one channel, one header and its checklist
 * showing what is stored, each page went out once, and every person was told the bot took it.
 * Runs on PGlite and on real Postgres alike.
 */

const OUTAGE_MS = 60_000;
/** After Slack answers again: the queued work and the side-effect retry (max 12 × 1 s) must finish within this. */
const RECOVERY_MS = 45_000;

let database: TestDatabase;
let fake: FakeSlack;
let app: App;
let slack: SlackEdge;
let eventsUrl = '';
let sequence = 0;
/** Every request the test sent: what it was and where its response_url replies land. */
const sent: { what: string; user: string; responseId: string; status: number }[] = [];

async function command(text: string, user: string, channel = GENERAL): Promise<string> {
  const responseId = `cmd${++sequence}`;
  const body = slashCommandBody({ text, user, channel, triggerId: triggerId(), responseUrl: fake.responseUrl(responseId) });
  const response = await postSigned(eventsUrl, body);
  await response.text();
  sent.push({ what: `/incident ${text}`, user, responseId, status: response.status });
  return responseId;
}

async function click(message: StoredMessage, action: Record<string, unknown>, user: string): Promise<string> {
  const responseId = `act${++sequence}`;
  const payload = blockActions({ user, channel: message.channel, message: { ts: message.ts, blocks: message.blocks, text: message.text }, action, responseUrl: fake.responseUrl(responseId) });
  const response = await postSigned(eventsUrl, interactionBody(payload));
  await response.text();
  sent.push({ what: `tick ${String((action.selected_options as { value: string }[]).map((o) => o.value))}`, user, responseId, status: response.status });
  return responseId;
}

const repliesTo = (responseId: string) => fake.responses.filter((r) => r.id === responseId).map((r) => String(r.body.text));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => Promise<boolean>, what: string, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(250);
  }
  return Date.now() - start;
}

const cardMessages = (channelId: string) => fake.messagesIn(channelId).filter((m) => m.blocks.length > 0 && m.blocks.some((b) => b.type === 'header' || String(b.block_id).startsWith('checklist:')));
const isHeader = (m: StoredMessage) => m.blocks.some((b) => b.block_id === 'actions' && JSON.stringify(b).includes('"severity"'));
const isChecklist = (m: StoredMessage) => m.blocks.some((b) => String(b.block_id).startsWith('checklist:'));

async function incidents(): Promise<Incident[]> {
  return app.context.store.incidents.list({ open: true, limit: 100 });
}

/** Everything done: channels, bound cards, pages sent, the bot's work queue empty. */
async function everythingDone(): Promise<boolean> {
  for (const incident of await incidents()) {
    if (!incident.channelId) return false;
    const bound = await app.context.store.messages.forIncident(incident.id);
    if (!bound.some((m) => m.purpose === 'header') || !bound.some((m) => m.purpose === 'checklist')) return false;
    const pages = await app.context.store.pages.forIncident(incident.id);
    if (pages.some((p) => p.status !== 'sent')) return false;
    // What Slack shows is what is stored.
    const { header, checklist } = await incidentCards(app.context, incident, slack.platform);
    const shown = cardMessages(incident.channelId);
    if (JSON.stringify(shown.filter(isHeader).map((m) => m.blocks)) !== JSON.stringify([cardToBlocks(header).blocks])) return false;
    if (JSON.stringify(shown.filter(isChecklist).map((m) => m.blocks)) !== JSON.stringify(checklist.map((card) => cardToBlocks(card).blocks))) return false;
  }
  return true;
}

beforeAll(async () => {
  database = await createTestDatabase();
  fake = new FakeSlack();
  await fake.start();
  // PAGING_POLL_SECONDS=1: the side-effect retry backs off from 1 s to 12 s.
  const config = loadConfig({ SLACK_BOT_TOKEN: FAKE_BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url, LOG_LEVEL: 'silent', PAGING_POLL_SECONDS: '1' });
  const logger = createLogger({ level: 'silent' });
  app = await createApp(config, { logger, clock: new TestClock(), database });
  // The production policy's shape, shortened so the test's 60 s hold several rounds: 2 attempts, 1.5 s each.
  slack = await startSlack(app, { botToken: FAKE_BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: fake.url, retryConfig: { retries: 1, minTimeout: 200, maxTimeout: 400 }, timeoutMs: 1500 }, logger);
  const port = await app.http.listen(0, '127.0.0.1');
  app.http.ready = true;
  eventsUrl = `http://127.0.0.1:${port}/slack/events`;
  app.startPaging();
}, 180_000);

afterAll(async () => {
  await slack?.stop();
  await app?.close();
  await fake?.close();
  await database?.close();
}, 60_000);

describe('a 60 s Slack Web API outage (HTTP 500, 503 and calls that never answer)', () => {
  it('retries every side effect and does each exactly once when Slack answers again; every person was told the bot took the request', async () => {
    // Before: a roster, and one incident with its channel and cards.
    await command('oncall security <@USAM>', 'UALICE');
    await command('oncall ml-engineer <@UMIA>', 'UALICE');
    await command('oncall comms <@UCAT>', 'UALICE');
    await command('declare sev3 prompt-injection Support bot obeys hidden prompts', 'UALICE');
    await slack.drain();
    const [first] = await incidents();
    expect(first?.channelId).toBeTruthy();
    const before = cardMessages(first!.channelId!).filter(isChecklist);
    expect(before.length).toBeGreaterThan(0);
    const callsBefore = fake.calls.length;

    // Slack goes away for 60 s; people keep working.
    fake.startOutage([500, 503, 'hang']);
    const cutAt = Date.now();
    const during: string[] = [];
    during.push(await command('declare sev2 model-drift Ranking model drifts after retrain', 'UBOB'));
    during.push(await click(before[0]!, toggle(before[0]!, `${first!.id}:1`), 'UALICE'));
    await sleep(5_000);
    during.push(await command('declare sev3 data-leakage Summariser quotes another customer', 'UCAROL'));
    during.push(await click(before[0]!, toggle(before[0]!, `${first!.id}:2`), 'USAM'));
    await sleep(5_000);
    during.push(await command('page comms', 'UALICE', first!.channelId!));
    during.push(await click(before[0]!, toggle(before[0]!, `${first!.id}:3`), 'UMIA'));
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
    const outageCalls = fake.calls.slice(callsBefore);
    fake.endOutage();
    const restoredAt = Date.now();

    // Within a bounded time everything is done, exactly once.
    const recoveredIn = await until(async () => (await slack.drain(), everythingDone()), 'every side effect to be done', RECOVERY_MS);
    await slack.drain();

    const all = await incidents();
    expect(all).toHaveLength(3);
    const incidentChannels = [...fake.channels.values()].filter((c) => c.id !== GENERAL && !c.id.startsWith('D'));
    expect(incidentChannels.map((c) => c.id).sort()).toEqual(all.map((i) => i.channelId).sort()); // one channel each, none orphaned
    for (const incident of all) {
      const shown = cardMessages(incident.channelId!);
      expect(shown.filter(isHeader)).toHaveLength(1);
      const bound = await app.context.store.messages.forIncident(incident.id);
      expect(shown.filter(isChecklist)).toHaveLength(bound.filter((m) => m.purpose === 'checklist').length);
      expect(fake.channels.get(incident.channelId!)!.pins.size).toBe(1);
      // Each card was posted once: no second header or checklist went out.
      const posts = fake.callsTo('chat.postMessage').filter((c) => c.outcome === 'ok' && c.args.channel === incident.channelId && Array.isArray(c.args.blocks) && JSON.stringify(c.args.blocks).match(/"type":"header"|checklist:/));
      expect(posts).toHaveLength(shown.length);
    }
    // The three ticks made during the outage are stored and shown (everythingDone compared the blocks).
    const steps = await app.context.store.steps.list(first!.id);
    expect(steps.filter((s) => s.doneAt).map((s) => s.number)).toEqual([1, 2, 3]);

    // Each page went out exactly once: one DM per page, carrying that page's Acknowledge value.
    const pages = (await Promise.all(all.map((i) => app.context.store.pages.forIncident(i.id)))).flat();
    expect(pages.length).toBeGreaterThanOrEqual(4);
    for (const page of pages) {
      expect(page.status).toBe('sent');
      const dms = [...fake.messages.values()].filter((m) => m.channel === `D${page.userId}` && JSON.stringify(m.blocks).includes(`"${page.incidentId}:${page.id}"`));
      expect(dms, `page ${page.id} to ${page.userId}`).toHaveLength(1);
      const sentEvents = (await app.context.store.events.forIncident(page.incidentId)).filter((e) => e.kind === 'page_sent' && e.payload.page_id === page.id);
      expect(sentEvents).toHaveLength(1);
    }

    // Every person was told: the declarations were taken (with what is left to do), the ticks and the page answered.
    const told = sent.filter((s) => during.includes(s.responseId)).map((s) => ({ what: s.what, status: s.status, replies: repliesTo(s.responseId) }));
    const outcomes = outageCalls.reduce<Record<string, number>>((counts, c) => ({ ...counts, [c.outcome]: (counts[c.outcome] ?? 0) + 1 }), {});
    console.info(
      JSON.stringify({
        outageMs: restoredAt - cutAt,
        requestsDuringOutage: during.length,
        webApiCallsDuringOutage: outageCalls.length,
        outcomes,
        recoveredInMs: recoveredIn,
        replies: told.map((t) => `${t.what} → ${t.replies.map((r) => r.split('\n')[0]).join(' | ') || '(no reply)'}`),
      }),
    );
    for (const request of told) {
      expect(request.status, request.what).toBe(200);
      if (request.what.startsWith('/incident declare')) {
        expect(request.replies, request.what).toHaveLength(1);
        expect(request.replies[0]).toMatch(/^Declared INC-\d+ \(SEV\d[^)]*\) in /);
      }
      for (const reply of request.replies) expect(reply, request.what).not.toMatch(/ref [a-z0-9]{8}|went wrong on our side/);
    }

    // Nothing was performed while Slack was away.
    expect(outageCalls.every((c) => c.outcome !== 'ok')).toBe(true);
  }, OUTAGE_MS + RECOVERY_MS + 60_000);
});
