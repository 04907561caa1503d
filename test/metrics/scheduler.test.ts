import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Actor } from '../../src/core/context.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { quarterReminderDays, reminderDue, suggestScenario } from '../../src/core/metrics/exercise-reminder.js';
import { remindOverdueActionItems } from '../../src/core/review/remind-overdue.js';
import { openDatabase } from '../../src/db/database.js';
import { KyselyScheduleLedger } from '../../src/db/schedule-ledger.js';
import { Scheduler, type ScheduledJob } from '../../src/scheduler/scheduler.js';
import { createScheduler } from '../../src/scheduler/start-scheduler.js';
import { silentLogger, createTestCore, type TestCore } from '../support/core.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
let core: TestCore;
const NY = 'America/New_York';
const settings = { digestCron: '0 9 * * 1', digestTo: [{ channelId: 'general' }], reminderCron: '0 9 * * 1-5' };
const general: Actor = { platform: 'console', userId: 'alice', channelId: 'general' };

beforeAll(async () => {
  database = await createTestDatabase();
  core = await createTestCore(database, { timeZone: NY });
});
afterAll(async () => database?.close());

const digests = () => core.printed.filter((line) => line.includes('Weekly response metrics'));

describe('the weekly digest schedule', () => {
  it('does not count runs from before the bot was installed as missed, then catches a missed run up once', async () => {
    core.clock.set('2026-11-10T15:00:00Z'); // a Tuesday: Monday's 09:00 passed before the first start
    const first = createScheduler(core.context, database.db, settings, 'process-a');
    expect(await first.catchUp()).not.toContain('weekly-digest');
    expect(digests()).toHaveLength(0);

    // Monday 2026-11-16 09:00 in New York: the tick fires and posts.
    const digestJob = (scheduledJobsOf(first)).find((j) => j.name === 'weekly-digest')!;
    core.clock.set('2026-11-16T14:00:00Z');
    expect(await first.fire(digestJob, new Date('2026-11-16T14:00:00Z'))).toBe(true);
    expect(digests()).toHaveLength(1);

    // Every process was down over Monday 2026-11-23; one comes back on Tuesday.
    core.clock.set('2026-11-24T13:00:00Z');
    const restarted = createScheduler(core.context, database.db, settings, 'process-b');
    expect(await restarted.catchUp()).toContain('weekly-digest');
    expect(digests()).toHaveLength(2);
    expect(digests()[1]).toContain('Weekly response metrics: last week (2026-11-16 – 2026-11-22)');

    // A second process starting at the same time, and the same one restarting again, post nothing.
    const another = createScheduler(core.context, database.db, settings, 'process-c');
    expect(await another.catchUp()).not.toContain('weekly-digest');
    expect(await restarted.catchUp()).not.toContain('weekly-digest');
    expect(digests()).toHaveLength(2);

    const claims = await sql<{ slot: string; claimed_by: string }>`
      SELECT slot, claimed_by FROM schedule_claims WHERE job = 'weekly-digest' ORDER BY slot`.execute(database.db);
    expect(claims.rows).toEqual([
      { slot: '2026-11-16T14:00:00.000Z', claimed_by: 'process-a' },
      { slot: '2026-11-23T14:00:00.000Z', claimed_by: 'process-b' },
    ]);
  });

  it.skipIf(!onRealPostgres)('posts each slot once with two schedulers on one database (real Postgres; PGlite is one connection in one process)', async () => {
    const second = await openDatabase({ url: database.url!, schema: database.schema! });
    try {
      const otherCore = await createTestCore(second, { timeZone: NY });
      const runs: string[] = [];
      const job = (who: string): ScheduledJob => ({
        name: 'every-second',
        cron: '* * * * * *',
        lookbackMs: 0,
        async run(fireAt) {
          runs.push(`${fireAt.toISOString().slice(0, 19)} ${who}`);
        },
      });
      const options = (db: typeof database.db, who: string, clock = core.clock) => ({
        jobs: [job(who)],
        ledger: new KyselyScheduleLedger(db),
        timeZone: NY,
        clock,
        logger: silentLogger,
        processId: who,
      });
      // Racing the same slots directly: each is won by exactly one of the two.
      const a = new Scheduler(options(database.db, 'a'));
      const b = new Scheduler(options(second.db, 'b', otherCore.clock));
      const slots = Array.from({ length: 25 }, (_, i) => new Date(Date.UTC(2026, 10, 30, 14, 0, i)));
      const won = await Promise.all(slots.map((slot) => Promise.all([a.fire(job('a'), slot), b.fire(job('b'), slot)])));
      expect(won.every(([x, y]) => x !== y)).toBe(true);
      expect(runs).toHaveLength(25);

      // And with real node-cron ticks in both for about three seconds.
      runs.length = 0;
      await Promise.all([a.start(), b.start()]);
      await new Promise((resolve) => setTimeout(resolve, 3200));
      await Promise.all([a.stop(), b.stop()]);
      const seconds = runs.map((r) => r.split(' ')[0]);
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(new Set(seconds).size).toBe(runs.length);
    } finally {
      await second.close();
    }
  });
});

