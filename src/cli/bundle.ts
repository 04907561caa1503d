import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { projectRoot } from '../project-root.js';

/**
 * The bot as `npm start` and the image run it: src/main.ts and everything it imports, our code and
 * the libraries', in a few ES module files (dist/bundle/main.js and the chunks its dynamic imports
 * load, Teams among them, still only when CHAT names it).
 *
 * Why: loading ~1,300 CommonJS files one by one (resolve, stat, read, compile each) was half of
 * start-up, and their sources stayed in the heap. Measured (bench/startup.ts, bench/memory.ts,
 * CHAT=slack,teams, bundled and unbundled alternately): start-up to /readyz 1.8–2.35 s → 1.05–1.45 s
 * (0.58–0.71×); idle RSS 20–26 MB lower on the embedded database, within the noise on Postgres.
 *
 * Left out of the bundle, loaded from node_modules as before: PGlite (it reads its WebAssembly and
 * data files beside itself, on the embedded server's thread) and pino (its transports run files of
 * their own on worker threads).
 */
const EXTERNAL = ['@electric-sql/pglite', 'pino', 'pino-pretty', 'thread-stream'];

export interface BundleOptions {
  root?: string;
  /** Where the bundle goes; dist/bundle by default. Emptied before each build. */
  outdir?: string;
  /** Build even when nothing the bundle is made of changed. */
  force?: boolean;
}

export interface BundleResult {
  /** False when the bundle was already up to date with every file it is made of. */
  built: boolean;
  entry: string;
  outdir: string;
}

const META_FILE = 'meta.json';

export async function bundleBot(options: BundleOptions = {}): Promise<BundleResult> {
  const root = options.root ?? projectRoot();
  const outdir = options.outdir ?? join(root, 'dist', 'bundle');
  const entry = join(outdir, 'main.js');
  if (!options.force && (await upToDate(root, outdir))) return { built: false, entry, outdir };
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: join(root, 'src', 'main.ts') },
    outdir,
    bundle: true,
    // Chunks: run-bot.js and the Teams edge stay dynamic imports, loaded when they are today.
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // CommonJS libraries call require() for Node's modules; an ES module has none of its own.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    // Whitespace and syntax only: names stay as written, so stack traces and logged error types read
    // as in the sources. The source maps lead back to src/*.ts (NODE_OPTIONS=--enable-source-maps).
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });
  await writeFile(join(outdir, META_FILE), JSON.stringify(result.metafile));
  return { built: true, entry, outdir };
}

/** Up to date: the last build's inputs (our sources and every library file) are all older than it. */
async function upToDate(root: string, outdir: string): Promise<boolean> {
  let built: number;
  let metafile: Metafile;
  try {
    built = (await stat(join(outdir, META_FILE))).mtimeMs;
    metafile = JSON.parse(await readFile(join(outdir, META_FILE), 'utf8')) as Metafile;
    await stat(join(outdir, 'main.js'));
  } catch {
    return false;
  }
  const inputs = [...Object.keys(metafile.inputs), 'package.json', 'package-lock.json', 'tsconfig.json'];
  const times = await Promise.all(inputs.map((file) => stat(join(root, file)).then((s) => s.mtimeMs, () => Number.POSITIVE_INFINITY)));
  return times.every((time) => time <= built);
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const started = performance.now();
  const result = await bundleBot({ force });
  const where = relative(process.cwd(), result.outdir) || '.';
  process.stdout.write(result.built ? `bundled the bot into ${where} in ${Math.round(performance.now() - started)} ms\n` : `${where} is up to date\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`bundling failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
