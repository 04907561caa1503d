import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type * as AdaptiveCardsModule from 'adaptivecards';

/**
 * A small local Bot Connector (REST API v3, as Teams serves it) for tests and the bench: botbuilder's
 * real CloudAdapter / ConnectorClient talks to it over HTTP through the activities' `serviceUrl`.
 * It implements what a bot calls (create conversation, send, reply, update, delete, members, team
 * details), records every call, keeps every message and its current state after updates, and refuses
 * what Teams refuses, with Teams' error bodies
 * (https://learn.microsoft.com/microsoftteams/platform/bots/build-conversational-capability, "status
 * codes from bot conversational APIs"):
 *
 * - unknown conversation → 404 `ConversationNotFound`; update/delete of an unknown message → 404
 *   `ActivityNotFoundInConversation`; update of a deleted message → 403 `ServiceError` "Unknown" (as
 *   reported on microsoft/BotFramework-Services#269); unknown member → 404 `MemberNotFoundInConversation`;
 * - a message body over 28 KB (`maxMessageBytes`) → 413 `MessageSizeTooBig`;
 * - an Adaptive Card the `adaptivecards` package cannot parse cleanly, or newer than Teams renders
 *   (1.5) → 400 `BadArgument` (real Teams accepts the POST and shows an error card: stricter on purpose);
 * - a mention entity whose `text` is not in the message text (or the card's text) → 400 `BadArgument`;
 * - `POST /v3/conversations` outside the two supported shapes (1:1 with one `29:` member + tenant id;
 *   channel thread with `isGroup`, `channelData.channel.id` and an `activity`) → 400 `BadSyntax`;
 * - the documented per-conversation rate limits (7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in 1 h) → 429
 *   `Throttled` with `Retry-After`;
 * - with `requireAuth`, a call without the expected bearer token → 401.
 *
 * `fail()` forces the next calls to answer 429 (with or without Retry-After), 412, 502, 503 or 504.
 *
 * Placement rule (an assumption, see the report): the conversation id in the URL decides where a
 * message goes (a channel id: new top-level post; `<channel>;messageid=<root>`: a reply in that
 * thread). A reply's `replyToId` is recorded but not checked: botbuilder's `continueConversationAsync`
 * replies to a random uuid, and Teams accepts that.
 */

type Json = Record<string, unknown>;

export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;
/** The newest Adaptive Card version Teams renders. */
export const TEAMS_CARD_VERSION = '1.5';
export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** Documented per bot per conversation limits. */
export const TEAMS_RATE_LIMITS: readonly { windowMs: number; max: number }[] = [
  { windowMs: 1_000, max: 7 },
  { windowMs: 2_000, max: 8 },
  { windowMs: 30_000, max: 60 },
  { windowMs: 3_600_000, max: 1_800 },
];

export type ConnectorOperation =
  | 'createConversation'
  | 'sendToConversation'
  | 'replyToActivity'
  | 'updateActivity'
  | 'deleteActivity'
  | 'getConversationMembers'
  | 'getConversationMember'
  | 'getConversationPagedMembers'
  | 'getTeamDetails'
  | 'getTeamChannels'
  | 'unknown';

export interface ConnectorCall {
  method: string;
  /** Path after the service URL's prefix, decoded: `/v3/conversations/19:…;messageid=1/activities`. */
  path: string;
  operation: ConnectorOperation;
  conversationId?: string;
  activityId?: string;
  memberId?: string;
  body: unknown;
  /** The Authorization header as received (undefined when absent). */
  authorization?: string;
  /** performance.now() (or the injected clock) when the call arrived. */
  at: number;
  status: number;
  /** Teams' error code when refused. */
  error?: string;
}

export type ForcedFailure = { status: 429; retryAfter?: number } | { status: 412 | 502 | 503 | 504 };

export interface TeamsMember {
  id: string;
  name?: string;
  aadObjectId?: string;
  email?: string;
  userPrincipalName?: string;
  givenName?: string;
  surname?: string;
  userRole?: string;
  tenantId?: string;
}

