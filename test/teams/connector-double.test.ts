import {
  ActivityTypes,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MessageFactory,
  TurnContext,
  type Activity,
  type ConversationParameters,
  type ConversationReference,
} from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BOT_APP_ID,
  BOT_NAME,
  INCIDENTS_CHANNEL_ID,
  TEAM_ID,
  TENANT_ID,
  USERS,
  teamsActivities,
  type TeamsActivities,
} from '../support/bot-framework-activities.js';
import { ADAPTIVE_CARD, FakeBotConnector, adaptiveCardProblems } from '../support/fake-bot-connector.js';
import { postActivity, startBotServer, type BotServer, type Logic } from '../support/teams-bot-server.js';

/** Audience botbuilder uses towards the public-cloud Bot Connector (ignored while auth is off). */
const BOT_CONNECTOR_AUDIENCE = 'https://api.botframework.com';

function card(title: string, verb = 'acknowledge'): Record<string, unknown> {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [{ type: 'TextBlock', text: title, wrap: true, weight: 'Bolder' }],
    actions: [{ type: 'Action.Execute', title: 'Acknowledge', verb, data: { incident: 'INC-7' } }],
  };
}

function cardActivity(content: Record<string, unknown>): Partial<Activity> {
  return MessageFactory.attachment(CardFactory.adaptiveCard(content));
}

