import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

interface Route {
  method: string;
  /** An exact path, or a prefix ending in `/*`. */
  path: string;
  handler: RouteHandler;
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
    this.route('GET', '/healthz', (_req, res) => sendJson(res, this.ready ? 200 : 503, { ok: this.ready }));
  }

  route(method: string, path: string, handler: RouteHandler): void {
    this.routes.push({ method, path, handler });
  }

  private find(method: string, pathname: string): Route | undefined {
    return this.routes.find(
      (r) => (r.method === method || r.method === '*') && (r.path === pathname || (r.path.endsWith('/*') && pathname.startsWith(r.path.slice(0, -1)))),
    );
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.find(req.method ?? 'GET', url.pathname);
    if (!route) {
      const known = this.routes.some((r) => r.path === url.pathname);
      sendJson(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
      return;
    }
    try {
      await route.handler(req, res, url);
    } catch (error) {
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
