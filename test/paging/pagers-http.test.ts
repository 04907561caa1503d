import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPagers } from '../../src/adapters/pager/build-pagers.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { runDuePages } from '../../src/core/roles/deliver-pages.js';
import { MINUTE } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startRecordingServer, startTestApp, type RecordedCall, type TestApp } from '../support/paging.js';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const WEBHOOK_SECRET = 'webhook-secret-0123456789';

/** What PagerDuty's Events API v2 accepts and refuses (202, or 400 `invalid event`). */
function pagerDuty(call: RecordedCall): { status: number; body: unknown } {
  const body = call.body as { routing_key?: string; event_action?: string; dedup_key?: string; payload?: { summary?: string; source?: string; severity?: string } };
  const errors: string[] = [];
  if (call.path !== '/v2/enqueue') return { status: 404, body: { status: 'not found' } };
  if (body.routing_key !== ROUTING_KEY) errors.push('Invalid routing key');
  if (!['trigger', 'acknowledge', 'resolve'].includes(body.event_action ?? '')) errors.push("'event_action' is invalid");
  if (body.event_action === 'trigger') {
    if (!body.payload?.summary) errors.push("'payload.summary' is missing or blank");
    if (!body.payload?.source) errors.push("'payload.source' is missing or blank");
    if (!['critical', 'error', 'warning', 'info'].includes(body.payload?.severity ?? '')) errors.push("'payload.severity' is invalid");
  } else if (!body.dedup_key) errors.push("'dedup_key' is required for acknowledge and resolve");
  if ((body.dedup_key ?? '').length > 255) errors.push("'dedup_key' is too long");
  if (errors.length) return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
  return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: body.dedup_key } };
}

/** A receiver that checks the signature the way the README tells integrators to. */
function webhookReceiver(now: () => Date) {
  return (call: RecordedCall): { status: number; body: unknown } => {
    const timestamp = String(call.headers['x-incident-bot-timestamp'] ?? '');
    const signature = Buffer.from(String(call.headers['x-incident-bot-signature'] ?? ''));
    const expected = Buffer.from(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${call.raw}`).digest('hex')}`);
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return { status: 401, body: { error: 'bad signature' } };
    if (Math.abs(now().getTime() / 1000 - Number(timestamp)) > 300) return { status: 401, body: { error: 'stale timestamp' } };
    return { status: 200, body: { ok: true } };
  };
}

let database: TestDatabase;
let bot: TestApp;
let pd: Awaited<ReturnType<typeof startRecordingServer>>;
let hook: Awaited<ReturnType<typeof startRecordingServer>>;

beforeAll(async () => {
  database = await createTestDatabase();
  pd = await startRecordingServer(pagerDuty);
  let clockNow = () => new Date();
  hook = await startRecordingServer((call) => webhookReceiver(clockNow)(call));
  bot = await startTestApp({
    database,
    env: { PAGERDUTY_ROUTING_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: pd.url, PAGER_WEBHOOK_URL: `${hook.url}/pages`, PAGER_WEBHOOK_SECRET: WEBHOOK_SECRET, PAGING_POLL_SECONDS: '300', API_TOKEN: 'api-token-0123456789abcdef' },
  });
  clockNow = () => bot.clock.now();
});
afterAll(async () => {
  await bot?.close();
  await pd?.close();
  await hook?.close();
  await database?.close();
});

const ana = { platform: 'console', userId: 'ana', channelId: 'general' };

