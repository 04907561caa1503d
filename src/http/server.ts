import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isAppError } from '../core/errors.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

interface Route {
  method: string;
  /** An exact path, or a prefix ending in `/*`. */
  path: string;
  handler: RouteHandler;
}

/** What `/readyz` asks: whether this process can serve (its database answers, its migrations are applied). */
export type ReadinessCheck = () => Promise<{ ok: true } | { ok: false; reason: string }>;

/** One answered request as the server's observer (metrics) sees it: the route's pattern, never the raw path. */
export interface RequestObservation {
  /** The registered path (`/api/v1/*` for a prefix route), or `unmatched`. */
  route: string;
  method: string;
  /** The HTTP status, or `aborted` when the caller went away before an answer. */
  status: string;
  seconds: number;
}

export type RequestObserver = (request: RequestObservation) => void;

/** The route label of a request no route answers: anyone can vary the path, so it is never a label. */
export const UNMATCHED_ROUTE = 'unmatched';
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A readiness probe that hangs is a failed one (a black-holed database can take minutes to refuse). */
const READINESS_TIMEOUT_MS = 3_000;

/**
 * The whole body of a request, `too-large` past `limit` bytes (told by content-length or counted),
 * or undefined when the sender went away. Every route that reads a body reads it here.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | undefined> {
  if (Number(req.headers['content-length']) > limit) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', () => resolve(undefined));
    req.once('close', () => resolve(undefined));
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** One HTTP server for every edge (Slack events, alert hooks, the JSON API, health). */
export class HttpServer {
  private readonly routes: Route[] = [];
  private server: Server | undefined;
  ready = false;

  constructor(private readonly onError: (error: unknown) => void) {
    // Liveness: the process is up and started. Readiness: and it can do its work right now.
    this.route('GET', '/healthz', (_req, res) => sendJson(res, this.ready ? 200 : 503, { ok: this.ready }));
    this.route('GET', '/readyz', async (_req, res) => {
      const result = this.ready ? await this.checkReadiness() : { ok: false as const, reason: 'starting' };
      sendJson(res, result.ok ? 200 : 503, result);
    });
  }

  private readiness: ReadinessCheck = async () => ({ ok: true });

  /** Sets what `/readyz` checks beyond start-up (app.ts: the database and its migrations). */
  setReadinessCheck(check: ReadinessCheck): void {
    this.readiness = check;
  }

  private async checkReadiness(): Promise<{ ok: true } | { ok: false; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ ok: false; reason: string }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${READINESS_TIMEOUT_MS / 1000} s` }), READINESS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.readiness(), timeout]);
    } catch {
      return { ok: false, reason: 'the readiness check failed' };
    } finally {
      clearTimeout(timer);
    }
  }

  private observer: RequestObserver | undefined;

  /** Tells `observer` of every request once its response is finished or abandoned (app.ts: the metrics). */
  observeRequests(observer: RequestObserver): void {
    this.observer = observer;
  }

  route(method: string, path: string, handler: RouteHandler): void {
    this.routes.push({ method, path, handler });
  }

  private find(method: string, pathname: string): Route | undefined {
    return this.routes.find(
      (r) => (r.method === method || r.method === '*') && (r.path === pathname || (r.path.endsWith('/*') && pathname.startsWith(r.path.slice(0, -1)))),
    );
  }

  private observe(req: IncomingMessage, res: ServerResponse, route: string): void {
    const observer = this.observer;
    if (!observer) return;
    const started = performance.now();
    const method = KNOWN_METHODS.has(req.method ?? '') ? req.method! : 'OTHER';
    // 'close' comes after the last byte, or when the caller went away first; Bolt answers after the handler returns.
    res.once('close', () => observer({ route, method, status: res.headersSent ? String(res.statusCode) : 'aborted', seconds: (performance.now() - started) / 1000 }));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.find(req.method ?? 'GET', url.pathname);
    const known = this.routes.some((r) => r.path === url.pathname);
    this.observe(req, res, route?.path ?? (known ? url.pathname : UNMATCHED_ROUTE));
    if (!route) {
      sendJson(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
      return;
    }
    try {
      await route.handler(req, res, url);
    } catch (error) {
      if (isAppError(error, 'database_unavailable')) {
        // Not a bug: the sender (Alertmanager, an API client) should retry later. The driver logged it.
        if (!res.headersSent) {
          res.setHeader('retry-after', '60');
          sendJson(res, 503, { error: error.message });
        }
        return;
      }
      this.onError(error);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    }
  }

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer((req, res) => void this.dispatch(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
  }
}
