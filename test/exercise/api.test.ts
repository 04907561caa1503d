import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/handle-command.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApp, type TestApp } from '../support/paging.js';

const TOKEN = 'exercise-api-token-0123456789';
let database: TestDatabase;
let bot: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  bot = await startTestApp({ database, clock: new TestClock('2026-11-25T10:00:00Z'), env: { API_TOKEN: TOKEN } });
});
afterAll(async () => {
  await bot?.close();
  await database?.close();
});

const metrics = async () => {
  const response = await fetch(`${bot.baseUrl}/api/metrics?from=2026-10-01T00:00:00Z&to=2027-01-01T00:00:00Z`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, Record<string, unknown>>;
};

describe('GET /api/metrics', () => {
  it('counts an exercise in exercise_frequency once it ends, and in no incident metric', async () => {
    const before = await metrics();
    expect(before.exercise_frequency).toEqual({ '2026-Q4': 0 });
    const actor = { platform: 'console', userId: 'ana', channelId: 'general' };
    const started = await handleCommand(bot.app.context, actor, '/incident exercise start AML.CS0015');
    const incident = (await bot.app.context.store.incidents.get(started.incidentId!))!;
    const inChannel = { ...actor, channelId: incident.channelId! };
    await handleCommand(bot.app.context, inChannel, '/incident exercise inject');
    bot.clock.advance(20 * MINUTE);
    await handleCommand(bot.app.context, inChannel, '/incident decision isolate the build farm because the dependency is poisoned');
    expect((await metrics()).exercise_frequency).toEqual({ '2026-Q4': 0 });

    const ended = await handleCommand(bot.app.context, inChannel, '/incident exercise end');
    expect(ended.card?.title).toContain('After-action review');
    const after = await metrics();
    expect(after.exercise_frequency).toEqual({ '2026-Q4': 1 });
    expect(after.incidents_per_quarter).toEqual(before.incidents_per_quarter);
    expect(after.mttr).toEqual(before.mttr);
    expect(after.false_positive_rate).toEqual(before.false_positive_rate);
    expect(after.playbook_coverage).toEqual(before.playbook_coverage);
  });
});
