import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import { WebClient, type RetryOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import type { App as BotApp } from '../../app.js';
import { errorReply } from '../../core/handle-command.js';
import type { Reply } from '../../core/reply.js';
import { sendJson } from '../../http/server.js';
import { toAppError } from './errors.js';
import { registerActions } from './listeners/actions.js';
import { registerCommands } from './listeners/commands.js';
import type { ListenerDeps } from './listeners/deps.js';
import { registerViews } from './listeners/views.js';
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
  /** How many requests' work (after the ack) runs at once. */
  parallelWork?: number;
}

/** Two at a time: on the single-connection embedded database more only adds CPU contention with the acks (bench/slack.ts). */
export const DEFAULT_PARALLEL_WORK = 2;
const WEB_API_TIMEOUT_MS = 10_000;
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
 * Starts the Slack edge: checks the token (auth.test), registers the platform with the core,
 * mounts Bolt's HTTP receiver at `POST /slack/events` on our server (or connects Socket Mode).
 */
export async function startSlack(app: BotApp, settings: SlackSettings, logger: Logger): Promise<SlackEdge> {
  const boltLogger = slackLogger(logger);
  const clientOptions = {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl.endsWith('/') ? settings.apiUrl : `${settings.apiUrl}/` } : {}),
    retryConfig: settings.retryConfig ?? DEFAULT_RETRY,
    // A call Slack never answers must not hold the work queue forever.
    timeout: WEB_API_TIMEOUT_MS,
    logger: boltLogger,
  };
  const client = new WebClient(settings.botToken, clientOptions);
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
    const receiver = new HTTPReceiver({ signingSecret: settings.signingSecret, endpoints: SLACK_EVENTS_PATH, logger: boltLogger });
    bot = new App({ ...common, receiver });
    app.http.route('POST', SLACK_EVENTS_PATH, (req, res) => {
      if (refuseFutureRequest(req, res)) return;
      receiver.requestListener(req, res);
    });
  }
  bot.error(async (error) => {
    logger.error({ err: error.message }, 'slack listener failed');
  });
  registerCommands(bot, deps);
  registerActions(bot, deps);
  registerViews(bot, deps);
  if (socket) await bot.start();

  const drain = () => queue.drain();
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
