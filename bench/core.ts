import { migrationsDirectory, playbooksDirectory } from '../src/app.js';
import { ConsoleChat } from '../src/adapters/console/console-chat.js';
import type { CoreContext } from '../src/core/context.js';
import { handleCommand } from '../src/core/handle-command.js';
import { loadPlaybooks } from '../src/core/playbook/load-playbooks.js';
import { systemClock } from '../src/core/time/time-input.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { KyselyStore } from '../src/db/store.js';
import { openScratchSchema } from '../test/support/database.js';
import { ms, printRows, summarise, timed } from './stats.js';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 1000);
const TITLES = [
  'Support bot obeys instructions hidden in uploaded PDFs',
  'Chatbot shows other customers\' invoices',
  'Fraud model precision dropping, PSI alarm',
  'Assistant gave dangerous medical advice',
  'Recommender quality decline after retrain',
];
const silent = { info() {}, warn() {}, error() {} };

async function freshPostgres(url: string): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  const handle = await openScratchSchema(url, 'bench_core');
  return { handle, drop: () => handle.close() };
}

async function runOn(name: string, open: () => Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }>): Promise<Record<string, string | number>> {
  const opened = await timed(open);
  const { handle, drop } = opened.value;
  const migrated = await timed(() => migrate(handle.db, migrationsDirectory()));
  const chat = new ConsoleChat(() => {});
  const context: CoreContext = {
    store: new KyselyStore(handle.db, systemClock, { coordination: handle.coordination }),
    playbooks: await loadPlaybooks(playbooksDirectory({})),
    clock: systemClock,
    timeZone: 'UTC',
    platforms: new Map([['console', chat]]),
    logger: silent,
  };
  // Baseline: one event row written in its own transaction, the least a state change can cost.
  const baseline: number[] = [];
  for (let i = 0; i < 200; i++) {
    baseline.push(
      (await timed(() => context.store.transaction((store) => store.events.append({ incidentId: null, kind: 'roster_set', payload: { role: 'legal', users: [`u${i}`] }, actor: 'bench', occurredAt: new Date() })))).ms,
    );
  }
  const declares: number[] = [];
  const channels: string[] = [];
  for (let i = 0; i < INCIDENTS; i++) {
    const { ms: took, value } = await timed(() =>
      handleCommand(context, { platform: 'console', userId: `u${i % 17}`, channelId: 'general' }, `/incident declare sev${(i % 4) + 1} ${TITLES[i % TITLES.length]} ${i}`),
    );
    if (!value.channelId) throw new Error(`declare failed: ${value.text}`);
    channels.push(value.channelId);
    declares.push(took);
  }
  const ticks: number[] = [];
  for (const [i, channelId] of channels.entries()) {
    const { ms: took, value } = await timed(() => handleCommand(context, { platform: 'console', userId: `u${i % 13}`, channelId }, '/incident tick 1'));
    if (!value.text.startsWith('Step 1 ticked')) throw new Error(`tick failed: ${value.text}`);
    ticks.push(took);
  }
  await drop();
  const base = summarise(baseline);
  const declare = summarise(declares);
  const tick = summarise(ticks);
  return {
    database: name,
    'open (ms)': Number(opened.ms.toFixed(0)),
    'migrate (ms)': Number(migrated.ms.toFixed(0)),
    'event insert p50': ms(base.p50),
    'declare p50': ms(declare.p50),
    'declare p99': ms(declare.p99),
    'declare p50 / insert': Number((declare.p50 / base.p50).toFixed(1)),
    [`${INCIDENTS} declares (s)`]: Number((declare.total / 1000).toFixed(2)),
    'tick p50': ms(tick.p50),
    'tick p99': ms(tick.p99),
    'tick p50 / insert': Number((tick.p50 / base.p50).toFixed(1)),
  };
}

export default async function benchCore(): Promise<void> {
  const rows = [
    await runOn('embedded (PGlite)', async () => {
      const handle = await openDatabase({});
      return { handle, drop: () => handle.close() };
    }),
  ];
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  try {
    rows.push(await runOn('PostgreSQL', () => freshPostgres(url)));
  } catch (error) {
    console.log(`PostgreSQL skipped (${url}): ${(error as Error).message}`);
  }
  printRows(`core: ${INCIDENTS} incidents declared and ticked through the real command path (console chat)`, rows);
}
