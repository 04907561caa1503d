import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { blockKitProblems, refuseBlocks } from './block-kit-limits.js';

/**
 * A small local Slack Web API for tests and the bench: the real @slack/web-api client talks to it
 * over HTTP. It implements the methods the bot calls, records every call, refuses what Slack
 * refuses (bad token, unknown channel or message, bad channel names, Block Kit limits) and can
 * answer a chosen method with a Slack error, a 429 with Retry-After or a 500.
 */
export const FAKE_BOT_TOKEN = 'xoxb-test-token';
/** The app-level token Socket Mode opens its connection with. */
export const FAKE_APP_TOKEN = 'xapp-1-test-app-token';
export const BOT_USER = 'UBOT';
export const GENERAL = 'C0GENERAL';

type Args = Record<string, unknown>;

export interface SlackCall {
  method: string;
  args: Args;
  /** performance.now() when the call arrived. */
  at: number;
  /** What the fake answered: `ok`, or Slack's error code, or `http <status>`. */
  outcome: string;
}

export type Failure = { error: string } | { status: 429; retryAfter: number } | { status: 500 };

/** How a Web API call fails during an outage: an HTTP 500, a 503, or no answer until the client gives up. */
export type OutageAnswer = 500 | 503 | 'hang';

interface Channel {
  id: string;
  name: string;
  isPrivate: boolean;
  topic: string;
  members: Set<string>;
  pins: Set<string>;
  /** Who made it (conversations.list's `creator`): the bot for the channels it creates. */
  creator?: string;
  archived?: boolean;
}

/** A person in the workspace, as users.info describes them. */
export interface FakeUser {
  id: string;
  name: string;
  deleted: boolean;
  isBot: boolean;
}

