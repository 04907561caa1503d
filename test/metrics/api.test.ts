import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ConsoleChat } from '../../src/adapters/console/console-chat.js';
import type { Actor } from '../../src/core/context.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { createLogger } from '../../src/logger.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'test-api-token-0123456789';
let database: TestDatabase;
let app: App;
let base: string;
let privateId: number;
const clock = new TestClock('2026-11-20T15:00:00Z');
const general: Actor = { platform: 'console', userId: 'alice', channelId: 'general' };

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ API_TOKEN: TOKEN, BOT_TIMEZONE: 'America/New_York', CHAT: 'none' });
  app = await createApp(config, { logger: createLogger({ level: 'silent' }), clock, database });
  app.addPlatform(new ConsoleChat(() => undefined));
  base = `http://127.0.0.1:${await app.http.listen(0, '127.0.0.1')}`;
  const reply = await handleCommand(app.context, general, '/incident declare sev2 prompt-injection Hidden prompt in uploaded PDFs private=yes started=-20m');
  privateId = reply.incidentId!;
  const incident = (await app.context.store.incidents.get(privateId))!;
  clock.advance(15 * MINUTE);
  await handleCommand(app.context, { ...general, channelId: incident.channelId! }, '/incident triage');
  clock.advance(45 * MINUTE);
  await handleCommand(app.context, { ...general, channelId: incident.channelId! }, '/incident resolve');
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

const get = (path: string, token: string | null = TOKEN) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;
const json = async (response: Response): Promise<Json> => (await response.json()) as Json;

