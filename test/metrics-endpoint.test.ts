import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDuePages } from '../src/core/roles/deliver-pages.js';
import { KyselyScheduleLedger } from '../src/db/schedule-ledger.js';
import { PrometheusMetrics } from '../src/http/metrics.js';
import { scheduledJobs } from '../src/scheduler/jobs.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { createScheduler } from '../src/scheduler/start-scheduler.js';
import { MINUTE } from './support/clock.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { FAKE_BOT_TOKEN } from './support/fake-slack.js';
import { useSlackHarness } from './support/slack-harness.js';
import { SIGNING_SECRET } from './support/slack-requests.js';
import { startTeamsHarness, type TeamsHarness } from './support/teams-harness.js';
import { incidentMessages, toggle } from './slack/support.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const FAMILY_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // prom-client writes NaN as `Nan`; Prometheus reads it with Go's ParseFloat, which ignores case.
  if (/^nan$/i.test(text)) return NaN;
  if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) throw new Error(`not a sample value: ${line}`);
  return Number(text);
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
  while (pattern.lastIndex < text.length) {
    const match = pattern.exec(text);
    if (!match) throw new Error(`bad labels: ${line}`);
    if (match[1]! in labels) throw new Error(`label repeated: ${line}`);
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/**
 * Prometheus' text exposition format (0.0.4), strictly: HELP and TYPE lines, then samples of that
 * family only (a histogram's _bucket/_sum/_count), no sample twice, cumulative buckets ending in +Inf = _count.
 */
function parseExposition(text: string): Sample[] {
  expect(text.endsWith('\n')).toBe(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  let family: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    if (help) continue;
    const type = new RegExp(`^# TYPE (${NAME}) (\\w+)$`).exec(line);
    if (type) {
      if (!FAMILY_TYPES.has(type[2]!)) throw new Error(`unknown type: ${line}`);
      if (types.has(type[1]!)) throw new Error(`family declared twice: ${line}`);
      types.set(type[1]!, type[2]!);
      family = type[1]!;
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment: ${line}`);
    const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`).exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const name = sample[1]!;
    const kind = family && types.get(family);
    const belongs = name === family || (kind === 'histogram' && [`${family}_bucket`, `${family}_sum`, `${family}_count`].includes(name)) || (kind === 'summary' && [`${family}_sum`, `${family}_count`].includes(name));
    if (!belongs) throw new Error(`sample outside its family ${family}: ${line}`);
    const labels = parseLabels(sample[2] ?? '', line);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`sample repeated: ${line}`);
    seen.add(key);
    samples.push({ name, labels, value: parseValue(sample[3]!, line) });
  }
  // Each histogram series: buckets never decrease and the +Inf bucket is the count.
  for (const [name, kind] of types) {
    if (kind !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of samples.filter((x) => x.name === `${name}_bucket`)) {
      const { le, ...rest } = s.labels;
      expect(le).toBeDefined();
      const key = JSON.stringify(Object.entries(rest).sort());
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      const values = buckets.map((b) => b.value);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(buckets.at(-1)!.labels.le).toBe('+Inf');
      const count = samples.find((x) => x.name === `${name}_count` && JSON.stringify(Object.entries(x.labels).sort()) === key);
      expect(count?.value).toBe(buckets.at(-1)!.value);
    }
  }
  return samples;
}

/** The one sample with this name and exactly these labels (undefined: none). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
  expect(matches.length).toBeLessThanOrEqual(1);
  return matches[0]?.value;
}

/** Every series of a metric, as `labels → value`. */
function seriesOf(samples: Sample[], name: string, keys: string[]): Record<string, number> {
  return Object.fromEntries(samples.filter((s) => s.name === name).map((s) => [keys.map((k) => s.labels[k] ?? '').join(' '), s.value]));
}

const API_TOKEN = 'api-token-0123456789abcdef';
const ALERTS_TOKEN = 'alerts-token-0123456789abcdef';

async function scrape(baseUrl: string): Promise<{ text: string; samples: Sample[]; contentType: string | null }> {
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, samples: parseExposition(text), contentType: response.headers.get('content-type') };
}