/** How a call the fake performed is then answered: HTTP 500, or the connection dropped without an answer. */
export type LostAnswer = { status: 500 } | 'drop';

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Args[];
  /** Message metadata (`{ event_type, event_payload }`), kept by chat.update unless it sends new metadata. */
  metadata?: Args;
}

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** Messages sent to response_url: `{ id, body }`. */
  readonly responses: { id: string; body: Args }[] = [];
  readonly channels = new Map<string, Channel>();
  readonly messages = new Map<string, StoredMessage>();
  readonly ephemerals: Args[] = [];
  readonly views = new Map<string, Args>();
  /** Files by id: announced (getUploadURLExternal), uploaded (bytes), shared (completeUploadExternal). */
  readonly files = new Map<string, { filename: string; length: number; bytes?: number; title?: string; channel?: string }>();
  private readonly failures = new Map<string, Failure[]>();
  /** Calls performed and then answered with a failure (`failAfterPerforming`): Slack did it, the bot never heard. */
  private readonly lostAnswers = new Map<string, LostAnswer[]>();
  /**
   * People in the workspace (users.info, conversations.invite). An id never added counts as an
   * active person (the tests name many) unless `strictUsers` is set or it was removed (`removeUser`).
   */
  readonly users = new Map<string, FakeUser>();
  private readonly unknownUsers = new Set<string>();
  strictUsers = false;
  /** While set, every Web API call fails in turn with one of these answers and nothing is performed (`startOutage`). */
  private outage: { answers: OutageAnswer[]; next: number } | undefined;
  /** Calls held without an answer during an outage, answered 503 when it ends (if the client still waits). */
  private readonly hung = new Set<ServerResponse>();
  private server: Server | undefined;
  private readonly sockets = new WebSocketServer({ noServer: true });
  private readonly acks = new Map<string, (message: Record<string, unknown>) => void>();
  private sequence = 0;
  base = '';

  constructor() {
    this.channels.set(GENERAL, { id: GENERAL, name: 'general', isPrivate: false, topic: '', members: new Set([BOT_USER]), pins: new Set() });
  }

  /** A channel that exists before the bot starts (the bot is a member). */
  addChannel(id: string, name: string, options: { botIsMember?: boolean; creator?: string; topic?: string; isPrivate?: boolean } = {}): void {
    const members = options.botIsMember === false ? new Set<string>() : new Set([BOT_USER]);
    this.channels.set(id, { id, name, isPrivate: options.isPrivate ?? false, topic: options.topic ?? '', members, pins: new Set(), creator: options.creator ?? 'UADMIN' });
  }

  /** A person in the workspace; `deleted`: a deactivated account (users.info still answers, invites refuse). */
  addUser(id: string, options: { name?: string; deleted?: boolean; isBot?: boolean } = {}): void {
    this.unknownUsers.delete(id);
    this.users.set(id, { id, name: options.name ?? id.toLowerCase(), deleted: options.deleted ?? false, isBot: options.isBot ?? false });
  }

  /** Nobody with this id exists in the workspace (users.info and invites answer `user_not_found`). */
  removeUser(id: string): void {
    this.users.delete(id);
    this.unknownUsers.add(id);
  }

  /** users.info's view of an id: undefined when Slack would answer `user_not_found`. */
  person(id: string): FakeUser | undefined {
    if (id === BOT_USER) return { id, name: 'incident-bot', deleted: false, isBot: true };
    const known = this.users.get(id);
    if (known) return known;
    if (this.strictUsers || this.unknownUsers.has(id) || !/^[UW][A-Z0-9]+$/.test(id)) return undefined;
    return { id, name: id.toLowerCase(), deleted: false, isBot: false };
  }

  /**
   * The next `times` calls to `method` are performed as usual, then answered with a 500 or a dropped
   * connection: what a timeout after Slack did the work looks like to the bot.
   */
  failAfterPerforming(method: string, answer: LostAnswer = { status: 500 }, times = 1): void {
    this.lostAnswers.set(method, [...(this.lostAnswers.get(method) ?? []), ...Array.from({ length: times }, () => answer)]);
  }

  get url(): string {
    return `${this.base}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.base}/respond/${id}`;
  }

  /** The next `times` calls to `method` fail this way. */
  fail(method: string, failure: Failure, times = 1): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...Array.from({ length: times }, () => failure)]);
  }

  /** Someone deletes a message in Slack (an admin can delete the bot's): it is gone, and so is its pin. */
  deleteMessage(channelId: string, ts: string): void {
    this.messages.delete(`${channelId}:${ts}`);
    this.channels.get(channelId)?.pins.delete(ts);
  }

  clearFailures(): void {
    this.failures.clear();
    this.lostAnswers.clear();
  }

  /**
   * A Web API outage: until `endOutage`, every call (any method, response_url excepted) is refused
   * without being performed, answered in turn by each of `answers`: HTTP 500, 503, or held open with
   * no answer (`hang`) until the client times out. Recorded with the outcome `http 500`, `http 503`
   * or `hang`.
   */
  startOutage(answers: OutageAnswer[] = [500, 503, 'hang']): void {
    this.outage = { answers, next: 0 };
  }

  /** Slack answers again; calls still held are answered 503, still without being performed. */
  endOutage(): void {
    this.outage = undefined;
    for (const res of this.hung) if (!res.writableEnded && !res.destroyed) res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'service_unavailable' }));
    this.hung.clear();
  }

  get inOutage(): boolean {
    return this.outage !== undefined;
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  channelNamed(name: string): Channel | undefined {
    return [...this.channels.values()].find((c) => c.name === name);
  }

  messagesIn(channel: string): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.channel === channel);
  }

  async start(): Promise<void> {
    // A request the fake cannot read is answered 400 as Slack would, never left to crash the test process.
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'invalid_arguments', detail: error instanceof Error ? error.message : String(error) }));
      });
    });
    this.server = server;
    server.on('upgrade', (req, socket, head) => {
      if (req.url !== '/link') {
        socket.destroy();
        return;
      }
      this.sockets.handleUpgrade(req, socket, head, (ws) => this.connected(ws));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    this.base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** Socket Mode: a connected app gets `hello`, then acks each envelope by its id. */
  private connected(ws: WebSocket): void {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      const ack = this.acks.get(String(message.envelope_id));
      if (ack) ack(message);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0APP' }, debug_info: { host: 'fake' } }));
  }

  get socketClients(): number {
    return this.sockets.clients.size;
  }

  /** Sends an envelope to every connected Socket Mode client; resolves with the app's ack. */
  sendEnvelope(type: 'slash_commands' | 'interactive', payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const envelopeId = `env-${++this.sequence}`;
    const acked = new Promise<Record<string, unknown>>((resolve) => this.acks.set(envelopeId, resolve));
    for (const client of this.sockets.clients) client.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: true, retry_attempt: 0 }));
    return acked;
  }

  async close(): Promise<void> {
    this.endOutage();
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.base);
    const respondMatch = /^\/respond\/(.+)$/.exec(url.pathname);
    if (respondMatch) {
      const body = JSON.parse(raw || '{}') as Args;
      const refused = refuseBlocks(body.blocks);
      if (refused) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(refused.error);
        return;
      }
      this.responses.push({ id: respondMatch[1]!, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const uploadMatch = /^\/upload\/(.+)$/.exec(url.pathname);
    if (uploadMatch) {
      const file = this.files.get(uploadMatch[1]!);
      if (!file) {
        res.writeHead(404).end('not found');
        return;
      }
      file.bytes = chunks.reduce((sum, c) => sum + c.length, 0);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${file.bytes}`);
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const args = parseBody(raw, String(req.headers['content-type'] ?? ''));
    const call: SlackCall = { method, args, at: performance.now(), outcome: 'ok' };
    this.calls.push(call);
    if (this.outage) {
      const answer = this.outage.answers[this.outage.next++ % this.outage.answers.length]!;
      if (answer === 'hang') {
        call.outcome = 'hang';
        this.hung.add(res);
        res.on('close', () => this.hung.delete(res));
        return;
      }
      call.outcome = `http ${answer}`;
      res.writeHead(answer, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: answer === 503 ? 'service_unavailable' : 'internal_error' }));
      return;
    }
    const failure = this.failures.get(method)?.shift();
    if (failure && 'status' in failure) {
      call.outcome = `http ${failure.status}`;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (failure.status === 429) headers['retry-after'] = String(failure.retryAfter);
      res.writeHead(failure.status, headers).end(JSON.stringify({ ok: false, error: failure.status === 429 ? 'ratelimited' : 'internal_error' }));
      return;
    }
    const token = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || String(args.token ?? '');
    let result: Args;
    const expected = method === 'apps.connections.open' ? FAKE_APP_TOKEN : FAKE_BOT_TOKEN;
    if (token !== expected) result = { ok: false, error: token ? 'invalid_auth' : 'not_authed' };
    else if (failure) result = { ok: false, error: failure.error };
    else result = this.answer(method, args);
    call.outcome = result.ok ? 'ok' : String(result.error);
    const lost = result.ok ? this.lostAnswers.get(method)?.shift() : undefined;
    if (lost === 'drop') {
      call.outcome = 'performed, connection dropped';
      req.socket.destroy();
      return;
    }
    if (lost) {
      call.outcome = 'performed, http 500';
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'internal_error' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  }

  private nextTs(): string {
    return `1764061200.${String(++this.sequence).padStart(6, '0')}`;
  }

  private answer(method: string, args: Args): Args {
    const channel = this.channels.get(String(args.channel ?? ''));
    switch (method) {
      case 'apps.connections.open':
        return { ok: true, url: `${this.base.replace(/^http/, 'ws')}/link` };
      case 'auth.test':
        return { ok: true, user_id: BOT_USER, bot_id: 'BBOT', team_id: 'T0TEAM', user: 'incident-bot', url: 'https://fake.slack.test/' };
      case 'conversations.create': {
        const name = String(args.name ?? '');
        if (!name) return { ok: false, error: 'invalid_name_required' };
        if (name.length > 80) return { ok: false, error: 'invalid_name_maxlength' };
        if (!/^[a-z0-9_-]+$/.test(name)) return { ok: false, error: 'invalid_name_specials' };
        if (this.channelNamed(name)) return { ok: false, error: 'name_taken' };
        const id = `C${String(++this.sequence).padStart(8, '0')}`;
        const isPrivate = args.is_private === true || args.is_private === 'true';
        this.channels.set(id, { id, name, isPrivate, topic: '', members: new Set([BOT_USER]), pins: new Set(), creator: BOT_USER });
        return { ok: true, channel: { id, name, is_private: isPrivate, is_channel: true, creator: BOT_USER } };
      }
      case 'conversations.invite': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const users = String(args.users ?? '').split(',').filter(Boolean);
        if (users.length === 0) return { ok: false, error: 'no_user' };
        if (users.includes(BOT_USER)) return { ok: false, error: 'cant_invite_self' };
        // As Slack: one id it cannot invite (nobody by that id, a deactivated account) fails the whole
        // call and invites nobody, unless force=true: then it invites the valid ones and answers
        // ok: false with the first refusal as `error` and every refused id in `errors`.
        const force = args.force === true || args.force === 'true';
        const refused = users.flatMap((user) => {
          const person = this.person(user);
          const error = !person ? 'user_not_found' : person.deleted ? 'cant_invite' : undefined;
          return error ? [{ user, ok: false, error }] : [];
        });
        if (refused.length > 0 && !force) return { ok: false, error: refused[0]!.error };
        const valid = users.filter((u) => !refused.some((r) => r.user === u));
        // One member already inside fails the whole call too, unless force=true invites the rest.
        const already = valid.filter((u) => channel.members.has(u));
        const alreadyErrors = already.map((user) => ({ user, ok: false, error: 'already_in_channel' }));
        if (refused.length > 0) {
          for (const user of valid) channel.members.add(user);
          return { ok: false, error: refused[0]!.error, errors: [...refused, ...alreadyErrors] };
        }
        if (already.length > 0 && (!force || already.length === users.length)) return { ok: false, error: 'already_in_channel' };
        for (const user of users) channel.members.add(user);
        return { ok: true, channel: { id: channel.id }, ...(already.length ? { errors: alreadyErrors } : {}) };
      }
      case 'conversations.list': {
        // Public channels, and the private ones the bot is in; archived unless excluded; `limit` per
        // page (default 100, at most 1000) with an opaque `next_cursor`, empty on the last page.
        const types = String(args.types ?? 'public_channel').split(',').map((t) => t.trim());
        const limit = Math.min(Number(args.limit ?? 100) || 100, 1000);
        const excludeArchived = args.exclude_archived === true || args.exclude_archived === 'true';
        const listed = [...this.channels.values()].filter(
          (c) =>
            !c.id.startsWith('D') &&
            (c.isPrivate ? types.includes('private_channel') && c.members.has(BOT_USER) : types.includes('public_channel')) &&
            !(excludeArchived && c.archived),
        );
        let start = 0;
        if (args.cursor) {
          const decoded = /^dGVhbTpD(\d+)$/.exec(String(args.cursor));
          if (!decoded) return { ok: false, error: 'invalid_cursor' };
          start = Number(decoded[1]);
        }
        const page = listed.slice(start, start + limit);
        const next = start + limit < listed.length ? `dGVhbTpD${start + limit}` : '';
        return {
          ok: true,
          channels: page.map((c) => ({
            id: c.id,
            name: c.name,
            is_channel: !c.isPrivate,
            is_group: c.isPrivate,
            is_private: c.isPrivate,
            is_archived: c.archived === true,
            is_member: c.members.has(BOT_USER),
            creator: c.creator ?? 'UADMIN',
            topic: { value: c.topic, creator: '', last_set: 0 },
          })),
          response_metadata: { next_cursor: next },
        };
      }
      case 'users.info': {
        const person = this.person(String(args.user ?? ''));
        if (!person) return { ok: false, error: 'user_not_found' };
        return { ok: true, user: { id: person.id, name: person.name, deleted: person.deleted, is_bot: person.isBot, real_name: person.name } };
      }
      case 'conversations.setTopic': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const topic = String(args.topic ?? '');
        if (topic.length > 250) return { ok: false, error: 'too_long' };
        channel.topic = topic;
        return { ok: true, channel: { id: channel.id, topic: { value: topic } } };
      }
      case 'conversations.open': {
        const users = String(args.users ?? '').split(',').filter(Boolean);
        if (users.length !== 1) return { ok: false, error: users.length ? 'not_implemented' : 'users_list_not_supplied' };
        const id = `D${users[0]}`;
        if (!this.channels.has(id)) this.channels.set(id, { id, name: id, isPrivate: true, topic: '', members: new Set([BOT_USER, users[0]!]), pins: new Set() });
        return { ok: true, channel: { id } };
      }
      case 'chat.postMessage':
      case 'chat.update': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (channel.archived) return { ok: false, error: 'is_archived' };
        if (!channel.members.has(BOT_USER)) return { ok: false, error: 'not_in_channel' };
        const blocks = args.blocks;
        if (!args.text && !blocks) return { ok: false, error: 'no_text' };
        const refused = refuseBlocks(blocks);
        if (refused) return { ok: false, ...refused };
        let ts = String(args.ts ?? '');
        if (method === 'chat.update') {
          if (!this.messages.has(`${channel.id}:${ts}`)) return { ok: false, error: 'message_not_found' };
        } else {
          ts = this.nextTs();
        }
        const metadata = (args.metadata as Args | undefined) ?? this.messages.get(`${channel.id}:${ts}`)?.metadata;
        if (metadata && (typeof metadata.event_type !== 'string' || typeof metadata.event_payload !== 'object')) return { ok: false, error: 'invalid_metadata_format' };
        this.messages.set(`${channel.id}:${ts}`, { channel: channel.id, ts, text: String(args.text ?? ''), blocks: (blocks ?? []) as Args[], ...(metadata ? { metadata } : {}) });
        return { ok: true, channel: channel.id, ts, message: { text: args.text, blocks } };
      }
      case 'chat.postEphemeral': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!channel.members.has(BOT_USER)) return { ok: false, error: 'not_in_channel' };
        if (!args.user) return { ok: false, error: 'user_not_found' };
        const refused = refuseBlocks(args.blocks);
        if (refused) return { ok: false, ...refused };
        this.ephemerals.push(args);
        return { ok: true, message_ts: this.nextTs() };
      }
      case 'pins.add': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const ts = String(args.timestamp ?? '');
        if (!this.messages.has(`${channel.id}:${ts}`)) return { ok: false, error: 'message_not_found' };
        if (channel.pins.has(ts)) return { ok: false, error: 'already_pinned' };
        channel.pins.add(ts);
        return { ok: true };
      }
      case 'views.open':
      case 'views.update': {
        if (method === 'views.open' && !args.trigger_id) return { ok: false, error: 'invalid_trigger_id' };
        const view = args.view as Args | undefined;
        if (!view) return { ok: false, error: 'invalid_arguments' };
        const problems = blockKitProblems(view.blocks, 100);
        if (problems.length > 0) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: problems } };
        const id = method === 'views.update' ? String(args.view_id) : `V${String(++this.sequence).padStart(8, '0')}`;
        if (method === 'views.update' && !this.views.has(id)) return { ok: false, error: 'not_found' };
        this.views.set(id, view);
        return { ok: true, view: { ...view, id, hash: `h${this.sequence}` } };
      }
      case 'files.getUploadURLExternal': {
        const length = Number(args.length);
        if (!args.filename) return { ok: false, error: 'invalid_arguments' };
        if (!(length > 0)) return { ok: false, error: 'invalid_arguments' };
        const id = `F${String(++this.sequence).padStart(8, '0')}`;
        this.files.set(id, { filename: String(args.filename), length });
        return { ok: true, upload_url: `${this.base}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const wanted = (args.files ?? []) as { id: string; title?: string }[];
        const target = this.channels.get(String(args.channel_id ?? ''));
        if (args.channel_id && !target) return { ok: false, error: 'channel_not_found' };
        for (const { id, title } of wanted) {
          const file = this.files.get(id);
          if (!file || file.bytes === undefined) return { ok: false, error: 'file_not_found' };
          file.title = title ?? file.filename;
          if (target) file.channel = target.id;
        }
        return { ok: true, files: wanted.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'conversations.history': {
        // Newest first, `limit` per page (at most 999), the cursor is the offset; metadata only with include_all_metadata.
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!channel.members.has(BOT_USER) && channel.isPrivate) return { ok: false, error: 'channel_not_found' };
        const limit = Math.min(999, Math.max(1, Number(args.limit ?? 100) || 100));
        const offset = Number(args.cursor ?? 0) || 0;
        const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const all = this.messagesIn(channel.id).sort((a, b) => Number(b.ts) - Number(a.ts));
        const page = all.slice(offset, offset + limit).map((m) => ({ type: 'message', ts: m.ts, text: m.text, blocks: m.blocks, user: BOT_USER, ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}) }));
        const more = offset + limit < all.length;
        return { ok: true, messages: page, has_more: more, response_metadata: { next_cursor: more ? String(offset + limit) : '' } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

/** A form value that looks like JSON (`blocks`, `metadata`) is parsed; one that only starts like it (a user id typed as `{x`) stays the string Slack would see. */
function jsonOr(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function parseBody(raw: string, contentType: string): Args {
  if (!raw) return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Args;
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = /^[[{]/.test(value) ? jsonOr(value) : value === 'true' ? true : value === 'false' ? false : value;
  }
  return args;
}