export interface StoredMessage {
  id: string;
  /** The channel / chat it lives in (a channel id, never a thread id). */
  conversationId: string;
  /** For channel messages: the root of its thread (itself for a top-level post). */
  threadRootId?: string;
  /** The conversation id to reply or update with: the thread id for channel messages. */
  threadConversationId: string;
  by: 'bot' | 'user';
  /** The current state (after updates). */
  activity: Json;
  /** Every state, oldest first (the first is what was posted). */
  versions: Json[];
  replyToId?: string;
  deleted: boolean;
}

export interface Conversation {
  id: string;
  kind: 'channel' | 'personal' | 'groupChat';
  tenantId?: string;
  /** For channels: the team (its id is the General channel's id). */
  teamId?: string;
  name?: string;
  members: TeamsMember[];
}

export interface Team {
  id: string;
  name: string;
  aadGroupId: string;
  tenantId?: string;
}

export interface FakeBotConnectorOptions {
  /** Refuse message bodies larger than this (bytes of the JSON as sent). Default 28 KB. */
  maxMessageBytes?: number;
  /** Require `Authorization: Bearer <token>`; `true` accepts any bearer token, a string only that one. */
  requireAuth?: boolean | string;
  /** Clock for the rate limits (ms). Default performance.now(). */
  now?: () => number;
  /** Apply the documented rate limits. Default true. */
  rateLimits?: boolean;
  /** Newest card version accepted. Default 1.5 (Teams). */
  maxCardVersion?: string;
  /** Path prefix of the service URL, as Teams' regional ones have (`/amer/`). Default `/amer/`. */
  servicePath?: string;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const requireCjs = createRequire(import.meta.url);
let adaptiveCards: typeof AdaptiveCardsModule | undefined;
function loadAdaptiveCards(): typeof AdaptiveCardsModule {
  // The package's ESM entry is broken on Node; its UMD bundle works.
  adaptiveCards ??= requireCjs('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCardsModule;
  return adaptiveCards;
}

/**
 * What a client would complain about when rendering this Adaptive Card: parse warnings (unknown
 * element or action types) and validation failures (missing ids, duplicate ids, bad versions…),
 * plus a version newer than `maxVersion`. Empty when the card is clean.
 */
export function adaptiveCardProblems(card: unknown, maxVersion = TEAMS_CARD_VERSION): string[] {
  if (!card || typeof card !== 'object') return ['the card is not an object'];
  const AC = loadAdaptiveCards();
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const problems: string[] = [];
  const ignored = new Set([AC.ValidationEvent.Hint, AC.ValidationEvent.Deprecated]);
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    if (!ignored.has(event.event)) problems.push(event.message);
  }
  for (const event of parsed.validateProperties().validationEvents) {
    if (!ignored.has(event.event)) problems.push(event.message);
  }
  const version = String((card as Json).version ?? '');
  if (version && compareVersions(version, maxVersion) > 0) problems.push(`Card version ${version} is newer than ${maxVersion}, the newest Teams renders.`);
  return problems;
}

function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

/** Every string under `value` (card text, fact values, inlines…). */
function strings(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, into);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) strings(item, into);
  return into;
}

function mentionProblems(entities: unknown, texts: string[], where: string): string[] {
  if (!Array.isArray(entities)) return [];
  const problems: string[] = [];
  for (const entity of entities as Json[]) {
    if (entity?.type !== 'mention') continue;
    const text = typeof entity.text === 'string' ? entity.text : '';
    const mentioned = entity.mentioned as Json | undefined;
    if (!mentioned || typeof mentioned.id !== 'string' || !mentioned.id) problems.push(`A mention in ${where} has no mentioned.id.`);
    if (!text) problems.push(`A mention in ${where} has no text.`);
    else if (!texts.some((t) => t.includes(text))) problems.push(`The mention text ${JSON.stringify(text)} does not appear in ${where}.`);
  }
  return problems;
}

const THREAD = /^(.*);messageid=(\d+)$/;

