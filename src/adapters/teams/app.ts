import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Activity } from 'botbuilder';
import type { Logger } from 'pino';
import { TEAMS_MESSAGES_PATH, type App as BotApp } from '../../app.js';
import type { Config } from '../../config.js';
import { ChatDirectory } from '../../db/chat-directory.js';
import { readBody, sendJson } from '../../http/server.js';
import { WorkQueue } from '../work-queue.js';
import { DEFAULT_AUTHENTICATE_TIMEOUT_MS, precheckBearer, teamsAuthGate } from './auth.js';
import { TeamsConnector, type RetryPolicy, type TeamsCredentials } from './connector.js';
import { replayActivity, teamsTurn, TEAMS_INBOX_EDGE } from './listeners.js';
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
  /** How long the SDK may take to validate a token (it may have to download the signing keys) before the request is refused. */
  authenticateTimeoutMs?: number;
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

async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req, MAX_BODY_BYTES);
  if (raw === undefined) throw new Error('the request ended early');
  if (raw === 'too-large') throw new Error('body too large');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new Error('body is not JSON');
  }
}

/**
 * Starts the Teams edge: the SDK's CloudAdapter on `POST /api/messages` of our server, the Teams
 * platform registered with the core. Requests are acked as soon as their work is queued.
 */
export async function startTeams(app: BotApp, settings: TeamsSettings, logger: Logger): Promise<TeamsEdge> {
  const log = logger.child({ platform: 'teams' });
  const connector = new TeamsConnector(settings, settings.retry, app.context.telemetry);
  const directory = new ChatDirectory(app.database.db, 'teams');
  const platform = new TeamsPlatform(connector, directory, {
    commandPrefix: settings.commandPrefix ?? '@IncidentBot',
    ...(settings.serviceUrl ? { serviceUrl: settings.serviceUrl } : {}),
    ...(settings.tenantId ? { tenantId: settings.tenantId } : {}),
    ...(settings.triageChannel ? { fallbackChannel: settings.triageChannel } : {}),
    onUpdateFailed: (ref, error) => log.error({ messageId: ref.id, err: error instanceof Error ? error.message : String(error) }, 'could not update a Teams card; the next change sends it again'),
  });
  app.addPlatform(platform);
  const queue = new WorkQueue(settings.parallelWork ?? 2);
  const deps = { context: app.context, inbox: app.inbox, platform, connector, directory, queue, logger: log };
  const logic = teamsTurn(deps);
  app.inbox.handle(TEAMS_INBOX_EDGE, (item) => replayActivity(deps, item));
  const registered = Boolean(settings.appId);

  const gate = {
    appId: connector.appId,
    authenticate: (activity: Activity, authorization: string) => connector.authenticate(activity, authorization),
    timeoutMs: settings.authenticateTimeoutMs ?? DEFAULT_AUTHENTICATE_TIMEOUT_MS,
  };
  const refuse = (res: ServerResponse, reason: string) => {
    log.warn({ reason }, 'refused a Teams request without a valid Bot Framework token');
    sendJson(res, 401, { error: 'a valid Bot Framework token is required' });
  };
  /** A bad body: 400 for the emulator; with an app id 401, as nothing vouches for the sender yet. */
  const badBody = (res: ServerResponse, reason: string) => (registered ? refuse(res, reason) : sendJson(res, 400, { error: reason }));

  app.http.route('POST', TEAMS_MESSAGES_PATH, async (req, res) => {
    if (!registered && !settings.emulator) {
      log.warn('refused a Teams request: no TEAMS_APP_ID and TEAMS_EMULATOR is not 1');
      sendJson(res, 401, { error: 'Teams is not configured on this bot' });
      return;
    }
    const authorization = req.headers.authorization;
    // Cheap refusal before the body is read; the gate repeats it with the activity's serviceUrl.
    const early = registered ? precheckBearer(authorization, { appId: connector.appId }) : undefined;
    if (early) return refuse(res, early);
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (error) {
      return badBody(res, error instanceof Error ? error.message : 'bad body');
    }
    if (!body || typeof body !== 'object' || typeof (body as { type?: unknown }).type !== 'string') {
      return badBody(res, 'not a Bot Framework activity');
    }
    const activity = body as Activity;
    const verdict = await teamsAuthGate(gate, activity, authorization);
    if (!verdict.ok) return refuse(res, verdict.reason);
    try {
      // The turn runs with the gate's identity: botbuilder does not validate (nor answer) a second time.
      const invoke = await connector.adapter.runAuthenticated(verdict.auth, activity, logic);
      const status = invoke?.status ?? 200;
      if (invoke?.body === undefined || invoke.body === null) res.writeHead(status).end();
      else sendJson(res, status, invoke.body);
    } catch (error) {
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'teams turn failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    }
  });
  connector.adapter.onTurnError = async (_turn, error) => {
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'teams turn failed');
  };

  // The work after the acks, then the card updates it left in flight.
  const drain = async () => {
    await queue.drain();
    await platform.settled();
  };
  return { platform, connector, drain, stop: drain };
}
