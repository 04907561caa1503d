import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlack, type SlackEdge } from '../src/adapters/slack/app.js';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { completeStep } from '../src/core/checklist/complete-step.js';
import type { CoreContext } from '../src/core/context.js';
import { publishHooks } from '../src/core/incident/refresh-cards.js';
import { CLAIM_LEASE_MS, runDuePages } from '../src/core/roles/deliver-pages.js';
import type { Pager, PageNotice } from '../src/core/ports/pager.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { scheduledJobs } from '../src/scheduler/jobs.js';
import { KyselyScheduleLedger } from '../src/db/schedule-ledger.js';
import { TestClock } from './support/clock.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from './support/database.js';
import { FAKE_BOT_TOKEN, FakeSlack, GENERAL, type StoredMessage } from './support/fake-slack.js';
import { SIGNING_SECRET, postSigned, slashCommandBody, triggerId } from './support/slack-requests.js';

/**
 * Two bot processes on one database behind one Slack workspace. On real Postgres (TEST_DATABASE_URL)
 * each replica has its own connection pool to the same schema; on PGlite, which is one connection
 * inside one process, the two apps share that one handle (the second "process" is a second app,
 * Slack edge and HTTP server over the same connection).
 */
// The full count on real Postgres; on PGlite (every statement of both replicas through one
// connection) a fifth of it, to stay near a minute.
const DECLARES = Number(process.env.REPLICAS_DECLARES ?? (onRealPostgres ? 200 : 40));
const TICKS = Number(process.env.REPLICAS_TICKS ?? (onRealPostgres ? 5000 : 1000));
const WAVE = 40;

interface Replica {
  name: string;
  app: App;
  slack: SlackEdge;
  eventsUrl: string;
  context: CoreContext;
  close(): Promise<void>;
}

let database: TestDatabase;
const handles: DatabaseHandle[] = [];
const fake = new FakeSlack();
const clock = new TestClock();
let a: Replica;
let b: Replica;

async function replicaDatabase(): Promise<DatabaseHandle> {
  if (!onRealPostgres) return database;
  const handle = await openDatabase({ url: database.url!, schema: database.schema!, poolSize: 8 });
  handles.push(handle);
  return handle;
}

async function startReplica(name: string): Promise<Replica> {
  const config = loadConfig({ SLACK_BOT_TOKEN: FAKE_BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url, LOG_LEVEL: 'silent', PAGING_POLL_SECONDS: '300' });
  const logger = createLogger({ level: 'silent' });
  const app = await createApp(config, { logger, clock, database: await replicaDatabase() });
  app.context.paging = { ...app.context.paging, worker: name };
  // No web-api retries: a post whose answer is lost must come back to the core, as a crash would.
  const slack = await startSlack(app, { botToken: FAKE_BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: fake.url, retryConfig: { retries: 0 } }, logger);
  const port = await app.http.listen(0, '127.0.0.1');
  app.http.ready = true;
  return {
    name,
    app,
    slack,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    context: app.context,
    async close() {
      await slack.stop();
      await app.close();
    },
  };
}

let sequence = 0;
/** `/incident <text>` signed as Slack signs it, to one replica's HTTP server; returns the response_url id. */
async function command(replica: Replica, text: string, options: { user?: string; channel?: string } = {}): Promise<string> {
  const id = `r${++sequence}`;
  const body = slashCommandBody({ text, user: options.user ?? 'UALICE', channel: options.channel ?? GENERAL, triggerId: triggerId(), responseUrl: fake.responseUrl(id) });
  const response = await postSigned(replica.eventsUrl, body);
  await response.text();
  expect(response.status).toBe(200);
  return id;
}
const replies = (id: string) => fake.responses.filter((r) => r.id === id).map((r) => String(r.body.text ?? ''));
const drain = async () => {
  // Work on one replica can leave work for the other (a dirty incident); drain until both are idle.
  for (let i = 0; i < 3; i++) await Promise.all([a.slack.drain(), b.slack.drain()]);
};

