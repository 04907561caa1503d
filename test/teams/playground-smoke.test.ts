import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ActivityHandler,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  TurnContext,
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConversationParameters,
} from 'botbuilder';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PlaygroundUnavailableError, startPlayground, type Playground, type PlaygroundMessage } from '../support/agents-playground.js';
import { botbuilderResponse } from '../support/teams-bot-server.js';

/**
 * Smoke test of the Teams edge against the Microsoft 365 Agents Playground, driven as Teams users
 * would: a minimal bot built on botbuilder's real CloudAdapter (empty credentials: auth off) behind
 * plain node:http, and the playground as the Teams client and Bot Connector.
 */

const CARD = 'application/vnd.microsoft.card.adaptive';

function incidentCard(status: string, withButton: boolean): Record<string, unknown> {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [{ type: 'TextBlock', text: `INC-1: ${status}`, wrap: true }],
    ...(withButton ? { actions: [{ type: 'Action.Execute', title: 'Acknowledge', verb: 'ack', data: { incident: 'INC-1' } }] } : {}),
  };
}

/** Echoes, sends a card with an Action.Execute button, edits its own message, answers the card's invoke. */
class SmokeBot extends ActivityHandler {
  readonly invokes: Activity[] = [];

  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const text = (TurnContext.removeRecipientMention(context.activity) ?? '').trim();
      if (text === 'card') {
        // A card goes as its own activity: text plus a card become two messages in the playground.
        await context.sendActivity({ attachments: [CardFactory.adaptiveCard(incidentCard('declared', true))] });
      } else if (text === 'edit') {
        const sent = await context.sendActivity('status: investigating');
        await context.updateActivity({ type: 'message', id: sent?.id, text: 'status: resolved' });
      } else {
        await context.sendActivity(`echo: ${text}`);
      }
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    this.invokes.push(context.activity);
    const by = context.activity.from.name ?? context.activity.from.id;
    return { statusCode: 200, type: CARD, value: incidentCard(`${value.action.verb === 'ack' ? 'acknowledged' : value.action.verb} by ${by}`, false) };
  }
}

interface Received {
  activity: Activity;
  headers: IncomingHttpHeaders;
}

const auth = new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppTenantId: '', MicrosoftAppType: 'MultiTenant' });
const adapter = new CloudAdapter(auth);
const bot = new SmokeBot();
const received: Received[] = [];
const turnErrors: unknown[] = [];
adapter.onTurnError = async (_context, error) => {
  turnErrors.push(error);
};

/** node:http in front of adapter.process: a parsed body and a res with status()/send()/end(). */
function botServer(): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      // A copy: the turn mutates the activity (removeRecipientMention rewrites text).
      received.push({ activity: structuredClone(body) as unknown as Activity, headers: req.headers });
      adapter
        .process({ body, headers: req.headers as Record<string, string | string[] | undefined>, method: req.method }, botbuilderResponse(res), (context) => bot.run(context))
        .catch((error: unknown) => {
          turnErrors.push(error);
          if (!res.writableEnded) res.writeHead(500).end();
        });
    });
  });
}

let server: Server;
let pg: Playground | undefined;
let unavailable: string | undefined;

/** The playground is a dev dependency that runs offline: not starting is a failure, never a skip. */
function playground(): Playground {
  if (!pg) throw new Error(`Agents Playground unavailable on this machine: ${unavailable ?? 'not started'}`);
  return pg;
}

const textOf = (m: PlaygroundMessage) => m.text ?? '';
const cardText = (m: PlaygroundMessage) => JSON.stringify(m.attachments[0]?.content ?? {});
const lastActivity = (match: (a: Activity) => boolean): Received | undefined => [...received].reverse().find((r) => match(r.activity));

beforeAll(async () => {
  server = botServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const botPort = (server.address() as AddressInfo).port;
  try {
    pg = await startPlayground({ botEndpoint: `http://127.0.0.1:${botPort}/api/messages`, log: (line) => console.warn(line) });
    console.info(`agents playground: started in ${pg.startupMs} ms on port ${pg.uiPort}`);
  } catch (error) {
    if (!(error instanceof PlaygroundUnavailableError)) throw error;
    unavailable = error.message;
    console.warn(`agents playground: skipping, ${error.message}`);
  }
});

