import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_UNAVAILABLE_MESSAGE } from '../../src/db/database.js';
import { startBot, type RunningBot } from '../support/bot-process.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/database.js';
import { FAKE_BOT_TOKEN, FakeSlack, GENERAL, type StoredMessage } from '../support/fake-slack.js';
import { SIGNING_SECRET, blockActions, interactionBody, postSigned, slashCommandBody, triggerId } from '../support/slack-requests.js';
import { tickedValues, toggle } from '../slack/support.js';

/**
 * Issue 9: "stop Postgres for 30 s under load. Users get 'the bot cannot reach its database right
 * now; try again in a minute' (no stack trace, no ref-only reply), /readyz turns 503, nothing
 * half-written remains, queued work resumes, and the bot recovers without a restart."
 *
 * The real bot process (src/main.ts) on real Postgres through a TCP proxy, its Slack edge against
 * the fake Web API; several clients send signed slash commands and clicks and alerts without
 * pause. The proxy then drops every connection and refuses new ones for 30 s (what a restart or a
 * failover looks like from the bot; the shared server itself is never stopped), then lets them
 * through again.
 *
 * Without TEST_DATABASE_URL the bot runs on its embedded database, in its own process: there is
 * no connection to cut. That run keeps the same load and the same checks with no outage (every
 * request answered, nothing half-written, queued work done), so the outage run's failures can only
 * be the outage's. The outage itself is registered only when TEST_DATABASE_URL is set: the suite
 * skips no test, it leaves out by design what cannot apply.
 */

const OUTAGE_MS = 30_000;
const ALERTS_TOKEN = 'alerts-token-0123456789abcdef';
const ERROR_LIKE = /ref [a-z0-9]{8}|went wrong on our side|\bat [\w./]+\.ts:\d+|Error:|ECONN|Connection terminated|stack/;

/** A TCP proxy in front of Postgres that can cut: drop every open connection and refuse new ones. */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  connections = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      this.connections++;
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** The database goes away: open sessions are reset, new connections refused (nothing listens). */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const socket of this.sockets) socket.resetAndDestroy();
    await closed;
  }

  /** The database is back on the same address. */
  restore(): Promise<void> {
    return this.open();
  }

  async close(): Promise<void> {
    await this.cut();
  }
}

interface Sent {
  kind: 'command' | 'click' | 'alert';
  what: string;
  at: number;
  status: number;
  responseId?: string;
  /** For alerts: the JSON the bot answered. */
  body?: Record<string, unknown>;
}

/** The load: several clients in parallel, each sending its next request as soon as the last was acked. */
function startLoad(env: { fake: FakeSlack; bot: RunningBot; firstIncident: { id: number; channelId: string; checklist: StoredMessage } }) {
  const { fake, bot } = env;
  const sent: Sent[] = [];
  let running = true;
  let sequence = 0;
  const eventsUrl = `${bot.base}/slack/events`;

  const command = async (text: string, user: string, channel = GENERAL) => {
    const responseId = `load${++sequence}`;
    const at = Date.now();
    const response = await postSigned(eventsUrl, slashCommandBody({ text, user, channel, triggerId: triggerId(), responseUrl: fake.responseUrl(responseId) }));
    await response.text();
    sent.push({ kind: 'command', what: `/incident ${text.split(' ').slice(0, 2).join(' ')}`, at, status: response.status, responseId });
  };
  const click = async (message: StoredMessage, action: Record<string, unknown>, user: string) => {
    const responseId = `load${++sequence}`;
    const at = Date.now();
    const payload = blockActions({ user, channel: message.channel, message: { ts: message.ts, blocks: message.blocks, text: message.text }, action, responseUrl: fake.responseUrl(responseId) });
    const response = await postSigned(eventsUrl, interactionBody(payload));
    await response.text();
    sent.push({ kind: 'click', what: 'tick', at, status: response.status, responseId });
  };
  const alert = async (n: number) => {
    const at = Date.now();
    const response = await fetch(`${bot.base}/hooks/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERTS_TOKEN}` },
      body: JSON.stringify({ title: `Guardrail block rate above 5% on shard ${n}`, severity: 'sev3' }),
    });
    sent.push({ kind: 'alert', what: 'alert', at, status: response.status, body: (await response.json()) as Record<string, unknown> });
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const clients = [
    // Declares: each a new incident with its channel, cards and pages.
    (async () => {
      for (let n = 1; running; n++) {
        await command(`declare sev3 prompt-injection Support bot obeys hidden prompts wave ${n}`, 'UBOB');
        await pause(1500);
      }
    })(),
    // Notes and lists in the first incident's channel.
    (async () => {
      for (let n = 1; running; n++) {
        await command(n % 2 ? `note checked shard ${n}` : 'list', 'UCAROL', env.firstIncident.channelId);
        await pause(400);
      }
    })(),
    // Ticks and unticks on the first incident's checklist, as the message shows.
    (async () => {
      for (let n = 0; running; n++) {
        const message = fake.messages.get(`${env.firstIncident.channelId}:${env.firstIncident.checklist.ts}`) ?? env.firstIncident.checklist;
        await click(message, toggle(message, `${env.firstIncident.id}:${(n % 4) + 1}`), n % 2 ? 'UALICE' : 'USAM');
        await pause(500);
      }
    })(),
    // Alerts from monitoring.
    (async () => {
      for (let n = 1; running; n++) {
        await alert(n);
        await pause(1000);
      }
    })(),
  ].map((client) => client.catch((error: unknown) => sent.push({ kind: 'command', what: `client failed: ${String(error)}`, at: Date.now(), status: 0 })));

  return {
    sent,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => Promise<boolean> | boolean, what: string, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(250);
  }
  return Date.now() - start;
}

