import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { bundleBot } from '../src/cli/bundle.js';
import { projectRoot } from '../src/project-root.js';

/**
 * Helpers for the benches that measure the bot from outside, as a separate process (bench/memory.ts,
 * bench/startup.ts): spawn it, wait for an HTTP answer, read its resident memory from /proc.
 */
export const root = projectRoot();

/** A process that only listens on HTTP: what any Node server costs before it does anything. */
export const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log(JSON.stringify({ port: this.address().port, msg: 'HTTP listening' })); });`;

export interface Spawned {
  child: ChildProcess;
  /** Resolves with the port once the process logged `HTTP listening` with it. */
  port: Promise<number>;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function spawnNode(args: string[], env: Record<string, string>, cwd = root): Spawned {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = new Promise<number>((resolve, reject) => {
    const look = () => {
      const match = /"port":(\d+)[^\n]*"msg":"HTTP listening"/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        look();
      });
    }
    void exited.then((code) => reject(new Error(`the process exited (${code}):\n${output.slice(-4000)}`)));
  });
  port.catch(() => undefined);
  return {
    child,
    port,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `path` until it answers 200; returns the time from `since` (performance.now()). */
export async function waitFor200(spawned: Spawned, path: string, since: number, timeoutMs = 60_000): Promise<number> {
  const port = await Promise.race([spawned.port, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${spawned.child.spawnargs.slice(1).join(' ').slice(0, 80)}: no port after ${timeoutMs} ms:\n${spawned.output().slice(-4000)}`)), timeoutMs))]);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (spawned.child.exitCode !== null) throw new Error(`the process exited:\n${spawned.output().slice(-4000)}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${path} did not answer 200 within ${timeoutMs} ms:\n${spawned.output().slice(-4000)}`);
}

/** Resident set size of a process in MB (VmRSS), and its peak (VmHWM). */
export async function rssOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export function mb(value: number): string {
  return `${value.toFixed(0)} MB`;
}

export function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}

/** A Postgres server for the benches (BENCH_DATABASE_URL, TEST_DATABASE_URL, else the local one), or null. */
export async function postgresUrl(): Promise<string | null> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    await probe.end();
    return url;
  } catch {
    console.log(`(no Postgres at ${url.replace(/\/\/[^@]*@/, '//…@')}: real Postgres rows skipped)`);
    return null;
  }
}

export async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The URL of a fresh schema on that server (sessions start with it on their search_path). */
export function schemaUrl(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete('options');
  return `${parsed.toString()}${parsed.search ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** What `npm start` and the image run: the bundle (src/cli/bundle.ts). */
export const mainScript = join(root, 'dist/bundle/main.js');
/**
 * Node's flags as `npm start`, the image and the Deployment give them (test/deploy.test.ts checks
 * they agree): two V8 helper threads instead of four, whose malloc arenas made idle RSS vary by ~15 MB.
 */
export const botNodeFlags = ['--v8-pool-size=2'];
/** The compiled sources loaded file by file, as the bot ran before the bundle: the benches' comparison. */
export const unbundledScript = join(root, 'dist/src/main.js');

/** What `npm start` runs before the bot: tsc's build mode, then the bundle; each a no-op when up to date. */
export async function buildDist(): Promise<number> {
  const start = performance.now();
  const tsc = spawnNode([join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'], {});
  const code = await tsc.exited;
  // tsc still emits when a file has type errors (another change in progress): measure what it built, say so.
  if (code !== 0) console.log(`(tsc -b tsconfig.build.json reported errors; dist was emitted anyway:\n${tsc.output().slice(-2000)})`);
  await bundleBot({ root });
  return performance.now() - start;
}