afterAll(async () => {
  await pg?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

describe('Teams through the Agents Playground', () => {
  test('a channel message @mentioning the bot arrives as msteams and the reply shows in its thread', async (ctx) => {
    const pg = playground();
    await ctx.annotate(`playground start-up ${pg.startupMs} ms`);
    const me = pg.me;

    const sent = await pg.say(me.id, 'hello', 'channel');
    expect(sent.conversationId).toBe(`${pg.ids.channel};messageid=${sent.messageId}`);
    const reply = await pg.waitFor((ms) => ms.find((m) => m.conversationId === sent.conversationId && m.from === pg.ids.bot && textOf(m) === 'echo: hello'));
    expect(reply.seen).toBe('stream');

    const got = lastActivity((a) => a.type === 'message' && (a.text ?? '').includes('hello'))!;
    expect(got.headers.authorization).toBeUndefined(); // no token: auth is off
    expect(got.headers['x-ms-agents-playground']).toBe('true');
    const a = got.activity;
    expect(a.channelId).toBe('msteams');
    expect(a.serviceUrl).toBe(pg.serviceUrl);
    expect(a.from).toMatchObject({ id: me.id, name: me.name });
    expect(a.recipient).toMatchObject({ id: pg.ids.bot, name: pg.ids.botName });
    expect(a.conversation).toMatchObject({ id: sent.conversationId, conversationType: 'channel', isGroup: true, tenantId: pg.ids.tenant });
    expect(a.text).toBe(`<at>${pg.ids.botName}</at> hello`);
    expect(a.entities).toContainEqual({ type: 'mention', mentioned: { id: pg.ids.bot, name: pg.ids.botName }, text: `<at>${pg.ids.botName}</at>` });
    expect(a.channelData).toMatchObject({ tenant: { id: pg.ids.tenant }, team: { id: pg.ids.team }, channel: { id: pg.ids.channel } });
    expect(a.id).not.toBe(sent.messageId); // quirk: the UI's messages reach the bot with a random GUID id

    // Another user starts a post, a third replies in the first thread.
    const [megan, adele] = [pg.users[1]!, pg.users[2]!];
    const fromMegan = await pg.say(megan.id, 'from megan', 'channel');
    await pg.waitFor((ms) => ms.find((m) => m.conversationId === fromMegan.conversationId && textOf(m) === 'echo: from megan'));
    const meganActivity = lastActivity((a) => (a.text ?? '').includes('from megan'))!.activity;
    expect(meganActivity.from).toMatchObject({ id: megan.id, name: megan.name });
    expect(meganActivity.id).toBe(fromMegan.messageId);
    expect(meganActivity.conversation.id).toBe(fromMegan.conversationId);

    const inThread = await pg.say(adele.id, 'in the thread', { thread: sent.conversationId });
    expect(inThread.conversationId).toBe(sent.conversationId);
    await pg.waitFor((ms) => ms.find((m) => m.conversationId === sent.conversationId && textOf(m) === 'echo: in the thread'));
    expect(lastActivity((a) => (a.text ?? '').includes('in the thread'))!.activity.from.id).toBe(adele.id);

    // The group chat works the same way.
    const inGroup = await pg.say(adele.id, 'group hello', 'group');
    expect(inGroup.conversationId).toBe(pg.ids.group);
    await pg.waitFor((ms) => ms.find((m) => m.conversationId === pg.ids.group && textOf(m) === 'echo: group hello'));
    expect(lastActivity((a) => (a.text ?? '').includes('group hello'))!.activity.conversation).toMatchObject({ id: pg.ids.group, conversationType: 'groupChat' });

    // Without the @mention nothing reaches the bot.
    const before = received.length;
    await pg.say(me.id, 'just chatting', 'channel', { mentionBot: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(received.length).toBe(before);
    expect(turnErrors).toEqual([]);
  });

  test('a user clicks the Action.Execute button of a card and the card is replaced by the invoke response', async (ctx) => {
    const pg = playground();
    const sent = await pg.say(pg.me.id, 'card', 'channel');
    const card = await pg.waitFor((ms) => ms.find((m) => m.conversationId === sent.conversationId && m.attachments[0]?.contentType === CARD));
    expect(card.version).toBe(0);
    expect(cardText(card)).toContain('Action.Execute');

    const clicker = pg.users[3]!;
    const result = await pg.click(clicker.id, card, { verb: 'ack', data: { incident: 'INC-1' }, title: 'Acknowledge' });
    expect(result.type).toBe(CARD);
    expect(JSON.stringify(result.value)).toContain(`acknowledged by ${clicker.name}`);

    const invoke = bot.invokes.at(-1)!;
    expect(invoke).toMatchObject({
      type: 'invoke',
      name: 'adaptiveCard/action',
      channelId: 'msteams',
      from: { id: clicker.id, name: clicker.name },
      conversation: { id: sent.conversationId, conversationType: 'channel' },
      replyToId: card.id,
      value: { action: { type: 'Action.Execute', verb: 'ack', data: { incident: 'INC-1' } } },
      channelData: { source: { name: 'message' } },
    });

    const shown = pg.messages(sent.conversationId).find((m) => m.id === card.id)!;
    expect(shown.version).toBe(1);
    expect(cardText(shown)).toContain(`INC-1: acknowledged by ${clicker.name}`);
    expect(cardText(shown)).not.toContain('Action.Execute');
    // The log stream shows the bot's HTTP answer to the invoke: the AdaptiveCardInvokeResponse body.
    const logged = pg.logs.find((l) => l.activityName === 'invoke' && l.to === 'User Application');
    expect(logged?.response).toMatchObject({ statusCode: 200, body: { statusCode: 200, type: CARD } });
    expect(turnErrors).toEqual([]);
  });

  test('the bot opens 1:1 chats with createConversationAsync and the users answer there', async (ctx) => {
    const pg = playground();
    const params = (userId: string) =>
      ({
        isGroup: false,
        bot: { id: pg.ids.bot, name: pg.ids.botName },
        members: [{ id: userId }],
        tenantId: pg.ids.tenant,
        channelData: { tenant: { id: pg.ids.tenant } },
      }) as ConversationParameters;
    const page = (userId: string) =>
      adapter.createConversationAsync('', 'msteams', pg.serviceUrl, '', params(userId), async (context) => {
        await context.sendActivity(`you are paged for INC-1 (${userId})`);
      });

    // The UI's own user: the configured personal chat, streamed like the UI shows it.
    await page(pg.me.id);
    const mine = await pg.waitFor((ms) => ms.find((m) => textOf(m) === `you are paged for INC-1 (${pg.me.id})`));
    expect(mine).toMatchObject({ conversationId: pg.ids.personal, from: pg.ids.bot, seen: 'stream' });

    // Anyone else gets a new <guid>@test.user chat that the UI does not stream: read from the log stream.
    const lynne = pg.users[5]!;
    await page(lynne.id);
    const theirs = await pg.waitFor((ms) => ms.find((m) => textOf(m) === `you are paged for INC-1 (${lynne.id})`));
    expect(theirs.seen).toBe('log');
    expect(theirs.conversationId).toMatch(/@test\.user$/);
    expect(await pg.personalChat(lynne.id)).toBe(theirs.conversationId);

    // Both answer in their personal chat (no @mention needed there).
    const answer = await pg.say(lynne.id, 'on it', 'personal');
    expect(answer.conversationId).toBe(theirs.conversationId);
    await pg.waitFor((ms) => ms.find((m) => m.conversationId === theirs.conversationId && textOf(m) === 'echo: on it'));
    expect(lastActivity((a) => a.text === 'on it')!.activity).toMatchObject({
      from: { id: lynne.id },
      conversation: { id: theirs.conversationId, conversationType: 'personal' },
    });
    await pg.say(pg.me.id, 'me too', 'personal');
    await pg.waitFor((ms) => ms.find((m) => m.conversationId === pg.ids.personal && textOf(m) === 'echo: me too'));
    expect(lastActivity((a) => a.text === 'me too')!.activity.conversation).toMatchObject({ id: pg.ids.personal, conversationType: 'personal' });
    expect(turnErrors).toEqual([]);
  });

  test('the bot updates a message it sent and the playground shows the update', async (ctx) => {
    const pg = playground();
    const sent = await pg.say(pg.me.id, 'edit', 'channel');
    const edited = await pg.waitFor((ms) => ms.find((m) => m.conversationId === sent.conversationId && m.version === 1 && textOf(m) === 'status: resolved'));
    expect(edited).toMatchObject({ from: pg.ids.bot, seen: 'stream' });
    expect(pg.messages(sent.conversationId).filter((m) => m.from === pg.ids.bot)).toHaveLength(1);
    expect(turnErrors).toEqual([]);
  });

  test('installing the app in the channel sends installationUpdate and conversationUpdate', async (ctx) => {
    const pg = playground();
    const before = received.length;
    await pg.install('channel');
    await expect.poll(() => received.slice(before).map((r) => r.activity.type), { timeout: 5000 }).toEqual(expect.arrayContaining(['installationUpdate', 'conversationUpdate']));
    const update = received.slice(before).find((r) => r.activity.type === 'conversationUpdate')!.activity;
    expect(update.membersAdded).toEqual([{ id: pg.ids.bot }]);
    expect(update.channelData).toMatchObject({ eventType: 'teamMemberAdded', team: { id: pg.ids.team } });
    expect(turnErrors).toEqual([]);
  });
});
