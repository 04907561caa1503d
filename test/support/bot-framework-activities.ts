/**
 * Inbound Bot Framework activities as Microsoft Teams sends them to a bot's messaging endpoint
 * (channel posts and thread replies that @mention the bot, personal chat messages, Action.Execute
 * invokes, installs), for tests. Shapes follow Teams' payloads: `channelId: 'msteams'`, users `29:…`
 * with `aadObjectId`, the bot `28:<appId>`, channels and teams `19:…@thread.tacv2`, a channel thread's
 * conversation id `<channel>;messageid=<root id>`, personal chats `a:…`, millisecond message ids, and
 * `channelData.tenant/team/channel`.
 */

type Json = Record<string, unknown>;

export const TENANT_ID = '72f988bf-0000-4000-8000-0000000ten01';
export const BOT_APP_ID = '3f1c2b7a-5d6e-4f80-9a1b-2c3d4e5f6a7b';
export const BOT_NAME = 'IncidentBot';
/** A team's id is its General channel's id. */
export const TEAM_ID = '19:Q1u7k3VGeneralChannelX9pL2m8ZkT4n@thread.tacv2';
export const INCIDENTS_CHANNEL_ID = '19:aB3dE5fG7hIncidentsChannel9kL1mN3p@thread.tacv2';
export const TEAM_AAD_GROUP_ID = '8d5b0c1e-2f3a-4b5c-9d6e-7f8a9b0c1d2e';

export interface TeamsUser {
  id: string;
  name: string;
  aadObjectId: string;
}

export const USERS = {
  ada: { id: '29:1Ada-Lovelace-x7Yq2Rk9Vt3Wm5Zn8Bp4Cs6Dh0Fj', name: 'Ada Lovelace', aadObjectId: '6b2e8f1a-0c3d-4e5f-8a9b-1c2d3e4f5a6b' },
  grace: { id: '29:1Grace-Hopper-a2Bc4De6Fg8Hi0Jk2Lm4No6Pq8', name: 'Grace Hopper', aadObjectId: '9c8b7a6f-5e4d-4c3b-a2a1-0f9e8d7c6b5a' },
} satisfies Record<string, TeamsUser>;

export interface ActivityOptions {
  /** The fake connector's serviceUrl (replies go there). */
  serviceUrl: string;
  botAppId?: string;
  botName?: string;
  tenantId?: string;
  /** Clock for ids and timestamps. Default Date.now. */
  now?: () => number;
}

