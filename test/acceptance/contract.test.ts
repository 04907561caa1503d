import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ConsoleChat } from '../../src/adapters/console/console-chat.js';
import type { Actor } from '../../src/core/context.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { createLogger } from '../../src/logger.js';
import { TestClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApp } from '../support/paging.js';

/** Contract points of issues 2, 4 and 5 checked from outside: what a user types or a dashboard sends. */
const TOKEN = 'acceptance-api-token-0123456789';
const general: Actor = { platform: 'console', userId: 'ana', channelId: 'general' };
const logger = createLogger({ level: 'silent' });
let database: TestDatabase;
let app: App;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ API_TOKEN: TOKEN, CHAT: 'none' });
  app = await createApp(config, { logger, clock: new TestClock('2026-11-25T09:00:00Z'), database });
  app.addPlatform(new ConsoleChat(() => undefined));
  base = `http://127.0.0.1:${await app.http.listen(0, '127.0.0.1')}`;
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

describe('times that do not exist on the calendar', () => {
  it.each(['started=2026-02-30T10:00Z', 'started=2026-09-31T10:00+02:00', 'detected=2026-11-24T24:00Z'])(
    'declare with %s is refused with the usage line and opens nothing',
    async (time) => {
      const before = await app.context.store.incidents.list({});
      const reply = await handleCommand(app.context, general, `/incident declare sev3 Drift on the pricing model ${time}`);
      expect(reply.text).toMatch(/is not a real date or time/);
      expect(reply.text).toMatch(/usage: \/incident declare/);
      expect(reply.incidentId).toBeUndefined();
      expect(await app.context.store.incidents.list({})).toEqual(before);
    },
  );
});

describe('an option given twice', () => {
  it('declare with started= twice is refused with the usage line and opens nothing', async () => {
    const before = await app.context.store.incidents.list({});
    const reply = await handleCommand(app.context, general, '/incident declare sev3 Drift on the pricing model started=-1h started=-2h');
    expect(reply.text).toMatch(/^started= is given twice; give it once\nusage: \/incident declare/);
    expect(await app.context.store.incidents.list({})).toEqual(before);
  });

  it('triage with at= twice is refused and the incident stays declared', async () => {
    const declared = await handleCommand(app.context, general, '/incident declare sev3 Drift on the pricing model');
    const incident = (await app.context.store.incidents.get(declared.incidentId!))!;
    const reply = await handleCommand(app.context, { ...general, channelId: incident.channelId! }, '/incident triage at=-1m at=-2m');
    expect(reply.text).toMatch(/^at= is given twice; give it once\nusage: \/incident triage/);
    expect((await app.context.store.incidents.get(incident.id))!.state).toBe('declared');
  });
});

describe('/incident metrics with far-off periods', () => {
  it.each(['0001-01-01..9999-12-31', '2026-01-01..9999-12-31', '9999-Q4', '1066-Q4'])('%s is refused with the usage line, not an internal error', async (period) => {
    const reply = await handleCommand(app.context, general, `/incident metrics ${period}`);
    expect(reply.text).toBe('give a period between 1970 and 2999\nusage: /incident metrics [last-week|this-quarter|2026-Q3|<from>..<to>]');
  });
});

describe('refusals read as sentences', () => {
  it('triaging an alert number that does not exist says there is no such incident', async () => {
    const reply = await handleCommand(app.context, general, '/incident alert declare 99999');
    expect(reply.text).toBe('there is no INC-99999; the number is on the triage card\nusage: /incident alert declare <incident-number> | alert dismiss <incident-number> [reason]');
    const manual = await handleCommand(app.context, general, '/incident declare sev4 Typo in the eval dashboard');
    expect((await handleCommand(app.context, general, `/incident alert dismiss ${manual.incidentId!}`)).text).toMatch(new RegExp(`^INC-${manual.incidentId!} did not come from an alert`));
  });

  it('marking a false positive twice says so in words, not with the state id, and records one change', async () => {
    const declared = await handleCommand(app.context, general, '/incident declare sev3 Eval scores dropped overnight');
    const incident = (await app.context.store.incidents.get(declared.incidentId!))!;
    const inChannel = { ...general, channelId: incident.channelId! };
    await handleCommand(app.context, inChannel, '/incident false-positive eval runner timed out');
    const again = await handleCommand(app.context, inChannel, '/incident false-positive');
    expect(again.text).toBe('the incident is already marked a false positive; use `reopen` first');
    const changes = (await app.context.store.events.forIncident(incident.id)).filter((e) => e.kind === 'state_changed');
    expect(changes).toHaveLength(1);
  });
});

