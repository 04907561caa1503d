import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { nodeOptions } from './config.js';

/**
 * V8 settings for a long-running, mostly idle bot, applied before the bot's modules load (main.ts
 * imports this first; only config.ts, the one reader of NODE_OPTIONS, loads before it):
 * `--optimize-for-size` and a 1 MB young generation keep the heap near what is live instead of the 16 MB semi-spaces and eager growth V8 picks for throughput. Measured
 * (bench/memory.ts): idle RSS with Slack and Teams loaded 154 → 116 MB on Postgres, 255 → 219 MB
 * on the embedded database. Flags given on the command line or in NODE_OPTIONS win.
 */
const given = `${process.execArgv.join(' ')} ${nodeOptions()}`;
if (!/--(no-)?optimize[-_]for[-_]size/.test(given)) setFlagsFromString('--optimize-for-size');
if (!/--max[-_]semi[-_]space[-_]size/.test(given)) setFlagsFromString('--max-semi-space-size=1');

/**
 * One full collection once the bot is ready: start-up leaves garbage behind (sources compiled,
 * YAML and schemas read once) that an idle process would otherwise keep for hours, as V8 collects
 * the old generation only when allocation pushes it to. Measured (bench/memory.ts, Postgres,
 * Slack and Teams): idle RSS 126–133 MB without it, 117–118 MB with it.
 */
export function collectStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  // Not at once: the first requests come right after readiness.
  setTimeout(() => gc?.(), 2_000).unref();
}