export interface Mention {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

/**
 * Builders bound to one service URL and bot. Each call makes a new message id (a millisecond
 * timestamp, increasing). Pass the result to `FakeBotConnector.recordInbound` before posting it to
 * the bot, so that the connector knows the conversation and the thread root.
 */
export function teamsActivities(options: ActivityOptions) {
  const botAppId = options.botAppId ?? BOT_APP_ID;
  const botName = options.botName ?? BOT_NAME;
  const tenantId = options.tenantId ?? TENANT_ID;
  const now = options.now ?? Date.now;
  let last = 0;
  const nextId = (): string => {
    last = Math.max(last + 1, now());
    return String(last);
  };
  const bot = { id: `28:${botAppId}`, name: botName };
  const mentionText = `<at>${botName}</at>`;
  const botMention: Mention = { type: 'mention', text: mentionText, mentioned: { ...bot } };
  const clientInfo = { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/London' };

  const base = (id: string, user: TeamsUser) => {
    const timestamp = new Date(Number(id) || now()).toISOString();
    return {
      id,
      timestamp,
      localTimestamp: timestamp,
      serviceUrl: options.serviceUrl,
      channelId: 'msteams',
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      recipient: { ...bot },
      locale: 'en-US',
      localTimezone: 'Europe/London',
    };
  };

  const channelData = (channelId: string, teamId: string, extra: Json = {}) => ({
    teamsChannelId: channelId,
    teamsTeamId: teamId,
    channel: { id: channelId },
    team: { id: teamId },
    tenant: { id: tenantId },
    ...extra,
  });

  return {
    bot,
    botMention,
    mentionText,
    tenantId,

    /**
     * A message in a channel that @mentions the bot: a new post (its conversation id is
     * `<channel>;messageid=<its own id>`) or, with `threadRootId`, a reply in that thread.
     * `text` is what follows the mention: `incident declare …`.
     */
    channelMention(
      text: string,
      opts: { user?: TeamsUser; channelId?: string; teamId?: string; threadRootId?: string; mentions?: Mention[] } = {},
    ): Json {
      const id = nextId();
      const channelId = opts.channelId ?? INCIDENTS_CHANNEL_ID;
      const teamId = opts.teamId ?? TEAM_ID;
      const root = opts.threadRootId ?? id;
      return {
        type: 'message',
        ...base(id, opts.user ?? USERS.ada),
        conversation: { isGroup: true, conversationType: 'channel', tenantId, id: `${channelId};messageid=${root}` },
        textFormat: 'plain',
        text: `${mentionText} ${text}`,
        attachments: [{ contentType: 'text/html', content: `<p><span itemtype="http://schema.skype.com/Mention" itemscope="" itemid="0">${botName}</span>&nbsp;${escapeHtml(text)}</p>` }],
        entities: [botMention, ...(opts.mentions ?? []), clientInfo],
        channelData: channelData(channelId, teamId),
      };
    },

    /** A message in the user's personal (1:1) chat with the bot: no mention needed. */
    personalMessage(text: string, opts: { user?: TeamsUser; conversationId?: string } = {}): Json {
      const user = opts.user ?? USERS.ada;
      const id = nextId();
      return {
        type: 'message',
        ...base(id, user),
        conversation: { conversationType: 'personal', tenantId, id: opts.conversationId ?? personalConversationId(user) },
        textFormat: 'plain',
        text,
        entities: [clientInfo],
        channelData: { tenant: { id: tenantId } },
      };
    },

    /**
     * A click on an `Action.Execute` button of a card the bot posted: `conversationId` and
     * `replyToId` are where the card is (its thread / chat and its message id).
     */
    cardAction(
      verb: string,
      data: Json,
      opts: { conversationId: string; replyToId: string; user?: TeamsUser; channelId?: string; teamId?: string },
    ): Json {
      const inChannel = opts.conversationId.startsWith('19:') && opts.conversationId.includes('@thread.tacv2');
      const channelId = opts.channelId ?? opts.conversationId.split(';')[0]!;
      const teamId = opts.teamId ?? TEAM_ID;
      return {
        type: 'invoke',
        name: 'adaptiveCard/action',
        ...base(nextId(), opts.user ?? USERS.ada),
        conversation: inChannel
          ? { isGroup: true, conversationType: 'channel', tenantId, id: opts.conversationId }
          : { conversationType: 'personal', tenantId, id: opts.conversationId },
        replyToId: opts.replyToId,
        value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
        entities: [clientInfo],
        channelData: inChannel ? channelData(channelId, teamId, { source: { name: 'message' } }) : { source: { name: 'message' }, tenant: { id: tenantId } },
      };
    },

    /** The bot was added to a team: Teams posts to the General channel (the team id). */
    installedInTeam(opts: { teamId?: string; teamName?: string; user?: TeamsUser } = {}): Json {
      const teamId = opts.teamId ?? TEAM_ID;
      return {
        type: 'conversationUpdate',
        ...base(nextId(), opts.user ?? USERS.ada),
        conversation: { isGroup: true, conversationType: 'channel', tenantId, id: teamId },
        membersAdded: [{ id: bot.id }],
        channelData: {
          team: { id: teamId, name: opts.teamName ?? 'Incident Response', aadGroupId: TEAM_AAD_GROUP_ID },
          eventType: 'teamMemberAdded',
          tenant: { id: tenantId },
          settings: { selectedChannel: { id: teamId } },
        },
      };
    },

    /** The user installed the bot for themselves (personal scope). */
    installedPersonal(opts: { user?: TeamsUser } = {}): Json {
      const user = opts.user ?? USERS.ada;
      return {
        type: 'conversationUpdate',
        ...base(nextId(), user),
        conversation: { conversationType: 'personal', tenantId, id: personalConversationId(user) },
        membersAdded: [{ id: bot.id }],
        channelData: { tenant: { id: tenantId } },
      };
    },
  };
}

export type TeamsActivities = ReturnType<typeof teamsActivities>;

/** A stable personal-chat id per user, in Teams' `a:…` shape. */
export function personalConversationId(user: TeamsUser): string {
  return `a:1${Buffer.from(user.id).toString('base64url').slice(0, 40)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