/** Direct HTTP to the fake, bypassing botbuilder (to see the raw refusals). */
async function call(connector: FakeBotConnector, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${connector.serviceUrl}${path.replace(/^\//, '')}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: (text ? JSON.parse(text) : undefined) as { error?: { code: string; message: string }; id?: string; activityId?: string } | undefined };
}

const enc = encodeURIComponent;

describe('the fake Bot Connector refuses what Teams refuses', () => {
  let clock = 0;
  const connector = new FakeBotConnector({ now: () => clock });
  const thread = (root: string) => `${INCIDENTS_CHANNEL_ID};messageid=${root}`;
  let root = '';

  beforeAll(async () => {
    await connector.start();
    connector.addTeam({ id: TEAM_ID, tenantId: TENANT_ID });
    connector.addChannel(INCIDENTS_CHANNEL_ID, { teamId: TEAM_ID, name: 'incidents', tenantId: TENANT_ID });
    const created = await call(connector, 'POST', '/v3/conversations', {
      isGroup: true,
      channelData: { channel: { id: INCIDENTS_CHANNEL_ID } },
      tenantId: TENANT_ID,
      activity: { type: 'message', text: 'root' },
    });
    root = created.json!.activityId!;
  });
  afterAll(() => connector.close());
  afterEach(() => {
    clock += 3_600_000; // every test starts with fresh rate-limit windows
    connector.clearFailures();
    connector.requireAuth(false);
  });

  it('answers 404 ConversationNotFound for a conversation nobody created or registered', async () => {
    const sent = await call(connector, 'POST', `/v3/conversations/${enc('19:nope@thread.tacv2')}/activities`, { type: 'message', text: 'hi' });
    expect(sent.status).toBe(404);
    expect(sent.json).toEqual({ error: { code: 'ConversationNotFound', message: 'Conversation not found.' } });
    const badThread = await call(connector, 'POST', `/v3/conversations/${enc(thread('42'))}/activities`, { type: 'message', text: 'hi' });
    expect(badThread.json?.error?.code).toBe('ConversationNotFound');
  });

  it('answers 404 ActivityNotFoundInConversation when updating a message that is not there, 403 once deleted', async () => {
    const missing = await call(connector, 'PUT', `/v3/conversations/${enc(thread(root))}/activities/999`, { type: 'message', text: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.json?.error?.code).toBe('ActivityNotFoundInConversation');

    const posted = await call(connector, 'POST', `/v3/conversations/${enc(thread(root))}/activities`, { type: 'message', text: 'to delete' });
    expect((await call(connector, 'DELETE', `/v3/conversations/${enc(thread(root))}/activities/${posted.json!.id}`)).status).toBe(200);
    const afterDelete = await call(connector, 'PUT', `/v3/conversations/${enc(thread(root))}/activities/${posted.json!.id}`, { type: 'message', text: 'x' });
    expect(afterDelete.status).toBe(403);
    expect(connector.message(posted.json!.id!)?.deleted).toBe(true);
  });

  it('answers 413 MessageSizeTooBig above 28 KB', async () => {
    const big = await call(connector, 'POST', `/v3/conversations/${enc(thread(root))}/activities`, { type: 'message', text: 'x'.repeat(29 * 1024) });
    expect(big.status).toBe(413);
    expect(big.json).toEqual({ error: { code: 'MessageSizeTooBig', message: 'Message size too large.' } });
    const fits = await call(connector, 'POST', `/v3/conversations/${enc(thread(root))}/activities`, { type: 'message', text: 'x'.repeat(27 * 1024) });
    expect(fits.status).toBe(201);
  });

  it('answers 400 for an Adaptive Card the adaptivecards parser complains about', async () => {
    const broken = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlok', text: 'typo' }, { type: 'Input.Text' }] };
    expect(adaptiveCardProblems(broken)).toEqual([
      'Unknown element type "TextBlok". Fallback will be used if present.',
      'All inputs must have a unique Id.',
    ]);
    const refused = await call(connector, 'POST', `/v3/conversations/${enc(thread(root))}/activities`, {
      type: 'message',
      attachments: [{ contentType: ADAPTIVE_CARD, content: broken }],
    });
    expect(refused.status).toBe(400);
    expect(refused.json?.error?.code).toBe('BadArgument');
    expect(refused.json?.error?.message).toContain('TextBlok');
    const tooNew = await call(connector, 'POST', `/v3/conversations/${enc(thread(root))}/activities`, {
      type: 'message',
      attachments: [{ contentType: ADAPTIVE_CARD, content: { ...card('t'), version: '1.6' } }],
    });
    expect(tooNew.status).toBe(400);
    expect(adaptiveCardProblems(card('fine'))).toEqual([]);
  });

  it('answers 400 when a mention entity’s text is not exactly in the text (the `&` trap included)', async () => {
    const to = `/v3/conversations/${enc(thread(root))}/activities`;
    const mention = (text: string) => ({ type: 'mention', text, mentioned: { id: USERS.ada.id, name: 'R&D On-call' } });
    expect((await call(connector, 'POST', to, { type: 'message', text: 'Paging <at>R&amp;D On-call</at>', entities: [mention('<at>R&amp;D On-call</at>')] })).status).toBe(201);
    const trap = await call(connector, 'POST', to, { type: 'message', text: 'Paging <at>R&amp;D On-call</at>', entities: [mention('<at>R&D On-call</at>')] });
    expect(trap.status).toBe(400);
    expect(trap.json?.error?.message).toContain('does not appear in the message text');
    const inCard = (text: string) => ({
      type: 'message',
      attachments: [{ contentType: ADAPTIVE_CARD, content: { ...card('x'), body: [{ type: 'TextBlock', text }], msteams: { entities: [mention('<at>Ada</at>')] } } }],
    });
    expect((await call(connector, 'POST', to, inCard('Commander: <at>Ada</at>'))).status).toBe(201);
    expect((await call(connector, 'POST', to, inCard('Commander: Ada'))).status).toBe(400);
  });

  it('throttles per conversation as documented: 7 in 1 s, then 60 in 30 s, with Retry-After', async () => {
    const to = `/v3/conversations/${enc(thread(root))}/activities`;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call(connector, 'POST', to, { type: 'message', text: `m${i}` })).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 201, 429]);
    const throttled = await call(connector, 'POST', to, { type: 'message', text: 'again' });
    expect(throttled.json?.error?.code).toBe('Throttled');
    expect(throttled.headers.get('retry-after')).toBe('1');
    // Another conversation is not affected.
    const general = await call(connector, 'POST', `/v3/conversations/${enc(TEAM_ID)}/activities`, { type: 'message', text: 'elsewhere' });
    expect(general.status).toBe(201);

    // 1 message every 400 ms stays under 7/1 s and 8/2 s, but the 61st within 30 s is refused.
    clock += 60_000;
    const start = clock;
    let accepted = 0;
    let refusal: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 70 && !refusal; i++) {
      const answer = await call(connector, 'POST', to, { type: 'message', text: `steady ${i}` });
      if (answer.status === 201) accepted++;
      else refusal = answer;
      clock += 400;
    }
    expect(accepted).toBe(60);
    expect(refusal?.status).toBe(429);
    // The oldest of the 60 leaves the 30 s window at start + 30 s; we are at start + 24 s.
    expect(Number(refusal?.headers.get('retry-after'))).toBe(Math.ceil((start + 30_000 - (clock - 400)) / 1000));
  });

  it('can be told to answer the next calls 429 (with or without Retry-After), 412, 502 or 504', async () => {
    const to = `/v3/conversations/${enc(thread(root))}/activities`;
    connector.fail({ status: 429, retryAfter: 3 });
    connector.fail({ status: 429 });
    connector.fail({ status: 412 });
    connector.fail({ status: 502 });
    connector.fail({ status: 504 });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await call(connector, 'POST', to, { type: 'message', text: `n${i}` }));
    expect(answers.map((a) => a.status)).toEqual([429, 429, 412, 502, 504, 201]);
    expect(answers[0]!.headers.get('retry-after')).toBe('3');
    expect(answers[1]!.headers.get('retry-after')).toBeNull();
    expect(answers.map((a) => a.json?.error?.code)).toEqual(['Throttled', 'Throttled', 'PreconditionFailed', 'ServiceError', undefined, undefined]);
    // A failure can target one operation only.
    connector.fail({ status: 502 }, 1, (c) => c.operation === 'updateActivity');
    expect((await call(connector, 'POST', to, { type: 'message', text: 'not an update' })).status).toBe(201);
  });

  it('requires a bearer token when switched on, and records what it got', async () => {
    const to = `/v3/conversations/${enc(thread(root))}/activities`;
    connector.requireAuth('token-123');
    const anonymous = await call(connector, 'POST', to, { type: 'message', text: 'hi' });
    expect(anonymous.status).toBe(401);
    expect((await call(connector, 'POST', to, { type: 'message', text: 'hi' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call(connector, 'POST', to, { type: 'message', text: 'hi' }, { authorization: 'Bearer token-123' })).status).toBe(201);
    expect(connector.calls.slice(-3).map((c) => c.authorization)).toEqual([undefined, 'Bearer wrong', 'Bearer token-123']);
  });

  it('creates 1:1 chats (idempotent) and channel threads, and refuses the shapes Teams refuses', async () => {
    const oneToOne = { isGroup: false, members: [{ id: USERS.grace.id }], tenantId: TENANT_ID };
    const first = await call(connector, 'POST', '/v3/conversations', oneToOne);
    const second = await call(connector, 'POST', '/v3/conversations', oneToOne);
    expect(first.status).toBe(201);
    expect(first.json?.id).toMatch(/^a:/);
    expect(second.json?.id).toBe(first.json?.id);
    expect(first.json?.activityId).toBeUndefined();

    const groupChat = await call(connector, 'POST', '/v3/conversations', { isGroup: true, members: [{ id: USERS.ada.id }, { id: USERS.grace.id }], tenantId: TENANT_ID });
    expect(groupChat.status).toBe(400);
    expect(groupChat.json?.error?.code).toBe('BadSyntax');
    const emptyThread = await call(connector, 'POST', '/v3/conversations', { isGroup: true, channelData: { channel: { id: INCIDENTS_CHANNEL_ID } }, tenantId: TENANT_ID });
    expect(emptyThread.json?.error?.code).toBe('BadSyntax');
    const noTenant = await call(connector, 'POST', '/v3/conversations', { isGroup: false, members: [{ id: USERS.grace.id }] });
    expect(noTenant.json?.error?.code).toBe('BadSyntax');
    const unknownChannel = await call(connector, 'POST', '/v3/conversations', { isGroup: true, channelData: { channel: { id: '19:gone@thread.tacv2' } }, tenantId: TENANT_ID, activity: { type: 'message', text: 'x' } });
    expect(unknownChannel.json?.error?.code).toBe('ConversationNotFound');
  });

  it('serves members, one member and team details', async () => {
    connector.addMember(TEAM_ID, { ...USERS.ada, userRole: 'user', tenantId: TENANT_ID });
    const members = await call(connector, 'GET', `/v3/conversations/${enc(thread(root))}/members`);
    expect(members.json).toEqual([expect.objectContaining({ id: USERS.ada.id, aadObjectId: USERS.ada.aadObjectId })]);
    expect((await call(connector, 'GET', `/v3/conversations/${enc(INCIDENTS_CHANNEL_ID)}/members/${enc(USERS.ada.aadObjectId)}`)).status).toBe(200);
    const stranger = await call(connector, 'GET', `/v3/conversations/${enc(INCIDENTS_CHANNEL_ID)}/members/${enc(USERS.grace.id)}`);
    expect(stranger.json?.error?.code).toBe('MemberNotFoundInConversation');
    expect((await call(connector, 'GET', `/v3/teams/${enc(TEAM_ID)}`)).json).toMatchObject({ id: TEAM_ID, name: 'Incident Response' });
  });
});

