import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { INCIDENTS_CHANNEL_ID, TEAM_ID, USERS, teamsActivities, type TeamsActivities } from '../test/support/bot-framework-activities.js';
import { FakeBotConnector, type ConnectorCall } from '../test/support/fake-bot-connector.js';
import { ms, printRows, summarise } from './stats.js';

/**
 * Teams edge: a message round trip (the activity POSTed to /api/messages → the bot's reply arriving
 * at the Bot Connector) of the bot beside a bare botbuilder CloudAdapter echo bot (same Teams-shaped
 * channel activities, same Bot Connector double, same run), for `incident list` in a channel and
 * `incident status` in an incident's thread; and declare end to end (POST → the declarer's reply).
 * Our bot acks the HTTP request first and replies proactively, so the end is when the connector
 * receives the reply, not the HTTP answer. Each server runs in its own process
 * (bench/support-teams-target.ts); this process sends the activities and plays the Bot Connector.
 * Target: round trip p99 within 1.5× the bare bot.
 */
const REQUESTS = Number(process.env.BENCH_TEAMS_REQUESTS ?? 300);
const ROUNDS = 5;
const PER_ROUND = Math.max(1, Math.round(REQUESTS / ROUNDS));
const WARM_UP = 50;
const DECLARES = Number(process.env.BENCH_TEAMS_DECLARES ?? 20);
/** The measured rounds stop early (fewer samples, `n` says how many) past this. */
const BUDGET_MS = Number(process.env.BENCH_TEAMS_BUDGET_MS ?? 120_000);
const TARGET_RATIO = 1.5;

interface Target {
  url: string;
  process: ChildProcess;
}

type Activity = Record<string, unknown>;

async function startTarget(mode: 'bot' | 'bare'): Promise<Target> {
  const script = fileURLToPath(new URL('./support-teams-target.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode], { env: process.env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench target ${mode} exited with ${code}`)));
  });
  const { port } = JSON.parse(first) as { port: number };
  return { url: `http://127.0.0.1:${port}/api/messages`, process: child };
}

async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

interface RoundTrip {
  /** POST sent → the reply received by the connector. */
  total: number;
  /** POST sent → the HTTP answer (the ack). */
  ack: number;
  reply: ConnectorCall;
  /** Connector calls the bot made for this activity, up to and including the reply. */
  calls: ConnectorCall[];
}

/**
 * Delivers one activity as Teams does (the connector learns the post first), then waits for the
 * bot's first message into that activity's conversation; its arrival time is the connector's clock,
 * the same performance.now() as the start, so the polling interval does not count.
 */
async function roundTrip(target: Target, connector: FakeBotConnector, activity: Activity): Promise<RoundTrip> {
  const conversationId = String((activity.conversation as { id: string }).id);
  connector.recordInbound(activity);
  const from = connector.calls.length;
  const body = JSON.stringify(activity);
  const start = performance.now();
  const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await response.arrayBuffer();
  const acked = performance.now();
  if (response.status !== 200) throw new Error(`the bot answered ${response.status}`);
  let scanned = from;
  const at = await waitFor(() => {
    for (; scanned < connector.calls.length; scanned++) {
      const call = connector.calls[scanned]!;
      if ((call.operation === 'sendToConversation' || call.operation === 'replyToActivity') && call.conversationId === conversationId) return scanned;
    }
    return undefined;
  }, `the reply in ${conversationId}`);
  const reply = connector.calls[at]!;
  if (reply.status >= 300) throw new Error(`the connector refused the reply: ${reply.status} ${reply.error ?? ''}`);
  return { total: reply.at - start, ack: acked - start, reply, calls: connector.calls.slice(from, at + 1) };
}

/** `count` activities one after another; each starts once the previous reply is in. */
async function sequential(target: Target, connector: FakeBotConnector, make: () => Activity, count: number): Promise<RoundTrip[]> {
  const trips: RoundTrip[] = [];
  for (let i = 0; i < count; i++) trips.push(await roundTrip(target, connector, make()));
  return trips;
}

function textOf(call: ConnectorCall): string {
  const body = call.body as { text?: unknown; attachments?: unknown } | undefined;
  return typeof body?.text === 'string' ? body.text : JSON.stringify(body?.attachments ?? '');
}

