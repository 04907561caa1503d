import { CallerIdConstants, CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity, type AuthenticateRequestResult, type ConnectorClient } from 'botframework-connector';
import { AppError } from '../../core/errors.js';
import type { Telemetry } from '../../core/ports/telemetry.js';

/**
 * The seam over Microsoft's Bot Framework SDK (botbuilder). Only this file and `app.ts` import it:
 * moving to the Microsoft 365 Agents SDK (`@microsoft/agents-hosting`, the same CloudAdapter and
 * TurnContext names) replaces them and nothing else (docs/architecture.md).
 */
export interface TeamsCredentials {
  appId?: string;
  appPassword?: string;
  tenantId?: string;
  appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
  /** Where inbound tokens' signing keys are published; Bot Framework's public-cloud document unless set (tests use a local one). */
  openIdMetadataUrl?: string;
}

/** What authenticating an inbound request gives: who sent it and how to answer. */
export type InboundAuth = AuthenticateRequestResult;

/** The SDK's adapter, able to run a turn for a request the edge has already authenticated. */
class TeamsAdapter extends CloudAdapter {
  /** Runs `logic` with the identity from `TeamsConnector.authenticate`: the token is not validated a second time. */
  runAuthenticated(auth: InboundAuth, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    for (const field of ['timestamp', 'localTimestamp', 'expiration'] as const) {
      const value = activity[field] as unknown;
      if (typeof value === 'string') activity[field] = new Date(value); // as CloudAdapter.process does
    }
    return this.processActivity(auth, activity, logic);
  }
}

/** The public-cloud settings with another OpenID metadata URL (the SDK wants them all once one is given). */
function publicCloudWith(openIdMetadataUrl: string) {
  return {
    ToBotFromChannelOpenIdMetadataUrl: openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
}

/** Where a conversation lives: the Bot Connector serving it, its id, and the tenant. */
export interface ConversationAddress {
  serviceUrl: string;
  conversationId: string;
  tenantId?: string;
}

export type OutboundActivity = Partial<Activity>;

export interface TeamsMember {
  mri: string;
  aadObjectId?: string;
  name: string;
}

/**
 * What the SDK's own client leaves to us: it already waits out a 429 with Retry-After and retries
 * 5xx and network errors three times (test/teams/connector-double.test.ts), but gives up at once on
 * 412 and on a 429 without Retry-After.
 */
const RETRIED = new Set([412, 429]);
const ATTEMPTS = 4;

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: ATTEMPTS, baseMs: 400, maxMs: 8_000 };

function statusOf(error: unknown): number | undefined {
  const e = error as { statusCode?: number; response?: { status?: number } };
  return e?.statusCode ?? e?.response?.status;
}

