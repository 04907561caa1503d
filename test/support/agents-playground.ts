import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { stringify } from 'yaml';

/**
 * Drives the Microsoft 365 Agents Playground (`@microsoft/m365agentsplayground` 0.2.28), an offline
 * Teams client emulator, from tests: it plays the Teams users and the Bot Connector, the bot under
 * test answers at `botEndpoint` like it would behind Azure Bot Service (auth off, no token).
 *
 * How it is started
 *   `node_modules/.bin/agentsplayground` is a symlink to the package's `cli.js` (one 5 MB webpack
 *   bundle, no dependencies). It is run with this process's Node, in a fresh temp working folder
 *   holding the generated `.m365agentsplayground.yml`, with
 *   `TEAMSAPPTESTER_BROWSER=none APPLICATION_INSIGHTS_NO_STATSBEAT=true`, proxy variables removed
 *   and `-e <botEndpoint> -c msteams -p <uiPort> --disable-telemetry`. Its console goes to
 *   `devTools/m365agentsplayground.log` in that folder (only "Listening on <port>" reaches stdout
 *   when stdout is not a TTY). A taken port silently falls back to a random one, so the real port is
 *   read from stdout and `GET /_debug/ping` must answer `pong` on it. Seen under strace: it only
 *   connects to the bot endpoint (no telemetry, no browser, no DNS). It listens on all interfaces.
 *   Start-up takes 1.5–5 s (loading the bundle; more on a busy machine). The child is its own
 *   process group, killed by `stop()` (SIGTERM, then SIGKILL after 3 s) and on this process's
 *   'exit'; a watchdog preloaded into it (`--require`) removes the temp folder and exits when its
 *   stdin pipe closes, that is when this process dies, even by SIGKILL: no orphan is left.
 *
 * Its HTTP API (reverse-engineered from dist/index.js; no auth; JSON bodies)
 *   Client side, what the web UI calls:
 *   - `POST /_conversation/v1/conversations/:conversationId/messages`
 *       `{ from: { id }, text, textFormat: 'plain'|'markdown'|'xml', mentions?: [{ mentioned: { id }, text: '<at>Name</at>' }] }`
 *       (or `{ from, attachments, attachmentLayout, text? }`) → `{ messageId, postConversationId?, timestamp }`.
 *       `:conversationId` is a channel id (a new post: `postConversationId` is
 *       `<channel>;messageid=<messageId>`), a thread id (a reply), a chat id. The message reaches the
 *       bot only in a personal chat or when `mentions` names the bot; it is sent with
 *       `from` = the config's currentUser whatever `from.id` says (`from.id` is only checked to be a
 *       member). The activity's `id` is a random GUID, not `messageId`.
 *   - `POST /_conversation/v1/invoke` `{ name: 'adaptiveCard/action', value: { action: { type:
 *       'Action.Execute', title?, verb, data } }, from: { id }, conversation: { id }, replyToId:
 *       <card message id> }` → the bot's invoke response body reduced to `{ type, value }` (502 when the
 *       bot fails). `from` is honoured. The conversation must be the one the card is stored in (the
 *       thread id for a channel post). The server stores `value` as the card when the message has
 *       one attachment but pushes no websocket event: the UI renders the response itself.
 *   - `POST /_conversation/v1/submit` `{ conversation: { id }, from: { id }, replyToId, value }` → an
 *       Action.Submit message activity with `value` (from honoured).
 *   - `POST /_debug/conversation/:conversationId/installation` `{}` → installationUpdate (add) then
 *       conversationUpdate membersAdded [bot] ([user, bot] in the personal chat).
 *   - `GET /_internal/v1/customActivities/template?conversationId=…[&type=install|uninstall|
 *       botAdded|userAdded|botRemoved|userRemoved|channelCreated|channelRenamed|channelDeleted|
 *       teamRenamed|teamDeleted]` → an activity for that conversation (serviceUrl, recipient,
 *       conversation props, from = currentUser); `POST /_internal/v1/customActivities` sends any JSON
 *       activity to the bot as is (answers 200 at once; errors only go to the log).
 *   - `GET /_internal/v1/testConfig` → the parsed config; `GET /_debug/ping` → `pong`.
 *   Connector side, the bot's serviceUrl `http://localhost:<uiPort>/_connector`:
 *   `POST /v3/conversations/:id/activities[/:replyToId]` (201 `{ id }`; text plus attachments is
 *   split into several messages and answers 202 without id), `PUT …/activities/:id` (200 `{ id }`),
 *   `POST /v3/conversations` (1:1 `{ isGroup: false, members: [{ id }] }` → `{ id }`, the configured
 *   personal chat for the currentUser, a new `<guid>@test.user` chat for anyone else; `isGroup: true`
 *   with `channelData.channel.id` and `activity` starts a channel post), members, paged members,
 *   team details and channels. DELETE answers an error (not implemented).
 *   Websockets:
 *   - `ws://…/_ws_conversation/v1/conversations/stream`: what the UI shows of the bot:
 *     `{ action: 'createMessage'|'updateMessage', actionConversationId, message: { messageId,
 *     timestamp, from: { id }, text?, textFormat?, attachments, attachmentLayout, mentions,
 *     postConversationId? } }` and `{ action: 'typing', actionConversationId }`. A new channel post
 *     comes with `actionConversationId` = the channel and `postConversationId` = the thread. Chats
 *     the currentUser is not in (other users' personal chats) are never streamed. Events sent while no
 *     client is connected are buffered and replayed to the next one.
 *   - `ws://…/_ws/log/stream`: `{ logAction: 'appendLog', log }` for every activity sent to the
 *     bot (with the bot's HTTP answer) and every connector call the bot makes (request body,
 *     status, response body): the driver reads the hidden personal chats from it.
 *   There is no GET of a conversation's messages: the driver keeps the transcript itself.
 */

