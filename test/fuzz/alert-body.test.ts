import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlertBody } from '../../src/core/signals/alert-body.js';
import { cleanText } from '../../src/core/text-input.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/database.js';
import { ALERTS_TOKEN, startTestApp, type TestApp } from '../support/paging.js';
import { deepJson, edgeNumber, fieldText, hostileJson, hostileText, hugeNumberText, hugeText, isOneLineReason, runs, shortText, withHugeNumbers } from './arbitraries.js';

/**
 * Issue 9: an alert body, whatever it holds, is parsed into alerts or refused with a one-line
 * reason, and `POST /hooks/alerts` answers 200 or a 4xx with that reason at once: never a 5xx,
 * never a hang, and a refused body stores nothing.
 */

const PLAYBOOKS = ['prompt-injection', 'data-leakage', 'model-drift', 'model-safety-violation'];
/** A zod reason lists up to five issues, each with its path; still one line, and bounded. */
const MAX_ALERT_REASON = 1_000;
/** Requests through HTTP and the database: each opened alert is an incident, so fewer than the pure runs. */
const HTTP_RUNS = 600;

/** A value as a sender means it most of the time; otherwise anything JSON holds, or missing. */
const field = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 24, arbitrary: good }, { weight: 1, arbitrary: hostileJson }, { weight: 1, arbitrary: fieldText }, { weight: 1, arbitrary: fc.constant(undefined) });
const time = fc.oneof(
  { weight: 4, arbitrary: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.constantFrom('0001-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-25T09:30:00+01:00', '2026-11-25T09:30:00', '+275760-09-13T00:00:00.000Z', '9999-12-31T23:59:59.999999999Z', '2026-11-25', 'yesterday', '') },
);
const severityWord = fc.constantFrom('critical', 'page', 'high', 'warning', 'low', 'info', 'sev1', 'SEV2', ' sev3 ', '4', '0', '5', 'none', '');
/** A string map as Alertmanager sends labels: known names with hostile values, hostile names, `__proto__`. */
const stringMap = fc
  .array(
    fc.tuple(fc.oneof(fc.constantFrom('alertname', 'severity', 'playbook', 'model', 'summary', 'description', 'title', '__proto__', 'constructor', ''), shortText), fc.oneof(severityWord, fc.constantFrom(...PLAYBOOKS), fieldText)),
    { maxLength: 6 },
  )
  .map((entries) => {
    const map: Record<string, unknown> = {};
    for (const [key, value] of entries) Object.defineProperty(map, key, { value, enumerable: true, configurable: true, writable: true });
    return map;
  });
/** A fingerprint: Alertmanager's 16 hex digits, or anything, or up to 3,000 random characters (too long for the index). */
const fingerprint = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[0-9a-f]{16}$/) },
  { weight: 2, arbitrary: shortText },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 256, maxLength: 3_000 }) },
  { weight: 1, arbitrary: fc.constant('') },
);

const alertmanagerAlert = fc.record(
  {
    status: field(fc.constantFrom('firing', 'resolved')),
    labels: field(stringMap),
    annotations: field(stringMap),
    startsAt: field(time),
    endsAt: field(time),
    generatorURL: field(fc.constantFrom('http://prometheus/graph', 'javascript:alert(1)')),
    fingerprint: field(fingerprint),
  },
  { requiredKeys: [] },
);
const alertmanagerBody = fc.record(
  {
    version: field(fc.oneof({ weight: 12, arbitrary: fc.constant('4') }, { weight: 1, arbitrary: fc.constantFrom(4, '3') })),
    status: field(fc.constantFrom('firing', 'resolved')),
    receiver: field(shortText),
    groupKey: field(shortText),
    externalURL: field(shortText),
    alerts: field(fc.array(alertmanagerAlert, { minLength: 1, maxLength: 2 })),
  },
  { requiredKeys: [] },
);
const genericBody = fc.record(
  {
    title: field(fc.oneof(fieldText, fc.constantFrom('Model leaks prompts', "'; DROP TABLE incidents;--", '${process.exit(1)}', '{{7*7}}', '<!channel> <@U1> <https://x|y>'))),
    description: field(fieldText),
    severity: field(fc.oneof(severityWord, edgeNumber)),
    playbook: field(fc.constantFrom(...PLAYBOOKS, 'PROMPT-INJECTION', 'unknown', '__proto__')),
    model: field(fieldText),
    detected_at: field(time),
    source: field(shortText),
    dedup_key: field(fc.oneof(shortText, fingerprint)),
    status: field(fc.constantFrom('firing', 'resolved')),
  },
  { requiredKeys: [] },
);