describe("botbuilder's CloudAdapter against the fake Bot Connector (auth off)", () => {
  const connector = new FakeBotConnector();
  // Auth off: empty app id and password, as the Bot Framework Emulator and Agents Playground run.
  const auth = new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '' });
  const adapter = new CloudAdapter(auth);
  /** No onTurnError: proactive calls reject with the connector's error (with onTurnError set they resolve). */
  const bare = new CloudAdapter(auth);
  const turnErrors: unknown[] = [];
  adapter.onTurnError = async (_context, error) => {
    turnErrors.push(error);
  };
  let logic: Logic = async () => {};
  let server: BotServer;
  let teams: TeamsActivities;

  /** What Teams does: it knows the conversation (and the user's post) before it calls the bot. */
  async function deliver(activity: Record<string, unknown>) {
    connector.recordInbound(activity);
    return postActivity(server.url, activity);
  }

  beforeAll(async () => {
    await connector.start();
    server = await startBotServer(adapter, (context) => logic(context));
    teams = teamsActivities({ serviceUrl: connector.serviceUrl });
    connector.addTeam({ id: TEAM_ID, tenantId: TENANT_ID });
    connector.addChannel(INCIDENTS_CHANNEL_ID, { teamId: TEAM_ID, name: 'incidents', tenantId: TENANT_ID });
  });
  afterAll(async () => {
    await server.close();
    await connector.close();
  });
  afterEach(() => {
    turnErrors.length = 0;
    connector.clearFailures();
    logic = async () => {};
  });

  it('receives a channel message that @mentions the bot and replies in its thread', async () => {
    let seen: { text: string; mentionsBot: boolean; tenant: unknown; conversation: string } | undefined;
    logic = async (context) => {
      const mentionsBot = TurnContext.getMentions(context.activity).some((m) => m.mentioned.id === context.activity.recipient.id);
      seen = {
        text: TurnContext.removeRecipientMention(context.activity)?.trim() ?? '',
        mentionsBot,
        tenant: context.activity.channelData?.tenant?.id,
        conversation: context.activity.conversation.id,
      };
      await context.sendActivity('Declared INC-7.');
    };
    const post = teams.channelMention('incident declare sev2 checkout is down');
    const answer = await deliver(post);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
    expect(seen).toEqual({ text: 'incident declare sev2 checkout is down', mentionsBot: true, tenant: TENANT_ID, conversation: `${INCIDENTS_CHANNEL_ID};messageid=${post.id}` });
    const reply = connector.callsTo('replyToActivity').at(-1)!;
    expect(reply.conversationId).toBe(`${INCIDENTS_CHANNEL_ID};messageid=${post.id}`);
    expect(reply.activityId).toBe(post.id);
    expect(reply.authorization).toBeUndefined(); // auth off: no token on outbound calls
    expect(connector.messagesIn(reply.conversationId!).map((m) => [m.by, m.activity.text])).toEqual([
      ['user', `<at>${BOT_NAME}</at> incident declare sev2 checkout is down`],
      ['bot', 'Declared INC-7.'],
    ]);

    // A later reply in that thread reaches the bot with the same thread id.
    let threadId = '';
    logic = async (context) => {
      threadId = context.activity.conversation.id;
    };
    await deliver(teams.channelMention('incident status', { threadRootId: String(post.id) }));
    expect(threadId).toBe(`${INCIDENTS_CHANNEL_ID};messageid=${post.id}`);
  });

  it('receives a personal chat message and answers in the chat', async () => {
    logic = async (context) => {
      await context.sendActivity(`You said: ${context.activity.text}`);
    };
    const message = teams.personalMessage('help', { user: USERS.grace });
    await deliver(message);
    const chat = (message.conversation as { id: string }).id;
    expect(connector.messagesIn(chat).map((m) => m.activity.text)).toEqual(['help', 'You said: help']);
    expect(connector.conversations.get(chat)?.kind).toBe('personal');
  });

  it('sends a card, then updates it in place with context.updateActivity', async () => {
    let cardId = '';
    logic = async (context) => {
      const sent = await context.sendActivity(cardActivity(card('INC-7 · investigating')));
      cardId = sent!.id;
      await context.updateActivity({ ...cardActivity(card('INC-7 · mitigated')), id: cardId });
    };
    const post = teams.channelMention('incident declare');
    await deliver(post);
    expect(turnErrors).toEqual([]);
    const stored = connector.message(cardId)!;
    expect(stored.versions).toHaveLength(2);
    expect(((stored.activity.attachments as { content: { body: { text: string }[] } }[])[0]!.content.body[0]!.text)).toBe('INC-7 · mitigated');
    const update = connector.callsTo('updateActivity').at(-1)!;
    expect(update.conversationId).toBe(`${INCIDENTS_CHANNEL_ID};messageid=${post.id}`);
    expect(update.activityId).toBe(cardId);
  });

  it('creates a new thread in a channel, then continues it after a restart from a stored reference', async () => {
    let stored = '';
    let rootFromContext = '';
    await adapter.createConversationAsync(
      '', // bot app id: empty while auth is off (a GUID works too, see below)
      'msteams',
      connector.serviceUrl,
      BOT_CONNECTOR_AUDIENCE,
      {
        isGroup: true,
        channelData: { channel: { id: INCIDENTS_CHANNEL_ID } },
        activity: cardActivity(card('INC-8 declared')) as Activity,
        tenantId: TENANT_ID,
        bot: { id: `28:${BOT_APP_ID}`, name: BOT_NAME },
      },
      async (context) => {
        // The turn is an event named CreateConversation; its conversation id is the new thread.
        expect(context.activity.type).toBe(ActivityTypes.Event);
        expect(context.activity.name).toBe('CreateConversation');
        rootFromContext = /;messageid=(\d+)$/.exec(context.activity.conversation.id)?.[1] ?? '';
        const reference = TurnContext.getConversationReference(context.activity);
        stored = JSON.stringify({ ...reference, activityId: rootFromContext });
      },
    );
    const create = connector.callsTo('createConversation').at(-1)!;
    expect(create.status).toBe(201);
    const [root] = connector.threadsIn(INCIDENTS_CHANNEL_ID).slice(-1);
    expect(rootFromContext).toBe(root!.id);

    // "Restart": a new adapter, only the stored JSON survives.
    const restarted = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '' }));
    const reference = JSON.parse(stored) as ConversationReference;
    await restarted.continueConversationAsync('', reference, async (context) => {
      await context.sendActivity('Timeline: paged the on-call.');
      await context.updateActivity({ ...cardActivity(card('INC-8 · mitigated')), id: reference.activityId });
    });
    expect(connector.messagesIn(`${INCIDENTS_CHANNEL_ID};messageid=${root!.id}`).map((m) => m.activity.text ?? 'card')).toEqual(['card', 'Timeline: paged the on-call.']);
    expect(connector.message(root!.id)!.versions).toHaveLength(2);
    // continueConversationAsync replies to a random uuid (the continuation event's id); Teams accepts that.
    expect(connector.callsTo('replyToActivity').at(-1)!.activityId).toMatch(/^[0-9a-f-]{36}$/);

    // With auth off, a GUID app id and another audience work as well.
    await restarted.continueConversationAsync(BOT_APP_ID, reference, BOT_CONNECTOR_AUDIENCE, async (context) => {
      await context.sendActivity('still here');
    });
    expect(connector.calls.at(-1)).toMatchObject({ status: 201, authorization: undefined });
  });

  it('creates a 1:1 chat with a user and writes to it', async () => {
    let chatId = '';
    const parameters: ConversationParameters = {
      isGroup: false,
      members: [{ id: USERS.grace.id, name: USERS.grace.name }],
      tenantId: TENANT_ID,
      bot: { id: `28:${BOT_APP_ID}`, name: BOT_NAME },
      channelData: { tenant: { id: TENANT_ID } },
    };
    await adapter.createConversationAsync('', 'msteams', connector.serviceUrl, BOT_CONNECTOR_AUDIENCE, parameters, async (context) => {
      chatId = context.activity.conversation.id;
      await context.sendActivity('You are the incident commander for INC-9.');
    });
    expect(chatId).toMatch(/^a:/);
    expect(connector.messagesIn(chatId).map((m) => m.activity.text)).toEqual(['You are the incident commander for INC-9.']);
  });

  it('answers an adaptiveCard/action invoke with a card in the HTTP response body', async () => {
    let seen: unknown;
    const refreshed = card('INC-7 · acknowledged by Ada');
    logic = async (context) => {
      seen = context.activity.value;
      await context.sendActivity({
        type: ActivityTypes.InvokeResponse,
        value: { status: 200, body: { statusCode: 200, type: ADAPTIVE_CARD, value: refreshed } },
      });
    };
    const post = teams.channelMention('incident declare');
    connector.recordInbound(post);
    const thread = `${INCIDENTS_CHANNEL_ID};messageid=${post.id}`;
    const invoke = teams.cardAction('acknowledge', { incident: 'INC-7' }, { conversationId: thread, replyToId: '1764061200001' });
    const answer = await deliver(invoke);
    expect(seen).toEqual({ action: { type: 'Action.Execute', verb: 'acknowledge', data: { incident: 'INC-7' } }, trigger: 'manual' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ statusCode: 200, type: ADAPTIVE_CARD, value: refreshed });
    expect(adaptiveCardProblems((answer.json as { value: unknown }).value)).toEqual([]);

    // Without an invokeResponse, botbuilder answers 501 and Teams shows an error on the card.
    logic = async () => {};
    expect((await deliver(teams.cardAction('acknowledge', {}, { conversationId: thread, replyToId: '1' }))).status).toBe(501);
  });

  it('sees installs in a team and in personal scope (conversationUpdate with the bot in membersAdded)', async () => {
    const seen: { scope: unknown; addedBot: boolean; team: unknown }[] = [];
    logic = async (context) => {
      const addedBot = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient.id);
      seen.push({ scope: context.activity.conversation.conversationType, addedBot, team: context.activity.channelData?.team?.id });
      if (addedBot) await context.sendActivity(`Hi, I am ${BOT_NAME}.`);
    };
    expect((await deliver(teams.installedInTeam())).status).toBe(200);
    expect((await deliver(teams.installedPersonal({ user: USERS.grace }))).status).toBe(200);
    expect(seen).toEqual([
      { scope: 'channel', addedBot: true, team: TEAM_ID },
      { scope: 'personal', addedBot: true, team: undefined },
    ]);
    // Writing to the General channel id (no ;messageid=) starts a new top-level post there.
    const welcome = connector.threadsIn(TEAM_ID).at(-1)!;
    expect(welcome.activity.text).toBe(`Hi, I am ${BOT_NAME}.`);
  });

  it('surfaces connector refusals as RestError with statusCode and Teams’ error code', async () => {
    const reference: Partial<ConversationReference> = {
      channelId: 'msteams',
      serviceUrl: connector.serviceUrl,
      conversation: { id: '19:deleted@thread.tacv2', isGroup: true, conversationType: 'channel', name: '' },
      bot: { id: `28:${BOT_APP_ID}`, name: BOT_NAME },
    };
    const failure = await bare
      .continueConversationAsync('', reference, async (context) => {
        await context.sendActivity('hello?');
      })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'RestError', statusCode: 404, code: 'ConversationNotFound', message: 'Conversation not found.' });

    // With onTurnError set, the same proactive call resolves and the error only reaches the handler.
    await expect(adapter.continueConversationAsync('', reference, async (context) => void (await context.sendActivity('hello?')))).resolves.toBeUndefined();
    expect(turnErrors).toEqual([expect.objectContaining({ statusCode: 404, code: 'ConversationNotFound' })]);

    const tooBig = await bare
      .continueConversationAsync('', { ...reference, conversation: { id: INCIDENTS_CHANNEL_ID, isGroup: true, conversationType: 'channel', name: '' } }, async (context) => {
        await context.sendActivity('x'.repeat(30_000));
      })
      .catch((error: unknown) => error);
    expect(tooBig).toMatchObject({ statusCode: 413, code: 'MessageSizeTooBig' });
  });

  it('in a turn, an unhandled connector error goes to onTurnError and the HTTP answer is still 200', async () => {
    logic = async (context) => {
      await context.sendActivity({ type: 'message', attachments: [{ contentType: ADAPTIVE_CARD, content: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Nope' }] } }] });
    };
    const answer = await deliver(teams.channelMention('incident declare'));
    expect(answer.status).toBe(200);
    expect(turnErrors).toEqual([expect.objectContaining({ statusCode: 400, code: 'BadArgument' })]);
  });

  describe("the connector client's own retries (botframework-connector → @azure/core-rest-pipeline defaultRetryPolicy)", () => {
    const reference = (): Partial<ConversationReference> => ({
      channelId: 'msteams',
      serviceUrl: connector.serviceUrl,
      conversation: { id: INCIDENTS_CHANNEL_ID, isGroup: true, conversationType: 'channel', name: '' },
      bot: { id: `28:${BOT_APP_ID}`, name: BOT_NAME },
    });
    async function sendOnce(text: string) {
      const before = connector.calls.length;
      const started = performance.now();
      const error = await bare
        .continueConversationAsync('', reference(), async (context) => {
          await context.sendActivity(text);
        })
        .then(() => undefined, (caught: unknown) => caught as { statusCode?: number; code?: string });
      return { error, ms: performance.now() - started, statuses: connector.calls.slice(before).map((c) => c.status) };
    }

    it('retries a 429 that carries Retry-After, after waiting that long', async () => {
      connector.fail({ status: 429, retryAfter: 1 });
      const result = await sendOnce('after a 429');
      expect(result.error).toBeUndefined();
      expect(result.statuses).toEqual([429, 201]);
      expect(result.ms).toBeGreaterThanOrEqual(950);
    });

    it('does not retry a 429 without Retry-After, nor a 412', async () => {
      connector.fail({ status: 429 });
      const throttled = await sendOnce('429 bare');
      expect(throttled.statuses).toEqual([429]);
      expect(throttled.error).toMatchObject({ statusCode: 429, code: 'Throttled' });
      connector.fail({ status: 412 });
      const precondition = await sendOnce('412');
      expect(precondition.statuses).toEqual([412]);
      expect(precondition.error).toMatchObject({ statusCode: 412, code: 'PreconditionFailed' });
    });

    it('retries 502/503/504 with exponential backoff, 3 times at most (about 0.5–1 s, 1–2 s, 2–4 s)', async () => {
      connector.fail({ status: 504 });
      const once = await sendOnce('after a 504');
      expect(once.error).toBeUndefined();
      expect(once.statuses).toEqual([504, 201]);
      expect(once.ms).toBeGreaterThanOrEqual(450);

      connector.fail({ status: 502 }, 4);
      const gaveUp = await sendOnce('after four 502s');
      expect(gaveUp.statuses).toEqual([502, 502, 502, 502]);
      expect(gaveUp.error).toMatchObject({ statusCode: 502, code: 'ServiceError' });
      expect(gaveUp.ms).toBeGreaterThanOrEqual(3_400);
    }, 20_000);

    it('so an 8th message within a second is throttled by the fake and silently retried by botbuilder', async () => {
      const before = connector.calls.length;
      const started = performance.now();
      await adapter.continueConversationAsync('', reference(), async (context) => {
        for (let i = 1; i <= 8; i++) await context.sendActivity(`burst ${i}`);
      });
      const statuses = connector.calls.slice(before).map((c) => c.status);
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
      expect(statuses.filter((s) => s === 201)).toHaveLength(8);
      expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    });
  });
});
