import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack } from '../test/support/fake-slack.js';
import { botEnv } from './memory.js';
import { printRows, summarise } from './stats.js';
import { BARE_SERVER, buildDist, mainScript, root, spawnNode, verdict, waitFor200 } from './support-process.js';

/**
 * Start-up, measured from outside:
 * 1. spawn → `GET /readyz` 200 of `node dist/src/main.js` (CHAT=slack,teams against the fake Slack
 *    and the Teams emulator) over an existing embedded DATA_DIR holding INCIDENTS incidents, and
 * 2. what `npm start` spends before that when nothing changed (`tsc -b`, a no-op), beside the
 *    full `tsc -p` the old start ran each time, and after touching one source (it must rebuild);
 * beside the baseline: spawn → first 200 of a bare `node -e` HTTP server.
 * Target (issue 9): < 2 s to /readyz on the embedded database with data.
 */
const RUNS = 3;
const INCIDENTS = 50;
const TARGET_MS = 2_000;
const TOKEN = 'bench-memory-token-0123456789';

async function spawnToReady(args: string[], env: Record<string, string>, path: string): Promise<number> {
  const start = performance.now();
  const spawned = spawnNode(args, env);
  try {
    return await waitFor200(spawned, path, start);
  } finally {
    await spawned.stop();
  }
}

async function timedTsc(args: string[]): Promise<number> {
  const start = performance.now();
  const tsc = spawnNode([join(root, 'node_modules/typescript/bin/tsc'), ...args], {});
  await tsc.exited;
  return performance.now() - start;
}

export default async function bench(): Promise<void> {
  await buildDist();
  const slack = new FakeSlack();
  await slack.start();
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-startup-'));
  const env = botEnv(slack.url, { DATA_DIR: dataDir });
  const rows: Record<string, string | number>[] = [];
  try {
    // The data: a first start creates the database, then INCIDENTS alerts each open an incident.
    const first = spawnNode([mainScript], env);
    try {
      await waitFor200(first, '/readyz', performance.now());
      const port = await first.port;
      for (let i = 0; i < INCIDENTS; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/hooks/alerts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `Guardrail block rate high on replica ${i}`, severity: 'sev2', playbook: 'prompt-injection', source: 'bench', dedup_key: `startup-${i}` }),
        });
        if (response.status !== 200) throw new Error(`seeding: HTTP ${response.status} ${await response.text()}`);
      }
    } finally {
      await first.stop();
    }

    const bare: number[] = [];
    const bot: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(await spawnToReady(['-e', BARE_SERVER], {}, '/'));
      bot.push(await spawnToReady([mainScript], env, '/readyz'));
    }
    const b = summarise(bare);
    const s = summarise(bot);
    rows.push({ measure: 'spawn → 200, node -e (baseline)', 'p50 ms': Math.round(b.p50), 'max ms': Math.round(Math.max(...bare)), runs: RUNS });
    rows.push({ measure: `spawn → /readyz 200, node dist/src/main.js (embedded, ${INCIDENTS} incidents)`, 'p50 ms': Math.round(s.p50), 'max ms': Math.round(Math.max(...bot)), runs: RUNS });

    const noop = [await timedTsc(['-b', 'tsconfig.build.json']), await timedTsc(['-b', 'tsconfig.build.json'])];
    const full = await timedTsc(['-p', 'tsconfig.build.json']);
    // A changed source must be rebuilt: touch one and see tsc -b do the work again.
    const built = () => stat(join(root, 'dist/.tsbuildinfo.build')).then((f) => f.mtimeMs);
    const before = await built();
    const now = new Date();
    await utimes(join(root, 'src/project-root.ts'), now, now);
    const changed = await timedTsc(['-b', 'tsconfig.build.json']);
    const rebuilt = (await built()) > before;
    rows.push({ measure: 'npm start rebuild, nothing changed (tsc -b, no-op)', 'p50 ms': Math.round(Math.min(...noop)), 'max ms': Math.round(Math.max(...noop)), runs: 2 });
    rows.push({ measure: 'old npm start rebuild (tsc -p, every time)', 'p50 ms': Math.round(full), 'max ms': Math.round(full), runs: 1 });
    rows.push({ measure: `npm start rebuild after touching one source (tsc -b): ${rebuilt ? 'rebuilt' : 'NOT rebuilt'}`, 'p50 ms': Math.round(changed), 'max ms': Math.round(changed), runs: 1 });
    printRows('start-up', rows);
    console.log(`target start-up to /readyz 200 < ${TARGET_MS} ms (embedded, ${INCIDENTS} incidents): p50 ${Math.round(s.p50)} ms, max ${Math.round(Math.max(...bot))} ms (baseline node -e ${Math.round(b.p50)} ms): ${verdict(Math.max(...bot) < TARGET_MS)}`);
    console.log(`target npm start does not recompile an unchanged tree: tsc -b no-op ${Math.round(Math.min(...noop))} ms vs full tsc -p ${Math.round(full)} ms (baseline node -e ${Math.round(b.p50)} ms): ${verdict(Math.min(...noop) < full / 3 && rebuilt)}`);
  } finally {
    await slack.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
