import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack } from '../test/support/fake-slack.js';
import { botEnv } from './memory.js';
import { printRows, summarise } from './stats.js';
import { BARE_SERVER, botNodeFlags, buildDist, mainScript, root, spawnNode, unbundledScript, verdict, waitFor200 } from './support-process.js';

/**
 * Start-up, measured from outside:
 * 1. spawn → `GET /readyz` 200 of `node dist/bundle/main.js`, what `npm start` and the image run
 *    (CHAT=slack,teams against the fake Slack and the Teams emulator), over an existing embedded
 *    DATA_DIR holding INCIDENTS incidents, beside the same sources unbundled (`dist/src/main.js`),
 *    run alternately, and
 * 2. what `npm start` spends before that when nothing changed (`tsc -b` and the bundle, both
 *    no-ops), beside the full `tsc -p` the old start ran each time, and after touching one source
 *    (both must build again);
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

async function timedBundle(): Promise<number> {
  const start = performance.now();
  const bundle = spawnNode([join(root, 'dist/src/cli/bundle.js')], {});
  if ((await bundle.exited) !== 0) throw new Error(`bundling failed:\n${bundle.output()}`);
  return performance.now() - start;
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
    const first = spawnNode([...botNodeFlags, mainScript], env);
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
    const unbundled: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(await spawnToReady(['-e', BARE_SERVER], {}, '/'));
      bot.push(await spawnToReady([...botNodeFlags, mainScript], env, '/readyz'));
      unbundled.push(await spawnToReady([...botNodeFlags, unbundledScript], env, '/readyz'));
    }
    const b = summarise(bare);
    const s = summarise(bot);
    const u = summarise(unbundled);
    rows.push({ measure: 'spawn → 200, node -e (baseline)', 'p50 ms': Math.round(b.p50), 'max ms': Math.round(Math.max(...bare)), runs: RUNS });
    rows.push({ measure: `spawn → /readyz 200, node dist/bundle/main.js (embedded, ${INCIDENTS} incidents)`, 'p50 ms': Math.round(s.p50), 'max ms': Math.round(Math.max(...bot)), runs: RUNS });
    rows.push({ measure: `the same unbundled, node dist/src/main.js (before the bundle)`, 'p50 ms': Math.round(u.p50), 'max ms': Math.round(Math.max(...unbundled)), runs: RUNS });

    // What `npm start` runs before the bot: tsc -b, then the bundle (each a no-op when up to date).
    const startBuild = async () => (await timedTsc(['-b', 'tsconfig.build.json'])) + (await timedBundle());
    const noop = [await startBuild(), await startBuild()];
    const full = await timedTsc(['-p', 'tsconfig.build.json']);
    // A changed source must be rebuilt: touch one and see both steps do the work again.
    const built = () => Promise.all(['dist/.tsbuildinfo.build', 'dist/bundle/meta.json'].map((f) => stat(join(root, f)).then((s) => s.mtimeMs)));
    const before = await built();
    const now = new Date();
    await utimes(join(root, 'src/project-root.ts'), now, now);
    const changed = await startBuild();
    const after = await built();
    const rebuilt = after.every((time, i) => time > before[i]!);
    rows.push({ measure: 'npm start build, nothing changed (tsc -b and bundle: no-ops)', 'p50 ms': Math.round(Math.min(...noop)), 'max ms': Math.round(Math.max(...noop)), runs: 2 });
    rows.push({ measure: 'old npm start rebuild (tsc -p, every time)', 'p50 ms': Math.round(full), 'max ms': Math.round(full), runs: 1 });
    rows.push({ measure: `npm start build after touching one source (tsc -b, bundle): ${rebuilt ? 'rebuilt' : 'NOT rebuilt'}`, 'p50 ms': Math.round(changed), 'max ms': Math.round(changed), runs: 1 });
    printRows('start-up', rows);
    console.log(`target start-up to /readyz 200 < ${TARGET_MS} ms (embedded, ${INCIDENTS} incidents): p50 ${Math.round(s.p50)} ms, max ${Math.round(Math.max(...bot))} ms (baseline node -e ${Math.round(b.p50)} ms; unbundled p50 ${Math.round(u.p50)} ms, bundled ÷ unbundled ${(s.p50 / u.p50).toFixed(2)}×): ${verdict(Math.max(...bot) < TARGET_MS)}`);
    console.log(`target npm start does not recompile an unchanged tree: tsc -b and bundle no-op ${Math.round(Math.min(...noop))} ms vs full tsc -p ${Math.round(full)} ms (baseline node -e ${Math.round(b.p50)} ms): ${verdict(Math.min(...noop) < full / 3 && rebuilt)}`);
  } finally {
    await slack.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
