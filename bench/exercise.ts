import { migrationsDirectory, playbooksDirectory, scenariosFile } from '../src/app.js';
import { ConsoleChat } from '../src/adapters/console/console-chat.js';
import type { CoreContext } from '../src/core/context.js';
import { loadScenarios } from '../src/core/exercise/scenario-catalog.js';
import { handleCommand } from '../src/core/handle-command.js';
import { loadPlaybooks } from '../src/core/playbook/load-playbooks.js';
import { systemClock } from '../src/core/time/time-input.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { KyselyStore } from '../src/db/store.js';
import { openScratchSchema } from '../test/support/database.js';
import { ms, printRows, summarise, timed } from './stats.js';

/**
 * Tabletop exercises through the real command path: `exercise start` beside a plain `declare` of
 * the same playbook (the baseline: an exercise is a declaration plus its row and scenario card),
 * then every inject and `exercise end` with its after-action review.
 */
const EXERCISES = Number(process.env.BENCH_EXERCISES ?? 100);
const silent = { info() {}, warn() {}, error() {} };

async function runOn(name: string, handle: DatabaseHandle): Promise<Record<string, string | number>> {
  await migrate(handle.db, migrationsDirectory());
  const playbooks = await loadPlaybooks(playbooksDirectory({}));
  const loaded = await timed(() => loadScenarios(scenariosFile({}), playbooks.all()));
  const context: CoreContext = {
    store: new KyselyStore(handle.db, systemClock, { coordination: handle.coordination }),
    playbooks,
    scenarios: loaded.value,
    clock: systemClock,
    timeZone: 'UTC',
    platforms: new Map([['console', new ConsoleChat(() => {})]]),
    logger: silent,
  };
  const scenarios = loaded.value.scenarios;
  const declares: number[] = [];
  const starts: number[] = [];
  const injects: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < EXERCISES; i++) {
    const scenario = scenarios[i % scenarios.length]!;
    const actor = { platform: 'console', userId: `u${i % 7}`, channelId: 'general' };
    declares.push((await timed(() => handleCommand(context, actor, `/incident declare ${scenario.playbookId} ${scenario.caseStudy.name.slice(0, 120)}`))).ms);
    const started = await timed(() => handleCommand(context, actor, `/incident exercise start ${scenario.caseStudy.id}`));
    if (!started.value.channelId) throw new Error(`exercise start failed: ${started.value.text}`);
    starts.push(started.ms);
    const inChannel = { ...actor, channelId: started.value.channelId };
    for (let n = 0; n < scenario.caseStudy.procedure.length; n++) {
      const revealed = await timed(() => handleCommand(context, inChannel, '/incident exercise inject'));
      if (!revealed.value.card) throw new Error(`inject failed: ${revealed.value.text}`);
      injects.push(revealed.ms);
      if (n % 2 === 0) await handleCommand(context, inChannel, `/incident decision step ${n} because bench`);
    }
    const ended = await timed(() => handleCommand(context, inChannel, '/incident exercise end'));
    if (!ended.value.card) throw new Error(`exercise end failed: ${ended.value.text}`);
    ends.push(ended.ms);
  }
  await handle.close();
  const [declare, start, inject, end] = [declares, starts, injects, ends].map(summarise) as [ReturnType<typeof summarise>, ReturnType<typeof summarise>, ReturnType<typeof summarise>, ReturnType<typeof summarise>];
  return {
    database: name,
    'load scenarios': ms(loaded.ms),
    'declare p50 (baseline)': ms(declare.p50),
    'start p50': ms(start.p50),
    'start p99': ms(start.p99),
    'start / declare': Number((start.p50 / declare.p50).toFixed(2)),
    'inject p50': ms(inject.p50),
    'inject p99': ms(inject.p99),
    'end+review p50': ms(end.p50),
    'end+review p99': ms(end.p99),
    'end / declare': Number((end.p50 / declare.p50).toFixed(2)),
  };
}

export default async function benchExercise(): Promise<void> {
  const rows = [await runOn('embedded (PGlite)', await openDatabase({}))];
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  try {
    rows.push(await runOn('PostgreSQL', await openScratchSchema(url, 'bench_exercise')));
  } catch (error) {
    console.log(`PostgreSQL skipped (${url}): ${(error as Error).message}`);
  }
  printRows(`exercise: ${EXERCISES} exercises started, every inject revealed, ended with the review (console chat)`, rows);
}
