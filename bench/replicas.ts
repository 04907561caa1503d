import pg from 'pg';
import { migrationsDirectory, playbooksDirectory } from '../src/app.js';
import { ConsoleChat } from '../src/adapters/console/console-chat.js';
import type { CoreContext } from '../src/core/context.js';
import { handleCommand } from '../src/core/handle-command.js';
import { cardDigest, cardRendersSettled, incidentCards } from '../src/core/incident/refresh-cards.js';
import { loadPlaybooks } from '../src/core/playbook/load-playbooks.js';
import { systemClock } from '../src/core/time/time-input.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { KyselyStore } from '../src/db/store.js';
import { openScratchSchema } from '../test/support/database.js';
import { printRows } from './stats.js';

/**
 * Two replicas (two connection pools, two core contexts) on one real Postgres schema, behind one
 * chat platform: declares, then ticks and unticks spread over both with many in flight at once.
 * Printed beside the raw `pg` insert rate measured in the same run at the same concurrency.
 * Goal: at least 1,000 ticks/s, none lost (every answered change is one event; the event log
 * replayed gives the steps table; every card shows its incident's final state).
 */
const INCIDENTS = Number(process.env.BENCH_REPLICA_INCIDENTS ?? 200);
const TICKS = Number(process.env.BENCH_REPLICA_TICKS ?? 5000);
const IN_FLIGHT = Number(process.env.BENCH_REPLICA_IN_FLIGHT ?? 64);
const POOL = 16;
const GOAL = 1000;
const silent = { info() {}, warn() {}, error() {} };

async function pool<T>(count: number, inFlight: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

async function rawInsertRate(url: string, schema: string): Promise<number> {
  const client = new pg.Pool({ connectionString: url, max: POOL * 2, options: `-c search_path=${schema}` });
  try {
    await client.query('CREATE TABLE bench_raw (id bigserial PRIMARY KEY, n int NOT NULL, at timestamptz NOT NULL DEFAULT now())');
    const n = TICKS;
    const start = performance.now();
    await pool(n, IN_FLIGHT, (i) => client.query('INSERT INTO bench_raw (n) VALUES ($1)', [i]));
    return n / ((performance.now() - start) / 1000);
  } finally {
    await client.end();
  }
}

export default async function benchReplicas(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  let scratch;
  try {
    scratch = await openScratchSchema(url, 'bench_replicas', 2);
  } catch (error) {
    console.log(`replicas: PostgreSQL unavailable (${url}): ${(error as Error).message}; MISS (not measured)`);
    return;
  }
  const handles: DatabaseHandle[] = [];
  try {
    await migrate(scratch.db, migrationsDirectory());
    const playbooks = await loadPlaybooks(playbooksDirectory({}));
    // One chat platform both replicas talk to, as both would talk to one Slack workspace.
    let updates = 0;
    const chat = new ConsoleChat(() => updates++);
    const replica = async (name: string): Promise<CoreContext> => {
      const handle = await openDatabase({ url, schema: scratch.schema!, poolSize: POOL, applicationName: `bench-${name}` });
      handles.push(handle);
      return {
        store: new KyselyStore(handle.db, systemClock, { coordination: handle.coordination }),
        playbooks,
        clock: systemClock,
        timeZone: 'UTC',
        platforms: new Map([['console', chat]]),
        logger: silent,
        paging: { worker: name },
      };
    };
    const replicas = [await replica('a'), await replica('b')];

    const baseline = await rawInsertRate(url, scratch.schema!);

    const incidents = await pool(INCIDENTS, 16, async (i) => {
      const reply = await handleCommand(replicas[i % 2]!, { platform: 'console', userId: `u${i % 7}`, channelId: 'general' }, `/incident declare sev3 prompt-injection Replica bench incident ${i}`);
      if (!reply.channelId || !reply.incidentId) throw new Error(`declare failed: ${reply.text}`);
      return { id: reply.incidentId, channelId: reply.channelId };
    });

    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const plan = Array.from({ length: TICKS }, (_, i) => ({ incident: incidents[random(incidents.length)]!, step: 1 + random(6), done: random(3) > 0, replica: replicas[i % 2]! }));
    const started = performance.now();
    const answers = await pool(plan.length, IN_FLIGHT, async (i) => {
      const { incident, step, done, replica } = plan[i]!;
      const reply = await handleCommand(replica, { platform: 'console', userId: `u${i % 11}`, channelId: incident.channelId }, `/incident ${done ? 'tick' : 'untick'} ${step}`);
      return reply.text;
    });
    // Renders still in line count: the clock stops when every card is drawn from the last change.
    await Promise.all(replicas.map((r) => cardRendersSettled(r)));
    const seconds = (performance.now() - started) / 1000;
    const rate = TICKS / seconds;

    // None lost: every answer is a change or "already"; each change is one event; the log replays to the steps table.
    const store = replicas[0]!.store;
    const changed = answers.filter((t) => /^Step \d+ (ticked|unticked):/.test(t)).length;
    const unanswered = answers.filter((t) => !/^Step \d+ (ticked|unticked|was already)/.test(t));
    let events = 0;
    let mismatched = 0;
    let staleCards = 0;
    let leasesHeld = 0;
    for (const incident of incidents) {
      const log = (await store.events.forIncident(incident.id)).filter((e) => e.kind === 'step_ticked' || e.kind === 'step_unticked')
        .sort((x, y) => Number(x.id) - Number(y.id));
      events += log.length;
      const replayed = new Set<number>();
      for (const e of log) (e.kind === 'step_ticked' ? replayed.add(Number(e.payload.step)) : replayed.delete(Number(e.payload.step)));
      const stored = (await store.steps.list(incident.id)).filter((s) => s.doneAt).map((s) => s.number);
      if ([...replayed].sort().join() !== stored.sort().join()) mismatched++;
      // Every card shows the last change: each bound message's recorded digest is that of the card drawn now.
      const sources = (await store.cardPublishing.sources(incident.id))!;
      const { header, checklist } = await incidentCards(replicas[0]!, sources.incident, chat);
      const wanted = [header, ...checklist].map(cardDigest);
      if (sources.messages.length !== wanted.length || sources.messages.some((m) => m.shownDigest !== wanted[m.purpose === 'header' ? 0 : 1 + m.part])) staleCards++;
    }
    const held = await scratch.db.selectFrom('publish_leases').select((eb) => eb.fn.countAll<number>().as('n')).where('holder', 'is not', null).executeTakeFirst();
    leasesHeld = Number(held?.n ?? 0);
    const lost = unanswered.length + Math.abs(events - changed) + mismatched;
    printRows(`replicas: ${TICKS} ticks over two replicas on PostgreSQL, ${IN_FLIGHT} in flight, ${INCIDENTS} incidents`, [
      {
        'raw pg inserts/s': Math.round(baseline),
        'ticks/s (two replicas)': Math.round(rate),
        'ticks / raw insert': Number((rate / baseline).toFixed(2)),
        'changes answered': changed,
        'change events': events,
        'log ≠ steps': mismatched,
        'card renders sent': updates,
        'incidents with a stale card': staleCards,
        'leases left held': leasesHeld,
        lost,
      },
    ]);
    const pass = rate >= GOAL && lost === 0 && leasesHeld === 0 && staleCards === 0;
    console.log(`${pass ? 'PASS' : 'MISS'}: ${Math.round(rate)} ticks/s with two replicas (goal ≥ ${GOAL}), ${lost} lost, beside ${Math.round(baseline)} raw pg inserts/s`);
  } finally {
    for (const handle of handles) await handle.close();
    await scratch.close();
  }
}