export default async function bench(): Promise<void> {
  const connector = new FakeBotConnector({ rateLimits: false });
  await connector.start();
  connector.addTeam({ id: TEAM_ID, name: 'Incident Response', members: Object.values(USERS) });
  connector.addChannel(INCIDENTS_CHANNEL_ID, { teamId: TEAM_ID, name: 'incidents', members: Object.values(USERS) });
  const activities: TeamsActivities = teamsActivities({ serviceUrl: connector.serviceUrl });
  const bot = await startTarget('bot');
  const bare = await startTarget('bare');
  try {
    // One incident to ask the status of, declared in the channel as people do.
    const declared = await roundTrip(bot, connector, activities.channelMention('incident declare sev2 model-drift Fraud model recall fell 9% this week'));
    if (!/INC-\d+/.test(textOf(declared.reply))) throw new Error(`declare answered ${textOf(declared.reply).slice(0, 200)}`);
    const root = connector.threadsIn(INCIDENTS_CHANNEL_ID).filter((m) => m.by === 'bot').at(-1)?.id;
    if (!root) throw new Error('declare started no thread');
    const list = () => activities.channelMention('incident list');
    const status = () => activities.channelMention('incident status', { threadRootId: root });
    const [listed] = await sequential(bot, connector, list, 1);
    const [statused] = await sequential(bot, connector, status, 1);
    if (!textOf(listed!.reply).includes('1 open incident')) throw new Error(`list answered ${textOf(listed!.reply).slice(0, 200)}`);
    if (!textOf(statused!.reply).includes('AdaptiveCard')) throw new Error(`status answered ${textOf(statused!.reply).slice(0, 200)}`);

    // Warm all three up.
    await sequential(bare, connector, list, WARM_UP);
    await sequential(bot, connector, list, WARM_UP);
    await sequential(bot, connector, status, WARM_UP);

    // Rounds alternate between the servers so both see the same machine load.
    const bareTrips: RoundTrip[] = [];
    const listTrips: RoundTrip[] = [];
    const statusTrips: RoundTrip[] = [];
    const started = performance.now();
    for (let round = 0; round < ROUNDS && performance.now() - started < BUDGET_MS; round++) {
      bareTrips.push(...(await sequential(bare, connector, list, PER_ROUND)));
      listTrips.push(...(await sequential(bot, connector, list, PER_ROUND)));
      statusTrips.push(...(await sequential(bot, connector, status, PER_ROUND)));
    }

    const declares: RoundTrip[] = [];
    for (let i = 0; i < DECLARES; i++) {
      declares.push(await roundTrip(bot, connector, activities.channelMention(`incident declare sev2 model-drift Bench incident ${i} fraud model recall fell`)));
    }

    const bareRt = summarise(bareTrips.map((t) => t.total));
    const listRt = summarise(listTrips.map((t) => t.total));
    const statusRt = summarise(statusTrips.map((t) => t.total));
    const row = (app: string, trips: RoundTrip[]) => {
      const total = summarise(trips.map((t) => t.total));
      const ack = summarise(trips.map((t) => t.ack));
      return { app, n: total.n, p50: ms(total.p50), p99: ms(total.p99), mean: ms(total.mean), 'HTTP answer p50': ms(ack.p50) };
    };
    const ratio = (app: string, ours: typeof bareRt) => ({
      app,
      n: ours.n,
      p50: (ours.p50 / bareRt.p50).toFixed(2),
      p99: (ours.p99 / bareRt.p99).toFixed(2),
      mean: (ours.mean / bareRt.mean).toFixed(2),
      'HTTP answer p50': '',
    });
    printRows(`Teams message round trip (activity POSTed → reply at the Bot Connector): ${PER_ROUND * ROUNDS} per app, one at a time`, [
      row('bare CloudAdapter (echo)', bareTrips),
      row('incident bot: `incident list` in a channel', listTrips),
      row('incident bot: `incident status` in the thread', statusTrips),
      ratio('ratio list / bare', listRt),
      ratio('ratio status / bare', statusRt),
    ]);
    const dTotal = summarise(declares.map((t) => t.total));
    const dAck = summarise(declares.map((t) => t.ack));
    const dCalls = summarise(declares.map((t) => t.calls.length));
    printRows(`Teams declare: ${DECLARES} declares one after another (model-drift, in a channel)`, [
      { measure: 'HTTP answer (ack)', p50: ms(dAck.p50), p99: ms(dAck.p99) },
      { measure: "POST → the declarer's reply at the connector", p50: ms(dTotal.p50), p99: ms(dTotal.p99) },
      { measure: 'connector calls before that reply', p50: dCalls.p50, p99: dCalls.p99 },
    ]);
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    console.log(
      `targets: list round trip p99 within ${TARGET_RATIO}x bare ${verdict(listRt.p99 <= TARGET_RATIO * bareRt.p99)}; status round trip p99 within ${TARGET_RATIO}x bare ${verdict(statusRt.p99 <= TARGET_RATIO * bareRt.p99)}`,
    );
  } finally {
    bot.process.stdin?.end();
    bare.process.stdin?.end();
    await connector.close();
  }
}