/** A body as JSON text: the two shapes (mostly near misses), any JSON, deep nesting, numbers no double holds. */
const bodyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 20, arbitrary: alertmanagerBody.map((b) => JSON.stringify(b)) },
  { weight: 20, arbitrary: genericBody.map((b) => JSON.stringify(b)) },
  { weight: 6, arbitrary: hostileJson.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: deepJson },
  // One field huge: a title, a description, a label value, a fingerprint.
  {
    weight: 1,
    arbitrary: fc.tuple(hugeText, fc.constantFrom('title', 'description', 'label', 'fingerprint')).map(([text, where]) =>
      JSON.stringify(
        where === 'title' || where === 'description'
          ? { title: where === 'title' ? text : 'Huge description', description: text }
          : { version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'Huge', model: where === 'label' ? text : 'm' }, startsAt: '2026-11-25T08:00:00Z', fingerprint: where === 'fingerprint' ? text : 'f00d' }] },
      ),
    ),
  },
  { weight: 3, arbitrary: fc.tuple(fc.oneof(alertmanagerBody, genericBody), fc.array(hugeNumberText, { minLength: 1, maxLength: 3 })).map(([b, numbers]) => withHugeNumbers(JSON.stringify(b), numbers)) },
  { weight: 2, arbitrary: fc.constantFrom('{"title":"Huge","severity":1e400}', '{"title":"Huge","severity":123456789012345678901234567890}', '{"__proto__":{"title":"polluted"},"title":"Proto"}', '{"title":"Dup","title":"Dup 2"}', '{"alerts":{"length":1e9}}', '{"title":"Proto severity","severity":"constructor"}', '{"title":"Proto severity","severity":"__proto__"}', '{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Proto","severity":"toString"},"startsAt":"2026-11-25T08:00:00Z","fingerprint":"f00d"}]}') },
);
/** What arrives over HTTP: JSON text (mostly), or not JSON at all. */
const httpBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: bodyText },
  { weight: 1, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '[]', '"x"', '{', '{"title":', '\ufeff{"title":"BOM first"}', '{"title":"NUL in JSON \\u0000 here"}', '{"title":"Lone \\ud800 surrogate"}') },
);

/** Every string in a parsed signal, for the storable check. */
function signalStrings(signal: Record<string, unknown>): string[] {
  return Object.entries(signal).flatMap(([key, value]) =>
    typeof value === 'string' ? [value] : key === 'labels' ? Object.entries(value as Record<string, string>).flat() : [],
  );
}

function checkParsed(raw: unknown): 'signals' | 'error' {
  const parsed = parseAlertBody(raw, PLAYBOOKS);
  if ('error' in parsed) {
    expect(isOneLineReason(parsed.error, MAX_ALERT_REASON)).toBeUndefined();
    return 'error';
  }
  expect(parsed.signals.length).toBeGreaterThan(0);
  for (const signal of parsed.signals) {
    // zod counts a string's length in code points (as Postgres' char_length does), clip in UTF-16 units.
    expect(signal.title.length).toBeGreaterThanOrEqual(3);
    expect([...signal.title].length).toBeLessThanOrEqual(150);
    // Storable: nothing cleanText would still change (NUL, controls, lone surrogates).
    for (const text of signalStrings(signal as unknown as Record<string, unknown>)) expect(cleanText(text)).toBe(text);
    for (const value of Object.values(signal.labels)) expect(typeof value).toBe('string');
    if (signal.detectedAt) expect(Number.isNaN(signal.detectedAt.getTime())).toBe(false);
    if (signal.severity) expect(signal.severity).toMatch(/^sev[1-4]$/);
    if (signal.playbookId) expect(PLAYBOOKS).toContain(signal.playbookId);
    // An indexed column: a key past Postgres' index row limit (2,704 bytes) failed in SQL.
    if (signal.dedupKey !== null) expect([...signal.dedupKey].length).toBeLessThanOrEqual(255);
  }
  return 'signals';
}

