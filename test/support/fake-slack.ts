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

interface Channel {
  id: string;
  name: string;
  isPrivate: boolean;
  topic: string;
  members: Set<string>;
  pins: Set<string>;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Args[];
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
  private server: Server | undefined;
  private readonly sockets = new WebSocketServer({ noServer: true });
  private readonly acks = new Map<string, (message: Record<string, unknown>) => void>();
  private sequence = 0;
  base = '';

  constructor() {
    this.channels.set(GENERAL, { id: GENERAL, name: 'general', isPrivate: false, topic: '', members: new Set([BOT_USER]), pins: new Set() });
  }

  /** A channel that exists before the bot starts (the bot is a member). */
  addChannel(id: string, name: string, options: { botIsMember?: boolean } = {}): void {
    const members = options.botIsMember === false ? new Set<string>() : new Set([BOT_USER]);
    this.channels.set(id, { id, name, isPrivate: false, topic: '', members, pins: new Set() });
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

  clearFailures(): void {
    this.failures.clear();
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
    const server = createServer((req, res) => void this.handle(req, res));
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
        this.channels.set(id, { id, name, isPrivate, topic: '', members: new Set([BOT_USER]), pins: new Set() });
        return { ok: true, channel: { id, name, is_private: isPrivate, is_channel: true } };
      }
      case 'conversations.invite': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const users = String(args.users ?? '').split(',').filter(Boolean);
        if (users.length === 0) return { ok: false, error: 'no_user' };
        if (users.includes(BOT_USER)) return { ok: false, error: 'cant_invite_self' };
        // As Slack: one member already inside fails the whole call, unless force=true invites the rest.
        const already = users.filter((u) => channel.members.has(u));
        const force = args.force === true || args.force === 'true';
        if (already.length > 0 && (!force || already.length === users.length)) return { ok: false, error: 'already_in_channel' };
        for (const user of users) channel.members.add(user);
        return { ok: true, channel: { id: channel.id }, ...(already.length ? { errors: already.map((user) => ({ user, ok: false, error: 'already_in_channel' })) } : {}) };
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
        this.messages.set(`${channel.id}:${ts}`, { channel: channel.id, ts, text: String(args.text ?? ''), blocks: (blocks ?? []) as Args[] });
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
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function parseBody(raw: string, contentType: string): Args {
  if (!raw) return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Args;
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = /^[[{]/.test(value) ? JSON.parse(value) : value === 'true' ? true : value === 'false' ? false : value;
  }
  return args;
}