export class FakeBotConnector {
  readonly calls: ConnectorCall[] = [];
  readonly conversations = new Map<string, Conversation>();
  readonly teams = new Map<string, Team>();
  /** Every message by id (ids are unique across the fake, like Teams' millisecond ids). */
  readonly messages = new Map<string, StoredMessage>();
  private readonly failures: { failure: ForcedFailure; match?: (call: ConnectorCall) => boolean }[] = [];
  /** Accepted write times per conversation key, for the rate limits. */
  private readonly writes = new Map<string, number[]>();
  private server: Server | undefined;
  private sequence = 0;
  private readonly options: Required<Omit<FakeBotConnectorOptions, 'requireAuth'>> & { requireAuth: boolean | string };
  base = '';

  constructor(options: FakeBotConnectorOptions = {}) {
    this.options = {
      maxMessageBytes: options.maxMessageBytes ?? TEAMS_MESSAGE_LIMIT_BYTES,
      requireAuth: options.requireAuth ?? false,
      now: options.now ?? (() => performance.now()),
      rateLimits: options.rateLimits ?? true,
      maxCardVersion: options.maxCardVersion ?? TEAMS_CARD_VERSION,
      servicePath: options.servicePath ?? '/amer/',
    };
  }

  /** The `serviceUrl` activities carry (trailing slash, like Teams' `https://smba.trafficmanager.net/amer/`). */
  get serviceUrl(): string {
    return `${this.base}${this.options.servicePath}`;
  }

  /** Switch bearer-token checking on (`true`: any bearer; a string: exactly that token) or off. */
  requireAuth(value: boolean | string): void {
    this.options.requireAuth = value;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    this.base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- arranging the world -------------------------------------------------------------------

  /** A team and its General channel (same id), as after the app was installed in the team. */
  addTeam(team: { id: string; name?: string; aadGroupId?: string; tenantId?: string; members?: TeamsMember[] }): Team {
    const stored: Team = { id: team.id, name: team.name ?? 'Incident Response', aadGroupId: team.aadGroupId ?? '00000000-0000-4000-8000-00000000a1d0', tenantId: team.tenantId };
    this.teams.set(team.id, stored);
    this.addChannel(team.id, { teamId: team.id, name: 'General', tenantId: team.tenantId, members: team.members });
    return stored;
  }

  /** A channel that exists (of a team added with addTeam, or of an implicit team). */
  addChannel(id: string, options: { teamId?: string; name?: string; tenantId?: string; members?: TeamsMember[] } = {}): Conversation {
    const teamId = options.teamId ?? id;
    if (!this.teams.has(teamId)) this.teams.set(teamId, { id: teamId, name: 'Incident Response', aadGroupId: '00000000-0000-4000-8000-00000000a1d0', tenantId: options.tenantId });
    const members = options.members ?? this.conversations.get(teamId)?.members ?? [];
    const conversation: Conversation = { id, kind: 'channel', teamId, name: options.name, tenantId: options.tenantId, members: [...members] };
    this.conversations.set(id, conversation);
    return conversation;
  }

  /** A personal (1:1) or group chat that exists. */
  addChat(id: string, options: { kind?: 'personal' | 'groupChat'; tenantId?: string; members?: TeamsMember[] } = {}): Conversation {
    const conversation: Conversation = { id, kind: options.kind ?? (id.startsWith('a:') ? 'personal' : 'groupChat'), tenantId: options.tenantId, members: [...(options.members ?? [])] };
    this.conversations.set(id, conversation);
    return conversation;
  }

  addMember(conversationId: string, member: TeamsMember): void {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) throw new Error(`FakeBotConnector: unknown conversation ${conversationId}`);
    if (!conversation.members.some((m) => m.id === member.id)) conversation.members.push(member);
    if (conversation.kind === 'channel') {
      for (const other of this.conversations.values()) {
        if (other !== conversation && other.kind === 'channel' && other.teamId === conversation.teamId && !other.members.some((m) => m.id === member.id)) other.members.push(member);
      }
    }
  }

