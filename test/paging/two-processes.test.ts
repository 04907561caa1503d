import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/handle-command.js';
import { runDuePages } from '../../src/core/roles/deliver-pages.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/database.js';
import { startTestApp, type TestApp } from '../support/paging.js';

// PGlite is one connection inside one process: two bot processes cannot share it, so the claim
// race only exists (and is only tested) on a real Postgres server.
const REASON = 'exactly-once across two processes needs real Postgres (set TEST_DATABASE_URL); PGlite has one connection in one process';

describe.skipIf(!onRealPostgres)(`two bot processes on one database (${onRealPostgres ? 'real Postgres' : REASON})`, () => {
  const clock = new TestClock();
  let database: TestDatabase;
  const handles: DatabaseHandle[] = [];
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    const open = async () => {
      const handle = await openDatabase({ url: database.url!, schema: database.schema!, poolSize: 8 });
      handles.push(handle);
      return handle;
    };
    a = await startTestApp({ database: await open(), clock, env: { PAGING_POLL_SECONDS: '300' } });
    b = await startTestApp({ database: await open(), clock, env: { PAGING_POLL_SECONDS: '300' } });
    a.app.context.paging = { ...a.app.context.paging, worker: 'process-a' };
    b.app.context.paging = { ...b.app.context.paging, worker: 'process-b' };
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const handle of handles) await handle.close();
    await database?.close();
  });

  const dms = (bot: TestApp, user: string) => bot.printed.filter((line) => line.startsWith(`[DM to @${user}]`)).length;

  it('delivers each page once and escalates each page once, however the two race', async () => {
    const ana = { platform: 'console', userId: 'ana', channelId: 'general' };
    await handleCommand(a.app.context, ana, '/incident oncall security @sam @lee');
    const incidents: number[] = [];
    for (let i = 0; i < 30; i++) {
      const reply = await handleCommand(a.app.context, ana, `/incident declare sev1 prompt-injection Guardrail bypass number ${i} on the support bot`);
      incidents.push(reply.incidentId!);
    }
    // Each declaration paged sam at once from process a; queue as many pages again, undelivered,
    // as if a process stopped right after committing them.
    const store = a.app.context.store;
    for (const incidentId of incidents) await store.pages.create({ incidentId, role: 'ml-engineer', userId: 'mia', createdAt: clock.now() });

    const race = async () => {
      for (let round = 0; round < 5; round++) await Promise.all([runDuePages(a.app.context), runDuePages(b.app.context), runDuePages(a.app.context), runDuePages(b.app.context)]);
    };
    await race();
    expect(dms(a, 'mia') + dms(b, 'mia')).toBe(30);
    expect(dms(a, 'mia')).toBeGreaterThan(0);
    expect(dms(b, 'mia')).toBeGreaterThan(0);

    clock.advance(5 * MINUTE);
    await race();
    expect(dms(a, 'lee') + dms(b, 'lee')).toBe(30);
    for (const incidentId of incidents) {
      const events = await store.events.forIncident(incidentId);
      const security = events.filter((e) => e.payload.role === 'security');
      expect(security.filter((e) => e.kind === 'page_escalated')).toHaveLength(1);
      expect(security.filter((e) => e.kind === 'page_sent').map((e) => e.payload.user)).toEqual(['sam', 'lee']);
      const pages = (await store.pages.forIncident(incidentId)).filter((p) => p.role === 'security');
      expect(pages.map((p) => [p.userId, p.status])).toEqual([
        ['sam', 'escalated'],
        ['lee', 'sent'],
      ]);
    }
  });
});