describe('GET /api/metrics and /api/incidents period parameters', () => {
  const get = (query: string) => fetch(`${base}${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });

  it.each([
    ['/api/metrics?from=2026-02-30&to=2026-04-01', /^from: "2026-02-30" is not an ISO-8601 time/],
    ['/api/metrics?from=2026-10-01&to=2026-13-01', /^to: "2026-13-01" is not an ISO-8601 time/],
    ['/api/metrics?from=2026-04-31T00:00:00Z&to=2026-06-01T00:00:00Z', /^from: "2026-04-31T00:00:00Z" is not an ISO-8601 time/],
    ['/api/metrics?from=2026-10-01T00:00:00&to=2026-11-01T00:00:00Z', /^from: "2026-10-01T00:00:00" has no UTC offset/],
    ['/api/incidents?from=2026-11-31', /^from: "2026-11-31" is not an ISO-8601 time/],
  ])('%s is a 400 with the reason', async (query, reason) => {
    const response = await get(query);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(reason);
  });

  it.each([
    ['/api/metrics?from=2026-01-01&to=9999-12-31T23:00:00-14:00', 'to: give a time between 1970 and 2999'],
    ['/api/metrics?from=0000-01-01T00:00:00Z&to=2026-01-01', 'from: give a time between 1970 and 2999'],
    ['/api/incidents?to=9999-12-31T23:00:00-14:00', 'to: give a time between 1970 and 2999'],
  ])('%s is a 400, not a 500 from the database', async (query, reason) => {
    const response = await get(query);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: reason });
  });

  it('still reads a bare date as midnight in BOT_TIMEZONE and a time with an offset as written', async () => {
    const response = await get('/api/metrics?from=2026-10-01&to=2026-11-01T00:00:00%2B01:00');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { period: unknown }).period).toEqual({ from: '2026-10-01T00:00:00.000Z', to: '2026-10-31T23:00:00.000Z', time_zone: 'UTC' });
  });
});

describe('configuration', () => {
  it('a ROSTER_FILE that cannot be read stops start-up naming the variable and the file', async () => {
    const second = await createTestDatabase();
    try {
      const config = loadConfig({ CHAT: 'none', ROSTER_FILE: '/nonexistent/roster.yaml' });
      await expect(createApp(config, { logger, database: second })).rejects.toThrow(/^ROSTER_FILE: cannot read \/nonexistent\/roster\.yaml \(ENOENT\)/);
    } finally {
      await second.close();
    }
  });
});

describe('the console terminal', () => {
  it('prints an alert whose title carries terminal escape codes without them', async () => {
    const second = await createTestDatabase();
    const bot = await startTestApp({ database: second });
    try {
      const before = bot.printed.length;
      const response = await bot.post('/hooks/alerts', { title: 'Guardrail \u001b[2J\u001b[31mblock rate\u0007 up \u009b2J', dedup_key: 'escape-codes' });
      expect(response.status).toBe(200);
      const shown = bot.printed.slice(before).join('\n');
      expect(shown).toContain('Guardrail [2J[31mblock rate up 2J');
      // eslint-disable-next-line no-control-regex -- looking for control characters
      expect(shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    } finally {
      await bot.close();
      await second.close();
    }
  });
});
