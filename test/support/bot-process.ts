import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/project-root.js';

export interface RunningBot {
  child: ChildProcess;
  base: string;
  output: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * The real entry point with only the given environment; resolves once it listens. By default the
 * sources (`src/main.ts`); `script`: a built entry such as the bundle's main.js.
 */
export async function startBot(env: Record<string, string>, options: { startTimeoutMs?: number; script?: string } = {}): Promise<RunningBot> {
  const root = projectRoot();
  // One process, node with tsx's loader, not the tsx CLI (which runs the bot in a child of its own):
  // a SIGKILL must reach the bot itself, not leave it running orphaned.
  const args = options.script ? [options.script] : ['--import', 'tsx', join(root, 'src/main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a bot running behind a failed start.
      child.kill('SIGKILL');
      reject(new Error(`the bot did not start:\n${output}`));
    }, options.startTimeoutMs ?? 60_000);
    const look = () => {
      const match = /"port":(\d+)[^\n]*"msg":"HTTP listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        look();
      });
    }
    void exited.then((code) => reject(new Error(`the bot exited (${code}):\n${output}`)));
  });
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
