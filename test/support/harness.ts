import { afterAll, beforeAll, expect } from 'vitest';
import type { Actor } from '../../src/core/context.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { createTestCore, type TestCore } from './core.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface CoreHarness {
  readonly core: TestCore;
  readonly database: TestDatabase;
  /** Declares through the real command path as `who` and returns helpers bound to the new incident. */
  declare(text: string, who?: string): Promise<DeclaredIncident>;
}

export interface DeclaredIncident {
  reply: Awaited<ReturnType<typeof handleCommand>>;
  incident: NonNullable<Awaited<ReturnType<TestCore['context']['store']['incidents']['get']>>>;
  /** Runs `/incident <command>` in the incident's channel. */
  run(command: string, who?: string): ReturnType<typeof handleCommand>;
  load(): Promise<DeclaredIncident['incident']>;
}

export const general: Actor = { platform: 'console', userId: 'ana', channelId: 'general' };

/** One migrated database and core per test file, opened before its tests and closed after. */
export function useCoreHarness(options: { timeZone?: string } = {}): CoreHarness {
  let database: TestDatabase | undefined;
  let core: TestCore | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    core = await createTestCore(database, options);
  });
  afterAll(async () => database?.close());
  const harness: CoreHarness = {
    get core() {
      if (!core) throw new Error('the harness is used outside a test');
      return core;
    },
    get database() {
      if (!database) throw new Error('the harness is used outside a test');
      return database;
    },
    async declare(text, who = general.userId) {
      const { context } = harness.core;
      const reply = await handleCommand(context, { ...general, userId: who }, `/incident declare ${text}`);
      expect(reply.incidentId, reply.text).toBeDefined();
      const incident = (await context.store.incidents.get(reply.incidentId!))!;
      return {
        reply,
        incident,
        run: (command, userId = who) => handleCommand(context, { platform: general.platform, userId, channelId: incident.channelId! }, `/incident ${command}`),
        load: async () => (await context.store.incidents.get(incident.id))!,
      };
    },
  };
  return harness;
}
