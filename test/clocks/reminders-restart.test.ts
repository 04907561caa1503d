import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/handle-command.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { HOUR, MINUTE, TestClock } from '../support/clock.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/database.js';
import { startTestApp, type TestApp } from '../support/paging.js';
import { createTestCore } from '../support/core.js';
import { runDueReminders, REMINDER_LEASE_MS } from '../../src/core/clocks/remind-clocks.js';

const API_TOKEN = 'clock-api-token-0123456789abcdef';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A stopped and restarted bot on the same database (as test/paging/restart.test.ts). */
async function restartableBot(clock: TestClock): Promise<{ start(): Promise<TestApp> }> {
  const env = { PAGING_POLL_SECONDS: '300', API_TOKEN };
  if (!onRealPostgres) {
    const dataDir = await mkdtemp(join(tmpdir(), 'clock-restart-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    return { start: () => startTestApp({ dataDir, clock, env }) };
  }
  const database: TestDatabase = await createTestDatabase();
  cleanups.push(() => database.close());
  return {
    async start() {
      const handle: DatabaseHandle = await openDatabase({ url: database.url!, schema: database.schema! });
      const bot = await startTestApp({ database: handle, clock, env });
      return { ...bot, close: async () => (await bot.close(), await handle.close()) };
    },
  };
}

/** The reminder DMs a bot printed, as `who: percent`. */
function reminders(bot: TestApp): string[] {
  return bot.printed
    .filter((line) => line.startsWith('[DM to ') && line.includes('Reminder: GDPR notification'))
    .map((line) => `${/^\[DM to @([\w.-]+)\]/.exec(line)![1]}: ${/(\d+) % of the window/.exec(line)![1]}`);
}

async function api(bot: TestApp, id: number): Promise<Record<string, unknown>> {
  const response = await fetch(`${bot.baseUrl}/api/incidents/${id}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('GDPR clock reminders across a restart', () => {
  it('reminds Legal at 50, 75 and 90 % and the commander at 90 %, once each, and the API returns the clock', async () => {
    const clock = new TestClock('2026-11-25T09:00:00Z');
    const bot = await restartableBot(clock);
    const ana = { platform: 'console', userId: 'ana', channelId: 'general' };

    const first = await bot.start();
    const declared = await handleCommand(first.app.context, ana, '/incident declare sev3 data-leakage Support assistant quotes other customers tickets');
    const id = declared.incidentId!;
    const channelId = (await first.app.context.store.incidents.get(id))!.channelId!;
    const inChannel = { ...ana, channelId };
    await handleCommand(first.app.context, inChannel, '/incident assign legal @lena');
    const flagged = await handleCommand(first.app.context, inChannel, '/incident flag gdpr-breach aware=-1h');
    expect(flagged.text).toContain('due by 2026-11-28 08:00 UTC (in 71 h)');
    expect(await api(first, id)).toMatchObject({
      clocks: [{ kind: 'gdpr-breach', started_at: '2026-11-25T08:00:00.000Z', due_at: '2026-11-28T08:00:00.000Z', notified_at: null, late: false }],
    });

    const loop = first.app.startPaging();
    await loop.tick();
    expect(reminders(first)).toEqual([]);
    // 50 % of 72 h: 36 h after awareness.
    clock.set('2026-11-26T20:00:00Z');
    await loop.tick();
    await loop.tick();
    expect(reminders(first)).toEqual(['lena: 50']);
    const dm = first.printed.find((line) => line.includes('Reminder: GDPR notification'))!;
    expect(dm).toContain('Reminder: GDPR notification for INC-');
    expect(dm).toContain('due in 36 h');
    expect(dm).toContain('/incident notified gdpr [at=<time>] [ref=<text>]');
    await first.close();

    // The 75 % reminder falls due while no bot runs; the restarted one sends it, and nothing twice.
    clock.set('2026-11-27T15:00:00Z');
    const second = await bot.start();
    const again = second.app.startPaging();
    await again.tick();
    await again.tick();
    expect(reminders(second)).toEqual(['lena: 75']);
    // The header's time left follows the reminders.
    const status = await handleCommand(second.app.context, inChannel, '/incident status');
    expect(status.card && JSON.stringify(status.card)).toContain('GDPR notification due in 17 h, by Sat 08:00');

    clock.set('2026-11-28T00:48:00Z'); // 90 %: 64.8 h
    await again.tick();
    clock.advance(10 * MINUTE);
    await again.tick();
    expect(reminders(second).sort()).toEqual(['ana: 90', 'lena: 75', 'lena: 90']);

    const store = second.app.context.store;
    const sent = (await store.events.forIncident(id)).filter((e) => e.kind === 'clock_reminder_sent');
    expect(sent.map((e) => [e.payload.percent, e.payload.role, e.payload.user])).toEqual([
      [50, 'legal', 'lena'],
      [75, 'legal', 'lena'],
      [90, 'legal', 'lena'],
      [90, 'commander', 'ana'],
    ]);
    const [stored] = await store.clocks.forIncident(id);
    expect((await store.clocks.reminders(stored!.id)).map((r) => [r.percent, r.role, r.status, r.userId])).toEqual([
      [50, 'legal', 'sent', 'lena'],
      [75, 'legal', 'sent', 'lena'],
      [90, 'legal', 'sent', 'lena'],
      [90, 'commander', 'sent', 'ana'],
    ]);

    // Past the deadline and still running: late. Then notified late: late stays true.
    clock.set('2026-11-28T10:00:00Z');
    expect(await api(second, id)).toMatchObject({ clocks: [{ kind: 'gdpr-breach', notified_at: null, late: true }] });
    await handleCommand(second.app.context, inChannel, '/incident notified gdpr ref=DPA-1 because the scope was confirmed late');
    const body = await api(second, id);
    expect(body.clocks).toEqual([{ kind: 'gdpr-breach', started_at: '2026-11-25T08:00:00.000Z', due_at: '2026-11-28T08:00:00.000Z', notified_at: '2026-11-28T10:00:00.000Z', late: true }]);
    expect((body.timeline as { kind: string }[]).map((e) => e.kind)).toEqual(expect.arrayContaining(['clock_flagged', 'clock_reminder_sent', 'clock_notified']));
    clock.advance(24 * HOUR);
    await again.tick();
    expect(reminders(second)).toHaveLength(3);
    await second.close();
    // Two bot starts on the embedded database: slow on a busy machine.
  }, 120_000);
});

describe('clock reminders as durable jobs', () => {
  it('leaves a reminder a dead worker claimed until its lease runs out, then sends it once even with two rounds at once', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.close());
    const core = await createTestCore(database);
    const ana = { platform: 'console', userId: 'ana', channelId: 'general' };
    const declared = await handleCommand(core.context, ana, '/incident declare sev3 data-leakage Prompt logs with emails in a public bucket');
    const channelId = (await core.context.store.incidents.get(declared.incidentId!))!.channelId!;
    await handleCommand(core.context, { ...ana, channelId }, '/incident assign legal @lena');
    await handleCommand(core.context, { ...ana, channelId }, '/incident flag gdpr-breach');
    core.clock.advance(36 * HOUR);

    const claimed = await core.context.store.clocks.claimReminders({ now: core.clock.now(), worker: 'dead-worker', leaseMs: REMINDER_LEASE_MS, limit: 10 });
    expect(claimed.map((r) => [r.percent, r.role])).toEqual([[50, 'legal']]);
    expect(await runDueReminders(core.context)).toEqual({ sent: 0, failed: 0 });

    core.clock.advance(REMINDER_LEASE_MS + 1000);
    const rounds = await Promise.all([runDueReminders(core.context), runDueReminders(core.context)]);
    expect(rounds.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect(core.printed.filter((line) => line.startsWith('[DM to @lena]') && line.includes('Reminder: GDPR notification'))).toHaveLength(1);
    // The dead worker's late settle changes nothing: the reminder is no longer its claim.
    expect(await core.context.store.clocks.settleReminder(claimed[0]!.id, { status: 'failed', error: 'late' }, { worker: 'dead-worker', now: core.clock.now() })).toBe(false);
  });

  it('tells the channel when nobody holds Legal, and records it', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.close());
    const core = await createTestCore(database);
    const ana = { platform: 'console', userId: 'ana', channelId: 'general' };
    const declared = await handleCommand(core.context, ana, '/incident declare sev3 data-leakage Customer addresses in model answers');
    const channelId = (await core.context.store.incidents.get(declared.incidentId!))!.channelId!;
    await handleCommand(core.context, { ...ana, channelId }, '/incident flag gdpr-breach');
    core.clock.advance(36 * HOUR);
    expect(await runDueReminders(core.context)).toEqual({ sent: 0, failed: 1 });
    expect(core.printed.join('\n')).toContain('⚠️ The 50 % reminder of the GDPR notification (due 2026-11-28 09:00 UTC) did not reach Legal/Compliance: nobody holds Legal/Compliance. `/incident assign legal @someone` so the next one reaches a person.');
    const failed = (await core.context.store.events.forIncident(declared.incidentId!)).filter((e) => e.kind === 'clock_reminder_failed');
    expect(failed.map((e) => e.payload)).toEqual([expect.objectContaining({ percent: 50, role: 'legal', user: null })]);
    expect(await runDueReminders(core.context)).toEqual({ sent: 0, failed: 0 });
  });
});
