import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FAKE_BOT_TOKEN, FakeSlack, GENERAL } from '../test/support/fake-slack.js';
import { SIGNING_SECRET, postSigned, slashCommandBody } from '../test/support/slack-requests.js';
import { ms, printRows, summarise } from './stats.js';
import { postgresUrl } from './support-process.js';

/**
 * Slack edge: slash-command ack latency of the bot beside a bare Bolt app that only acks (same
 * signed requests, same fake Web API, same run), and declare end to end: ack → last Web API call.
 * Each server runs in its own process (bench/support-slack-target.ts); this process sends the
 * requests and plays Slack's Web API. The bot runs on the embedded database, then on Postgres when
 * one answers (BENCH_DATABASE_URL, TEST_DATABASE_URL or the local server), each beside its own bare run. Targets: ack p99 < 50 ms and within 1.5× the bare app (issue 9: with every request stored in the durable inbox before its ack);
 * declare < 300 ms.
 */
const REQUESTS = Number(process.env.BENCH_SLACK_REQUESTS ?? 500);
const CONCURRENCY = 20;
const ROUNDS = 5;
const DECLARES = Number(process.env.BENCH_SLACK_DECLARES ?? 30);

let sequence = 0;

interface Target {
  url: string;
  process: ChildProcess;
}