describe('parseAlertBody on generated bodies', () => {
  it(`never throws, and answers storable alerts or a one-line reason (${runs(10_000).toLocaleString('en')} bodies)`, () => {
    const outcomes = { signals: 0, error: 0 };
    fc.assert(
      fc.property(bodyText, (text) => {
        outcomes[checkParsed(JSON.parse(text) as unknown)]++;
      }),
      { numRuns: runs(10_000) },
    );
    // Both answers are exercised, not only refusals.
    expect(outcomes.signals).toBeGreaterThan(runs(10_000) / 20);
    expect(outcomes.error).toBeGreaterThan(runs(10_000) / 10);
  });

  it('refuses a severity named like a method of Object ("constructor", "toString"), as any unknown word', () => {
    for (const word of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const parsed = parseAlertBody({ title: 'Proto severity', severity: word }, PLAYBOOKS);
      expect(parsed).toEqual({ error: `severity: expected sev1 to sev4 (or critical, high, warning, low), got "${word}"` });
    }
  });

  it('takes values that are not JSON at all (undefined, a function, a Map, a cycle) without throwing', () => {
    const cycle: Record<string, unknown> = { title: 'Cycle' };
    cycle.self = cycle;
    for (const value of [undefined, () => 1, new Map([['title', 'x']]), cycle, Symbol('x'), 10n, new Date(), Object.create(null) as object]) {
      expect(() => checkParsed(value)).not.toThrow();
    }
  });
});

describe(`POST /hooks/alerts with generated bodies (${onRealPostgres ? 'Postgres' : 'PGlite'})`, () => {
  let database: TestDatabase;
  let bot: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    bot = await startTestApp({ database });
  });
  afterAll(async () => {
    await bot?.close();
    await database?.close();
  });

  const rows = async () => {
    const { rows } = await sql<{ n: string | number }>`select (select count(*) from incidents) + (select count(*) from alerts) + (select count(*) from events) as n`.execute(database.db);
    return Number(rows[0]!.n);
  };

  const post = async (body: string) => {
    const started = performance.now();
    const response = await fetch(`${bot.baseUrl}/hooks/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERTS_TOKEN}` },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, ms: performance.now() - started, body: JSON.parse(text) as { reason?: unknown; received?: number; alerts?: unknown[] } };
  };

  it(`answers ${runs(HTTP_RUNS).toLocaleString('en')} bodies with 200 or a 4xx and a one-line reason, never a 5xx; a refused body stores nothing`, async () => {
    const statuses = new Map<number, number>();
    let slowest = 0;
    let before = await rows();
    await fc.assert(
      fc.asyncProperty(httpBody, async (body) => {
        const answer = await post(body);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        slowest = Math.max(slowest, answer.ms);
        expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBeLessThan(500);
        if (answer.status === 200) {
          expect(answer.body.received).toBe(answer.body.alerts?.length);
          before = await rows();
          return;
        }
        expect([400, 413]).toContain(answer.status);
        expect(isOneLineReason(answer.body.reason, MAX_ALERT_REASON)).toBeUndefined();
        expect(await rows()).toBe(before);
      }),
      { numRuns: runs(HTTP_RUNS) },
    );
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    // "At once": no body made the route wait (the request itself gives up after 10 s).
    expect(slowest).toBeLessThan(5_000);
  }, 120_000);

  it('answers a body over 1 MB with 413, and a body nested 500,000 deep with 400', async () => {
    const big = await post(JSON.stringify({ title: 'Big body', description: 'x'.repeat(1_000_001) }));
    expect(big.status).toBe(413);
    expect(isOneLineReason(big.body.reason)).toBeUndefined();
    const deep = await post(`${'['.repeat(499_999)}${']'.repeat(499_999)}`);
    expect(deep.status).toBe(400);
    expect(isOneLineReason(deep.body.reason)).toBeUndefined();
  });
});