/** One test file's bot: the fake Slack, the bot process on the given database URL (or its embedded one), a roster and a first incident. */
async function startScene(databaseEnv: Record<string, string>) {
  const fake = new FakeSlack();
  await fake.start();
  const bot = await startBot({
    ...databaseEnv,
    CHAT: 'slack',
    SLACK_BOT_TOKEN: FAKE_BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    ALERTS_TOKEN,
    TRIAGE_CHANNEL: GENERAL,
    PAGING_POLL_SECONDS: '1',
    BOT_TIMEZONE: 'UTC',
  }, { startTimeoutMs: 150_000 });
  const eventsUrl = `${bot.base}/slack/events`;
  const say = async (text: string, user = 'UALICE') => {
    const response = await postSigned(eventsUrl, slashCommandBody({ text, user, channel: GENERAL, triggerId: triggerId(), responseUrl: fake.responseUrl(`setup-${text.length}-${Math.random()}`) }));
    await response.text();
  };
  await say('oncall security <@USAM>');
  await say('oncall ml-engineer <@UMIA>');
  await say('declare sev3 prompt-injection Ranking model obeys hidden prompts');
  const channel = await until(() => Boolean(fake.channelNamed('inc-20261125-ranking-model-obeys-hidden-prompts') ?? [...fake.channels.values()].find((c) => c.name.includes('ranking-model-obeys'))), 'the first incident', 30_000).then(
    () => [...fake.channels.values()].find((c) => c.name.includes('ranking-model-obeys'))!,
  );
  await until(() => fake.messagesIn(channel.id).some((m) => m.blocks.some((b) => String(b.block_id).startsWith('checklist:'))), 'the first checklist', 30_000);
  const checklist = fake.messagesIn(channel.id).find((m) => m.blocks.some((b) => String(b.block_id).startsWith('checklist:')))!;
  const id = Number(/"(\d+):1"/.exec(JSON.stringify(checklist.blocks))![1]);
  return { fake, bot, firstIncident: { id, channelId: channel.id, checklist } };
}

const repliesOf = (fake: FakeSlack, sent: Sent) => fake.responses.filter((r) => r.id === sent.responseId).map((r) => String(r.body.text));