describe('JSON API', () => {
  it('refuses requests without the bearer token, or with a wrong one', async () => {
    for (const path of ['/api/metrics', '/api/incidents', `/api/incidents/${privateId}`]) {
      const none = await get(path, null);
      expect(none.status).toBe(401);
      expect(await json(none)).toEqual({ error: 'send Authorization: Bearer <API_TOKEN>' });
      expect((await get(path, 'wrong-token-wrong-token-x')).status).toBe(401);
    }
  });

  it('returns the nine metrics with the exact shapes, numbers unrounded', async () => {
    const response = await get('/api/metrics?from=2026-10-01&to=2026-12-31T00:00:00Z');
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.period).toEqual({ from: '2026-10-01T04:00:00.000Z', to: '2026-12-31T00:00:00.000Z', time_zone: 'America/New_York' });
    expect(body.mttd).toEqual({ mean: 20, median: 20, p90: 20, n: 1, unit: 'minutes' });
    expect(body.mttt).toEqual({ mean: 15, median: 15, p90: 15, n: 1, unit: 'minutes' });
    expect(body.mttc).toEqual({ mean: 60, median: 60, p90: 60, n: 1, unit: 'minutes' }); // contained stamped when resolve skipped it
    expect(body.mttr).toEqual({ mean: 1, median: 1, p90: 1, n: 1, unit: 'hours' });
    expect(body.incidents_per_quarter).toEqual({ '2026-Q4': { sev1: 0, sev2: 1, sev3: 0, sev4: 0, total: 1 } });
    expect(body.false_positive_rate).toEqual({ value: 0, numerator: 0, denominator: 1, unit: 'percent' });
    expect(body.playbook_coverage).toEqual({ value: 100, numerator: 1, denominator: 1, unit: 'percent' });
    expect(body.exercise_frequency).toEqual({ '2026-Q4': 0 });
    expect(body.action_item_completion).toEqual({ value: null, numerator: 0, denominator: 0, unit: 'percent' });
    expect(Object.keys(body.definitions)).toHaveLength(12);
    expect(body.exercise_metrics).toEqual({ exercises_completed: 0, time_to_decision: { median_minutes: null, p90_minutes: null, within_limit_pct: null, decisions: 0 }, expected_actions_met_pct: null, required_role_coverage_pct: null, contingencies_fired: 0, improvement_plan_completion_pct: null, corrective_actions_verified: 0 });
    // Incidents per taxonomy tag (issue 10): the one incident carries its playbook's tags.
    expect(body.incidents_by_tag).toMatchObject({ 'AML.T0051': 1, 'AML.T0051.001': 1, LLM01: 1, LLM07: 1 });
    // Time to acknowledge per role, from paging: the declarer commands and pages nobody here.
    expect(Object.keys(body.mtta).sort()).toEqual(['commander', 'comms', 'legal', 'ml-engineer', 'security']);
    expect(body.mtta.commander).toEqual({ mean: null, median: null, p90: null, n: 0, unit: 'minutes' });
  });

  it('does not round: a third stays a third', async () => {
    const incident = (await app.context.store.incidents.get(privateId))!;
    const inChannel = { ...general, channelId: incident.channelId! };
    await handleCommand(app.context, inChannel, '/incident action Add PDF text sanitiser owner=@bob due=2026-11-21');
    await handleCommand(app.context, inChannel, '/incident action Red-team uploads owner=@bob due=2026-11-22');
    await handleCommand(app.context, inChannel, '/incident action Update guardrail docs owner=@bob due=2026-11-23');
    await handleCommand(app.context, inChannel, '/incident action done 1');
    const body = await json(await get('/api/metrics?from=2026-11-01&to=2026-12-01'));
    expect(body.action_item_completion).toEqual({ value: (1 / 3) * 100, numerator: 1, denominator: 3, unit: 'percent' });
  });

  it('refuses a bad period with a message saying what to send', async () => {
    const bad = await get('/api/metrics?from=yesterday');
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toBe('from: "yesterday" is not an ISO-8601 time; use e.g. 2026-10-01T00:00:00Z or 2026-10-01');
    expect((await get('/api/metrics?from=2026-12-01&to=2026-11-01')).status).toBe(400);
  });

  it('lists incidents, private ones included, with the fields dashboards need', async () => {
    const body = await json(await get('/api/incidents'));
    expect(Array.isArray(body)).toBe(true);
    expect(body).toHaveLength(1);
    const [incident] = body;
    expect(incident).toMatchObject({
      id: privateId,
      title: 'Hidden prompt in uploaded PDFs',
      severity: 'sev2',
      state: 'resolved',
      playbook: 'prompt-injection',
      private: true,
      impact_started_at: '2026-11-20T14:40:00.000Z',
      detected_at: '2026-11-20T15:00:00.000Z',
      triaged_at: '2026-11-20T15:15:00.000Z',
      contained_at: '2026-11-20T16:00:00.000Z',
      resolved_at: '2026-11-20T16:00:00.000Z',
      closed_at: null,
    });
    expect(typeof incident.channel).toBe('string');
    expect(await json(await get('/api/incidents?from=2026-12-01'))).toEqual([]);
    const long = await get('/api/metrics?from=2000-01-01&to=2026-01-01');
    expect(long.status).toBe(400);
    expect((await json(long)).error).toBe('a period spans at most 10 years; ask for several shorter ones');
    expect((await get('/api/incidents?limit=0')).status).toBe(400);
  });

  it('returns one incident with its timeline of events', async () => {
    const body = await json(await get(`/api/incidents/${privateId}`));
    expect(body.id).toBe(privateId);
    const kinds = body.timeline.map((e: { kind: string }) => e.kind);
    expect(kinds[0]).toBe('incident_declared');
    expect(kinds).toContain('state_changed');
    const triage = body.timeline.find((e: { kind: string; payload: { to?: string } }) => e.kind === 'state_changed' && e.payload.to === 'triaged');
    expect(triage).toMatchObject({ occurred_at: '2026-11-20T15:15:00.000Z', actor: 'alice' });
    expect(typeof triage.recorded_at).toBe('string');
    expect((await get('/api/incidents/99999')).status).toBe(404);
    expect((await get('/api/incidents/abc')).status).toBe(400);
  });
});