describe('GET /metrics with the Slack edge', () => {
  const h = useSlackHarness({ env: { API_TOKEN, ALERTS_TOKEN } });
  let incidentId = 0;

  it('counts commands by name and outcome with their latency, and card clicks as click:<action>', async () => {
    await h.command('oncall security <@USAM> <@ULEE>');
    const declared = await h.command('declare sev1 Support bot obeys instructions hidden in uploaded PDFs');
    incidentId = Number(/INC-(\d+)/.exec(String(declared.replies[0]?.text))?.[1]);
    expect(incidentId).toBeGreaterThan(0);
    await h.command('delcare sev1 oops');
    await h.command('sev sev9');
    const incident = (await h.app.context.store.incidents.get(incidentId))!;
    const checklist = incidentMessages(h, incident.channelId!).checklists()[0]!;
    await h.act(checklist, toggle(checklist, `${incidentId}:1`), { user: 'USAM' });
    await h.command('resolve', { channel: 'C0NOTANINCIDENT' });

    const { samples, contentType } = await scrape(h.baseUrl);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(seriesOf(samples, 'command_duration_seconds_count', ['command'])).toEqual({ oncall: 1, declare: 1, unknown: 1, sev: 1, 'click:step': 1, resolve: 1 });
    expect(seriesOf(samples, 'commands_total', ['command', 'outcome'])).toEqual({
      'oncall ok': 1,
      'declare ok': 1,
      'sev invalid': 1,
      'unknown invalid': 1,
      'click:step ok': 1,
      'resolve refused': 1,
    });
    // The declare went out to Slack (channel, cards, the page): it took measurable time.
    expect(valueOf(samples, 'command_duration_seconds_sum', { command: 'declare' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'command_duration_seconds_bucket', { command: 'declare', le: '+Inf' })).toBe(1);
  });

  it('counts every Slack Web API call by method, and each failure by Slack\'s error code, as the fake Slack saw them', async () => {
    h.fake.fail('conversations.create', { error: 'restricted_action' });
    await h.command('declare sev3 Ranking model drifts');

    const { samples } = await scrape(h.baseUrl);
    const byMethod: Record<string, number> = {};
    const errors: Record<string, number> = {};
    for (const call of h.fake.calls) {
      byMethod[`slack ${call.method}`] = (byMethod[`slack ${call.method}`] ?? 0) + 1;
      const key = `slack ${call.method} ${call.outcome}`;
      if (call.outcome !== 'ok') errors[key] = (errors[key] ?? 0) + 1;
    }
    expect(byMethod['slack auth.test']).toBe(1);
    expect(byMethod['slack conversations.create']).toBeGreaterThanOrEqual(2);
    expect(seriesOf(samples, 'chat_api_calls_total', ['platform', 'method'])).toEqual(byMethod);
    expect(errors).toEqual({ 'slack conversations.create restricted_action': 1 });
    expect(seriesOf(samples, 'chat_api_errors_total', ['platform', 'method', 'error'])).toEqual(errors);
  });

  it('counts a call Slack answered HTTP 500 to once, after web-api\'s retries, as http_500', async () => {
    const before = (await scrape(h.baseUrl)).samples;
    const attempts = h.fake.callsTo('conversations.create').length;
    // A create is retried by web-api (a post is not: counting-client.ts).
    h.fake.fail('conversations.create', { status: 500 }, 3);
    await h.command('oncall comms <@UCOM>');
    await h.command('declare sev3 Summariser invents citations');
    expect(h.fake.callsTo('conversations.create').slice(attempts, attempts + 3).map((c) => c.outcome)).toEqual(['http 500', 'http 500', 'http 500']);

    const { samples } = await scrape(h.baseUrl);
    expect(valueOf(samples, 'chat_api_errors_total', { platform: 'slack', method: 'conversations.create', error: 'http_500' })).toBe(1);
    const calls = (s: Sample[]) => valueOf(s, 'chat_api_calls_total', { platform: 'slack', method: 'conversations.create' }) ?? 0;
    const okCreates = h.fake.callsTo('conversations.create').slice(attempts).filter((c) => c.outcome === 'ok').length;
    expect(calls(samples) - calls(before)).toBe(okCreates + 1);
  });

  it('counts pages sent and failed by pager, and escalations', async () => {
    const sentPages = async () => {
      const incidents = await h.app.context.store.incidents.list({ limit: 100 });
      const pages = await Promise.all(incidents.map((i) => h.app.context.store.pages.forIncident(i.id)));
      return pages.flat().filter((p) => p.sentAt).length;
    };
    let { samples } = await scrape(h.baseUrl);
    const sent = await sentPages();
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'pages_sent_total', { pager: 'chat' })).toBe(sent);
    expect(valueOf(samples, 'pages_escalated_total')).toBe(0);

    // Sev1: nobody acknowledged within 5 minutes, so ULEE is paged.
    h.clock.advance(5 * MINUTE);
    expect(await runDuePages(h.app.context)).toMatchObject({ escalated: 1, sent: 1 });
    ({ samples } = await scrape(h.baseUrl));
    expect(valueOf(samples, 'pages_escalated_total')).toBe(1);
    expect(valueOf(samples, 'pages_sent_total', { pager: 'chat' })).toBe(sent + 1);
    expect(await sentPages()).toBe(sent + 1);

    // The next one, back to USAM, cannot open the DM.
    h.fake.fail('conversations.open', { error: 'user_disabled' });
    h.clock.advance(5 * MINUTE);
    expect(await runDuePages(h.app.context)).toMatchObject({ escalated: 1, failed: 1 });
    ({ samples } = await scrape(h.baseUrl));
    expect(valueOf(samples, 'pages_escalated_total')).toBe(2);
    expect(valueOf(samples, 'pages_sent_total', { pager: 'chat' })).toBe(sent + 1);
    expect(valueOf(samples, 'pages_failed_total', { pager: 'chat' })).toBe(1);
    expect(valueOf(samples, 'chat_api_errors_total', { platform: 'slack', method: 'conversations.open', error: 'user_disabled' })).toBe(1);
  });

  it('counts scheduled runs by job and outcome', async () => {
    const settings = { digestCron: '0 9 * * 1', digestTo: [], reminderCron: '0 9 * * 1-5' };
    const scheduler = createScheduler(h.app.context, h.app.database.db, settings, 'metrics-test');
    const overdue = scheduledJobs(h.app.context, settings).find((j) => j.name === 'overdue-action-items')!;
    expect(await scheduler.fire(overdue, new Date('2026-11-30T14:00:00Z'))).toBe(true);
    // The same slot again: another process (here, this one) already ran it, so it is not a run.
    expect(await scheduler.fire(overdue, new Date('2026-11-30T14:00:00Z'))).toBe(false);
    const failing = new Scheduler({
      jobs: [],
      ledger: new KyselyScheduleLedger(h.app.database.db),
      timeZone: 'UTC',
      clock: h.clock,
      logger: h.app.context.logger,
      processId: 'metrics-test',
      maxAttempts: 1,
      telemetry: h.app.context.telemetry!,
    });
    const broken = { name: 'broken-job', cron: '* * * * *', lookbackMs: 0, run: () => Promise.reject(new Error('no')) };
    await failing.fire(broken, new Date('2026-11-30T14:00:00Z'));
    await failing.stop();

    const { samples } = await scrape(h.baseUrl);
    expect(seriesOf(samples, 'scheduler_runs_total', ['job', 'outcome'])).toEqual({ 'overdue-action-items ok': 1, 'broken-job failed': 1 });
  });

  it('counts HTTP requests by route pattern, method and status, never by raw path', async () => {
    const get = (path: string, token?: string) => fetch(`${h.baseUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {}).then((r) => r.status);
    expect(await get('/api/incidents', API_TOKEN)).toBe(200);
    expect(await get(`/api/incidents/${incidentId}`, API_TOKEN)).toBe(200);
    expect(await get('/api/incidents/987654', API_TOKEN)).toBe(404);
    expect(await get('/api/incidents')).toBe(401);
    expect(await get('/wp-login.php')).toBe(404);
    expect(await get('/no/such/path/4711')).toBe(404);
    expect(await fetch(`${h.baseUrl}/healthz`, { method: 'DELETE' }).then((r) => r.status)).toBe(405);
    const before = (await scrape(h.baseUrl)).samples;

    const { samples } = await scrape(h.baseUrl);
    const requests = seriesOf(samples, 'http_requests_total', ['route', 'method', 'status']);
    expect(requests).toMatchObject({
      '/api/incidents GET 200': 1,
      '/api/incidents GET 401': 1,
      '/api/incidents/* GET 200': 1,
      '/api/incidents/* GET 404': 1,
      'unmatched GET 404': 2,
      '/healthz DELETE 405': 1,
    });
    // Every Slack request this file sent (commands, the click) answered 200 on the Slack route.
    expect(requests['/slack/events POST 200']).toBe(9);
    // The scrape before this one was counted once it was answered.
    expect(requests['/metrics GET 200']).toBe((valueOf(before, 'http_requests_total', { route: '/metrics', method: 'GET', status: '200' }) ?? 0) + 1);
    const routes = new Set(samples.filter((s) => s.labels.route).map((s) => s.labels.route));
    expect([...routes].sort()).toEqual(['/api/incidents', '/api/incidents/*', '/healthz', '/metrics', '/slack/events', 'unmatched']);
    expect(valueOf(samples, 'http_request_duration_seconds_count', { route: '/api/incidents', method: 'GET' })).toBe(2);
  });

  it('serves the process metrics too, and no secret', async () => {
    const { text, samples } = await scrape(h.baseUrl);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(samples.some((s) => s.name === name), name).toBe(true);
    }
    for (const secret of [FAKE_BOT_TOKEN, SIGNING_SECRET, API_TOKEN, ALERTS_TOKEN, 'xoxb-', 'Bearer']) expect(text).not.toContain(secret);
  });
});

describe('GET /metrics with the Teams edge', () => {
  let database: TestDatabase;
  let h: TeamsHarness;
  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startTeamsHarness(database);
  });
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });

  it('counts each proactive Bot Connector call by operation, and a call refused after the retries by its HTTP status', async () => {
    await h.post(h.activities.channelMention('incident declare sev3 Fraud model recall fell 9% this week'));
    let { samples } = await scrape(h.baseUrl);
    const calls = seriesOf(samples, 'chat_api_calls_total', ['platform', 'method']);
    expect(calls['teams createConversation']).toBeGreaterThanOrEqual(1);
    expect(calls['teams sendToConversation']).toBeGreaterThanOrEqual(1);
    expect(seriesOf(samples, 'chat_api_errors_total', ['platform', 'method'])).toEqual({});
    expect(valueOf(samples, 'command_duration_seconds_count', { command: 'declare' })).toBe(1);

    // The harness retries three times; Teams refuses all three with 412.
    h.connector.fail({ status: 412 }, 3, (call) => call.operation === 'createConversation');
    await h.post(h.activities.channelMention('incident declare sev3 Ranking model drifts'));
    const refused = h.connector.calls.filter((c) => c.operation === 'createConversation' && c.status === 412);
    expect(refused).toHaveLength(3);
    ({ samples } = await scrape(h.baseUrl));
    expect(seriesOf(samples, 'chat_api_errors_total', ['platform', 'method', 'error'])).toEqual({ 'teams createConversation http_412': 1 });
  });
});

describe('the inbox depth gauge', () => {
  it('reads the depth at each scrape, and says NaN when it cannot', async () => {
    let depth = 3;
    const metrics = new PrometheusMetrics({ inboxDepth: async () => depth });
    expect(valueOf(parseExposition(await metrics.text()), 'inbox_depth')).toBe(3);
    depth = 0;
    expect(valueOf(parseExposition(await metrics.text()), 'inbox_depth')).toBe(0);

    const failing = new PrometheusMetrics({ inboxDepth: () => Promise.reject(new Error('the database does not answer')) });
    expect(valueOf(parseExposition(await failing.text()), 'inbox_depth')).toBeNaN();
    expect(parseExposition(await new PrometheusMetrics().text()).some((s) => s.name === 'inbox_depth')).toBe(false);
  });
});
