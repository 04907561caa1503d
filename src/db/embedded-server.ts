import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { nodeOptions } from '../config.js';
import type { DatabaseLogger } from './database.js';

/**
 * The embedded Postgres (PGlite) on a thread of its own, spoken to in the Postgres wire protocol.
 *
 * Why a thread: PGlite runs every statement synchronously in WebAssembly. On the main thread that
 * CPU time held up the event loop, so Slack's requests waited in the socket while a checklist was
 * written (ack p99 2–2.8× the bare Bolt app against 1.2–1.8× on a Postgres server), and the
 * cluster booted only after the bot's modules had loaded. Here the statements run beside the event
 * loop, and the boot overlaps the loading of the rest of the bot.
 */
export interface EmbeddedServer {
  /** Settles when the server takes statements; rejects with why it could not start. */
  readonly ready: Promise<void>;
  /** Sends frontend messages; resolves with every backend message they produced, in order. */
  exchange(messages: Uint8Array): Promise<Uint8Array>;
  /** Shuts the cluster down cleanly (a checkpoint on disk), then ends the thread. */
  close(): Promise<void>;
}

/**
 * The embedded server's memory settings. Its memory is the WebAssembly heap of its thread, and
 * Postgres' defaults are sized for a server of its own: shared_buffers 128 MB alone made the bot
 * ~150 MB larger (the heap is touched as the buffer pool is set up). A chat bot's working set is
 * a few MB of incidents and events; 16 MB of buffers holds it, and a miss costs a read from the
 * page cache. wal_buffers follows shared_buffers (1/32); the rest are per-session limits left at
 * Postgres' defaults. `initialMemory` cannot go below the 128 MB the wasm module declares; pages
 * never touched cost no RSS.
 */
const EMBEDDED_SETTINGS = ['shared_buffers=16MB'];

/**
 * Creating the embedded cluster (initdb) grows the wasm heap by hundreds of MB that a process never
 * gives back (measured: first start idle ~340 MB, a restart over the same directory ~245 MB). So a
 * first start creates it in a short-lived child process and opens the result like a restart.
 * Should the child fail, the server's thread creates the cluster as before.
 */
const CREATE_CLUSTER = `
const { PGlite } = require(process.argv[1]);
(async () => {
  const cluster = new PGlite(process.argv[2], { startParams: [...PGlite.defaultStartParams, ...JSON.parse(process.argv[3])] });
  await cluster.waitReady;
  await cluster.close();
})().catch((error) => { process.stderr.write(String(error && error.message || error)); process.exit(1); });
`;

/** Where PGlite's CommonJS entry is: the child process and the server's thread both `require` it. */
function pgliteEntry(): string {
  return createRequire(import.meta.url).resolve('@electric-sql/pglite');
}

/** `settings`: server settings as `-c name=value` pairs, beside PGlite's own start parameters. */
export async function createCluster(dataDir: string, settings: string[], logger: DatabaseLogger): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, ['-e', CREATE_CLUSTER, pgliteEntry(), dataDir, JSON.stringify(settings)], { timeout: 120_000 });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const reason = typeof stderr === 'string' && stderr.trim() ? stderr.trim().split('\n').at(-1)! : error instanceof Error ? error.message : String(error);
    logger.warn({ err: reason }, 'could not create the embedded database in a child process; the server creates it');
  }
}

/**
 * Opens the embedded server over `dataDir` (creating the cluster on a first start), or in memory;
 * settles once it takes statements.
 */
export async function openEmbeddedServer(options: { dataDir?: string; logger: DatabaseLogger }): Promise<EmbeddedServer> {
  const settings = EMBEDDED_SETTINGS.flatMap((setting) => ['-c', setting]);
  if (options.dataDir) {
    await mkdir(options.dataDir, { recursive: true });
    if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await createCluster(options.dataDir, settings, options.logger);
  }
  const server = startEmbeddedServer({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), settings });
  await server.ready;
  return server;
}

interface EmbeddedServerOptions {
  /** Where the cluster's files are; unset means in memory. */
  dataDir?: string;
  /** Server settings as `-c name=value` pairs, beside PGlite's own start parameters. */
  settings: string[];
}

/**
 * The thread's code, plain CommonJS so it runs the same under tsx, vitest and the compiled build.
 * Messages are handled strictly one after another: PGlite has one session.
 */