/** Reads the bot's tables directly (the test never goes through the bot for what it checks). */
async function storedState(client: pg.Client) {
  const q = async <T extends pg.QueryResultRow>(text: string) => (await client.query<T>(text)).rows;
  const incidents = await q<{ id: number; channel_id: string | null; title: string }>('SELECT id, channel_id, title FROM incidents ORDER BY id');
  const messages = await q<{ incident_id: number; purpose: string; part: number; channel_id: string; ref: { ts?: string; id: string } }>('SELECT incident_id, purpose, part, channel_id, ref FROM incident_messages');
  const events = await q<{ incident_id: number; kind: string }>('SELECT incident_id, kind FROM events WHERE incident_id IS NOT NULL');
  const pages = await q<{ id: number; incident_id: number; user_id: string; status: string }>('SELECT id, incident_id, user_id, status FROM pages');
  const steps = await q<{ incident_id: number; number: number; done_at: Date | null }>('SELECT incident_id, number, done_at FROM checklist_steps');
  const alerts = await q<{ incident_id: number; triage: string }>('SELECT incident_id, triage FROM alerts');
  return { incidents, messages, events, pages, steps, alerts };
}

/**
 * Nothing half-written: every declared incident has its channel (and the fake has no channel no
 * incident owns), its header and checklist bound and present in Slack, the events of its declare,
 * each page sent once, and the checklist Slack shows is the one stored.
 */
async function expectNothingHalfWritten(fake: FakeSlack, client: pg.Client): Promise<void> {
  const state = await storedState(client);
  const awaitingTriage = new Set(state.alerts.filter((a) => a.triage === 'pending').map((a) => a.incident_id));
  const declared = state.incidents.filter((i) => !awaitingTriage.has(i.id));
  expect(declared.length).toBeGreaterThan(1);
  const incidentChannels = [...fake.channels.values()].filter((c) => c.id !== GENERAL && !c.id.startsWith('D'));
  expect(incidentChannels.map((c) => c.id).sort()).toEqual(declared.map((i) => i.channel_id).sort());
  for (const incident of declared) {
    const bound = state.messages.filter((m) => m.incident_id === incident.id);
    const header = bound.filter((m) => m.purpose === 'header');
    const checklist = bound.filter((m) => m.purpose === 'checklist');
    expect(header, `INC-${incident.id} header`).toHaveLength(1);
    expect(checklist.length, `INC-${incident.id} checklist`).toBeGreaterThan(0);
    for (const message of bound) expect(fake.messages.has(`${message.channel_id}:${message.ref.ts ?? message.ref.id}`), `INC-${incident.id} ${message.purpose}`).toBe(true);
    const shownCards = fake.messagesIn(incident.channel_id!).filter((m) => m.blocks.some((b) => b.type === 'header' || String(b.block_id).startsWith('checklist:')));
    expect(shownCards, `INC-${incident.id}: one message per card`).toHaveLength(bound.length);
    const kinds = state.events.filter((e) => e.incident_id === incident.id).map((e) => e.kind);
    for (const kind of ['incident_declared', 'role_assigned', 'channel_created']) expect(kinds, `INC-${incident.id}`).toContain(kind);
    // The checklist Slack shows is the stored one.
    const done = state.steps.filter((s) => s.incident_id === incident.id && s.done_at).map((s) => `${incident.id}:${s.number}`).sort();
    expect(tickedValues(shownCards).sort(), `INC-${incident.id} ticks`).toEqual(done);
  }
  for (const page of state.pages) {
    expect(page.status, `page ${page.id}`).toBe('sent');
    const dms = [...fake.messages.values()].filter((m) => m.channel === `D${page.user_id}` && JSON.stringify(m.blocks).includes(`"${page.incident_id}:${page.id}"`));
    expect(dms, `page ${page.id}`).toHaveLength(1);
  }
}

/** Every request was answered: commands and clicks through response_url, alerts with their status; never an error ref or a trace. */
function answers(fake: FakeSlack, sent: Sent[]) {
  return sent.map((s) => {
    if (s.kind === 'alert') return { ...s, outcome: s.status === 200 ? 'ok' : s.status === 503 && s.body?.error === DATABASE_UNAVAILABLE_MESSAGE ? 'unavailable' : `other ${s.status} ${JSON.stringify(s.body)}` };
    const replies = repliesOf(fake, s);
    if (s.status !== 200) return { ...s, outcome: `http ${s.status}` };
    if (replies.length === 0) return { ...s, outcome: 'no reply' };
    if (replies.every((r) => r === DATABASE_UNAVAILABLE_MESSAGE)) return { ...s, outcome: 'unavailable' };
    const bad = replies.find((r) => r.includes(DATABASE_UNAVAILABLE_MESSAGE) ? r !== DATABASE_UNAVAILABLE_MESSAGE : ERROR_LIKE.test(r));
    return { ...s, outcome: bad ? `bad: ${bad}` : 'ok' };
  });
}