export interface PlaygroundUser {
  id: string;
  name: string;
  email?: string;
  aadObjectId?: string;
}

export type FiveUsers = readonly [PlaygroundUser, PlaygroundUser, PlaygroundUser, PlaygroundUser, PlaygroundUser];

export interface PlaygroundOptions {
  /** The bot's messaging endpoint, e.g. `http://127.0.0.1:3978/api/messages`. */
  botEndpoint: string;
  bot?: { id: string; name: string };
  tenantId?: string;
  /** The UI's signed-in user: the only one whose personal chat is streamed. */
  currentUser?: PlaygroundUser;
  /** The config requires exactly five more users; all are in the team and the group chat. */
  users?: FiveUsers;
  team?: { id: string; name: string; aadGroupId?: string };
  /** The one channel besides General (whose id is the team id). */
  channel?: { id: string; name: string };
  groupChat?: { id: string; name: string };
  personalChatId?: string;
  startTimeoutMs?: number;
  /** Where start-up notes go (port fallback); default: nowhere. */
  log?: (line: string) => void;
}

/**
 * Where a user writes: a new post in the extra channel or in General, a reply in a thread
 * (`<channel>;messageid=<root id>`), the group chat, or the user's personal chat with the bot.
 */
export type Where = 'channel' | 'general' | 'group' | 'personal' | { thread: string };

export interface Attachment {
  contentType: string;
  content?: unknown;
}

export interface PlaygroundMessage {
  id: string;
  /** Where the message is stored: the thread id for a channel post, else the chat id. */
  conversationId: string;
  /** Account id of the author: the bot's id, or the user's id for messages sent through the driver. */
  from: string;
  text?: string;
  textFormat?: string;
  attachments: Attachment[];
  mentions: unknown[];
  /** 0 when created; +1 per update (bot `updateActivity`, or a card replaced by an invoke response). */
  version: number;
  /** `stream`: what the UI shows; `log`: a chat the UI does not show, read from the log stream; `sent`: written by the driver. */
  seen: 'stream' | 'log' | 'sent';
  /** What the UI shows under a card after clicks (`application/vnd.microsoft.activity.message` answers, errors). */
  notices: unknown[];
}

