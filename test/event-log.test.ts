import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../src/core/handle-command.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { createTestCore, type TestCore } from './support/core.js';

let database: TestDatabase;
let core: TestCore;
let incidentId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  core = await createTestCore(database);
  const reply = await handleCommand(core.context, { platform: 'console', userId: 'ana', channelId: 'general' }, '/incident declare sev2 Drift on the ranking model');
  incidentId = reply.incidentId!;
});
afterAll(async () => database?.close());

describe('the events table', () => {
  it('refuses UPDATE, DELETE and TRUNCATE and keeps the rows', async () => {
    const before = await database.db.selectFrom('events').selectAll().where('incident_id', '=', incidentId).execute();
    expect(before.length).toBeGreaterThan(0);
    await expect(database.db.updateTable('events').set({ actor: 'mallory' }).where('incident_id', '=', incidentId).execute()).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(database.db.deleteFrom('events').where('incident_id', '=', incidentId).execute()).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql`TRUNCATE events CASCADE`.execute(database.db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    const after = await database.db.selectFrom('events').selectAll().where('incident_id', '=', incidentId).execute();
    expect(after).toEqual(before);
  });

  it('stores the time it happened and the time it was recorded for every event', async () => {
    const rows = await database.db.selectFrom('events').select(['kind', 'occurred_at', 'recorded_at', 'actor']).where('incident_id', '=', incidentId).execute();
    for (const row of rows) {
      expect(row.occurred_at).toBeInstanceOf(Date);
      expect(row.recorded_at).toBeInstanceOf(Date);
      expect(row.actor).toMatch(/^(ana|bot)$/);
    }
    expect(rows.map((r) => r.kind)).toContain('incident_declared');
  });

  it('refuses a payload that does not fit its kind, writing nothing', async () => {
    const count = async () => Number((await database.db.selectFrom('events').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    await expect(
      core.context.store.events.append({ incidentId, kind: 'severity_changed', payload: { from: 'sev2', to: 'sev9' } as never, actor: 'ana', occurredAt: new Date() }),
    ).rejects.toThrow();
    expect(await count()).toBe(before);
  });

  it('treats a repeated idempotency key as a retry: one row, and the second append says so', async () => {
    const event = { incidentId, kind: 'note_added' as const, payload: { text: 'retried' }, actor: 'ana', occurredAt: new Date(), idempotencyKey: 'note:abc' };
    expect(await core.context.store.events.append(event)).toBe(true);
    expect(await core.context.store.events.append(event)).toBe(false);
    const notes = (await core.context.store.events.forIncident(incidentId)).filter((e) => e.kind === 'note_added' && e.payload.text === 'retried');
    expect(notes).toHaveLength(1);
  });

  it('writes a state change and its event together or not at all', async () => {
    const before = await core.context.store.incidents.get(incidentId);
    await expect(
      core.context.store.transaction(async (store) => {
        await store.incidents.update(incidentId, { state: 'triaged', triagedAt: new Date() });
        await store.events.append({ incidentId, kind: 'state_changed', payload: { from: 'declared', to: 'triaged', skipped: [] }, actor: 'ana', occurredAt: new Date() });
        throw new Error('the process died here');
      }),
    ).rejects.toThrow('the process died here');
    expect(await core.context.store.incidents.get(incidentId)).toEqual(before);
    expect((await core.context.store.events.forIncident(incidentId)).some((e) => e.kind === 'state_changed')).toBe(false);
  });
});

describe('a retried declaration', () => {
  it('creates one incident for one request key', async () => {
    const actor = { platform: 'console', userId: 'ana', channelId: 'general', requestKey: 'trigger-123' };
    const first = await handleCommand(core.context, actor, '/incident declare sev1 Bot leaks system prompt');
    const second = await handleCommand(core.context, actor, '/incident declare sev1 Bot leaks system prompt');
    expect(second.incidentId).toBe(first.incidentId);
    expect(second.text).toMatch(/^Already declared as INC-\d+/);
    const titled = await database.db.selectFrom('incidents').select('id').where('title', '=', 'Bot leaks system prompt').execute();
    expect(titled).toHaveLength(1);
  });
});
