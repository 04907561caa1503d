import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { CloudAdapter, Request as BotRequest, Response as BotResponse, TurnContext } from 'botbuilder';

/**
 * The smallest bridge between node:http and botbuilder's `CloudAdapter.process(req, res, logic)`:
 * botbuilder wants `req.body` already parsed (an object), `req.headers`, `req.method`, and a
 * response with `status()`, `header()`, `send()`, `end()` (it checks all four are functions) and a
 * `socket` property. It calls `status(code)`, then `send(body)` only when there is a body (a string
 * for errors, an object for invoke responses), then `end()`.
 */
export function botbuilderResponse(res: ServerResponse): BotResponse {
  let status = 200;
  let body: unknown;
  return {
    socket: res.socket,
    status(code: number) {
      status = code;
      return this;
    },
    header(name: string, value: unknown) {
      res.setHeader(name, String(value));
      return this;
    },
    send(payload: unknown) {
      body = payload;
      return this;
    },
    end() {
      if (res.writableEnded) return;
      if (body === undefined || body === null) {
        res.writeHead(status).end();
      } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
      } else {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
      }
    },
  };
}

/** Reads and parses a JSON request body; undefined when it is not JSON (answer 400 then). */
export async function readJson(req: IncomingMessage, limitBytes = 1_000_000): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export type Logic = (context: TurnContext) => Promise<void>;

/** Runs before the adapter; answering here (returning true) means the adapter is not called. */
export type Gate = (req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse) => Promise<boolean> | boolean;

export interface BotServer {
  /** `http://127.0.0.1:<port>/api/messages` */
  url: string;
  close(): Promise<void>;
}

/** A node:http server whose POST /api/messages goes through `adapter.process`. */
export async function startBotServer(adapter: CloudAdapter, logic: Logic, options: { gate?: Gate } = {}): Promise<BotServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.url !== '/api/messages') {
        res.writeHead(404).end();
        return;
      }
      const body = req.method === 'POST' ? await readJson(req) : {};
      if (!body) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('the body must be a JSON object');
        return;
      }
      if (options.gate && (await options.gate(req, body, res))) return;
      const request: BotRequest = { body, headers: req.headers, method: req.method };
      await adapter.process(request, botbuilderResponse(res), logic);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/api/messages`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface PostResult {
  status: number;
  text: string;
  json: unknown;
  ms: number;
}

/** POSTs an activity to the bot as Teams would (JSON, optional Authorization), timing the answer. */
export async function postActivity(url: string, activity: unknown, headers: Record<string, string> = {}): Promise<PostResult> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(activity) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, ms: performance.now() - started };
}