/** The step numbers a Block Kit checklist message shows, and those it shows ticked. */
function checklistOf(message: StoredMessage): { steps: number[]; ticked: number[] } {
  const steps: number[] = [];
  const ticked: number[] = [];
  const number = (option: { text?: { text?: string } }) => Number(/^\*(\d+)\.\*/.exec(option.text?.text ?? '')?.[1]);
  for (const block of message.blocks) {
    if (block.type !== 'actions' || !String(block.block_id ?? '').startsWith('checklist:')) continue;
    for (const element of block.elements as { type: string; options?: { text?: { text?: string } }[]; initial_options?: { text?: { text?: string } }[] }[]) {
      if (element.type !== 'checkboxes') continue;
      steps.push(...(element.options ?? []).map(number));
      ticked.push(...(element.initial_options ?? []).map(number));
    }
  }
  return { steps: steps.sort((x, y) => x - y), ticked: ticked.sort((x, y) => x - y) };
}

/** The cards Slack holds in a channel, by the metadata they were posted with. */
function cardsIn(channel: string): { purpose: string; part: number; message: StoredMessage }[] {
  return fake
    .messagesIn(channel)
    .filter((m) => m.metadata?.event_type === 'incident_card')
    .map((m) => {
      const payload = m.metadata!.event_payload as { purpose: string; part: number };
      return { purpose: payload.purpose, part: Number(payload.part), message: m };
    });
}

/** What Slack shows as ticked in the incident's bound checklist messages, against the steps table. */
async function shownAndStored(context: CoreContext, incidentId: number): Promise<{ shown: number[]; stored: number[]; steps: number[] }> {
  const bound = await context.store.messages.forIncident(incidentId);
  const shown: number[] = [];
  const steps: number[] = [];
  for (const message of bound.filter((m) => m.purpose === 'checklist')) {
    const held = fake.messages.get(`${message.channelId}:${String(message.ref.ts ?? message.ref.id)}`);
    expect(held, `incident ${incidentId}: checklist part ${message.part} is in Slack`).toBeDefined();
    const { steps: s, ticked } = checklistOf(held!);
    shown.push(...ticked);
    steps.push(...s);
  }
  const stored = (await context.store.steps.list(incidentId)).filter((s) => s.doneAt !== null).map((s) => s.number);
  return { shown: shown.sort((x, y) => x - y), stored: stored.sort((x, y) => x - y), steps: steps.sort((x, y) => x - y) };
}

beforeAll(async () => {
  await fake.start();
  database = await createTestDatabase({ poolSize: 4 });
  a = await startReplica('replica-a');
  b = await startReplica('replica-b');
}, 60_000);

afterAll(async () => {
  publishHooks.beforeSend = undefined;
  await a?.close();
  await b?.close();
  for (const handle of handles) await handle.close();
  await database?.close();
  await fake.close();
});

