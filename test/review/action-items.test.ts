import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardToText } from '../../src/adapters/console/render.js';
import type { Actor } from '../../src/core/context.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { computeMetrics } from '../../src/core/metrics/compute-metrics.js';
import { buildDigest } from '../../src/core/metrics/digest.js';
import { quarterPeriod } from '../../src/core/metrics/period.js';
import { runDueActionItemReminders } from '../../src/core/review/remind-action-items.js';
import { MINUTE } from '../support/clock.js';
import { createTestCore, type TestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
let first: TestCore;
const general: Actor = { platform: 'console', userId: 'ana', channelId: 'general' };

beforeAll(async () => {
  database = await createTestDatabase();
  first = await createTestCore(database, { timeZone: 'Europe/Berlin' });
});
afterAll(async () => database?.close());

async function declare(core: TestCore, text: string) {
  const reply = await handleCommand(core.context, general, `/incident declare ${text}`);
  expect(reply.incidentId, reply.text).toBeDefined();
  const incident = (await core.context.store.incidents.get(reply.incidentId!))!;
  const run = async (command: string) => {
    const answer = await handleCommand(core.context, { ...general, channelId: incident.channelId! }, `/incident ${command}`);
    expect(answer.text).not.toMatch(/went wrong|^unknown|^no /);
    return answer;
  };
  return { incident, run };
}

const dms = (core: TestCore, to: string) => core.printed.filter((line) => line.startsWith(`[DM to @${to}]`));

describe('action item reminders', () => {
  it('reminds the owner at 09:00 the day before and on the due date, each once, across a restart and two replicas', async () => {
    first.clock.set('2026-11-25T08:00:00Z');
    const { incident, run } = await declare(first, 'sev2 Drift in the credit model private=no');
    expect((await run('action Retrain on the November data owner=@lee due=2026-11-27')).text).toBe('Action item 1: Retrain on the November data (owner @lee, due 2026-11-27).');
    const stored = await first.context.store.actionItemReminders.forItem(incident.id, 1);
    // 09:00 in Berlin (UTC+1 in November).
    expect(stored.map((r) => [r.kind, r.dueAt.toISOString(), r.status])).toEqual([
      ['day_before', '2026-11-26T08:00:00.000Z', 'pending'],
      ['due_day', '2026-11-27T08:00:00.000Z', 'pending'],
    ]);

    first.clock.set('2026-11-26T07:59:00Z');
    expect(await runDueActionItemReminders(first.context)).toEqual({ sent: 0, failed: 0 });
    first.clock.advance(MINUTE);
    expect(await runDueActionItemReminders(first.context)).toEqual({ sent: 1, failed: 0 });
    expect(await runDueActionItemReminders(first.context)).toEqual({ sent: 0, failed: 0 });
    const dayBefore = dms(first, 'lee');
    expect(dayBefore).toHaveLength(1);
    expect(dayBefore[0]).toContain(`Reminder: action item 1 of INC-${incident.id} is due tomorrow (2026-11-27)`);
    expect(dayBefore[0]).toContain('Retrain on the November data');
    expect(dayBefore[0]).toContain('`/incident action done 1`');

    // A restart: a new core on the same database, with its own clock, an hour later. Nothing is sent again.
    const second = await createTestCore(database, { timeZone: 'Europe/Berlin' });
    second.clock.set('2026-11-26T09:00:00Z');
    expect(await runDueActionItemReminders(second.context)).toEqual({ sent: 0, failed: 0 });

    // On the due date, two replicas run their rounds at once: the owner gets one reminder.
    first.clock.set('2026-11-27T08:30:00Z');
    second.clock.set('2026-11-27T08:30:00Z');
    const rounds = await Promise.all([runDueActionItemReminders(first.context), runDueActionItemReminders(second.context)]);
    expect(rounds.reduce((n, r) => n + r.sent, 0)).toBe(1);
    const onDue = [...dms(first, 'lee'), ...dms(second, 'lee')].filter((line) => line.includes('is due today'));
    expect(onDue).toHaveLength(1);
    expect(onDue[0]).toContain(`Reminder: action item 1 of INC-${incident.id} is due today (2026-11-27)`);

    const third = await createTestCore(database, { timeZone: 'Europe/Berlin' });
    third.clock.set('2026-11-28T10:00:00Z');
    expect(await runDueActionItemReminders(third.context)).toEqual({ sent: 0, failed: 0 });

    expect((await first.context.store.actionItemReminders.forItem(incident.id, 1)).map((r) => [r.kind, r.status, r.userId])).toEqual([
      ['day_before', 'sent', 'lee'],
      ['due_day', 'sent', 'lee'],
    ]);
    const reminded = (await first.context.store.events.forIncident(incident.id)).filter((e) => e.kind === 'action_item_reminded');
    expect(reminded.map((e) => [e.payload, e.occurredAt.toISOString()])).toEqual([
      [expect.objectContaining({ number: 1, when: 'day_before', owner: 'lee', sent: true, error: null }), '2026-11-26T08:00:00.000Z'],
      [expect.objectContaining({ number: 1, when: 'due_day', owner: 'lee', sent: true, error: null }), '2026-11-27T08:30:00.000Z'],
    ]);
  });

  it('sends nothing for an item done before its date, skips a reminder whose time had passed, and keeps a private item\'s text out of the message', async () => {
    first.clock.set('2026-12-01T12:00:00Z');
    const { incident, run } = await declare(first, 'sev3 Ranking model shows stale results private=no');
    await run('action Add a freshness alert owner=@kim due=2026-12-04');
    // Added at 13:00 Berlin on the day before its due date: the day-before reminder (09:00) is already past.
    await run('action Write the runbook owner=@kim due=2026-12-02');
    await run('action done 1');
    expect((await first.context.store.actionItemReminders.forItem(incident.id, 1)).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect((await first.context.store.actionItemReminders.forItem(incident.id, 2)).map((r) => [r.kind, r.status])).toEqual([
      ['day_before', 'skipped'],
      ['due_day', 'pending'],
    ]);

    const secret = await declare(first, 'sev2 data-leakage Payroll export visible to chatbot private=yes');
    await secret.run('action Purge the leaked export from the index owner=@kim due=2026-12-03');

    // The bot was down from the 1st to the 4th: the late "due tomorrow" of the private item is left out, its due-date one goes.
    first.clock.set('2026-12-04T09:00:00Z');
    expect(await runDueActionItemReminders(first.context)).toEqual({ sent: 2, failed: 0 });
    expect((await first.context.store.actionItemReminders.forItem(secret.incident.id, 1)).map((r) => [r.kind, r.status])).toEqual([
      ['day_before', 'skipped'],
      ['due_day', 'sent'],
    ]);
    const toKim = dms(first, 'kim');
    expect(toKim.filter((l) => l.includes('freshness'))).toEqual([]);
    expect(toKim.filter((l) => l.includes(`action item 2 of INC-${incident.id} is due today`))).toHaveLength(1);
    const privateOnes = toKim.filter((l) => l.includes(`of INC-${secret.incident.id}`));
    expect(privateOnes).toHaveLength(1);
    for (const line of privateOnes) {
      expect(line).not.toContain('Purge');
      expect(line).not.toContain('Payroll');
      expect(line).toContain('is private: see the item with `/incident actions mine` in its channel');
    }
  });
});

describe('action items: one list, the completion metric and the digest', () => {
  it('counts incident action items due in the period and completed on or before their due date; exercise ones count elsewhere', async () => {
    const core = await createTestCore(database, { timeZone: 'Europe/Berlin' });
    core.clock.set('2027-01-04T10:00:00Z');
    const { incident, run } = await declare(core, 'sev2 Chatbot invents refund policy private=no');
    await run('action Ground answers in the policy pages owner=@lee due=2027-01-10');
    await run('action Add a refusal test set owner=@kim due=2027-01-10');
    await run('action Review the prompt owner=@kim due=2027-01-12');
    await run('action Later work owner=@kim due=2027-04-20');
    // An exercise's corrective action is on the same list with its source, and is left out of this metric.
    await core.context.store.actionItems.add({ incidentId: incident.id, text: 'Practise the rollback', owner: 'lee', due: '2027-01-10', createdAt: core.clock.now(), createdBy: 'ana', source: 'exercise' });
    core.clock.set('2027-01-10T22:30:00Z'); // 23:30 in Berlin: still the due date
    await run('action done 1');
    core.clock.set('2027-01-11T00:30:00Z'); // 01:30 in Berlin: a day late
    await run('action done 2');
    const items = await core.context.store.actionItems.forIncident(incident.id);
    expect(items.map((i) => [i.number, i.source])).toEqual([
      [1, 'incident'],
      [2, 'incident'],
      [3, 'incident'],
      [4, 'incident'],
      [5, 'exercise'],
    ]);
    core.clock.set('2027-01-20T10:00:00Z');
    const metrics = await computeMetrics(core.context.store.metrics, { from: quarterPeriod(2027, 1, 'Europe/Berlin').from, to: core.clock.now() }, 'Europe/Berlin');
    expect(metrics.action_item_completion).toEqual({ value: (1 / 3) * 100, numerator: 1, denominator: 3, unit: 'percent' });
    const listed = (await run('actions')).text;
    expect(listed).toContain('3. [OVERDUE] Review the prompt');

    const digest = cardToText((await buildDigest(core.context, core.clock.now())).card);
    expect(digest).toContain('Overdue action items (');
    expect(digest).toContain(`INC-${incident.id} item 3: Review the prompt (owner @kim, due 2027-01-12, 8 days overdue)`);
    expect(digest).toContain(`INC-${incident.id} (exercise) item 5: Practise the rollback (owner @lee, due 2027-01-10, 10 days overdue)`);
    expect(digest).not.toContain('Later work');
    expect(digest).not.toContain('Ground answers');
    // The private incident's overdue item is listed by number only.
    expect(digest).toContain('item 1: private incident (owner @kim, due 2026-12-03');
    expect(digest).not.toContain('Purge the leaked export');
  });
});
