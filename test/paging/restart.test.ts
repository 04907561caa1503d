import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/handle-command.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/database.js';
import { startTestApp, type TestApp } from '../support/paging.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * A stopped and restarted bot on the same database: on PGlite, files in a temp folder opened
 * again; on real Postgres, a new connection pool to the same schema.
 */
async function restartableBot(clock: TestClock): Promise<{ start(): Promise<TestApp> }> {
  const env = { PAGING_POLL_SECONDS: '300' };
  if (!onRealPostgres) {
    const dataDir = await mkdtemp(join(tmpdir(), 'paging-restart-'));
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

describe('restart in the middle of an escalation', () => {
  it('escalates once after the restart, at the time that was due, and delivers a page left pending', async () => {
    const clock = new TestClock();
    const bot = await restartableBot(clock);
    const ana = { platform: 'console', userId: 'ana', channelId: 'general' };

    const first = await bot.start();
    await handleCommand(first.app.context, ana, '/incident oncall security @sam @lee');
    const declared = await handleCommand(first.app.context, ana, '/incident declare sev1 prompt-injection Support bot obeys hidden prompts');
    const incidentId = declared.incidentId!;
    expect(first.printed.join('\n')).toContain('[DM to @sam]');
    // A page queued just before the process stopped, never delivered.
    await first.app.context.store.pages.create({ incidentId, role: 'comms', userId: 'cat', createdAt: clock.now() });
    clock.advance(3 * MINUTE);
    await first.close();

    const second = await bot.start();
    const loop = second.app.startPaging();
    const early = await loop.tick();
    expect(early).toMatchObject({ sent: 1, escalated: 0 });
    expect(second.printed.join('\n')).toContain('[DM to @cat]');

    clock.advance(2 * MINUTE);
    expect(await loop.tick()).toMatchObject({ escalated: 1, sent: 1 });
    expect(await loop.tick()).toMatchObject({ escalated: 0, sent: 0 });
    const shown = second.printed.join('\n');
    expect(shown).toContain('@sam did not acknowledge the Security Analyst page in time: paging @lee.');
    expect(shown).toContain('[DM to @lee]');

    const store = second.app.context.store;
    const security = (await store.pages.forIncident(incidentId)).filter((p) => p.role === 'security');
    expect(security.map((p) => [p.userId, p.status])).toEqual([
      ['sam', 'escalated'],
      ['lee', 'sent'],
    ]);
    const escalated = (await store.events.forIncident(incidentId)).filter((e) => e.kind === 'page_escalated');
    expect(escalated).toHaveLength(1);
    expect(escalated[0]!.occurredAt.getTime() - (await store.incidents.get(incidentId))!.declaredAt.getTime()).toBe(5 * MINUTE);
    await second.close();
  });
});