  /**
   * Records an activity Teams is about to deliver to the bot, as Teams would have stored it: its
   * conversation becomes known (channel, personal or group chat), its sender a member, and a user
   * message is stored (a channel post whose id is the thread root, or a reply in an existing thread).
   */
  recordInbound(activity: Json): void {
    const conversation = activity.conversation as Json | undefined;
    const conversationId = String(conversation?.id ?? '');
    if (!conversationId) throw new Error('FakeBotConnector.recordInbound: the activity has no conversation.id');
    const channelData = (activity.channelData ?? {}) as Json;
    const tenantId = String(conversation?.tenantId ?? (channelData.tenant as Json | undefined)?.id ?? '') || undefined;
    const thread = THREAD.exec(conversationId);
    const baseId = thread ? thread[1]! : conversationId;
    if (!this.conversations.has(baseId)) {
      if (conversation?.conversationType === 'channel' || thread) {
        const teamId = String((channelData.team as Json | undefined)?.id ?? baseId);
        this.addChannel(baseId, { teamId, tenantId });
      } else {
        this.addChat(baseId, { kind: conversation?.conversationType === 'groupChat' ? 'groupChat' : 'personal', tenantId });
      }
    }
    const from = activity.from as TeamsMember | undefined;
    if (from?.id?.startsWith('29:')) this.addMember(baseId, { ...from });
    if (activity.type !== 'message') return;
    const id = String(activity.id ?? '');
    if (!id) throw new Error('FakeBotConnector.recordInbound: a message needs an id');
    let threadRootId: string | undefined;
    if (thread) {
      threadRootId = thread[2]!;
      if (threadRootId !== id && !this.messages.has(threadRootId)) {
        throw new Error(`FakeBotConnector.recordInbound: thread root ${threadRootId} was never posted; record the root message first`);
      }
    }
    this.store({ id, conversationId: baseId, threadRootId, by: 'user', activity, replyToId: activity.replyToId as string | undefined });
  }