describe('PagerDuty and webhook pagers beside the chat DM', () => {
  it('triggers, acknowledges and resolves one PagerDuty alert per incident and role; signs every webhook call', async () => {
    await handleCommand(bot.app.context, ana, '/incident oncall security @sam @lee');
    const declared = await handleCommand(bot.app.context, ana, '/incident declare sev1 prompt-injection Support bot follows instructions in PDFs');
    const incidentId = declared.incidentId!;
    const dedupKey = `incident-${incidentId}-security`;

    const triggers = pd.calls.filter((c) => c.body.event_action === 'trigger' && c.body.dedup_key === dedupKey);
    expect(triggers).toHaveLength(1);
    expect(triggers[0]!.body).toMatchObject({ routing_key: ROUTING_KEY, payload: { severity: 'critical', source: 'ai-incident-bot', group: 'security' } });
    expect(String((triggers[0]!.body.payload as { summary: string }).summary)).toContain(`INC-${incidentId} SEV1: Support bot follows instructions in PDFs`);
    const hookPages = hook.calls.filter((c) => c.body.event === 'page' && c.body.dedup_key === dedupKey);
    expect(hookPages).toHaveLength(1);
    expect(hookPages[0]!.path).toBe('/pages');
    expect(hookPages[0]!.body).toMatchObject({ incident: { id: incidentId, severity: 'sev1' }, page: { role: 'security', user: 'sam', step: 0 } });
    expect(bot.printed.join('\n')).toContain('[DM to @sam]');
    const sent = (await bot.app.context.store.events.forIncident(incidentId)).find((e) => e.kind === 'page_sent' && e.payload.role === 'security')!;
    expect(sent.payload.via).toBe('chat+pagerduty+webhook');

    // An escalation re-triggers the same PagerDuty alert (PagerDuty folds it into one).
    bot.clock.advance(5 * MINUTE);
    await runDuePages(bot.app.context);
    expect(pd.calls.filter((c) => c.body.event_action === 'trigger' && c.body.dedup_key === dedupKey)).toHaveLength(2);

    const lee = (await bot.app.context.store.pages.forIncident(incidentId)).filter((p) => p.role === 'security').at(-1)!;
    expect(lee.userId).toBe('lee');
    await handleCommand(bot.app.context, { platform: 'console', userId: 'lee', channelId: 'dm-lee' }, `/incident ack ${lee.id}`);
    expect(pd.calls.filter((c) => c.body.event_action === 'acknowledge').map((c) => c.body.dedup_key)).toEqual([dedupKey]);
    expect(hook.calls.filter((c) => c.body.event === 'acknowledge')[0]!.body).toMatchObject({ dedup_key: dedupKey, by: 'lee' });

    // Time to acknowledge sits beside the nine metrics in the JSON API: 5 minutes, after one escalation.
    const metrics = await fetch(`${bot.baseUrl}/api/metrics?from=2026-11-25&to=2026-11-26`, { headers: { authorization: 'Bearer api-token-0123456789abcdef' } });
    const json = (await metrics.json()) as { mtta: Record<string, unknown> };
    expect(json.mtta.security).toEqual({ mean: 5, median: 5, p90: 5, n: 1, unit: 'minutes' });

    const channel = (await bot.app.context.store.incidents.get(incidentId))!.channelId!;
    await handleCommand(bot.app.context, { ...ana, channelId: channel }, '/incident resolve');
    expect((await runDuePages(bot.app.context)).resolved).toBeGreaterThanOrEqual(1);
    await runDuePages(bot.app.context);
    expect(pd.calls.filter((c) => c.body.event_action === 'resolve' && c.body.dedup_key === dedupKey)).toHaveLength(1);
    expect(hook.calls.filter((c) => c.body.event === 'resolve' && c.body.dedup_key === dedupKey)).toHaveLength(1);
    const resolvedEvents = (await bot.app.context.store.events.forIncident(incidentId)).filter((e) => e.kind === 'pager_resolved' && e.payload.role === 'security');
    expect(resolvedEvents.map((e) => e.payload.via).sort()).toEqual(['pagerduty', 'webhook']);
    // The receiver refuses a bad signature with 401, which would be a page_failed event.
    expect((await bot.app.context.store.events.forIncident(incidentId)).filter((e) => e.kind === 'page_failed')).toEqual([]);
    expect(webhookReceiver(() => bot.clock.now())({ ...hookPages[0]!, raw: `${hookPages[0]!.raw} ` }).status).toBe(401);
  });

  it('says in the incident channel when PagerDuty refuses a page, and the chat DM still goes out', async () => {
    const context = bot.app.context;
    const previous = context.paging;
    context.paging = { ...previous, pagers: buildPagers({ PAGERDUTY_ROUTING_KEY: 'X'.repeat(32), PAGERDUTY_EVENTS_URL: pd.url }, context.platforms, context.clock) };
    try {
      const mark = bot.printed.length;
      const declared = await handleCommand(context, ana, '/incident declare sev2 prompt-injection Jailbreak prompts spreading on a forum');
      const incident = (await context.store.incidents.get(declared.incidentId!))!;
      const refused = pd.calls.at(-1)!;
      expect(refused.body.routing_key).toBe('X'.repeat(32));
      const shown = bot.printed.slice(mark).join('\n');
      expect(shown).toContain('[DM to @sam]');
      expect(shown).toContain(`[#${incident.channelId}] bot: ⚠️ The page to @sam (Security Analyst) via pagerduty did not go out:`);
      expect(shown).toContain('400');
      expect(shown).toContain('invalid event');
      const events = await context.store.events.forIncident(incident.id);
      expect(events.find((e) => e.kind === 'page_failed')!.payload).toMatchObject({ role: 'security', user: 'sam', via: 'pagerduty' });
      expect(events.find((e) => e.kind === 'page_sent')!.payload).toMatchObject({ user: 'sam', via: 'chat' });
    } finally {
      context.paging = previous;
    }
  });

  it('marks the page failed and says so when no pager gets it out', async () => {
    const context = bot.app.context;
    const previous = context.paging;
    const closed = await startRecordingServer(() => ({ status: 500, body: { error: 'down' } }));
    await closed.close();
    // Only the webhook, pointing at a server that is gone: nothing reaches anyone.
    const { WebhookPager } = await import('../../src/adapters/pager/webhook-pager.js');
    context.paging = { ...previous, pagers: [new WebhookPager(`${closed.url}/pages`, WEBHOOK_SECRET, context.clock)] };
    try {
      const mark = bot.printed.length;
      const declared = await handleCommand(context, ana, '/incident declare sev2 prompt-injection Prompt leak via translation feature');
      const pages = (await context.store.pages.forIncident(declared.incidentId!)).filter((p) => p.role === 'security');
      expect(pages.map((p) => p.status)).toEqual(['failed']);
      expect(pages[0]!.error).toContain('webhook: could not reach');
      expect(pages[0]!.escalateAt).not.toBeNull();
      expect(bot.printed.slice(mark).join('\n')).toContain('via webhook did not go out: could not reach');
    } finally {
      context.paging = previous;
    }
  });
});