function tally(rows: { outcome: string }[]): Record<string, number> {
  return rows.reduce<Record<string, number>>((counts, r) => ({ ...counts, [r.outcome.startsWith('bad') || r.outcome.startsWith('other') ? r.outcome : r.outcome]: (counts[r.outcome] ?? 0) + 1 }), {});
}

if (onRealPostgres) {
  describe('Postgres away for 30 s under load [real Postgres only: the embedded database runs inside the bot and has no connection to cut]', () => {
    let database: TestDatabase;
    let proxy: CuttableProxy;
    let scene: Awaited<ReturnType<typeof startScene>>;
    let admin: pg.Client;

    beforeAll(async () => {
      database = await createTestDatabase();
      const target = new URL(database.url!);
      proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
      await proxy.open();
      const url = new URL(database.url!);
      url.host = `127.0.0.1:${proxy.port}`;
      url.searchParams.set('options', `-c search_path=${database.schema!}`);
      url.searchParams.set('application_name', `outage-load-${database.schema!}`);
      scene = await startScene({ DATABASE_URL: url.toString() });
      admin = new pg.Client({ connectionString: database.url!, options: `-c search_path=${database.schema!}` });
      await admin.connect();
    }, 240_000);
    afterAll(async () => {
      await scene?.bot.stop();
      await scene?.fake.close();
      await proxy?.close();
      await admin?.end();
      await database?.close();
    });

    it('answers every request with the database message or success, /readyz 503 then 200, nothing half-written, queued work done, no restart', async () => {
      const { fake, bot } = scene;
      const readyz: { at: number; status: number }[] = [];
      let probing = true;
      const probe = (async () => {
        while (probing) {
          const response = await fetch(`${bot.base}/readyz`).catch(() => undefined);
          readyz.push({ at: Date.now(), status: response?.status ?? 0 });
          await response?.text();
          await sleep(250);
        }
      })();

      const load = startLoad(scene);
      await sleep(5_000); // steady load before the cut
      const cutAt = Date.now();
      await proxy.cut();
      await sleep(OUTAGE_MS);
      await proxy.restore();
      const restoredAt = Date.now();
      await sleep(10_000); // load goes on after the database is back
      await load.stop();

      // The bot recovers by itself: the next command works, without a restart.
      const recovery = await until(async () => {
        const id = `probe-${Date.now()}`;
        const response = await postSigned(`${bot.base}/slack/events`, slashCommandBody({ text: 'list', user: 'UCAROL', channel: GENERAL, triggerId: triggerId(), responseUrl: fake.responseUrl(id) }));
        await response.text();
        await sleep(500);
        return fake.responses.some((r) => r.id === id && String(r.body.text) !== DATABASE_UNAVAILABLE_MESSAGE);
      }, 'a command to work again', 60_000).catch((error: unknown) => {
        // What the bot said about it, for whoever reads the failure.
        console.info(bot.output().split('\n').filter((line) => !line.includes('"level":30')).slice(-40).join('\n'));
        console.info(JSON.stringify({ readyz: readyz.filter((r) => r.at >= restoredAt).slice(0, 20), sinceRestore: Date.now() - restoredAt, lastRequests: answers(fake, load.sent).slice(-10).map((r) => [r.what, r.outcome, r.at - restoredAt]) }));
        throw error;
      });

      // Queued work resumes: every incident finished, every page sent (the side-effect retry backs off to 12 s).
      await until(
        async () => {
          try {
            await expectNothingHalfWritten(fake, admin);
            return true;
          } catch {
            return false;
          }
        },
        'the work queued before the cut to finish',
        // A page claimed when the connection dropped keeps its claim until the lease (CLAIM_LEASE_MS, 120 s) runs out.
        150_000,
      ).catch(() => undefined);
      probing = false;
      await probe;

      const rows = answers(fake, load.sent);
      const duringRows = rows.filter((r) => r.at >= cutAt && r.at < restoredAt);
      const readyDuring = readyz.filter((r) => r.at > cutAt + 2_000 && r.at < restoredAt);
      const firstReadyAfter = readyz.find((r) => r.at >= restoredAt && r.status === 200);
      console.info(
        JSON.stringify({
          requests: rows.length,
          duringOutage: duringRows.length,
          duringByKind: tally(duringRows.map((r) => ({ outcome: `${r.kind} ${r.outcome}` }))),
          all: tally(rows),
          readyzDuring: tally(readyDuring.map((r) => ({ outcome: String(r.status) }))),
          readyz200AfterMs: firstReadyAfter ? firstReadyAfter.at - restoredAt : null,
          commandWorksAgainAfterMs: Date.now() - restoredAt, probeMs: recovery,
          proxyConnections: proxy.connections,
        }),
      );

      // Every request got exactly the database message or succeeded: no ref, no trace, none unanswered.
      expect(rows.filter((r) => r.outcome !== 'ok' && r.outcome !== 'unavailable')).toEqual([]);
      expect(duringRows.filter((r) => r.outcome === 'unavailable').length).toBeGreaterThan(10);
      // /readyz: 503 throughout the outage (after the first lost connection), 200 once it is over.
      expect(readyDuring.length).toBeGreaterThan(10);
      expect(readyDuring.every((r) => r.status === 503)).toBe(true);
      expect(firstReadyAfter).toBeDefined();
      expect(readyz.at(-1)!.status).toBe(200);
      await expectNothingHalfWritten(fake, admin);
      // The process never exited, and said nothing with a stack trace.
      expect(bot.child.exitCode).toBeNull();
      expect(bot.output()).not.toMatch(/\n\s+at [^\n]+:\d+:\d+\)?\n/);
    }, 420_000);
  });
}

