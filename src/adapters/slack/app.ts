import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, IncomingHttpHeaders, ServerResponse } from 'node:http';
import { App, HTTPModuleFunctions, HTTPReceiver, SocketModeReceiver, defaultBodyLimit } from '@slack/bolt';
import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { RetryOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import type { App as BotApp } from '../../app.js';
import { errorReply } from '../../core/handle-command.js';
import type { Reply } from '../../core/reply.js';
import { withinRequest } from '../../core/request-scope.js';
import { readBody, sendJson } from '../../http/server.js';
import { CountingWebClient } from './counting-client.js';
import { toAppError } from './errors.js';
import { registerActions } from './listeners/actions.js';
import { registerCommands } from './listeners/commands.js';
import { responseFor, type ListenerDeps } from './listeners/deps.js';
import { registerViews } from './listeners/views.js';
import { checkSlackBody, isSslCheck } from './payload-shape.js';
import { SlackPlatform } from './platform.js';
import { WorkQueue } from '../work-queue.js';

export const SLACK_EVENTS_PATH = '/slack/events';
/** Slack signs each request with its time; Bolt refuses old ones, we also refuse ones from the future. */
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export interface SlackSettings {
  botToken: string;
  /** HTTP mode. */
  signingSecret?: string;
  /** Socket Mode, for workspaces that cannot expose a public URL. */
  appToken?: string;
  apiUrl?: string;
  /**
   * web-api's retry policy. A 429 waits Retry-After and is retried under it; other transient
   * failures (HTTP 5xx, network) are retried with backoff.
   */
  retryConfig?: RetryOptions;
  /** How long one Web API attempt may take before it is abandoned (and retried under `retryConfig`); 10 s by default. */
  timeoutMs?: number;
  /** How many requests' work (after the ack) runs at once. */
  parallelWork?: number;
}

/** Two at a time: on the single-connection embedded database more only adds CPU contention with the acks (bench/slack.ts). */
export const DEFAULT_PARALLEL_WORK = 2;
export const WEB_API_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY: RetryOptions = { retries: 3, factor: 2, minTimeout: 250, maxTimeout: 2000 };

export interface SlackEdge {
  platform: SlackPlatform;
  mode: 'http' | 'socket';
  /** Resolves once every piece of work started after an ack has finished. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

function slackLogger(logger: Logger): SlackLogger {
  const log = logger.child({ component: 'bolt' });
  const text = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    // Bolt's debug lines quote inbound payloads; they stay out of our logs.
    debug: () => undefined,
    info: (...msg) => log.info(text(msg)),
    warn: (...msg) => log.warn(text(msg)),
    error: (...msg) => log.error(text(msg)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

/** 401 for a request signed more than five minutes in the future (Bolt checks only the past). */
export function refuseFutureRequest(req: IncomingMessage, res: ServerResponse, nowSeconds = Date.now() / 1000): boolean {
  const stamp = Number(req.headers['x-slack-request-timestamp']);
  if (Number.isFinite(stamp) && stamp - nowSeconds > MAX_CLOCK_SKEW_SECONDS) {
    sendJson(res, 401, { error: 'request timestamp is in the future' });
    return true;
  }
  return false;
}

/**
 * Whether the request carries Slack's v0 signature of these exact bytes: HMAC-SHA256 with the
 * signing secret over `v0:<timestamp>:<body>`, signed within the last five minutes (the future is
 * refused before, by `refuseFutureRequest`). The same rules Bolt applies, over the raw bytes.
 */
export function hasValidSignature(headers: IncomingHttpHeaders, raw: Buffer, signingSecret: string, nowSeconds = Date.now() / 1000): boolean {
  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || !/^\d+$/.test(timestamp)) return false;
  if (Number(timestamp) < Math.floor(nowSeconds) - MAX_CLOCK_SKEW_SECONDS) return false;
  const expected = Buffer.from(`v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(raw).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function answerWithoutBody(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, headers);
  res.end();
}

type MiddlewareArgs = Parameters<Parameters<InstanceType<typeof App>['use']>[0]>[0];

/**
 * Every request is in the inbox before its ack (listeners ack first thing, after this middleware
 * stored it) and leaves it when its listeners' work is done, so a crash in between replays it.
 * A request that cannot be stored (the database is away) is not acknowledged as taken: the person
 * is told why, and nothing runs. A request no listener acks (a view_closed, a click on a link
 * button) is answered as soon as the listeners are done, not by Bolt's 404 three seconds later.
 */
function keepInInbox(bot: InstanceType<typeof App>, app: BotApp, logger: Logger): { settled(): Promise<void> } {
  const requests = new Set<Promise<void>>();
  bot.use((args) => {
    const request = stored(args);
    requests.add(request);
    return request.finally(() => requests.delete(request));
  });
  const stored = async (args: MiddlewareArgs): Promise<void> => {
    const context = args.context as { inboxId?: string };
    const ack = 'ack' in args && typeof args.ack === 'function' ? (args.ack as (response?: object) => Promise<void>) : undefined;
    if (!context.inboxId) {
      try {
        context.inboxId = await app.inbox.accept('slack', 'application/json', Buffer.from(JSON.stringify(args.body)));
      } catch (error) {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not store a Slack request; refused it');
        await refuseUnstored(args, errorReply(app.context, error), ack);
        return;
      }
    }
    const inboxId = context.inboxId;
    try {
      await withinRequest(inboxId, () => args.next());
    } finally {
      await ack?.().catch(() => undefined);
      await app.inbox.finish(inboxId);
    }
  };
  /** Every request taken so far is done and out of the inbox. */
  return {
    async settled() {
      while (requests.size > 0) await Promise.allSettled([...requests]);
    },
  };
}

/** Tells the person their request was not taken: through its response_url, or beside the modal's first field. */
async function refuseUnstored(args: MiddlewareArgs, reply: Reply, ack: ((response?: object) => Promise<void>) | undefined): Promise<void> {
  const body = args.body as { type?: string; view?: { state?: { values?: Record<string, unknown> } } };
  const firstField = Object.keys(body.view?.state?.values ?? {})[0];
  if (body.type === 'view_submission' && firstField) {
    await ack?.({ response_action: 'errors', errors: { [firstField]: reply.text.slice(0, 150) } }).catch(() => undefined);
    return;
  }
  await ack?.().catch(() => undefined);
  if ('respond' in args && typeof args.respond === 'function') await args.respond(responseFor(reply)).catch(() => undefined);
}

/**
 * Starts the Slack edge: checks the token (auth.test), registers the platform with the core,
 * mounts Bolt's HTTP receiver at `POST /slack/events` on our server (or connects Socket Mode).
 * In front of Bolt the route reads the body once, checks the signature and then the body's shape
 * (payload-shape.ts): Bolt itself crashed, answered 500 or hung for 3 s on signed bodies of
 * shapes Slack never sends. Only a body Bolt can take reaches it.
 */
export async function startSlack(app: BotApp, settings: SlackSettings, logger: Logger): Promise<SlackEdge> {
  const boltLogger = slackLogger(logger);
  const clientOptions = {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl.endsWith('/') ? settings.apiUrl : `${settings.apiUrl}/` } : {}),
    retryConfig: settings.retryConfig ?? DEFAULT_RETRY,
    // A call Slack never answers must not hold the work queue forever.
    timeout: settings.timeoutMs ?? WEB_API_TIMEOUT_MS,
    logger: boltLogger,
  };
  const client = new CountingWebClient(settings.botToken, clientOptions, app.context.telemetry);
  const auth = await client.auth.test().catch((error: unknown) => {
    throw toAppError(error, 'auth.test');
  });
  const platform = new SlackPlatform(client, auth.user_id!);
  app.addPlatform(platform);

  const queue = new WorkQueue(settings.parallelWork ?? DEFAULT_PARALLEL_WORK);
  const deps: ListenerDeps = {
    context: app.context,
    platform,
    client,
    run(name, work, tell, channel) {
      return queue.run(async () => {
        try {
          await work();
        } catch (error) {
          const reply: Reply = errorReply(app.context, toAppError(error, name));
          logger.warn({ work: name, err: error instanceof Error ? error.message : String(error) }, 'slack work failed');
          await tell?.(reply).catch((tellError: unknown) => logger.error({ work: name, err: String(tellError) }, 'could not tell the user'));
        }
      }, channel || undefined);
    },
  };

  const common = { token: settings.botToken, botId: auth.bot_id, botUserId: auth.user_id, tokenVerificationEnabled: false, clientOptions, logger: boltLogger };
  const socket = Boolean(settings.appToken);
  let bot: InstanceType<typeof App>;
  if (socket) {
    // The receiver's own client opens the socket (apps.connections.open): it must use SLACK_API_URL too.
    const receiver = new SocketModeReceiver({ appToken: settings.appToken!, logger: boltLogger, installerOptions: { clientOptions } });
    bot = new App({ ...common, receiver });
  } else {
    if (!settings.signingSecret) throw new Error('Slack HTTP mode needs SLACK_SIGNING_SECRET');
    const signingSecret = settings.signingSecret;
    const receiver = new HTTPReceiver({
      signingSecret,
      endpoints: SLACK_EVENTS_PATH,
      logger: boltLogger,
      // Bolt's own handler, but one that cannot throw inside Bolt's unawaited request handling.
      async processEventErrorHandler(args) {
        try {
          return await HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
        } catch {
          answerWithoutBody(args.response, 500);
          return false;
        }
      },
    });
    bot = new App({ ...common, receiver });
    app.http.route('POST', SLACK_EVENTS_PATH, async (req, res) => {
      if (refuseFutureRequest(req, res)) return;
      const raw = await readBody(req, defaultBodyLimit);
      if (raw === undefined) return;
      if (raw === 'too-large') return answerWithoutBody(res, 413, { connection: 'close' });
      const contentType = req.headers['content-type'];
      if (isSslCheck(contentType, raw)) return answerWithoutBody(res, 200);
      // Signature first, as Bolt: an unsigned caller learns nothing about what the shape check wants.
      if (!hasValidSignature(req.headers, raw, signingSecret)) return answerWithoutBody(res, 401);
      const shape = checkSlackBody(contentType, raw);
      if (!shape.ok) {
        logger.warn({ error: shape.error }, 'refused a signed Slack request of the wrong shape');
        sendJson(res, 400, { error: shape.error });
        return;
      }
      // Bolt reads `rawBody` when it is there instead of the stream already consumed here.
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
      try {
        receiver.requestListener(req, res);
      } catch (error) {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'bolt failed on a slack request');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      }
    });
  }
  const inbox = keepInInbox(bot, app, logger);
  bot.error(async (error) => {
    logger.error({ err: error.message }, 'slack listener failed');
  });
  registerCommands(bot, deps);
  registerActions(bot, deps);
  registerViews(bot, deps);
  if (socket) await bot.start();
  // A request stored and not finished before a crash runs again through the same middleware and listeners.
  app.inbox.handle('slack', (item) =>
    bot.processEvent({ body: JSON.parse(item.body.toString('utf8')) as Record<string, unknown>, ack: async () => undefined, customProperties: { inboxId: item.id } }),
  );

  const drain = async () => {
    await queue.drain();
    await inbox.settled();
  };
  return {
    platform,
    mode: socket ? 'socket' : 'http',
    drain,
    async stop() {
      if (socket) await bot.stop();
      await drain();
    },
  };
}
