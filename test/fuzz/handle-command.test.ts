import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/context.js';
import { isParseError, parseCommand } from '../../src/core/commands/parse-command.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { cleanText } from '../../src/core/text-input.js';
import { createTestCore, silentLogger, type TestCore } from '../support/core.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/database.js';
import { INTERNAL, runs, typedText } from './arbitraries.js';

/**
 * Issue 9: `handleCommand` on the real core and database with generated lines, in a channel and in
 * an incident's channel. It never throws, never answers with an internal error (a stack trace or
 * "something went wrong (ref …)"), logs no error, and what it stores is the cleaned text as typed.
 */

const DB_RUNS = 1_500;
const general: Actor = { platform: 'console', userId: 'ana', channelId: 'general' };

describe(`handleCommand with generated text (${onRealPostgres ? 'Postgres' : 'PGlite'})`, () => {
  let database: TestDatabase;
  let core: TestCore;
  let incidentChannel: Actor;
  beforeAll(async () => {
    database = await createTestDatabase();
    core = await createTestCore(database);
    const reply = await handleCommand(core.context, general, '/incident declare sev2 prompt-injection Fuzz target');
    incidentChannel = { ...general, channelId: (await core.context.store.incidents.get(reply.incidentId!))!.channelId! };
  });
  afterAll(async () => {
    await database?.close();
  });

  it(`answers ${runs(DB_RUNS).toLocaleString('en')} generated lines without an internal error, and stores what was typed, cleaned`, async () => {
    const { store } = core.context;
    const errorsBefore = silentLogger.errors.length;
    const incidentId = (await store.incidents.findByChannel(incidentChannel.platform, incidentChannel.channelId))!.id;
    const stored = { notes: 0, decisions: 0, declared: 0 };
    await fc.assert(
      fc.asyncProperty(typedText, fc.boolean(), async (typed, inIncident) => {
        const actor = inIncident ? incidentChannel : general;
        const expected = parseCommand(cleanText(typed), { playbookIds: core.context.playbooks.ids });
        const noteBefore = await store.events.latest('note_added', incidentId);
        const decisionBefore = await store.events.latest('decision_recorded', incidentId);

        const reply = await handleCommand(core.context, actor, typed);
        expect(typeof reply.text).toBe('string');
        expect(reply.text, typed.slice(0, 200)).not.toMatch(INTERNAL);
        expect(silentLogger.errors.slice(errorsBefore), typed.slice(0, 200)).toEqual([]);
        if (isParseError(expected)) {
          // Bad input: the reason and the usage, and nothing else.
          expect(reply.text).toBe(`${expected.error}\n${expected.usage}`);
          return;
        }

        const note = await store.events.latest('note_added', incidentId);
        if (note?.id !== noteBefore?.id) {
          expect(expected.kind).toBe('note');
          expect(note?.payload).toEqual({ text: expected.kind === 'note' ? expected.text : undefined });
          stored.notes++;
        }
        const decision = await store.events.latest('decision_recorded', incidentId);
        if (decision?.id !== decisionBefore?.id) {
          expect(expected.kind).toBe('decision');
          if (expected.kind === 'decision') expect(decision?.payload).toEqual({ text: expected.text, because: expected.because ?? null });
          stored.decisions++;
        }
        if (expected.kind === 'declare' && reply.incidentId !== undefined && reply.incidentId !== incidentId) {
          const incident = (await store.incidents.get(reply.incidentId))!;
          expect(incident.title).toBe(expected.title);
          expect((await store.events.latest('incident_declared', reply.incidentId))?.payload.title).toBe(expected.title);
          stored.declared++;
        }
      }),
      { numRuns: runs(DB_RUNS) },
    );
    // The generated lines do reach the database, not only the parser's refusals.
    expect(stored.notes + stored.decisions + stored.declared).toBeGreaterThan(runs(DB_RUNS) / 50);
  }, 300_000);
});