describe('a scheduled run that fails', () => {
  it('gives its slot back, is reported, and is tried again until it goes out', async () => {
    let calls = 0;
    const failures: { attempt: number; willRetry: boolean; error: string }[] = [];
    const job: ScheduledJob = {
      name: 'flaky-digest',
      cron: '0 9 * * 1',
      lookbackMs: 0,
      async run() {
        calls++;
        if (calls === 1) throw new Error('chat platform unavailable');
      },
    };
    const scheduler = new Scheduler({
      jobs: [job],
      ledger: new KyselyScheduleLedger(database.db),
      timeZone: NY,
      clock: core.clock,
      logger: silentLogger,
      processId: 'flaky',
      retryDelayMs: 10,
      onFailure: async (failure) => {
        failures.push(failure);
      },
    });
    const slot = new Date('2026-12-07T14:00:00Z');
    expect(await scheduler.fire(job, slot)).toBe(true);
    expect(failures).toEqual([expect.objectContaining({ attempt: 1, willRetry: true, error: 'chat platform unavailable' })]);
    await expect.poll(() => calls, { timeout: 2000 }).toBe(2);
    await scheduler.stop();
    const claims = await sql<{ slot: string }>`SELECT slot FROM schedule_claims WHERE job = 'flaky-digest'`.execute(database.db);
    expect(claims.rows).toEqual([{ slot: '2026-12-07T14:00:00.000Z' }]);
  });

  it("is an event when the bot's own scheduler reports it", async () => {
    const scheduler = createScheduler(core.context, database.db, { ...settings, digestTo: [{ channelId: 'no-such-platform-channel' }] }, 'reporter');
    const options = (scheduler as unknown as { options: { onFailure: (f: { job: string; slot: string; attempt: number; willRetry: boolean; error: string }) => Promise<void> } }).options;
    await options.onFailure({ job: 'weekly-digest', slot: '2026-12-07T14:00:00.000Z', attempt: 3, willRetry: false, error: 'channel_not_found' });
    const event = await core.context.store.events.latest('side_effect_failed');
    expect(event?.payload).toEqual({ effect: 'scheduled weekly-digest for 2026-12-07T14:00:00.000Z (attempt 3, giving up until the next start)', error: 'channel_not_found' });
  });
});

function scheduledJobsOf(scheduler: Scheduler): ScheduledJob[] {
  return (scheduler as unknown as { options: { jobs: ScheduledJob[] } }).options.jobs;
}

