import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../src/core/handle-command.js';
import type { NewIncident } from '../src/core/incident/incident.js';
import { ChannelOwners } from '../src/db/incident-repository.js';
import { KyselyStore } from '../src/db/store.js';
import { TestClock } from './support/clock.js';
import { createTestCore, type TestCore } from './support/core.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let database: TestDatabase;
let core: TestCore;

beforeAll(async () => {
  database = await createTestDatabase();
  core = await createTestCore(database);
});
afterAll(async () => {
  await database?.close();
});

function newIncident(title: string): NewIncident {
  const now = core.clock.now();
  return { title, summary: '', severity: 'sev3', playbookId: null, playbookReason: 'none', private: false, isExercise: false, platform: 'console', declaredBy: 'ana', source: 'manual', impactStartedAt: now, detectedAt: now, declaredAt: now };
}

describe('the incident a channel belongs to', () => {
  it('is found for typed commands, and the process remembers it: a second store on the same database sees a later owner', async () => {
    const ana = { platform: 'console', userId: 'ana', channelId: 'general' };
    const declared = await handleCommand(core.context, ana, '/incident declare sev3 Drift on the pricing model');
    const here = { ...ana, channelId: declared.channelId! };
    const note = await handleCommand(core.context, here, '/incident note first look at the feature store');
    expect(note.text).toContain('Noted');
    const status = await handleCommand(core.context, here, '/incident status');
    expect(status.text).toContain(`INC-${declared.incidentId}`);
    expect(await core.context.store.incidents.ownerOfChannel('console', declared.channelId!)).toBe(declared.incidentId);
    // Another replica's store (its own memory) finds the owner from the database.
    const other = new KyselyStore(database.db, new TestClock());
    expect(await other.incidents.ownerOfChannel('console', declared.channelId!)).toBe(declared.incidentId);
    // A channel nobody owns is not remembered as unowned: once an incident takes it, it is found.
    expect(await other.incidents.ownerOfChannel('console', 'C-later')).toBeUndefined();
    const later = await other.incidents.create(newIncident('Later incident'));
    await other.incidents.update(later.id, { channelId: 'C-later', channelName: 'inc-later' });
    expect(await other.incidents.ownerOfChannel('console', 'C-later')).toBe(later.id);
    const refused = await handleCommand(core.context, { ...ana, channelId: 'C-nobody' }, '/incident note hello');
    expect(refused.text).toContain('`note` works in an incident\'s channel');
  });

  it('is not remembered from a transaction that rolled back', async () => {
    const store = new KyselyStore(database.db, new TestClock());
    const incident = await store.incidents.create(newIncident('Rolled back channel'));
    await expect(
      store.transaction(async (trx) => {
        await trx.incidents.update(incident.id, { channelId: 'C-rolled-back', channelName: 'inc-rolled-back' });
        expect(await trx.incidents.ownerOfChannel('console', 'C-rolled-back')).toBe(incident.id);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await store.incidents.ownerOfChannel('console', 'C-rolled-back')).toBeUndefined();
  });

  it('is remembered for a bounded number of channels, the oldest forgotten first', () => {
    const owners = new ChannelOwners(2);
    owners.remember('slack', 'C1', 1);
    owners.remember('slack', 'C2', 2);
    owners.remember('teams', 'C1', 3);
    expect([owners.get('slack', 'C1'), owners.get('slack', 'C2'), owners.get('teams', 'C1')]).toEqual([undefined, 2, 3]);
  });
});
