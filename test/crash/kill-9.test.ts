import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type RunningBot } from '../support/bot-process.js';
import { onRealPostgres } from '../support/database.js';
import { FAKE_BOT_TOKEN, FakeSlack, GENERAL, type StoredMessage } from '../support/fake-slack.js';
import { SIGNING_SECRET, blockActions, interactionBody, postSigned, slashCommandBody, triggerId } from '../support/slack-requests.js';
import { checkboxBlocks, incidentMessages, toggle } from '../slack/support.js';

/**
 * Issue 9, "nothing lost, nothing twice": the real bot (`src/main.ts`) is killed with SIGKILL at a
 * random moment while declares and checklist ticks are in flight, then started again, many times.
 * Measured before the durable inbox: 7 of 115 acknowledged declares never became incidents, 2 of
 * 110 acknowledged ticks were lost, one checklist was posted twice after a restart.
 *
 * Afterwards, for every request that got its 200: a declare has exactly one incident with one
 * channel, one header, one checklist and its pages; a tick is stored once. And no channel exists
 * that no incident owns. Requests whose connection died with the process may or may not have
 * happened, but whatever happened is whole.
 */
const CYCLES = Number(process.env.CRASH_CYCLES ?? (onRealPostgres ? 50 : 6));
const ROSTER = 'slack:\n  commander: { oncall: [UCMD] }\n  ml-engineer: { oncall: [UML] }\n';

interface Sent {
  kind: 'declare' | 'tick';
  key: string;
  acked: boolean;
  /** tick: the incident's channel and the step's option value. */
  channel?: string;
  step?: string;
}