describe('the quarterly exercise reminder', () => {
  it('falls on the first working day of the quarter and the first working day from the 15th of its second month', () => {
    expect(quarterReminderDays(2026, 4, NY)).toEqual({ start: '2026-10-01', mid: '2026-11-16' }); // Nov 15 2026 is a Sunday
    expect(quarterReminderDays(2028, 1, NY)).toEqual({ start: '2028-01-03', mid: '2028-02-15' }); // Jan 1 2028 is a Saturday
    expect(reminderDue(new Date('2026-10-01T13:00:00Z'), NY, 0)).toEqual({ kind: 'start', key: '2026-Q4-start' });
    // Still Sep 30 in New York: Q3's mid-quarter reminder, not Q4's first.
    expect(reminderDue(new Date('2026-10-01T03:00:00Z'), NY, 0)).toEqual({ kind: 'mid', key: '2026-Q3-mid' });
    expect(reminderDue(new Date('2026-11-16T14:00:00Z'), NY, 0)).toEqual({ kind: 'mid', key: '2026-Q4-mid' });
    expect(reminderDue(new Date('2026-11-16T14:00:00Z'), NY, 1)).toBeNull();
  });

  it('suggests the scenario slowest to contain, and posts each reminder once', async () => {
    const insert = (playbook: string, containMinutes: number) =>
      database.db
        .insertInto('incidents')
        .values({
          title: `t ${playbook}`,
          severity: 'sev2',
          state: 'contained',
          playbook_id: playbook,
          platform: 'console',
          channel_id: null,
          channel_name: null,
          declared_by: 'alice',
          impact_started_at: '2026-09-10T10:00:00Z',
          detected_at: '2026-09-10T10:00:00Z',
          declared_at: '2026-09-10T10:00:00Z',
          triaged_at: '2026-09-10T10:00:00Z',
          contained_at: new Date(Date.parse('2026-09-10T10:00:00Z') + containMinutes * 60_000),
        })
        .execute();
    await insert('prompt-injection', 30);
    await insert('data-leakage', 300);
    await insert('data-leakage', 100);
    const suggestion = await suggestScenario(core.context, new Date('2026-10-01T13:00:00Z'));
    expect(suggestion).toMatchObject({ playbookId: 'data-leakage', why: 'slowest to contain in the last six months: median 3h 20m over 2 incidents' });

    const scheduler = createScheduler(core.context, database.db, settings, 'process-x');
    const job = scheduledJobsOf(scheduler).find((j) => j.name === 'exercise-reminder')!;
    core.printed.length = 0;
    await scheduler.fire(job, new Date('2026-10-01T13:00:00Z'));
    await scheduler.fire(job, new Date('2026-10-02T13:00:00Z')); // next day: the quarter's reminder already went out
    const reminders = core.printed.filter((line) => line.includes('tabletop exercise'));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toContain("Plan this quarter's tabletop exercise (2026-Q4)");
    expect(reminders[0]).toContain('Suggested scenario: *data-leakage*');

    // 2027-Q1: mid-quarter (Monday Feb 15) with no exercise yet, then again after one has run.
    await scheduler.fire(job, new Date('2027-02-15T14:00:00Z'));
    expect(core.printed.filter((line) => line.includes('Mid-quarter: no tabletop exercise has run yet in 2027-Q1'))).toHaveLength(1);
    await database.db
      .insertInto('exercises')
      .values({ scenario_id: 'data-leakage', title: 'Leak drill', incident_id: null, facilitator: 'alice', started_at: '2027-04-05T13:00:00Z', completed_at: '2027-04-05T15:00:00Z' })
      .execute();
    core.printed.length = 0;
    await scheduler.fire(job, new Date('2027-05-17T13:00:00Z')); // 2027-Q2 mid-quarter, an exercise already done
    expect(core.printed).toEqual([]);
  });
});

describe('overdue action item reminders', () => {
  it('sends each owner one direct message listing their open items due before today', async () => {
    core.clock.set('2026-11-02T15:00:00Z');
    const declared = await handleCommand(core.context, general, '/incident declare sev3 Toxicity filter missed slurs');
    const incident = (await core.context.store.incidents.get(declared.incidentId!))!;
    const inChannel = { ...general, channelId: incident.channelId! };
    await handleCommand(core.context, inChannel, '/incident action Add slur list to eval owner=@bob due=2026-11-05');
    await handleCommand(core.context, inChannel, '/incident action Retrain filter owner=@bob due=2026-11-20');
    await handleCommand(core.context, inChannel, '/incident action Write postmortem owner=@carol due=2026-11-04');
    await handleCommand(core.context, inChannel, '/incident action done 3');
    core.printed.length = 0;
    expect(await remindOverdueActionItems(core.context, new Date('2026-11-10T14:00:00Z'))).toBe(1);
    expect(core.printed).toHaveLength(1);
    expect(core.printed[0]).toContain('[DM to @bob] bot:');
    expect(core.printed[0]).toContain(`#${incident.id} item 1: Add slur list to eval (due 2026-11-05)`);
    expect(core.printed[0]).not.toContain('Retrain');
  });
});

describe('schedule settings', () => {
  it('defaults to Monday 09:00 for the digest and weekdays 09:00 for reminders, and refuses a bad expression by name', () => {
    const config = loadConfig({});
    expect([config.DIGEST_CRON, config.REMINDER_CRON, config.DIGEST_CHANNEL]).toEqual(['0 9 * * 1', '0 9 * * 1-5', undefined]);
    expect(() => loadConfig({ DIGEST_CRON: 'every monday' })).toThrow(ConfigError);
    expect(() => loadConfig({ DIGEST_CRON: 'every monday' })).toThrow(/DIGEST_CRON: expected a cron expression such as "0 9 \* \* 1" \(Monday 09:00\) \(got "every monday"\)/);
  });
});