describe('the same load on the bot\'s embedded database, with nothing cut (the checks the outage run makes hold without an outage)', () => {
  let dataDir: string;
  let scene: Awaited<ReturnType<typeof startScene>> | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'outage-load-'));
  }, 120_000);
  afterAll(async () => {
    await scene?.bot.stop();
    await scene?.fake.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers every request, finishes every incident and page, and leaves nothing half-written', async () => {
    if (onRealPostgres) {
      // On a real server the same process runs on its own throw-away schema.
      const database = await createTestDatabase();
      const url = new URL(database.url!);
      url.searchParams.set('options', `-c search_path=${database.schema!}`);
      scene = await startScene({ DATABASE_URL: url.toString() });
      try {
        await runBaseline(scene, async (check) => {
          const admin = new pg.Client({ connectionString: database.url!, options: `-c search_path=${database.schema!}` });
          await admin.connect();
          try {
            await check(admin);
          } finally {
            await admin.end();
          }
        });
      } finally {
        await scene.bot.stop();
        scene = undefined;
        await database.close();
      }
      return;
    }
    scene = await startScene({ DATA_DIR: dataDir });
    const current = scene;
    // The embedded database is the bot's own: read its tables after the bot stops.
    await runBaseline(current, async (check) => {
      await current.bot.stop();
      const { PGlite } = await import('@electric-sql/pglite');
      const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
      const pglite = new PGlite(join(dataDir, 'pglite'));
      const client = new pg.Client(createPgConfig(pglite) as pg.ClientConfig);
      await client.connect();
      try {
        await check(client);
      } finally {
        await client.end();
        await pglite.close();
      }
    });
  }, 360_000);
});

async function runBaseline(scene: Awaited<ReturnType<typeof startScene>>, withTables: (check: (client: pg.Client) => Promise<void>) => Promise<void>): Promise<void> {
  const { fake, bot } = scene;
  const load = startLoad(scene);
  await sleep(8_000);
  await load.stop();
  const rows = answers(fake, load.sent);
  // Wait for the replies still being worked on, and the pages and cards.
  await until(() => answers(fake, load.sent).every((r) => r.outcome !== 'no reply'), 'every reply', 60_000);
  await sleep(3_000);
  expect(answers(fake, load.sent).filter((r) => r.outcome !== 'ok')).toEqual([]);
  expect(rows.length).toBeGreaterThan(10);
  expect(bot.child.exitCode).toBeNull();
  await withTables((client) => expectNothingHalfWritten(fake, client));
}
