import { setFlagsFromString } from 'node:v8';
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