  /** The next `times` calls (matching `match`, default any) answer with this failure. */
  fail(failure: ForcedFailure, times = 1, match?: (call: ConnectorCall) => boolean): void {
    for (let i = 0; i < times; i++) this.failures.push({ failure, match });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  // ---- reading the state ---------------------------------------------------------------------

  callsTo(operation: ConnectorOperation): ConnectorCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  /** The current state of a message, by id. */
  message(id: string): StoredMessage | undefined {
    return this.messages.get(id);
  }

  /**
   * Messages of a channel, chat or thread (a `<channel>;messageid=<root>` id: the root and its
   * replies), oldest first, current state; deleted ones only if asked.
   */
  messagesIn(conversationId: string, options: { includeDeleted?: boolean } = {}): StoredMessage[] {
    const thread = THREAD.exec(conversationId);
    return [...this.messages.values()].filter(
      (m) =>
        (options.includeDeleted || !m.deleted) &&
        (thread ? m.conversationId === thread[1] && m.threadRootId === thread[2] : m.conversationId === conversationId),
    );
  }

  /** Top-level posts of a channel (thread roots), oldest first. */
  threadsIn(channelId: string): StoredMessage[] {
    return this.messagesIn(channelId).filter((m) => m.threadRootId === m.id);
  }

  botMessages(): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.by === 'bot' && !m.deleted);
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.base);
    const at = url.pathname.indexOf('/v3/');
    const segments = (at >= 0 ? url.pathname.slice(at + 1) : url.pathname.replace(/^\//, '')).split('/').map((s) => decodeURIComponent(s));
    const method = req.method ?? 'GET';
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = raw.toString('utf8');
    }
    const call: ConnectorCall = {
      method,
      path: `/${segments.join('/')}`,
      operation: 'unknown',
      body,
      authorization: req.headers.authorization,
      at: this.options.now(),
      status: 0,
    };
    this.route(call, segments);
    this.calls.push(call);
    let status = 200;
    let answer: unknown;
    let headers: Record<string, string> = {};
    try {
      this.checkAuth(call);
      const forced = this.takeFailure(call);
      if (forced) throw forced;
      if (at < 0 || call.operation === 'unknown') throw new Refusal(404, 'NotFound', `No route for ${method} ${url.pathname}`);
      [status, answer] = this.answer(call, raw.length);
    } catch (caught) {
      const error = caught instanceof Refusal ? caught : new Refusal(500, 'ServiceError', String((caught as Error)?.message ?? caught));
      status = error.status;
      headers = error.headers;
      call.error = error.code;
      answer = error.code ? { error: { code: error.code, message: error.message } } : undefined;
      if (status === 401) answer = { message: error.message };
    }
    call.status = status;
    if (answer === undefined) res.writeHead(status, headers).end();
    else res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer));
  }

  private route(call: ConnectorCall, s: string[]): void {
    const [v3, collection, id, sub, subId, extra] = s;
    if (v3 !== 'v3') return;
    if (collection === 'conversations') {
      call.conversationId = id;
      if (id === undefined && call.method === 'POST') call.operation = 'createConversation';
      else if (sub === 'activities' && extra === undefined) {
        call.activityId = subId;
        if (call.method === 'POST') call.operation = subId === undefined ? 'sendToConversation' : 'replyToActivity';
        else if (call.method === 'PUT' && subId !== undefined) call.operation = 'updateActivity';
        else if (call.method === 'DELETE' && subId !== undefined) call.operation = 'deleteActivity';
      } else if (sub === 'members' && call.method === 'GET') {
        call.operation = subId === undefined ? 'getConversationMembers' : 'getConversationMember';
        call.memberId = subId;
      } else if (sub === 'pagedmembers' && call.method === 'GET') call.operation = 'getConversationPagedMembers';
    } else if (collection === 'teams' && call.method === 'GET' && id !== undefined) {
      call.conversationId = id;
      call.operation = sub === 'conversations' ? 'getTeamChannels' : sub === undefined ? 'getTeamDetails' : 'unknown';
    }
  }

  private checkAuth(call: ConnectorCall): void {
    const required = this.options.requireAuth;
    if (!required) return;
    const match = /^Bearer (\S+)$/.exec(call.authorization ?? '');
    if (!match || (typeof required === 'string' && match[1] !== required)) {
      throw new Refusal(401, '', 'Authorization has been denied for this request.');
    }
  }

  private takeFailure(call: ConnectorCall): Refusal | undefined {
    const index = this.failures.findIndex((f) => !f.match || f.match(call));
    if (index < 0) return undefined;
    const [{ failure }] = this.failures.splice(index, 1) as [{ failure: ForcedFailure }];
    switch (failure.status) {
      case 429:
        return new Refusal(429, 'Throttled', 'Too many requests.', failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) });
      case 412:
        return new Refusal(412, 'PreconditionFailed', 'Precondition failed, please try again.');
      case 502:
        return new Refusal(502, 'ServiceError', 'Bad gateway.');
      case 503:
        return new Refusal(503, '', 'Service unavailable.');
      case 504:
        return new Refusal(504, '', 'Gateway timeout.');
    }
  }

  private answer(call: ConnectorCall, size: number): [number, unknown] {
    switch (call.operation) {
      case 'createConversation':
        return this.createConversation(call, size);
      case 'sendToConversation':
      case 'replyToActivity':
        return this.post(call, size);
      case 'updateActivity':
        return this.update(call, size);
      case 'deleteActivity':
        return this.remove(call);
      case 'getConversationMembers':
        return [200, this.resolve(call.conversationId!).conversation.members];
      case 'getConversationPagedMembers':
        return [200, { members: this.resolve(call.conversationId!).conversation.members }];
      case 'getConversationMember': {
        const memberId = call.memberId ?? '';
        const member = this.resolve(call.conversationId!).conversation.members.find((m) => m.id === memberId || m.aadObjectId === memberId);
        if (!member) throw new Refusal(404, 'MemberNotFoundInConversation', 'The member was not found in the conversation.');
        return [200, member];
      }
      case 'getTeamDetails': {
        const team = this.teams.get(call.conversationId!);
        if (!team) throw new Refusal(404, 'ConversationNotFound', 'Conversation not found.');
        return [200, { id: team.id, name: team.name, aadGroupId: team.aadGroupId }];
      }
      case 'getTeamChannels': {
        const team = this.teams.get(call.conversationId!);
        if (!team) throw new Refusal(404, 'ConversationNotFound', 'Conversation not found.');
        const channels = [...this.conversations.values()].filter((c) => c.kind === 'channel' && c.teamId === team.id);
        return [200, { conversations: channels.map((c) => ({ id: c.id, name: c.id === team.id ? undefined : c.name })) }];
      }
      default:
        throw new Refusal(404, 'NotFound', 'Unknown operation.');
    }
  }

  /** The conversation (and thread) a URL's conversation id names, or 404 ConversationNotFound. */
  private resolve(id: string): { conversation: Conversation; threadRootId?: string } {
    const thread = THREAD.exec(id);
    const conversation = this.conversations.get(thread ? thread[1]! : id);
    if (!conversation || (thread && conversation.kind !== 'channel')) throw new Refusal(404, 'ConversationNotFound', 'Conversation not found.');
    if (thread) {
      const root = this.messages.get(thread[2]!);
      if (!root || root.conversationId !== conversation.id || root.threadRootId !== root.id) throw new Refusal(404, 'ConversationNotFound', 'Conversation not found.');
      return { conversation, threadRootId: root.id };
    }
    return { conversation };
  }

  private throttle(key: string): void {
    if (!this.options.rateLimits) return;
    const now = this.options.now();
    const times = (this.writes.get(key) ?? []).filter((t) => now - t < 3_600_000);
    this.writes.set(key, times);
    for (const { windowMs, max } of TEAMS_RATE_LIMITS) {
      const inWindow = times.filter((t) => now - t < windowMs);
      if (inWindow.length >= max) {
        const oldestThatMustExpire = inWindow[inWindow.length - max]!;
        const waitMs = oldestThatMustExpire + windowMs - now;
        throw new Refusal(429, 'Throttled', 'Too many requests.', { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) });
      }
    }
  }

  private accepted(key: string): void {
    if (!this.options.rateLimits) return;
    const list = this.writes.get(key) ?? [];
    list.push(this.options.now());
    this.writes.set(key, list);
  }

  /** Size, card and mention checks Teams applies to a message it stores. */
  private checkMessage(activity: Json, size: number): void {
    if (size > this.options.maxMessageBytes) throw new Refusal(413, 'MessageSizeTooBig', 'Message size too large.');
    const problems: string[] = [];
    const attachments = Array.isArray(activity.attachments) ? (activity.attachments as Json[]) : [];
    if (activity.type === 'message' && !activity.text && attachments.length === 0) problems.push('A message needs text or attachments.');
    for (const [index, attachment] of attachments.entries()) {
      if (attachment?.contentType !== ADAPTIVE_CARD) continue;
      const card = attachment.content;
      for (const problem of adaptiveCardProblems(card, this.options.maxCardVersion)) problems.push(`attachments[${index}]: ${problem}`);
      const msteams = (card as Json | undefined)?.msteams as Json | undefined;
      problems.push(...mentionProblems(msteams?.entities, strings((card as Json).body), `the card's text (attachments[${index}])`));
    }
    problems.push(...mentionProblems(activity.entities, typeof activity.text === 'string' ? [activity.text] : [], 'the message text'));
    if (problems.length > 0) throw new Refusal(400, 'BadArgument', problems.join(' '));
  }

  private nextId(): string {
    // Teams message ids are millisecond timestamps.
    let id: string;
    do id = String(1764061200000 + ++this.sequence);
    while (this.messages.has(id));
    return id;
  }

  private store(message: Omit<StoredMessage, 'threadConversationId' | 'versions' | 'deleted' | 'threadRootId'> & { threadRootId?: string }): StoredMessage {
    const conversation = this.conversations.get(message.conversationId);
    const threadRootId = conversation?.kind === 'channel' ? (message.threadRootId ?? message.id) : undefined;
    const stored: StoredMessage = {
      ...message,
      threadRootId,
      threadConversationId: threadRootId ? `${message.conversationId};messageid=${threadRootId}` : message.conversationId,
      activity: { ...message.activity, id: message.id },
      versions: [{ ...message.activity, id: message.id }],
      deleted: false,
    };
    this.messages.set(message.id, stored);
    return stored;
  }

  private createConversation(call: ConnectorCall, size: number): [number, unknown] {
    const params = (call.body ?? {}) as Json;
    const members = Array.isArray(params.members) ? (params.members as TeamsMember[]) : [];
    const channelData = (params.channelData ?? {}) as Json;
    const tenantId = String(params.tenantId ?? (channelData.tenant as Json | undefined)?.id ?? '') || undefined;
    const activity = params.activity as Json | undefined;
    const badSyntax = new Refusal(400, 'BadSyntax', 'Incorrect conversation creation parameters');
    const channelId = (channelData.channel as Json | undefined)?.id;
    if (params.isGroup === true) {
      // Only a new thread in an existing channel: group chats cannot be created.
      if (typeof channelId !== 'string' || !activity || !tenantId) throw badSyntax;
      const channel = this.conversations.get(channelId);
      if (!channel || channel.kind !== 'channel') throw new Refusal(404, 'ConversationNotFound', 'Conversation not found.');
      this.throttle(channel.id);
      this.checkMessage({ type: 'message', ...activity }, size);
      const id = this.nextId();
      this.store({ id, conversationId: channel.id, by: 'bot', activity: { type: 'message', ...activity, conversation: { id: `${channel.id};messageid=${id}` } } });
      this.accepted(channel.id);
      return [201, { id: `${channel.id};messageid=${id}`, activityId: id }];
    }
    if (members.length !== 1 || !String(members[0]?.id ?? '').startsWith('29:') || !tenantId) throw badSyntax;
    const member = members[0]!;
    const id = `a:1${createHash('sha256').update(`${tenantId}/${member.id}`).digest('base64url').slice(0, 40)}`;
    if (!this.conversations.has(id)) this.addChat(id, { kind: 'personal', tenantId, members: [{ ...member }] });
    if (activity) {
      this.throttle(id);
      this.checkMessage({ type: 'message', ...activity }, size);
      this.store({ id: this.nextId(), conversationId: id, by: 'bot', activity: { type: 'message', ...activity, conversation: { id } } });
      this.accepted(id);
    }
    return [201, { id }];
  }

  private post(call: ConnectorCall, size: number): [number, unknown] {
    const activity = (call.body ?? {}) as Json;
    const { conversation, threadRootId } = this.resolve(call.conversationId!);
    this.throttle(call.conversationId!);
    if (activity.type !== undefined && activity.type !== 'message') {
      // typing and other non-message activities are delivered, not stored.
      this.accepted(call.conversationId!);
      return [201, {}];
    }
    this.checkMessage({ type: 'message', ...activity }, size);
    const id = this.nextId();
    this.store({ id, conversationId: conversation.id, threadRootId, by: 'bot', activity, replyToId: call.activityId });
    this.accepted(call.conversationId!);
    return [201, { id }];
  }

  private update(call: ConnectorCall, size: number): [number, unknown] {
    const activity = (call.body ?? {}) as Json;
    const { conversation, threadRootId } = this.resolve(call.conversationId!);
    const stored = this.messages.get(call.activityId!);
    if (!stored || stored.conversationId !== conversation.id || (threadRootId && stored.threadRootId !== threadRootId)) {
      throw new Refusal(404, 'ActivityNotFoundInConversation', 'Message does not exist in the thread.');
    }
    if (stored.deleted) throw new Refusal(403, 'ServiceError', 'Unknown');
    this.throttle(call.conversationId!);
    this.checkMessage({ type: 'message', ...activity }, size);
    stored.activity = { ...activity, id: stored.id };
    stored.versions.push(stored.activity);
    this.accepted(call.conversationId!);
    return [200, { id: stored.id }];
  }

  private remove(call: ConnectorCall): [number, unknown] {
    const { conversation } = this.resolve(call.conversationId!);
    const stored = this.messages.get(call.activityId!);
    if (!stored || stored.conversationId !== conversation.id || stored.deleted) {
      throw new Refusal(404, 'ActivityNotFoundInConversation', 'Message does not exist in the thread.');
    }
    this.throttle(call.conversationId!);
    stored.deleted = true;
    this.accepted(call.conversationId!);
    return [200, undefined];
  }
}