describe(`two replicas on one database (${onRealPostgres ? 'real Postgres, a pool each' : 'PGlite, one shared connection'})`, () => {
  it('an older render never lands after a newer one: the second replica defers to the lease holder, which renders again', async () => {
    const declared = await command(a, 'declare sev3 prompt-injection Interleaved refreshes on two replicas');
    await drain();
    expect(replies(declared).join('\n')).toContain('Declared');
    const incident = (await a.context.store.incidents.list({})).find((i) => i.title === 'Interleaved refreshes on two replicas')!;
    const checklist = (await a.context.store.messages.forIncident(incident.id)).find((m) => m.purpose === 'checklist' && m.part === 0)!;
    const updates = () => fake.callsTo('chat.update').filter((c) => c.args.channel === checklist.channelId && c.args.ts === checklist.ref.ts && c.outcome === 'ok');
    const before = updates().length;

    // Replica A ticks step 1 and, holding the lease, stops right before it sends its render.
    let paused!: () => void;
    const reachedSend = new Promise<void>((resolve) => (paused = resolve));
    let resume!: () => void;
    const gate = new Promise<void>((resolve) => (resume = resolve));
    let once = true;
    publishHooks.beforeSend = async (incidentId) => {
      if (incidentId !== incident.id || !once) return;
      once = false;
      paused();
      await gate;
    };
    const ana = { platform: 'slack', userId: 'UALICE', channelId: incident.channelId! };
    const tickA = completeStep(a.context, ana, incident.id, 1, true);
    await reachedSend;

    // Meanwhile replica B ticks step 2: its change commits, and its refresh finds the lease held and
    // leaves the render to A instead of sending its newer one (which A's older one would overwrite).
    await completeStep(b.context, ana, incident.id, 2, true);
    expect(updates().length).toBe(before);
    const [lease] = (await sql<{ holder: string | null; dirty: boolean }>`SELECT holder, dirty FROM publish_leases WHERE incident_id = ${incident.id}`.execute(a.app.database.db)).rows;
    expect(lease!.holder).toMatch(/^replica-a\//);
    expect(lease!.dirty).toBe(true);

    resume();
    await tickA;
    publishHooks.beforeSend = undefined;

    // What Slack received, in order: step 1 alone, then steps 1 and 2; never the reverse.
    const shown = updates()
      .slice(before)
      .map((c) => checklistOf({ channel: '', ts: '', text: '', blocks: c.args.blocks as Record<string, unknown>[] }).ticked);
    expect(shown).toEqual([[1], [1, 2]]);
    const final = await shownAndStored(a.context, incident.id);
    expect(final.shown).toEqual([1, 2]);
    expect(final.stored).toEqual([1, 2]);
    const [after] = (await sql<{ holder: string | null }>`SELECT holder FROM publish_leases WHERE incident_id = ${incident.id}`.execute(a.app.database.db)).rows;
    expect(after!.holder).toBeNull();

    // A refresh of an unchanged incident sends nothing: every message already shows that version.
    const settled = fake.callsTo('chat.update').length;
    await completeStep(b.context, ana, incident.id, 2, true);
    expect(fake.callsTo('chat.update').length).toBe(settled);
  });

  it('a header Slack posted whose answer was lost is found by its metadata and adopted, not posted again', async () => {
    // Slack performs the first chat.postMessage of the declaration (the header) and the answer is lost.
    fake.failAfterPerforming('chat.postMessage', { status: 500 });
    const declared = await command(b, 'declare sev3 prompt-injection Lost answer from chat.postMessage');
    await drain();
    expect(replies(declared).join('\n')).toContain('Declared');
    const incident = (await b.context.store.incidents.list({})).find((i) => i.title === 'Lost answer from chat.postMessage')!;
    expect((await b.context.store.messages.forIncident(incident.id)).some((m) => m.purpose === 'header')).toBe(false);
    expect(cardsIn(incident.channelId!).filter((c) => c.purpose === 'header')).toHaveLength(1);

    // The next change (on the other replica) asks Slack for the header before posting one.
    await command(a, 'tick 1', { channel: incident.channelId! });
    await drain();
    expect(fake.callsTo('conversations.history').filter((c) => c.args.channel === incident.channelId)).toHaveLength(1);
    const headers = cardsIn(incident.channelId!).filter((c) => c.purpose === 'header');
    expect(headers).toHaveLength(1);
    const bound = (await a.context.store.messages.forIncident(incident.id)).find((m) => m.purpose === 'header')!;
    expect(bound.ref.ts).toBe(headers[0]!.message.ts);
    expect(fake.channels.get(incident.channelId!)!.pins.has(headers[0]!.message.ts)).toBe(true);
    const parts = cardsIn(incident.channelId!).filter((c) => c.purpose === 'checklist').map((c) => c.part);
    expect(parts).toEqual([...new Set(parts)]);
    expect(parts.sort()).toEqual((await a.context.store.messages.forIncident(incident.id)).filter((m) => m.purpose === 'checklist').map((m) => m.part));
    expect((await shownAndStored(a.context, incident.id)).shown).toEqual([1]);
  });

  it('a page whose lease ran out mid-batch is not sent by the stalled claim, and is sent once', async () => {
    const sends: { by: string; page: number }[] = [];
    let stall: (() => Promise<void>) | undefined;
    const recording = (by: string): Pager => ({
      name: 'chat',
      async page(notice: PageNotice) {
        sends.push({ by, page: notice.page.id });
        const pause = stall;
        stall = undefined;
        await pause?.();
      },
    });
    const pagersA = [recording('a')];
    const pagersB = [recording('b')];
    a.context.paging = { ...a.context.paging, pagers: pagersA };
    b.context.paging = { ...b.context.paging, pagers: pagersB };
    try {
      const declared = await command(a, 'declare sev3 prompt-injection Pages racing their lease');
      await drain();
      expect(replies(declared).join('\n')).toContain('Declared');
      const incident = (await a.context.store.incidents.list({})).find((i) => i.title === 'Pages racing their lease')!;
      const queue = async (users: string[]) => {
        const pages = [];
        for (const user of users) pages.push(await a.context.store.pages.create({ incidentId: incident.id, role: 'comms', userId: user, createdAt: clock.now() }));
        return pages.map((p) => p.id);
      };

      // 1. A claims three pages; the first send stalls past the lease. A records that send (nobody
      //    claimed it since), sends nothing more under the expired claim, and claims the rest again.
      const first = await queue(['UC1', 'UC2', 'UC3']);
      stall = async () => {
        clock.advance(CLAIM_LEASE_MS + 1_000);
      };
      await runDuePages(a.context, { incidentId: incident.id });
      const perPage = (ids: number[]) => ids.map((id) => sends.filter((s) => s.page === id).length);
      expect(perPage(first)).toEqual([1, 1, 1]);

      // 2. The same stall while replica B runs: B claims the batch whose lease ran out and sends it;
      //    A, back from its stall, sends none of the rest and does not overwrite what B recorded.
      sends.length = 0;
      const second = await queue(['UD1', 'UD2', 'UD3']);
      stall = async () => {
        clock.advance(CLAIM_LEASE_MS + 1_000);
        await runDuePages(b.context, { incidentId: incident.id });
      };
      await runDuePages(a.context, { incidentId: incident.id });
      const [p1, p2, p3] = second;
      // The send in flight when the lease ran out is the one a stall longer than the lease can
      // repeat (it was already on its way); the two pages A had not started go out once, from B.
      expect(sends.filter((s) => s.page === p1).map((s) => s.by)).toEqual(['a', 'b']);
      expect(sends.filter((s) => s.page === p2).map((s) => s.by)).toEqual(['b']);
      expect(sends.filter((s) => s.page === p3).map((s) => s.by)).toEqual(['b']);
      const pages = (await a.context.store.pages.forIncident(incident.id)).filter((p) => second.includes(p.id));
      expect(pages.map((p) => p.status)).toEqual(['sent', 'sent', 'sent']);
      const events = await a.context.store.events.forIncident(incident.id);
      for (const id of [...first, ...second]) expect(events.filter((e) => e.kind === 'page_sent' && e.payload.page_id === id)).toHaveLength(1);
    } finally {
      delete (a.context.paging as { pagers?: unknown }).pagers;
      delete (b.context.paging as { pagers?: unknown }).pagers;
    }
  });

  it(
    `${DECLARES} declares and ${TICKS} ticks spread over both replicas: no duplicate channel, card, page or digest; events complete and in order; Slack shows the stored state`,
    async () => {
      const started = performance.now();
      await command(a, 'oncall security <@USAM>');
      await drain();
      const titles = Array.from({ length: DECLARES }, (_, i) => `Replica load incident number ${i}`);
      for (let i = 0; i < titles.length; i += WAVE) {
        await Promise.all(titles.slice(i, i + WAVE).map((title, j) => command((i + j) % 2 ? b : a, `declare sev1 prompt-injection ${title}`)));
      }
      await drain();
      const incidents = (await a.context.store.incidents.list({ limit: 100_000 })).filter((i) => i.title.startsWith('Replica load incident'));
      expect(incidents).toHaveLength(DECLARES);
      const steps = new Map<number, number>();
      for (const incident of incidents) steps.set(incident.id, Math.min(8, (await a.context.store.steps.list(incident.id)).length));

      // Ticks and unticks at random, many on the same incident at once on both replicas.
      let seed = 42;
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const sent: { id: string; incidentId: number }[] = [];
      for (let i = 0; i < TICKS; i += WAVE) {
        const wave = Array.from({ length: Math.min(WAVE, TICKS - i) }, (_, j) => {
          const incident = incidents[random(Math.min(incidents.length, 25 + Math.floor(i / 50)))]!;
          const step = 1 + random(steps.get(incident.id)!);
          return { incident, text: `${random(3) ? 'tick' : 'untick'} ${step}`, replica: (i + j) % 2 ? b : a };
        });
        const ids = await Promise.all(wave.map((w) => command(w.replica, w.text, { channel: w.incident.channelId!, user: `U${random(5)}` })));
        ids.forEach((id, j) => sent.push({ id, incidentId: wave[j]!.incident.id }));
      }
      await drain();
      const took = (performance.now() - started) / 1000;

      // No duplicate channel: one per incident, each its own.
      const channels = [...fake.channels.values()].filter((c) => c.name.includes('replica-load-incident'));
      expect(channels).toHaveLength(DECLARES);
      expect(new Set(incidents.map((i) => i.channelId)).size).toBe(DECLARES);

      // No duplicate page: each declaration paged USAM once.
      const samPages = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pages WHERE user_id = 'USAM' AND status = 'sent'`.execute(a.app.database.db)).rows[0]!.n;
      expect(samPages).toBe(DECLARES);
      expect(fake.messagesIn('DUSAM')).toHaveLength(DECLARES);

      let updates = 0;
      for (const incident of incidents) {
        // No duplicate card: one header and one message per checklist part, each bound.
        const cards = cardsIn(incident.channelId!);
        const keys = cards.map((c) => `${c.purpose}:${c.part}`);
        expect(new Set(keys).size, `incident ${incident.id} cards ${keys.join(',')}`).toBe(keys.length);
        expect(keys).toContain('header:0');
        const bound = await a.context.store.messages.forIncident(incident.id);
        expect(bound.map((m) => `${m.purpose}:${m.part}`).sort()).toEqual([...keys].sort());

        // Events complete and in order: every answered tick is one event, and replaying the events
        // in id order gives the steps table.
        const events = await a.context.store.events.forIncident(incident.id);
        expect(events[0]!.kind).toBe('incident_declared');
        const answered = sent.filter((s) => s.incidentId === incident.id).flatMap((s) => replies(s.id));
        const changed = answered.filter((text) => /^Step \d+ (ticked|unticked):/.test(text)).length;
        expect(answered.length).toBe(sent.filter((s) => s.incidentId === incident.id).length);
        // Replayed in commit order (ids are taken under the incident's row lock); occurred_at is read before it.
        const toggles = events.filter((e) => e.kind === 'step_ticked' || e.kind === 'step_unticked').sort((x, y) => Number(x.id) - Number(y.id));
        expect(toggles).toHaveLength(changed);
        const replayed = new Set<number>();
        for (const e of toggles) (e.kind === 'step_ticked' ? replayed.add(Number(e.payload.step)) : replayed.delete(Number(e.payload.step)));

        // The last card Slack holds shows the final stored state.
        const { shown, stored } = await shownAndStored(a.context, incident.id);
        expect([...replayed].sort((x, y) => x - y)).toEqual(stored);
        expect(shown, `incident ${incident.id}: Slack shows ${shown.join(',')}, the database ${stored.join(',')}`).toEqual(stored);
        updates += fake.callsTo('chat.update').filter((c) => c.args.channel === incident.channelId).length;
      }
      const [leases] = (await sql<{ held: number }>`SELECT count(*)::int AS held FROM publish_leases WHERE holder IS NOT NULL`.execute(a.app.database.db)).rows;
      expect(leases!.held).toBe(0);

      // No duplicate digest: both replicas fire the same weekly slot; one digest reaches the channel.
      const settings = { digestCron: '0 9 * * 1', digestTo: [{ platform: 'slack', channelId: GENERAL }], reminderCron: '0 9 * * 1-5' };
      const scheduler = (replica: Replica) =>
        new Scheduler({ jobs: scheduledJobs(replica.context, settings), ledger: new KyselyScheduleLedger(replica.app.database.db), timeZone: 'UTC', clock, logger: replica.context.logger, processId: replica.name });
      const digestJob = (replica: Replica) => scheduledJobs(replica.context, settings).find((j) => j.name.startsWith('weekly-digest'))!;
      const postedBefore = fake.messagesIn(GENERAL).length;
      const slot = new Date('2026-11-30T09:00:00Z');
      const won = await Promise.all([scheduler(a).fire(digestJob(a), slot), scheduler(b).fire(digestJob(b), slot)]);
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(fake.messagesIn(GENERAL).length - postedBefore).toBe(1);

      console.log(`replicas: ${DECLARES} declares + ${TICKS} ticks over two replicas in ${took.toFixed(1)} s; ${updates} checklist/header updates reached Slack`);
    },
    600_000,
  );
});