export interface MessageRef {
  id: string;
  conversationId: string;
}

export interface Sent {
  /** The playground's id of the user's message (epoch ms); the activity id for messages the driver builds. */
  messageId: string;
  /** Where it is stored and where the bot's replies go: a new post's thread id, the chat id. */
  conversationId: string;
  /** `ui`: through the UI's API (the currentUser); `custom`: an activity the driver built for another user. */
  via: 'ui' | 'custom';
}

export interface InvokeResult {
  type?: string;
  value?: unknown;
}

export interface LogEntry {
  from?: string;
  to?: string;
  activityName?: string;
  conversationId?: string;
  messageId?: string;
  request?: { body?: Record<string, unknown> };
  response?: { statusCode?: number; body?: unknown };
  displayText?: string;
  level?: string;
}

export interface Playground {
  readonly uiPort: number;
  /** `http://127.0.0.1:<uiPort>`: the web UI and the APIs above. */
  readonly url: string;
  /** The fake Bot Connector, for test code calling it directly. */
  readonly connectorUrl: string;
  /** The serviceUrl the bot sees in activities (`http://localhost:<uiPort>/_connector`). */
  readonly serviceUrl: string;
  /** Spawn to first `pong`, in ms. */
  readonly startupMs: number;
  readonly workDir: string;
  readonly ids: {
    tenant: string;
    bot: string;
    botName: string;
    team: string;
    /** The General channel: its id is the team id. */
    general: string;
    channel: string;
    group: string;
    /** The currentUser's personal chat. */
    personal: string;
  };
  readonly me: PlaygroundUser;
  /** All six users, the currentUser first. */
  readonly users: readonly PlaygroundUser[];
  /** Everything the log stream reported, in order. */
  readonly logs: readonly LogEntry[];
  /**
   * Writes as `user` (an id). Channel and group messages @mention the bot unless `mentionBot: false`.
   * `mentions` are the ids of users the text @mentions: it must hold `<at>Name</at>` (see `atText`)
   * for each; they become the client's mentions (entities `{ type: 'mention', mentioned: { id, name }, text }`).
   */
  say(user: string, text: string, where: Where, options?: { mentionBot?: boolean; mentions?: readonly string[] }): Promise<Sent>;
  /** How the client writes a mention of this user (or the bot) in a message's text: `<at>Name</at>`. */
  atText(user: string): string;
  /** Clicks an `Action.Execute` button of `message` as `user`; resolves with the bot's invoke response. */
  click(user: string, message: MessageRef, action: { verb: string; data?: Record<string, unknown>; title?: string }, attachmentIndex?: number): Promise<InvokeResult>;
  /** Clicks an `Action.Submit` button of `message` as `user`. */
  submit(user: string, message: MessageRef, data: Record<string, unknown>): Promise<void>;
  /** Installs the app where the UI would: installationUpdate then conversationUpdate (bot added). */
  install(where: Exclude<Where, { thread: string }>): Promise<void>;
  /** The 1:1 chat id between the bot and `user` (created like the bot's `POST /v3/conversations` would). */
  personalChat(user: string): Promise<string>;
  /** Sends any activity to the bot (a custom activity; see `template`). */
  sendActivity(activity: Record<string, unknown>): Promise<void>;
  /** The playground's activity template for a conversation (optionally one of its canned types). */
  template(conversationId: string, type?: string): Promise<Record<string, unknown>>;
  /** Messages so far, optionally of one conversation: a thread id exactly, or a channel/chat id with all its threads. */
  messages(conversation?: string): PlaygroundMessage[];
  /** Resolves with the first truthy result of `find` over the transcript, re-run on every change. */
  waitFor<T>(find: (messages: PlaygroundMessage[]) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/** The playground could not be started here (not installed, exited, never answered the ping). */
export class PlaygroundUnavailableError extends Error {
  override name = 'PlaygroundUnavailableError';
}

export class PlaygroundHttpError extends Error {
  override name = 'PlaygroundHttpError';
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} → ${status} ${body.slice(0, 500)}`);
  }
}

const CARD = 'application/vnd.microsoft.card.adaptive';
const PLAYGROUND = 'Microsoft 365 Agents Playground';
const BOT_APP = 'User Application';

function user(id: string, name: string, n: number): PlaygroundUser {
  const first = name.split(' ')[0]!.toLowerCase();
  return { id, name, email: `${first}@example.com`, aadObjectId: `00000000-0000-4000-8000-00000000000${n}` };
}

export const DEFAULT_CURRENT_USER = user('29:alex', 'Alex Wilber', 0);
export const DEFAULT_USERS: FiveUsers = [
  user('29:megan', 'Megan Bowen', 1),
  user('29:adele', 'Adele Vance', 2),
  user('29:isaiah', 'Isaiah Langer', 3),
  user('29:patti', 'Patti Fernandez', 4),
  user('29:lynne', 'Lynne Robbins', 5),
];

function configYaml(o: Required<Omit<PlaygroundOptions, 'botEndpoint' | 'startTimeoutMs' | 'log'>>): string {
  const entry = (u: PlaygroundUser) => {
    const [givenName = u.name, ...rest] = u.name.split(' ');
    const email = u.email ?? `${u.id.replace(/\W/g, '')}@example.com`;
    return {
      id: u.id,
      name: u.name,
      userPrincipleName: email, // sic: the playground's schema spells it this way
      aadObjectId: u.aadObjectId ?? '00000000-0000-0000-0000-000000000000',
      givenName,
      surname: rest.join(' ') || givenName,
      email,
    };
  };
  return stringify({
    version: '0.1.1',
    tenantId: o.tenantId,
    bot: o.bot,
    currentUser: entry(o.currentUser),
    users: o.users.map(entry),
    personalChat: { id: o.personalChatId },
    groupChat: o.groupChat,
    team: { id: o.team.id, name: o.team.name, aadGroupId: o.team.aadGroupId ?? '00000000-0000-4000-8000-0000000000a1', channels: [o.channel] },
  });
}

async function freePort(): Promise<number> {
  // Same check the playground makes (listen without a host), so a port free here is free there.
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const WATCHDOG = `// Preloaded into the playground: when the test process's pipe closes (stop(), or the test
// process died, even by SIGKILL), remove the temp working folder and exit.
const bye = () => {
  try {
    if (process.env.AGENTS_PLAYGROUND_WORKDIR) require('node:fs').rmSync(process.env.AGENTS_PLAYGROUND_WORKDIR, { recursive: true, force: true });
  } catch {}
  process.exit(0);
};
process.stdin.on('end', bye);
process.stdin.on('error', bye);
process.stdin.resume();
`;

function cliPath(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('@microsoft/m365agentsplayground/cli.js');
  } catch {
    throw new PlaygroundUnavailableError('@microsoft/m365agentsplayground is not installed (npm install)');
  }
}

function childEnv(workDir: string, configPath: string, logPath: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(https?_proxy|all_proxy|no_proxy|node_options|applicationinsights_.*|m365_agents_playground_.*|teamsapptester_.*|teams_app_test_tool_.*)$/i.test(key)) delete env[key];
  }
  return {
    ...env,
    NO_PROXY: '*',
    TEAMSAPPTESTER_BROWSER: 'none',
    APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
    M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
    M365_AGENTS_PLAYGROUND_LOGFILE: logPath,
    AGENTS_PLAYGROUND_WORKDIR: workDir,
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const cfg = {
    bot: options.bot ?? { id: '28:incident-bot', name: 'Incident Bot' },
    tenantId: options.tenantId ?? '00000000-0000-4000-8000-00000000beef',
    currentUser: options.currentUser ?? DEFAULT_CURRENT_USER,
    users: options.users ?? DEFAULT_USERS,
    team: options.team ?? { id: '19:team-general@thread.tacv2', name: 'Operations' },
    channel: options.channel ?? { id: '19:incidents@thread.tacv2', name: 'incidents' },
    groupChat: options.groupChat ?? { id: '19:group-chat@thread.v2', name: 'On-call' },
    personalChatId: options.personalChatId ?? 'a:personal-chat-current-user',
  };
  if (cfg.users.length !== 5) throw new Error('the playground config takes exactly five users besides the current user');
  const cli = cliPath();
  const workDir = await mkdtemp(join(tmpdir(), 'agents-playground-'));
  const configPath = join(workDir, '.m365agentsplayground.yml');
  const logPath = join(workDir, 'devTools', 'm365agentsplayground.log');
  const watchdog = join(workDir, 'watchdog.cjs');
  await writeFile(configPath, configYaml(cfg));
  await writeFile(watchdog, WATCHDOG);

  const requestedPort = await freePort();
  const startedAt = performance.now();
  const child = spawn(
    process.execPath,
    ['--require', watchdog, cli, '-e', options.botEndpoint, '-c', 'msteams', '-p', String(requestedPort), '--disable-telemetry'],
    { cwd: workDir, env: childEnv(workDir, configPath, logPath), detached: true, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const onExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', onExit);
  let output = '';
  let listening: number | undefined;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const match = /Listening on (\d+)/.exec(output);
    if (match) listening = Number(match[1]);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stdin?.on('error', () => {}); // EPIPE once the child is gone
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const cleanup = async () => {
    process.removeListener('exit', onExit);
    child.stdin?.end();
    killGroup(child, 'SIGTERM');
    const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000).unref())]);
    if (!gone) {
      killGroup(child, 'SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    await rm(workDir, { recursive: true, force: true });
  };

  let uiPort = requestedPort;
  try {
    const deadline = startedAt + (options.startTimeoutMs ?? 20_000);
    for (;;) {
      if (spawnError) throw new PlaygroundUnavailableError(`cannot spawn the playground: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        const log = existsSync(logPath) ? await readFile(logPath, 'utf8') : '';
        throw new PlaygroundUnavailableError(`the playground exited (${child.exitCode ?? child.signalCode}): ${(output + log).slice(-2000)}`);
      }
      uiPort = listening ?? requestedPort;
      const pong = await fetch(`http://127.0.0.1:${uiPort}/_debug/ping`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.text())
        .catch(() => '');
      if (pong === 'pong') break;
      if (performance.now() > deadline) {
        const log = existsSync(logPath) ? await readFile(logPath, 'utf8') : '';
        throw new PlaygroundUnavailableError(`no pong on port ${uiPort} after ${Math.round(performance.now() - startedAt)} ms: ${(output + log).slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  const startupMs = Math.round(performance.now() - startedAt);
  if (uiPort !== requestedPort) options.log?.(`agents playground: port ${requestedPort} was taken, it fell back to ${uiPort}`);

  const url = `http://127.0.0.1:${uiPort}`;
  const me = cfg.currentUser;
  const everyone: PlaygroundUser[] = [me, ...cfg.users];
  const ids = {
    tenant: cfg.tenantId,
    bot: cfg.bot.id,
    botName: cfg.bot.name,
    team: cfg.team.id,
    general: cfg.team.id,
    channel: cfg.channel.id,
    group: cfg.groupChat.id,
    personal: cfg.personalChatId,
  };

  // ---- transcript -----------------------------------------------------------------------------
  const byId = new Map<string, PlaygroundMessage>();
  const logs: LogEntry[] = [];
  const hidden = new Set<string>(); // chats the UI does not stream: other users' personal chats
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  const record = (m: Omit<PlaygroundMessage, 'version' | 'notices'>, isUpdate: boolean) => {
    const old = byId.get(m.id);
    byId.set(m.id, { ...old, ...m, version: old ? old.version + (isUpdate ? 1 : 0) : 0, notices: old?.notices ?? [] });
    changed();
  };

  type WireMessage = {
    messageId: string;
    from?: { id?: string };
    text?: string;
    textFormat?: string;
    attachments?: Attachment[];
    mentions?: unknown[];
    postConversationId?: string;
  };
  const conversationWs = new WebSocket(`ws://127.0.0.1:${uiPort}/_ws_conversation/v1/conversations/stream`);
  const parse = <T>(data: WebSocket.RawData): T | undefined => {
    try {
      return JSON.parse(String(data)) as T;
    } catch {
      return undefined;
    }
  };
  conversationWs.on('message', (data) => {
    const event = parse<{ action?: string; actionConversationId?: string; message?: WireMessage }>(data);
    if (!event) return;
    const m = event.message;
    if (!m || !event.actionConversationId || (event.action !== 'createMessage' && event.action !== 'updateMessage')) return;
    const existing = byId.get(m.messageId);
    record(
      {
        id: m.messageId,
        conversationId: m.postConversationId ?? existing?.conversationId ?? event.actionConversationId,
        from: m.from?.id ?? ids.bot,
        text: m.text,
        textFormat: m.textFormat,
        attachments: m.attachments ?? [],
        mentions: m.mentions ?? [],
        seen: 'stream',
      },
      event.action === 'updateMessage',
    );
  });
  const logWs = new WebSocket(`ws://127.0.0.1:${uiPort}/_ws/log/stream`);
  logWs.on('message', (data) => {
    const log = parse<{ logAction?: string; log?: LogEntry }>(data)?.log;
    if (!log) return;
    logs.push(log);
    if (log.from !== BOT_APP || log.to !== PLAYGROUND) return;
    const body = log.request?.body ?? {};
    const answer = (log.response?.body ?? {}) as { id?: string };
    if (log.activityName === 'createConversation' && body['isGroup'] !== true && answer.id) {
      const members = body['members'] as { id?: string }[] | undefined;
      if (members?.[0]?.id !== me.id) hidden.add(answer.id);
      return;
    }
    const conversationId = log.conversationId;
    if (log.activityName !== 'message' || !conversationId || !hidden.has(conversationId) || !answer.id) return;
    const status = log.response?.statusCode;
    if (status !== 201 && status !== 200) return;
    record(
      {
        id: answer.id,
        conversationId,
        from: ids.bot,
        text: typeof body['text'] === 'string' ? body['text'] : undefined,
        textFormat: typeof body['textFormat'] === 'string' ? body['textFormat'] : undefined,
        attachments: (body['attachments'] as Attachment[] | undefined) ?? [],
        mentions: ((body['entities'] as { type?: string }[] | undefined) ?? []).filter((e) => e.type === 'mention'),
        seen: 'log',
      },
      status === 200,
    );
  });
  try {
    await Promise.all(
      [conversationWs, logWs].map(
        (ws) =>
          new Promise<void>((resolve, reject) => {
            ws.once('open', () => resolve());
            ws.once('error', reject);
          }),
      ),
    );
  } catch (error) {
    conversationWs.terminate();
    logWs.terminate();
    await cleanup();
    throw new PlaygroundUnavailableError(`the playground's websockets did not open: ${String(error)}`);
  }
  // After the handshake a dying playground must not crash the test process with an 'error' event.
  conversationWs.on('error', () => {});
  logWs.on('error', () => {});

  // ---- HTTP -----------------------------------------------------------------------------------
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (!response.ok) throw new PlaygroundHttpError(response.status, text, `${method} ${path}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const enc = encodeURIComponent;
  const account = (id: string) => {
    const found = everyone.find((u) => u.id === id);
    if (!found) throw new Error(`unknown playground user ${id} (known: ${everyone.map((u) => u.id).join(', ')})`);
    return found;
  };
  const template = (conversationId: string, type?: string) =>
    call<Record<string, unknown>>('GET', `/_internal/v1/customActivities/template?conversationId=${enc(conversationId)}${type ? `&type=${enc(type)}` : ''}`);
  const sendActivity = async (activity: Record<string, unknown>) => {
    await call('POST', '/_internal/v1/customActivities', activity);
  };
  const personalChat = async (userId: string) => {
    if (userId === me.id) return ids.personal;
    account(userId);
    const { id } = await call<{ id: string }>('POST', '/_connector/v3/conversations', { isGroup: false, members: [{ id: userId }], tenantId: ids.tenant });
    hidden.add(id);
    return id;
  };
  /** The message activity Teams would send for `author`, from the playground's template for the conversation. */
  const messageActivity = async (author: PlaygroundUser, conversationId: string, id: string, text: string, mentions: object[]) => {
    const base = await template(conversationId);
    const conversation = base['conversation'] as { conversationType?: string };
    const inChannel = conversation.conversationType === 'channel';
    const channel = conversationId.split(';')[0]!;
    const now = new Date().toISOString();
    return {
      ...base,
      type: 'message',
      id,
      timestamp: now,
      localTimestamp: now,
      localTimezone: 'UTC',
      locale: 'en-US',
      from: { id: author.id, name: author.name, aadObjectId: author.aadObjectId },
      text,
      textFormat: 'plain',
      entities: [...mentions, { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'UTC' }],
      channelData: inChannel
        ? { teamsChannelId: channel, teamsTeamId: ids.team, tenant: { id: ids.tenant }, team: { id: ids.team }, channel: { id: channel } }
        : { tenant: { id: ids.tenant } },
    };
  };

  const atText: Playground['atText'] = (userId) => `<at>${userId === ids.bot ? ids.botName : account(userId).name}</at>`;

  const say: Playground['say'] = async (userId, text, where, sayOptions) => {
    const author = account(userId);
    const target =
      where === 'channel' ? ids.channel : where === 'general' ? ids.general : where === 'group' ? ids.group : where === 'personal' ? await personalChat(userId) : where.thread;
    const isPersonal = where === 'personal';
    const mention = `<at>${ids.botName}</at>`;
    const mentionBot = !isPersonal && (sayOptions?.mentionBot ?? true);
    const fullText = mentionBot ? `${mention} ${text}` : text;
    const people = (sayOptions?.mentions ?? []).map((id) => account(id));
    for (const person of people) {
      if (!text.includes(atText(person.id))) throw new Error(`say: the text does not hold ${atText(person.id)} for the mention of ${person.id}`);
    }
    const peopleUi = people.map((p) => ({ mentioned: { id: p.id }, text: atText(p.id) }));
    const peopleEntities = people.map((p) => ({ type: 'mention', mentioned: { id: p.id, name: p.name }, text: atText(p.id) }));
    const uiMentions = [...(mentionBot ? [{ mentioned: { id: ids.bot }, text: mention }] : []), ...peopleUi];
    const entities = [...(mentionBot ? [{ type: 'mention', mentioned: { id: ids.bot, name: ids.botName }, text: mention }] : []), ...peopleEntities];
    const keep = (messageId: string, conversationId: string) =>
      record({ id: messageId, conversationId, from: author.id, text: fullText, textFormat: 'plain', attachments: [], mentions: entities, seen: 'sent' }, false);

    if (author.id === me.id) {
      const r = await call<{ messageId: string; postConversationId?: string }>('POST', `/_conversation/v1/conversations/${enc(target)}/messages`, {
        from: { id: author.id },
        text: fullText,
        textFormat: 'plain',
        ...(uiMentions.length ? { mentions: uiMentions } : {}),
      });
      const conversationId = r.postConversationId ?? target;
      keep(r.messageId, conversationId);
      return { messageId: r.messageId, conversationId, via: 'ui' };
    }
    // Another user: the UI API would send it as the currentUser. In channels and group chats the
    // message is stored through the UI API *without* the bot mention (so the playground does not
    // forward it, but the thread exists for the replies), then the activity Teams would send for
    // that user goes to the bot as a custom activity. In another user's personal chat only the
    // custom activity is sent (the UI API would forward it at once, from the wrong user).
    let messageId: string;
    let conversationId: string;
    if (isPersonal) {
      messageId = String(Date.now());
      conversationId = target;
    } else {
      const r = await call<{ messageId: string; postConversationId?: string }>('POST', `/_conversation/v1/conversations/${enc(target)}/messages`, {
        from: { id: author.id },
        text: fullText,
        textFormat: 'plain',
        ...(peopleUi.length ? { mentions: peopleUi } : {}),
      });
      messageId = r.messageId;
      conversationId = r.postConversationId ?? target;
    }
    keep(messageId, conversationId);
    if (isPersonal || mentionBot) await sendActivity(await messageActivity(author, conversationId, messageId, fullText, entities));
    return { messageId, conversationId, via: 'custom' };
  };

  const click: Playground['click'] = async (userId, message, action, attachmentIndex = 0) => {
    account(userId);
    const result = await call<InvokeResult>('POST', '/_conversation/v1/invoke', {
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', ...(action.title ? { title: action.title } : {}), verb: action.verb, data: action.data ?? {} } },
      from: { id: userId },
      conversation: { id: message.conversationId },
      replyToId: message.id,
    });
    const shown = byId.get(message.id);
    if (shown) {
      // What the UI does with the answer: a card replaces the clicked card, anything else is a notice.
      if (result.type === CARD) {
        const attachments = shown.attachments.map((a, i) => (i === attachmentIndex ? { contentType: CARD, content: result.value } : a));
        byId.set(shown.id, { ...shown, attachments, version: shown.version + 1 });
      } else {
        byId.set(shown.id, { ...shown, notices: [...shown.notices, result] });
      }
      changed();
    }
    return result;
  };

  const submit: Playground['submit'] = async (userId, message, data) => {
    account(userId);
    await call('POST', '/_conversation/v1/submit', { conversation: { id: message.conversationId }, from: { id: userId }, replyToId: message.id, value: data });
  };

  const install: Playground['install'] = async (where) => {
    const target = where === 'channel' ? ids.channel : where === 'general' ? ids.general : where === 'group' ? ids.group : ids.personal;
    await call('POST', `/_debug/conversation/${enc(target)}/installation`, {});
  };

  const messages = (conversation?: string) =>
    [...byId.values()].filter(
      (m) => conversation === undefined || m.conversationId === conversation || (!conversation.includes(';') && m.conversationId.split(';')[0] === conversation),
    );

  const waitFor: Playground['waitFor'] = (find, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = find(messages());
        if (found) {
          done();
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        done();
        const dump = messages()
          .slice(-8)
          .map((m) => `  ${m.conversationId} #${m.id} v${m.version} ${m.from}: ${m.text ?? ''} ${m.attachments.map((a) => a.contentType).join(',')}`)
          .join('\n');
        reject(new Error(`agents playground: nothing matched within ${timeoutMs} ms; last messages:\n${dump}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      conversationWs.terminate();
      logWs.terminate();
      await cleanup();
    })());

  return {
    uiPort,
    url,
    connectorUrl: `${url}/_connector`,
    serviceUrl: `http://localhost:${uiPort}/_connector`,
    startupMs,
    workDir,
    ids,
    me,
    users: everyone,
    logs,
    say,
    atText,
    click,
    submit,
    install,
    personalChat,
    sendActivity,
    template,
    messages,
    waitFor,
    stop,
  };
}
