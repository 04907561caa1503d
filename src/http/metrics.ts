import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandOutcome, Telemetry } from '../core/ports/telemetry.js';
import type { HttpServer, RequestObservation } from './server.js';

/** Where Prometheus scrapes. No token: it is meant for the pod network, not the internet. */
export const METRICS_PATH = '/metrics';

export interface MetricsOptions {
  /** How many inbound requests wait in the inbox; read at each scrape into the `inbox_depth` gauge. Unset: no such gauge. */
  inboxDepth?: () => Promise<number>;
}

/** A scrape must not wait on a database that does not answer; the gauge says NaN instead. */
const COLLECT_TIMEOUT_MS = 2_000;
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A label value from outside (a method or error code a remote API sent): kept only when it looks like one, so it cannot grow the series. */
function bounded(value: string): string {
  return /^[A-Za-z0-9_.:@-]{1,64}$/.test(value) ? value : 'other';
}

let processRegistry: Registry | undefined;

/**
 * Node's process metrics (CPU, memory, event loop lag, GC). They describe the process, and
 * prom-client's collectors keep observers that cannot be removed, so there is one set per process
 * however many apps it runs (tests run many), created at the first scrape.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

async function withTimeout(read: () => Promise<number>): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(Number.NaN), COLLECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([read().catch(() => Number.NaN), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The bot's own metrics in one registry per app (never prom-client's global one), and the core's telemetry port over them. */
export class PrometheusMetrics implements Telemetry {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly requestSeconds: Histogram<'route' | 'method'>;
  private readonly commandSeconds: Histogram<'command'>;
  private readonly commands: Counter<'command' | 'outcome'>;
  private readonly chatCalls: Counter<'platform' | 'method'>;
  private readonly chatErrors: Counter<'platform' | 'method' | 'error'>;
  private readonly pagesSent: Counter<'pager'>;
  private readonly pagesFailed: Counter<'pager'>;
  private readonly pagesEscalated: Counter;
  private readonly schedulerRuns: Counter<'job' | 'outcome'>;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by route pattern (unmatched: no route), method and status', labelNames: ['route', 'method', 'status'], registers });
    this.requestSeconds = new Histogram({ name: 'http_request_duration_seconds', help: 'Time to answer an HTTP request, by route pattern and method', labelNames: ['route', 'method'], buckets: SECONDS_BUCKETS, registers });
    this.commandSeconds = new Histogram({ name: 'command_duration_seconds', help: 'Time to handle a chat command (its name; unknown: not a command) or card click (click:<action>)', labelNames: ['command'], buckets: SECONDS_BUCKETS, registers });
    this.commands = new Counter({ name: 'commands_total', help: 'Chat commands and card clicks handled, by outcome (ok, invalid: did not parse, refused: the user was told why, failed: an error on our side)', labelNames: ['command', 'outcome'], registers });
    this.chatCalls = new Counter({ name: 'chat_api_calls_total', help: 'Calls to the chat platform API (after the client\'s own retries), by platform and method', labelNames: ['platform', 'method'], registers });
    this.chatErrors = new Counter({ name: 'chat_api_errors_total', help: 'Chat platform API calls that failed, by platform, method and error code', labelNames: ['platform', 'method', 'error'], registers });
    this.pagesSent = new Counter({ name: 'pages_sent_total', help: 'Pages that went out, by pager (chat, pagerduty, webhook)', labelNames: ['pager'], registers });
    this.pagesFailed = new Counter({ name: 'pages_failed_total', help: 'Pages that did not go out, by pager', labelNames: ['pager'], registers });
    this.pagesEscalated = new Counter({ name: 'pages_escalated_total', help: 'Pages nobody acknowledged in time, escalated to the next person', registers });
    this.schedulerRuns = new Counter({ name: 'scheduler_runs_total', help: 'Scheduled job runs made by this process, by job and outcome (ok, failed)', labelNames: ['job', 'outcome'], registers });
    const { inboxDepth } = options;
    if (inboxDepth) {
      new Gauge({
        name: 'inbox_depth',
        help: 'Inbound requests waiting in the inbox (NaN: the database did not answer)',
        registers,
        async collect() {
          this.set(await withTimeout(inboxDepth));
        },
      });
    }
  }

  /** For `HttpServer.observeRequests`. */
  readonly requestObserved = (request: RequestObservation): void => {
    this.requests.inc({ route: request.route, method: request.method, status: request.status });
    this.requestSeconds.observe({ route: request.route, method: request.method }, request.seconds);
  };

  commandHandled(command: string, seconds: number, outcome: CommandOutcome): void {
    this.commandSeconds.observe({ command }, seconds);
    this.commands.inc({ command, outcome });
  }

  pageSent(pager: string): void {
    this.pagesSent.inc({ pager });
  }

  pageFailed(pager: string): void {
    this.pagesFailed.inc({ pager });
  }

  pageEscalated(): void {
    this.pagesEscalated.inc();
  }

  schedulerRun(job: string, outcome: 'ok' | 'failed'): void {
    this.schedulerRuns.inc({ job, outcome });
  }

  chatApiCall(platform: string, method: string, error?: string): void {
    const labels = { platform, method: bounded(method) };
    this.chatCalls.inc(labels);
    if (error !== undefined) this.chatErrors.inc({ ...labels, error: bounded(error) });
  }

  /** The process metrics and this app's, in Prometheus' text format. */
  async text(): Promise<string> {
    return `${await processMetrics().metrics()}\n${await this.registry.metrics()}`;
  }

  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
}

/** Counts every request on `http` and serves `GET /metrics` there, without a token (keep the port off the internet, or route only the chat and alert paths to it). */
export function serveMetrics(http: HttpServer, metrics: PrometheusMetrics): void {
  http.observeRequests(metrics.requestObserved);
  http.route('GET', METRICS_PATH, async (_req, res) => {
    const text = await metrics.text();
    res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  });
}