/** `databaseUrl`: the bot's Postgres; null runs it on the embedded database. */
async function startTarget(mode: 'bot' | 'bare', fake: FakeSlack, databaseUrl: string | null = null): Promise<Target> {
  const script = fileURLToPath(new URL('./support-slack-target.ts', import.meta.url));
  const { BENCH_DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode], {
    env: { ...inherited, FAKE_SLACK_URL: fake.url, BENCH_TOKEN: FAKE_BOT_TOKEN, BENCH_SECRET: SIGNING_SECRET, ...(databaseUrl ? { BENCH_DATABASE_URL: databaseUrl } : {}) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench target ${mode} exited with ${code}`)));
  });
  const { port } = JSON.parse(first) as { port: number };
  return { url: `http://127.0.0.1:${port}/slack/events`, process: child };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function command(fake: FakeSlack, text: string, id: string): string {
  return slashCommandBody({ text, user: 'UALICE', channel: GENERAL, triggerId: `bench.${id}`, responseUrl: fake.responseUrl(id) });
}

/** Sends `count` signed slash commands, `concurrency` at a time; returns each HTTP round trip (the ack). */
async function ackLatencies(target: Target, fake: FakeSlack, text: string, count: number, concurrency = CONCURRENCY): Promise<number[]> {
  const samples: number[] = [];
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      const body = command(fake, text, `a${++sequence}`);
      const start = performance.now();
      const response = await postSigned(target.url, body);
      await response.arrayBuffer();
      samples.push(performance.now() - start);
      if (response.status !== 200) throw new Error(`ack answered ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return samples;
}

export default async function bench(): Promise<void> {
  // BENCH_SLACK_DATABASES=embedded (or postgres) runs one of the two.
  const only = process.env.BENCH_SLACK_DATABASES?.split(',');
  if (!only || only.includes('embedded')) await benchOn('the embedded database', null);
  const url = !only || only.includes('postgres') ? await postgresUrl() : null;
  if (url) await benchOn('Postgres', url);
}

async function benchOn(database: string, databaseUrl: string | null): Promise<void> {
  console.log(`\n### the bot on ${database}`);
  const fake = new FakeSlack();
  await fake.start();
  const bot = await startTarget('bot', fake, databaseUrl);
  const bare = await startTarget('bare', fake);
  try {
    const setup = async (text: string) => {
      const id = `s${++sequence}`;
      await postSigned(bot.url, command(fake, text, id));
      await waitFor(() => fake.responses.some((r) => r.id === id), `the reply to ${text}`);
    };
    await setup('oncall security <@USAM>');
    await setup('oncall ml-engineer <@UMIA>');

    // Warm both up; every bot reply must be in before the next phase starts.
    const replies = () => fake.responses.length;
    await ackLatencies(bare, fake, 'list', 50);
    let expected = replies() + 50;
    await ackLatencies(bot, fake, 'list', 50);
    await waitFor(() => replies() >= expected, 'warm-up replies');

    // Rounds alternate between the two servers so both see the same machine load; the bot's
    // replies (its work after the ack) are all in before the bare app's next round starts.
    const bareSamples: number[] = [];
    const botSamples: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareSamples.push(...(await ackLatencies(bare, fake, 'list', REQUESTS / ROUNDS)));
      expected = replies() + REQUESTS / ROUNDS;
      botSamples.push(...(await ackLatencies(bot, fake, 'list', REQUESTS / ROUNDS)));
      await waitFor(() => replies() >= expected, 'the bot to answer every command');
    }
    const bareAcks = summarise(bareSamples);
    const botAcks = summarise(botSamples);

    const declareAck: number[] = [];
    const declareTotal: number[] = [];
    for (let i = 0; i < DECLARES; i++) {
      const id = `d${++sequence}`;
      const callsBefore = fake.calls.length;
      const start = performance.now();
      const response = await postSigned(bot.url, command(fake, `declare sev2 prompt-injection Incident ${i} support bot obeys hidden instructions`, id));
      await response.arrayBuffer();
      const acked = performance.now();
      // The declarer's reply is sent after the channel, cards, pin and pages are done.
      await waitFor(() => fake.responses.some((r) => r.id === id), `declare ${i}`);
      const calls = fake.calls.slice(callsBefore);
      if (!calls.some((c) => c.method === 'pins.add') || calls.some((c) => c.outcome !== 'ok')) throw new Error(`declare ${i} did not finish cleanly`);
      declareAck.push(acked - start);
      declareTotal.push(Math.max(...calls.map((c) => c.at)) - acked);
    }
    const bareDeclareAcks = summarise(await ackLatencies(bare, fake, 'declare sev2 prompt-injection Bench incident', DECLARES, 1));
    const dAck = summarise(declareAck);
    const dTotal = summarise(declareTotal);

    printRows(`Slack slash-command ack: ${REQUESTS} signed \`/incident list\`, ${CONCURRENCY} at a time`, [
      { app: 'bare Bolt (ack only)', p50: ms(bareAcks.p50), p99: ms(bareAcks.p99), mean: ms(bareAcks.mean) },
      { app: 'incident bot', p50: ms(botAcks.p50), p99: ms(botAcks.p99), mean: ms(botAcks.mean) },
      { app: 'ratio bot / bare', p50: (botAcks.p50 / bareAcks.p50).toFixed(2), p99: (botAcks.p99 / bareAcks.p99).toFixed(2), mean: (botAcks.mean / bareAcks.mean).toFixed(2) },
    ]);
    printRows(`Slack declare: ${DECLARES} declares one after another (prompt-injection, 25 steps, 2 roles paged)`, [
      { measure: 'ack, bare Bolt (same requests, one at a time)', p50: ms(bareDeclareAcks.p50), p99: ms(bareDeclareAcks.p99) },
      { measure: 'ack, incident bot', p50: ms(dAck.p50), p99: ms(dAck.p99) },
      { measure: 'ack → last Web API call', p50: ms(dTotal.p50), p99: ms(dTotal.p99) },
    ]);
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    console.log(
      `targets (${database}): ack p99 < 50 ms ${verdict(botAcks.p99 < 50)}; ack p99 (inbox included) within 1.5x bare ${verdict(botAcks.p99 <= 1.5 * bareAcks.p99)}; declare p99 < 300 ms ${verdict(dTotal.p99 < 300)}`,
    );
  } finally {
    bot.process.stdin?.end();
    bare.process.stdin?.end();
    await fake.close();
  }
}