const SERVER_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const startParams = [...PGlite.defaultStartParams, ...workerData.settings];
const server = workerData.dataDir ? new PGlite(workerData.dataDir, { startParams }) : new PGlite({ startParams });
const reason = (error) => String((error && error.message) || error);
let turn = server.waitReady.then(
  () => parentPort.postMessage({ ready: true }),
  (error) => parentPort.postMessage({ failed: reason(error) }),
);
parentPort.on('message', (message) => {
  turn = turn.then(async () => {
    if (message.close) {
      await server.close();
      parentPort.postMessage({ closed: true });
      parentPort.close();
      return;
    }
    try {
      const reply = (await server.execProtocolRaw(message.bytes)).slice();
      parentPort.postMessage({ bytes: reply }, [reply.buffer]);
    } catch (error) {
      parentPort.postMessage({ error: reason(error) });
    }
  });
});
`;

interface Waiting {
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

/**
 * PGlite's WebAssembly is compiled by V8's baseline compiler only (Liftoff), not re-optimized by
 * TurboFan as it runs. Measured on the 2-CPU machines (bench/startup.ts, bench/memory.ts): the
 * server boots on 0.6 s of CPU instead of 1.2 s, which the rest of the bot's start-up was sharing
 * (start-up 2.7 → 2.1 s), and the idle bot is ~50 MB smaller (TurboFan's code and compile memory);
 * an insert costs the same, a scan over a few thousand rows ~20% more, on the server's own thread.
 * The flag is the process's, but only this server runs WebAssembly of any size. Flags given on
 * the command line or in NODE_OPTIONS win.
 */
function compileWebAssemblyForStartUp(): void {
  const given = `${process.execArgv.join(' ')} ${nodeOptions()}`;
  if (!/--(no-)?liftoff|--wasm-tier-up/.test(given)) setFlagsFromString('--liftoff-only');
}

function startEmbeddedServer(options: EmbeddedServerOptions): EmbeddedServer {
  compileWebAssemblyForStartUp();
  const thread = new Worker(SERVER_THREAD, { eval: true, workerData: { pglite: pgliteEntry(), dataDir: options.dataDir, settings: options.settings } });
  // Replies come back in the order the exchanges were sent.
  const waiting: Waiting[] = [];
  let stopped: Error | undefined;
  let closed: (() => void) | undefined;
  let markReady!: () => void;
  let markFailed!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  // An idle server does not keep the process alive, as PGlite in the process did not: a script or
  // test that never closes its database still ends. (And a server that never starts must not
  // leave an unhandled rejection when nobody waits on it.)
  ready.then(
    () => thread.unref(),
    () => undefined,
  );

  const stop = (error: Error) => {
    stopped ??= error;
    markFailed(error);
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  };
  thread.on('message', (message: { ready?: true; failed?: string; closed?: true; bytes?: Uint8Array; error?: string }) => {
    if (message.ready) return markReady();
    if (message.failed !== undefined) {
      stop(new Error(`the embedded database${options.dataDir ? ` in ${options.dataDir}` : ''} could not start: ${message.failed}`));
      return void thread.terminate();
    }
    if (message.closed) return closed?.();
    const waiter = waiting.shift();
    if (!waiting.length) thread.unref();
    if (message.bytes) waiter?.resolve(message.bytes);
    else waiter?.reject(new Error(`the embedded database failed: ${message.error}`));
  });
  thread.on('error', (error) => stop(new Error(`the embedded database stopped: ${error.message}`)));
  thread.on('exit', () => stop(new Error('Connection terminated: the embedded database has stopped')));

  return {
    ready,
    exchange(messages) {
      if (stopped) return Promise.reject(stopped);
      return new Promise<Uint8Array>((resolve, reject) => {
        // Like a socket with a query on it: the thread keeps the process alive only while it works.
        if (!waiting.length) thread.ref();
        waiting.push({ resolve, reject });
        thread.postMessage({ bytes: messages });
      });
    },
    async close() {
      if (stopped) return;
      thread.ref();
      await new Promise<void>((resolve) => {
        closed = resolve;
        thread.once('exit', () => resolve());
        thread.postMessage({ close: true });
      });
      await thread.terminate();
    },
  };
}