async function admin<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`kill -9 at random points during declares and ticks (${CYCLES} cycles, ${onRealPostgres ? 'real Postgres' : 'the embedded database'})`, () => {
  const fake = new FakeSlack();
  let env: Record<string, string>;
  let databaseUrl: string | undefined;
  let dataDir: string;
  const sent: Sent[] = [];
  let sequence = 0;

  beforeAll(async () => {
    await fake.start();
    dataDir = await mkdtemp(join(tmpdir(), 'crash-'));
    await writeFile(join(dataDir, 'roster.yaml'), ROSTER);
    env = {
      CHAT: 'slack',
      SLACK_BOT_TOKEN: FAKE_BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.url,
      ROSTER_FILE: join(dataDir, 'roster.yaml'),
      PAGING_POLL_SECONDS: '1',
      DATA_DIR: dataDir,
    };
    if (onRealPostgres) {
      const name = `crash_${randomBytes(5).toString('hex')}`;
      await admin(process.env.TEST_DATABASE_URL!, `CREATE DATABASE ${name}`);
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      env.DATABASE_URL = databaseUrl;
    }
  });

  afterAll(async () => {
    await closeReader();
    await fake.close();
    if (databaseUrl) await admin(process.env.TEST_DATABASE_URL!, `DROP DATABASE ${new URL(databaseUrl).pathname.slice(1)} WITH (FORCE)`);
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A checklist message the bot posted and a step on it nobody ticked yet (as far as the requests go). */
  function untickedStep(): { message: StoredMessage; channel: string; value: string } | undefined {
    const claimed = new Set(sent.filter((s) => s.kind === 'tick').map((s) => `${s.channel}/${s.step}`));
    const checklists = [...fake.channels.keys()].flatMap((channel) => incidentMessages({ fake } as never, channel).checklists().map((message) => ({ message, channel })));
    for (const { message, channel } of checklists.sort(() => Math.random() - 0.5)) {
      for (const { element } of checkboxBlocks(message)) {
        const free = element.options.find((o) => !claimed.has(`${channel}/${o.value}`) && !(element.initial_options ?? []).some((i) => i.value === o.value));
        if (free) return { message, channel, value: free.value };
      }
    }
    return undefined;
  }

  /**
   * Ready, and Slack has heard nothing from the bot for three seconds (pages poll every second);
   * on Postgres also: the inbox empty, no page pending, every incident with its header.
   */
  async function settle(bot: RunningBot): Promise<void> {
    const outstanding = async () => {
      if (!databaseUrl) return {};
      const [row] = await admin<Record<string, string>>(
        databaseUrl,
        `SELECT (SELECT count(*) FROM inbox) AS inbox, (SELECT count(*) FROM pages WHERE status = 'pending') AS pending_pages,
                (SELECT count(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM incident_messages m WHERE m.incident_id = i.id AND m.purpose = 'header')) AS without_header,
                (SELECT count(*) FROM publish_leases WHERE holder IS NOT NULL) AS held_leases`,
      );
      return Object.fromEntries(Object.entries(row!).filter(([, n]) => Number(n) > 0));
    };
    let left: object = {};
    for (let i = 0; i < 400; i++) {
      const ready = await fetch(`${bot.base}/readyz`).then((r) => r.status === 200).catch(() => false);
      const last = fake.calls.at(-1)?.at ?? 0;
      // The embedded database cannot be read while the bot runs: wait out the leases a killed process
      // left (cards 20 s, pages 60 s) and the retries that follow them.
      const quietFor = databaseUrl ? 3000 : 75_000;
      left = await outstanding();
      if (ready && performance.now() - last > quietFor && Object.keys(left).length === 0) return;
      await sleep(500);
    }
    const recent = fake.calls.slice(-5).map((c) => `${c.method} ${c.outcome}`);
    throw new Error(`the bot did not settle: ${JSON.stringify({ left, recent })}`);
  }

  /** Reads what the bot stored, once it is stopped (the embedded database is one process's alone). */
  async function reader(): Promise<<T extends pg.QueryResultRow>(text: string) => Promise<T[]>> {
    if (databaseUrl) return (text) => admin(databaseUrl!, text);
    const handle = await openDatabase({ dataDir: join(dataDir, 'pglite') });
    closeReader = () => handle.close();
    return async (text) => (await sql.raw(text).execute(handle.db)).rows as never;
  }
  let closeReader: () => Promise<void> = async () => undefined;

  async function send(bot: RunningBot, request: Omit<Sent, 'acked'>, body: string): Promise<void> {
    const record: Sent = { ...request, acked: false };
    sent.push(record);
    try {
      const response = await postSigned(`${bot.base}/slack/events`, body);
      await response.arrayBuffer();
      record.acked = response.status === 200;
    } catch {
      // The process died with the request in flight: not acknowledged.
    }
  }

  async function load(bot: RunningBot, until: { stop: boolean }): Promise<void> {
    const client = async () => {
      while (!until.stop) {
        const step = Math.random() < 0.5 ? untickedStep() : undefined;
        const id = `c${++sequence}`;
        if (step) {
          const payload = blockActions({ user: 'UALICE', channel: step.channel, message: step.message, action: toggle(step.message, step.value), responseUrl: fake.responseUrl(id), triggerId: triggerId() });
          await send(bot, { kind: 'tick', key: id, channel: step.channel, step: step.value }, interactionBody(payload));
        } else {
          const trigger = triggerId();
          const body = slashCommandBody({ text: `declare sev2 Crash drill ${id}: support bot obeys hidden instructions`, user: 'UALICE', channel: GENERAL, triggerId: trigger, responseUrl: fake.responseUrl(id) });
          await send(bot, { kind: 'declare', key: trigger }, body);
        }
      }
    };
    await Promise.all([client(), client(), client()]);
  }

  it('finishes every acknowledged declare and tick exactly once, and leaves no channel without its incident', async () => {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const bot = await startBot(env);
      const until = { stop: false };
      const loading = load(bot, until);
      // Killed anywhere from the first requests to well into their side effects.
      await sleep(100 + Math.random() * 1200);
      bot.child.kill('SIGKILL');
      await bot.exited;
      until.stop = true;
      await loading;
    }
    // A last start finishes what the last kill left; once Slack hears nothing more from it, it is stopped as an operator would.
    const bot = await startBot(env);
    try {
      await settle(bot);
    } finally {
      await bot.stop();
    }
    const rows = await reader();

    const declares = sent.filter((s) => s.kind === 'declare');
    const ticks = sent.filter((s) => s.kind === 'tick');
    const incidents = await rows<{ id: number; channel_id: string | null; key: string | null }>(
      `SELECT i.id, i.channel_id, e.idempotency_key AS key FROM incidents i LEFT JOIN events e ON e.incident_id = i.id AND e.kind = 'incident_declared'`,
    );
    const byKey = new Map<string, typeof incidents>();
    for (const incident of incidents) {
      const key = incident.key?.replace(/^declare:/, '') ?? '';
      byKey.set(key, [...(byKey.get(key) ?? []), incident]);
    }
    const lostDeclares = declares.filter((d) => d.acked && (byKey.get(d.key)?.length ?? 0) === 0);
    const doubleDeclares = [...byKey.values()].filter((list) => list.length > 1);
    const incidentChannels = new Set(incidents.map((i) => i.channel_id));
    const botChannels = [...fake.channels.values()].filter((c) => c.name.startsWith('inc-'));
    const orphanChannels = botChannels.filter((c) => !incidentChannels.has(c.id));
    // One message per card the incident has (a header, and the checklist in as many parts as it
    // takes), each bound once, and no other card in its channel.
    const bound = await rows<{ incident_id: number; purpose: string; part: number; n: string }>(`SELECT incident_id, purpose, part, count(*) AS n FROM incident_messages GROUP BY 1, 2, 3`);
    const wrongCards = incidents.filter((i) => {
      if (!i.channel_id) return true;
      const mine = bound.filter((b) => b.incident_id === i.id);
      const cards = fake.messagesIn(i.channel_id).filter((m) => m.blocks.length > 0);
      const headers = mine.filter((b) => b.purpose === 'header').length;
      const checklists = mine.filter((b) => b.purpose === 'checklist').length;
      return headers !== 1 || checklists < 1 || mine.some((b) => Number(b.n) !== 1) || cards.length !== mine.length;
    });
    // What Slack shows is what is stored: the ticks on the checklist messages are the steps done.
    const doneSteps = await rows<{ incident_id: number; number: number }>(`SELECT incident_id, number FROM checklist_steps WHERE done_at IS NOT NULL`);
    const staleChecklists = incidents.filter((i) => {
      if (!i.channel_id) return false;
      const shown = incidentMessages({ fake } as never, i.channel_id)
        .checklists()
        .flatMap((m) => checkboxBlocks(m).flatMap((b) => (b.element.initial_options ?? []).map((o) => o.value)))
        .sort();
      const stored = doneSteps.filter((d) => d.incident_id === i.id).map((d) => `${i.id}:${d.number}`).sort();
      return JSON.stringify(shown) !== JSON.stringify(stored);
    });
    const stepEvents = await rows<{ channel_id: string; step: number; n: string }>(
      `SELECT i.channel_id, (e.payload->>'step')::int AS step, count(*) AS n FROM events e JOIN incidents i ON i.id = e.incident_id WHERE e.kind = 'step_ticked' GROUP BY 1, 2`,
    );
    const tickCount = new Map(stepEvents.map((r) => [`${r.channel_id}/${r.step}`, Number(r.n)]));
    const stepOf = (value: string) => Number(value.split(':')[1]);
    const lostTicks = ticks.filter((t) => t.acked && !tickCount.has(`${t.channel}/${stepOf(t.step!)}`));
    const doubleTicks = [...tickCount.values()].filter((n) => n > 1);
    const pagesPerIncident = await rows<{ incident_id: number; sent: string; dms: string }>(
      `SELECT incident_id, count(*) FILTER (WHERE status <> 'pending') AS sent, count(*) AS dms FROM pages GROUP BY incident_id`,
    );
    const unpaged = incidents.filter((i) => !pagesPerIncident.some((p) => p.incident_id === i.id && Number(p.sent) >= 2));

    const report = {
      cycles: CYCLES,
      declares: { sent: declares.length, acknowledged: declares.filter((d) => d.acked).length, lost: lostDeclares.length, twice: doubleDeclares.length },
      ticks: { sent: ticks.length, acknowledged: ticks.filter((t) => t.acked).length, lost: lostTicks.length, twice: doubleTicks.length },
      incidents: incidents.length,
      channels: botChannels.length,
      orphanChannels: orphanChannels.map((c) => c.name),
      incidentsWithoutOneHeaderAndOneChecklist: wrongCards.map((i) => i.id),
      firstWrong: wrongCards.slice(0, 1).map((i) => ({
        bound: bound.filter((b) => b.incident_id === i.id),
        cards: fake.messagesIn(i.channel_id ?? '').map((m) => `${m.ts} ${m.blocks.map((b) => b.block_id).join(',')}`),
      })),
      incidentsNotPaged: unpaged.map((i) => i.id),
      checklistsNotShowingStoredTicks: staleChecklists.map((i) => i.id),
    };
    console.log(`crash test: ${JSON.stringify(report)}`);
    expect(report.declares.acknowledged).toBeGreaterThan(CYCLES);
    expect(report.ticks.acknowledged).toBeGreaterThan(CYCLES / 2);
    expect({ lostDeclares: lostDeclares.length, doubleDeclares: doubleDeclares.length, lostTicks: lostTicks.length, doubleTicks: doubleTicks.length }).toEqual({ lostDeclares: 0, doubleDeclares: 0, lostTicks: 0, doubleTicks: 0 });
    expect(report.orphanChannels).toEqual([]);
    expect(report.incidentsWithoutOneHeaderAndOneChecklist).toEqual([]);
    expect(report.incidentsNotPaged).toEqual([]);
    expect(report.checklistsNotShowingStoredTicks).toEqual([]);
  }, 900_000);
});
