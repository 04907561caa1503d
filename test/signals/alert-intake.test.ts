import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertIntake } from '../../src/core/signals/alert-intake.js';
import { parseAlertBody } from '../../src/core/signals/alert-body.js';
import type { AlertResult } from '../../src/core/signals/receive-alerts.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApp, type TestApp } from '../support/paging.js';

let database: TestDatabase;
let bot: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  bot = await startTestApp({ database });
  // A real refusal from the database for one sender's alerts: what a failing write looks like.
  await sql`CREATE FUNCTION refuse_poison_alert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.source = 'poison' THEN RAISE EXCEPTION 'poison alert refused'; END IF;
      RETURN NEW;
    END $$`.execute(database.db);
  await sql`CREATE TRIGGER alerts_refuse_poison BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION refuse_poison_alert()`.execute(database.db);
});
afterAll(async () => {
  await bot?.close();
  await database?.close();
});

const store = () => bot.app.context.store;

function signals(body: Record<string, unknown>) {
  const parsed = parseAlertBody(body, bot.app.context.playbooks.ids);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.signals;
}

describe('alert requests arriving together', () => {
  it('are answered each with its own alerts, one incident per key, however they were grouped', async () => {
    // 40 single-alert requests at once over HTTP: 25 keys, 15 requests repeating one of them.
    const keys = Array.from({ length: 40 }, (_, i) => `storm-${i < 25 ? i : i % 5}`);
    const responses = await Promise.all(keys.map((key) => bot.post('/hooks/alerts', { title: `Refusal rate high on ${key}`, dedup_key: key, source: 'storm' })));
    expect(responses.map((r) => r.status)).toEqual(keys.map(() => 200));
    const results = responses.map((r) => (r.body.alerts as { outcome: string; incident_id: number; alert_id: number }[])[0]!);
    for (const key of new Set(keys)) {
      const mine = results.filter((_, i) => keys[i] === key);
      expect(mine.filter((r) => r.outcome === 'opened'), key).toHaveLength(1);
      expect(mine.filter((r) => r.outcome !== 'opened').every((r) => r.outcome === 'repeated'), key).toBe(true);
      // Every request of a key names the same incident and alert, the one stored under the key.
      const stored = (await store().alerts.forIncident(mine[0]!.incident_id))!;
      expect(stored.dedupKey).toBe(`generic:${key}`);
      expect(new Set(mine.map((r) => r.alert_id))).toEqual(new Set([stored.id]));
      expect(stored.fireCount).toBe(mine.length);
      const incident = (await store().incidents.get(stored.incidentId))!;
      expect(incident.title).toBe(`Refusal rate high on ${key}`);
    }
  });

  it('keep one sender\'s failing write its own: the others are taken, and only it is refused', async () => {
    const intake = new AlertIntake(bot.app.context);
    const good = (i: number) => signals({ title: `Latency high on shard ${i}`, dedup_key: `merged-${i}`, source: 'merged' });
    // The first two requests start a transaction each; the eight after them wait and go together.
    const requests: Promise<AlertResult[]>[] = [];
    for (let i = 0; i < 10; i++) {
      requests.push(intake.receive(i === 5 ? signals({ title: 'Poisoned alert in the merged batch', dedup_key: 'poison-1', source: 'poison' }) : good(i)));
    }
    const settled = await Promise.allSettled(requests);
    expect(settled[5]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringContaining('poison alert refused') }) });
    for (const [i, outcome] of settled.entries()) {
      if (i === 5) continue;
      expect(outcome.status, `request ${i}`).toBe('fulfilled');
      const [result] = (outcome as PromiseFulfilledResult<AlertResult[]>).value;
      expect(result!.outcome).toBe('opened');
      expect((await store().alerts.forIncident(result!.incidentId!))!.dedupKey).toBe(`generic:merged-${i}`);
    }
    expect(await store().alerts.findOpen('generic:poison-1')).toBeUndefined();
  });

  it('take an Alertmanager batch and single alerts together in request order', async () => {
    const intake = new AlertIntake(bot.app.context);
    const first = intake.receive(signals({ title: 'Warm-up alert', dedup_key: 'order-warm-1' }));
    const second = intake.receive(signals({ title: 'Warm-up alert two', dedup_key: 'order-warm-2' }));
    // Waiting behind the two: a firing alert, then its resolution in the next request.
    const firing = intake.receive(signals({ title: 'Eval score dropped', dedup_key: 'order-1' }));
    const resolved = intake.receive(signals({ title: 'Eval score dropped', dedup_key: 'order-1', status: 'resolved' }));
    await Promise.all([first, second]);
    const [opened] = await firing;
    const [closed] = await resolved;
    expect(opened!.outcome).toBe('opened');
    expect(closed).toMatchObject({ outcome: 'resolved', incidentId: opened!.incidentId });
  });
});
