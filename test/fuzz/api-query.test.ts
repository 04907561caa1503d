import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/handle-command.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/database.js';
import { startTestApp, type TestApp } from '../support/paging.js';
import { fieldText, hugeText, isOneLineReason, runs } from './arbitraries.js';

/**
 * Issue 9: the JSON API's query parameters and incident ids, whatever they hold, get 200 (404 for
 * an incident that does not exist) or a 400 with a one-line reason: never a 5xx.
 */

const TOKEN = 'fuzz-api-token-0123456789';
const HTTP_RUNS = 600;

const date = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('3100-01-01T00:00:00Z'), noInvalidDate: true });
/** A time as a client might write one: valid, nearly valid, or anything. */
const time = fc.oneof(
  { weight: 3, arbitrary: date.map((d) => d.toISOString()) },
  { weight: 2, arbitrary: date.map((d) => d.toISOString().slice(0, 10)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '2026-10-01', '2026-02-30', '2026-13-01', '2026-10-01T00:00:00', '2026-10-01T00:00:00+99:99', '2026-10-01T24:00:00Z', '2026-10-01T00:00:00.123456789Z',
      '+275760-09-13T00:00:00.000Z', '-000001-01-01T00:00:00Z', '0000-01-01', '9999-12-31T23:59:59Z', '1969-12-31T23:59:59Z', '2026-10-01T00:00:00z', '2026-10-01 00:00:00Z', 'now', '',
      "2026-10-01'; DROP TABLE incidents;--", '${7*7}', '{{7*7}}', '2026-10-01T00:00:00Z\n', '2026-10-01\u0000',
    ),
  },
  { weight: 2, arbitrary: fieldText },
  { weight: 1, arbitrary: fc.constantFrom(500, 1_000).chain((n) => hugeText.map((text) => text.slice(0, n))) },
);
const limit = fc.oneof(fc.integer({ min: -5, max: 1_005 }).map(String), fc.constantFrom('1e3', '0x10', '00010', '1.0', '', ' 5', '99999999999999999999', 'NaN'), fieldText);
const key = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('from', 'to', 'limit') }, { weight: 1, arbitrary: fc.constantFrom('FROM', '__proto__', 'constructor', 'from[]', '') });
const query = fc
  .array(fc.tuple(key, fc.oneof(time, limit)), { maxLength: 4 })
  .map((pairs) => new URLSearchParams(pairs).toString());
const incidentId = fc.oneof(fc.nat({ max: 30 }).map(String), fc.constantFrom('0', '-1', '1.5', '1e3', '9999999999', '2147483648', '000000001', '1/2', '%2e%2e', '..%2Fmetrics', ''), fieldText.map((text) => encodeURIComponent(text.replace(/\p{Cs}/gu, '\ufffd'))));
const request = fc.oneof(
  { weight: 3, arbitrary: query.map((q) => `/api/metrics?${q}`) },
  { weight: 3, arbitrary: query.map((q) => `/api/incidents?${q}`) },
  { weight: 2, arbitrary: fc.tuple(incidentId, query).map(([id, q]) => `/api/incidents/${id}${q ? `?${q}` : ''}`) },
);

describe(`GET /api/* with generated query parameters (${onRealPostgres ? 'Postgres' : 'PGlite'})`, () => {
  let database: TestDatabase;
  let bot: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    bot = await startTestApp({ database, env: { API_TOKEN: TOKEN } });
    await handleCommand(bot.app.context, { platform: 'console', userId: 'ana', channelId: 'general' }, "/incident declare sev2 '; DROP TABLE incidents;-- ${7*7} <!channel>");
  });
  afterAll(async () => {
    await bot?.close();
    await database?.close();
  });

  it(`answers ${runs(HTTP_RUNS).toLocaleString('en')} requests with 200, 404 for a missing incident, or 400 and a one-line reason; never a 5xx`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (path) => {
        const response = await fetch(`${bot.baseUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(10_000) });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        // Node itself refuses a request line past its 16 KB header limit, before any route.
        if (response.status === 431) return expect(path.length).toBeGreaterThan(8_000);
        const body = (await response.json()) as { error?: unknown };
        expect([200, 400, 404], `${path.slice(0, 200)} → ${JSON.stringify(body).slice(0, 200)}`).toContain(response.status);
        // 404: an incident that does not exist, or a path fetch resolved elsewhere (`/api/incidents/%2e%2e` is `/api/`).
        if (response.status === 404) expect(path).toMatch(/^\/api\/incidents\//);
        if (response.status !== 200) expect(isOneLineReason(body.error, 300), path.slice(0, 200)).toBeUndefined();
      }),
      { numRuns: runs(HTTP_RUNS) },
    );
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    // The incident declared with SQL in its title is still there, and so is the table.
    const list = await fetch(`${bot.baseUrl}/api/incidents`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await list.json()) as { title: string }[]).map((i) => i.title)).toContain("'; DROP TABLE incidents;-- ${7*7} <!channel>");
  }, 120_000);
});
