import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from '../../src/app.js';
import { ConsoleChat } from '../../src/adapters/console/console-chat.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { TestClock } from './clock.js';

export const ALERTS_TOKEN = 'alerts-token-0123456789abcdef';

export interface TestApp {
  app: App;
  clock: TestClock;
  chat: ConsoleChat;
  printed: string[];
  baseUrl: string;
  /** POSTs JSON to the bot's own HTTP server. */
  post(path: string, body: unknown, token?: string | null): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * The bot as main.ts builds it (createApp, the console chat, the HTTP server on a free port), on
 * a given database and clock, with extra environment (pagers, escalation) as a deployment sets it.
 */
export async function startTestApp(options: { database?: DatabaseHandle; dataDir?: string; clock?: TestClock; env?: Record<string, string> } = {}): Promise<TestApp> {
  const clock = options.clock ?? new TestClock();
  const config = loadConfig({ ALERTS_TOKEN, TRIAGE_CHANNEL: 'triage', LOG_LEVEL: 'silent', PORT: '0', ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}), ...options.env });
  const app = await createApp(config, { logger: createLogger({ level: 'silent' }), clock, ...(options.database ? { database: options.database } : {}) });
  const printed: string[] = [];
  const chat = new ConsoleChat((text) => printed.push(text));
  app.addPlatform(chat);
  const port = await app.http.listen(0, '127.0.0.1');
  app.http.ready = true;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    clock,
    chat,
    printed,
    baseUrl,
    async post(path, body, token = ALERTS_TOKEN) {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    close: () => app.close(),
  };
}

export interface RecordedCall {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

/** A small local HTTP server that records each call and answers with what `answer` decides. */
export async function startRecordingServer(answer: (call: RecordedCall) => { status: number; body: unknown }): Promise<{ url: string; calls: RecordedCall[]; close(): Promise<void> }> {
  const calls: RecordedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // Recorded as an empty body; `answer` decides what the service says to that.
      }
      const call = { path: req.url ?? '/', headers: req.headers, raw, body };
      calls.push(call);
      const reply = answer(call);
      const text = JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