function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { response?: { headers?: { get?(name: string): string | undefined } } })?.response?.headers;
  const value = headers?.get?.('retry-after');
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** Backoff with full jitter, or the Retry-After Teams asked for. */
export async function withRetry<T>(call: () => Promise<T>, what: string, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      if (status === undefined || !RETRIED.has(status) || attempt >= policy.attempts) throw toAppError(error, what);
      const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      const wait = retryAfterMs(error) ?? Math.random() * backoff;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Translates a Bot Connector failure once, into the error the core understands. */
export function toAppError(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error;
  const status = statusOf(error);
  const body = (error as { body?: { error?: { code?: string; message?: string } } })?.body?.error;
  const code = body?.code ?? (error instanceof Error ? error.message : String(error));
  if (status === 429) return new AppError('rate_limited', `Teams is throttling the bot (${what}); it will try again`);
  return new AppError('platform_error', `Teams refused ${what}: ${status ? `HTTP ${status} ` : ''}${code}`.trim());
}

/** The SDK's adapter plus a Bot Connector client per service URL, for proactive calls. */
export class TeamsConnector {
  readonly adapter: TeamsAdapter;
  private readonly auth: ConfigurationBotFrameworkAuthentication;
  private readonly clients = new Map<string, Promise<ConnectorClient>>();

  constructor(
    readonly credentials: TeamsCredentials,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    /** Counts each proactive call (after retries) by Bot Connector operation, and its failure by HTTP status. */
    private readonly telemetry?: Pick<Telemetry, 'chatApiCall'>,
  ) {
    this.auth = new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: credentials.appId ?? '',
      MicrosoftAppPassword: credentials.appPassword ?? '',
      MicrosoftAppTenantId: credentials.tenantId ?? '',
      // Without an app id (the emulator) the SDK runs with auth off; a type would demand the id.
      ...(credentials.appId ? { MicrosoftAppType: credentials.appType } : {}),
      ...(credentials.openIdMetadataUrl ? publicCloudWith(credentials.openIdMetadataUrl) : {}),
    });
    this.adapter = new TeamsAdapter(this.auth);
  }

  /**
   * The SDK's check of an inbound request's token (signature against the published keys, issuer,
   * audience, expiry, serviceurl). Rejects when it is not valid. With no app id, auth is off and any
   * request passes.
   */
  authenticate(activity: Activity, authorization: string): Promise<InboundAuth> {
    return this.auth.authenticateRequest(activity, authorization);
  }

  get appId(): string {
    return this.credentials.appId ?? '';
  }

  private client(serviceUrl: string): Promise<ConnectorClient> {
    let client = this.clients.get(serviceUrl);
    if (!client) {
      const identity = new ClaimsIdentity([
        { type: AuthenticationConstants.AudienceClaim, value: this.appId },
        { type: AuthenticationConstants.AppIdClaim, value: this.appId },
      ]);
      client = this.auth.createConnectorFactory(identity).create(serviceUrl, AuthenticationConstants.ToChannelFromBotOAuthScope);
      client.catch(() => this.clients.delete(serviceUrl));
      this.clients.set(serviceUrl, client);
    }
    return client;
  }

  private async call<T>(serviceUrl: string, what: string, operation: string, run: (client: ConnectorClient) => Promise<T>): Promise<T> {
    let lastStatus: number | undefined;
    const attempt = async () => {
      try {
        return await run(await this.client(serviceUrl));
      } catch (error) {
        lastStatus = statusOf(error);
        throw error;
      }
    };
    try {
      const result = await withRetry(attempt, what, this.retry);
      this.telemetry?.chatApiCall('teams', operation);
      return result;
    } catch (error) {
      this.telemetry?.chatApiCall('teams', operation, lastStatus ? `http_${lastStatus}` : 'request_error');
      throw error;
    }
  }

  async send(to: ConversationAddress, activity: OutboundActivity): Promise<string> {
    const sent = await this.call(to.serviceUrl, 'the message', 'sendToConversation', (c) =>
      c.conversations.sendToConversation(to.conversationId, { ...activity, conversation: { id: to.conversationId, ...(to.tenantId ? { tenantId: to.tenantId } : {}) } } as Activity),
    );
    return sent.id ?? '';
  }

  async update(to: ConversationAddress, activityId: string, activity: OutboundActivity): Promise<void> {
    await this.call(to.serviceUrl, 'the update', 'updateActivity', (c) =>
      c.conversations.updateActivity(to.conversationId, activityId, { ...activity, id: activityId, conversation: { id: to.conversationId } } as Activity),
    );
  }

  /** Starts a thread in a channel with `activity` as its root: the thread's conversation id and the root's id. */
  async startThread(channel: ConversationAddress, activity: OutboundActivity): Promise<{ conversationId: string; activityId: string }> {
    const created = await this.call(channel.serviceUrl, 'the new thread', 'createConversation', (c) =>
      c.conversations.createConversation({
        isGroup: true,
        channelData: { channel: { id: channel.conversationId }, ...(channel.tenantId ? { tenant: { id: channel.tenantId } } : {}) },
        activity: activity as Activity,
        ...(channel.tenantId ? { tenantId: channel.tenantId } : {}),
      } as Parameters<ConnectorClient['conversations']['createConversation']>[0]),
    );
    const activityId = created.activityId ?? /;messageid=(\d+)/.exec(created.id)?.[1] ?? '';
    return { conversationId: created.id, activityId };
  }

  /** Opens (or finds) the 1:1 chat between the bot and one person. */
  async openPersonalChat(serviceUrl: string, person: { mri: string; tenantId?: string }): Promise<string> {
    const created = await this.call(serviceUrl, 'the personal chat', 'createConversation', (c) =>
      c.conversations.createConversation({
        isGroup: false,
        ...(this.appId ? { bot: { id: `28:${this.appId}`, name: 'IncidentBot' } } : {}),
        members: [{ id: person.mri, name: '' }],
        ...(person.tenantId ? { tenantId: person.tenantId, channelData: { tenant: { id: person.tenantId } } } : {}),
      } as Parameters<ConnectorClient['conversations']['createConversation']>[0]),
    );
    return created.id;
  }

  async member(to: ConversationAddress, mri: string): Promise<TeamsMember | undefined> {
    try {
      const member = (await this.call(to.serviceUrl, 'the member', 'getConversationMember', (c) => c.conversations.getConversationMember(to.conversationId, mri))) as {
        id: string;
        name?: string;
        aadObjectId?: string;
      };
      return { mri: member.id, name: member.name ?? mri, ...(member.aadObjectId ? { aadObjectId: member.aadObjectId } : {}) };
    } catch {
      return undefined;
    }
  }
}

export type { TurnContext };
