import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { TEAMS_MESSAGES_PATH, type App as BotApp } from '../../app.js';
import type { Config } from '../../config.js';
import { ChatDirectory } from '../../db/chat-directory.js';
import { sendJson } from '../../http/server.js';
import { WorkQueue } from '../work-queue.js';
import { TeamsConnector, type RetryPolicy, type TeamsCredentials } from './connector.js';
import { teamsTurn } from './listeners.js';
import { TeamsPlatform } from './platform.js';

export interface TeamsSettings extends TeamsCredentials {
  /** Runs without a registration: no token is asked of requests (TEAMS_EMULATOR=1, local use only). */
  emulator: boolean;
  serviceUrl?: string;
  triageChannel?: string;
  /** What people type before a command in a channel. */
  commandPrefix?: string;
  retry?: RetryPolicy;
  parallelWork?: number;
}

export function teamsSettings(config: Config): TeamsSettings {
  return {
    appType: config.TEAMS_APP_TYPE,
    emulator: config.TEAMS_EMULATOR,
    ...(config.TEAMS_APP_ID ? { appId: config.TEAMS_APP_ID } : {}),
    ...(config.TEAMS_APP_PASSWORD ? { appPassword: config.TEAMS_APP_PASSWORD } : {}),
    ...(config.TEAMS_APP_TENANT_ID ? { tenantId: config.TEAMS_APP_TENANT_ID } : {}),
    ...(config.TEAMS_SERVICE_URL ? { serviceUrl: config.TEAMS_SERVICE_URL } : {}),
    ...(config.TEAMS_TRIAGE_CHANNEL ? { triageChannel: config.TEAMS_TRIAGE_CHANNEL } : {}),
  };
}

export interface TeamsEdge {
  platform: TeamsPlatform;
  connector: TeamsConnector;
  drain(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512'];

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new Error('body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/**
 * Refuses at once what can never be a Bot Framework token (none, not a JWT, `alg: none`), so such
 * requests run nothing and never wait on the SDK's key download; the SDK checks the rest.
 */
export function plausibleBearer(header: string | undefined): boolean {
  const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) return false;
  try {
    const head = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof head.alg === 'string' && SIGNING_ALGORITHMS.includes(head.alg);
  } catch {
    return false;
  }
}

/** The small part of an Express/Restify response that botbuilder's `process` uses, over node:http. */
function responseShim(res: ServerResponse) {
  let status = 200;
  const shim = {
    socket: res.socket,
    status(code: number) {
      status = code;
      return shim;
    },
    header(name: string, value: unknown) {
      res.setHeader(name, String(value));
      return shim;
    },
    send(body?: unknown) {
      if (res.headersSent) return shim;
      if (body === undefined || body === null) {
        res.writeHead(status).end();
        return shim;
      }
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
      return shim;
    },
    end() {
      if (!res.writableEnded) res.writeHead(status).end();
      return shim;
    },
  };
  return shim;
}

/**
 * Starts the Teams edge: the SDK's CloudAdapter on `POST /api/messages` of our server, the Teams
 * platform registered with the core. Requests are acked as soon as their work is queued.
 */
export async function startTeams(app: BotApp, settings: TeamsSettings, logger: Logger): Promise<TeamsEdge> {
  const log = logger.child({ platform: 'teams' });
  const connector = new TeamsConnector(settings, settings.retry);
  const directory = new ChatDirectory(app.database.db, 'teams');
  const platform = new TeamsPlatform(connector, directory, {
    commandPrefix: settings.commandPrefix ?? '@IncidentBot',
    ...(settings.serviceUrl ? { serviceUrl: settings.serviceUrl } : {}),
    ...(settings.tenantId ? { tenantId: settings.tenantId } : {}),
    ...(settings.triageChannel ? { fallbackChannel: settings.triageChannel } : {}),
  });
  app.addPlatform(platform);
  const queue = new WorkQueue(settings.parallelWork ?? 2);
  const logic = teamsTurn({ context: app.context, platform, connector, directory, queue, logger: log });
  const registered = Boolean(settings.appId);

  app.http.route('POST', TEAMS_MESSAGES_PATH, async (req, res) => {
    if (!registered && !settings.emulator) {
      log.warn('refused a Teams request: no TEAMS_APP_ID and TEAMS_EMULATOR is not 1');
      sendJson(res, 401, { error: 'Teams is not configured on this bot' });
      return;
    }
    if (registered && !plausibleBearer(req.headers.authorization)) {
      log.warn({ reason: req.headers.authorization ? 'not a signed JWT' : 'no token' }, 'refused a Teams request without a valid Bot Framework token');
      sendJson(res, 401, { error: 'a valid Bot Framework token is required' });
      return;
    }
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (error) {
      sendJson(res, 400, { error: error instanceof Error ? error.message : 'bad body' });
      return;
    }
    if (!body || typeof body !== 'object' || typeof (body as { type?: unknown }).type !== 'string') {
      sendJson(res, 400, { error: 'not a Bot Framework activity' });
      return;
    }
    const request = { body: body as Record<string, unknown>, headers: req.headers, method: req.method ?? 'POST' };
    await connector.adapter.process(request, responseShim(res) as never, logic).catch((error: unknown) => {
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'teams turn failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  });
  connector.adapter.onTurnError = async (_turn, error) => {
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'teams turn failed');
  };

  const drain = () => queue.drain();
  return { platform, connector, drain, stop: drain };
}
