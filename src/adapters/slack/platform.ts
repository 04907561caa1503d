import type { WebClient } from '@slack/web-api';
import type { Card } from '../../core/cards/card.js';
import type { MessageRef } from '../../core/incident/incident.js';
import { AppError } from '../../core/errors.js';
import type { ChatPlatform, FoundSpace, InviteFailure, PersonInfo, Space, SpaceRequest, UploadedFile } from '../../core/ports/chat-platform.js';
import { slackErrorCode, toAppError } from './errors.js';
import type { CardKey } from '../../core/ports/chat-platform.js';
import { cardMetadata, findCard } from './find-card.js';
import { CHECKLIST_ITEMS_PER_MESSAGE, cardToBlocks, slackChannelMention, slackMention, textMessage } from './render.js';

/**
 * conversations.invite codes that are about one of the people, not the channel or the call: the
 * others can still be invited (`user_is_inactive`/`user_disabled` are what some workspaces answer
 * for deactivated accounts; Slack's documented one is `cant_invite`).
 */
const PERSON_ERRORS = new Set([
  'user_not_found',
  'cant_invite',
  'user_is_bot',
  'user_is_restricted',
  'user_is_ultra_restricted',
  'user_is_inactive',
  'user_disabled',
  'ura_max_channels',
  'invalid_user',
]);

/** The people an invite answer's `errors` lists (`[{ user, ok: false, error }]`), already a member left out. */
function refusedIn(errors: unknown): InviteFailure[] {
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is { user: string; error: string } => typeof e?.user === 'string' && typeof e?.error === 'string')
    .filter((e) => e.error !== 'already_in_channel')
    .map((e) => ({ userId: e.user, reason: e.error }));
}

/** Slack's message reference: the channel and the message's `ts`. */
function slackRef(channel: string, ts: string): MessageRef {
  return { id: ts, channel, ts };
}

/**
 * The ChatPlatform port over the Web API. Every call goes through `call`, which turns Slack's
 * failures into AppErrors; rate limits are retried by web-api itself after Retry-After.
 */
export class SlackPlatform implements ChatPlatform {
  readonly name = 'slack';
  readonly checklistItemsPerCard = CHECKLIST_ITEMS_PER_MESSAGE;

  constructor(
    private readonly client: WebClient,
    private readonly botUserId: string,
  ) {}

  private async call<T>(method: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toAppError(error, method);
    }
  }

  /** A token the renderer turns into `<@U1>`: only the bot's own mentions are live, never typed ones (render.ts). */
  mention(userId: string): string {
    return slackMention(userId);
  }

  /** A token the renderer turns into `<#C1>`. */
  channelMention(channelId: string, name?: string): string {
    return slackChannelMention(channelId, name);
  }

  /** Creates the channel and sets its topic; people are invited in a step of their own (`invite`). */
  async openSpace(request: SpaceRequest): Promise<Space> {
    const created = await this.call('conversations.create', () => this.client.conversations.create({ name: request.name, is_private: request.private }));
    const channel = { id: created.channel!.id!, name: created.channel!.name ?? request.name };
    if (request.topic) await this.setTopic(channel.id, request.topic);
    return channel;
  }

  async setTopic(spaceId: string, topic: string): Promise<void> {
    await this.call('conversations.setTopic', () => this.client.conversations.setTopic({ channel: spaceId, topic }));
  }

  /**
   * Lets in everyone who can join. Slack fails the whole call for one bad id unless `force` is set;
   * with it, it invites the valid ones and lists the others in `errors`. The bot also retries
   * without the refused ones (in case the call still let nobody in), and when Slack names no one,
   * invites one at a time to find who it was.
   */
  async invite(spaceId: string, userIds: string[]): Promise<InviteFailure[]> {
    const users = [...new Set(userIds)].filter((m) => m !== this.botUserId);
    const refused = new Map<string, string>();
    let pending = users;
    for (let round = 0; round < 3 && pending.length > 0; round++) {
      const outcome = await this.inviteOnce(spaceId, pending);
      if (outcome.refused.length === 0) break;
      for (const { userId, reason } of outcome.refused) refused.set(userId, reason);
      if (outcome.othersInvited) break;
      pending = pending.filter((u) => !refused.has(u));
    }
    return [...refused].map(([userId, reason]) => ({ userId, reason }));
  }

  /** One conversations.invite: who Slack refused, and whether it invited the others meanwhile. */
  private async inviteOnce(channel: string, users: string[]): Promise<{ refused: InviteFailure[]; othersInvited: boolean }> {
    try {
      const answer = await this.client.conversations.invite({ channel, users: users.join(','), force: true });
      return { refused: refusedIn((answer as { errors?: unknown }).errors), othersInvited: true };
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === undefined) throw toAppError(error, 'conversations.invite');
      const listed = refusedIn((error as { data?: { errors?: unknown } }).data?.errors);
      if (listed.length > 0) return { refused: listed, othersInvited: false };
      if (code === 'already_in_channel') return { refused: [], othersInvited: true };
      if (!PERSON_ERRORS.has(code)) throw toAppError(error, 'conversations.invite');
      if (users.length === 1) return { refused: [{ userId: users[0]!, reason: code }], othersInvited: true };
      // Slack named nobody: one at a time finds who it meant, and lets the others in.
      const refused: InviteFailure[] = [];
      for (const user of users) refused.push(...(await this.inviteOnce(channel, [user])).refused);
      return { refused, othersInvited: true };
    }
  }

  /** Adds people to an open incident's channel; anyone Slack refuses makes it fail with Slack's reasons. */
  async addMembers(channelId: string, userIds: string[]): Promise<void> {
    const refused = await this.invite(channelId, userIds);
    if (refused.length > 0) {
      throw new AppError('platform_error', `Slack refused to invite ${refused.map((r) => `${slackMention(r.userId)} (${r.reason})`).join(', ')}`);
    }
  }

  /**
   * The channel named `name` (conversations.list over public and private channels, a page of 200 at
   * a time; private ones are listed only when the bot is a member, as for every channel it made).
   * Archived channels are left out: an incident cannot live in one.
   */
  async findSpace(name: string): Promise<FoundSpace | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < 500; page++) {
      const listed = await this.call('conversations.list', () =>
        this.client.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: 200, ...(cursor ? { cursor } : {}) }),
      );
      const found = (listed.channels ?? []).find((c) => c.name === name);
      if (found?.id) {
        return {
          id: found.id,
          name,
          topic: found.topic?.value ?? '',
          madeByBot: found.creator === this.botUserId,
          archived: found.is_archived === true,
        };
      }
      cursor = listed.response_metadata?.next_cursor || undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }

  /** users.info: `user_not_found` is someone who does not exist; `deleted` a deactivated account. */
  async describePerson(userId: string): Promise<PersonInfo> {
    try {
      const { user } = await this.client.users.info({ user: userId });
      return { exists: true, active: user?.deleted !== true, bot: user?.is_bot === true, ...(user?.name ? { name: user.name } : {}) };
    } catch (error) {
      if (slackErrorCode(error) === 'user_not_found') return { exists: false, active: false };
      throw toAppError(error, 'users.info');
    }
  }

  async postCard(channelId: string, card: Card, key?: CardKey): Promise<MessageRef> {
    const message = cardToBlocks(card);
    // An incident's card carries metadata naming it, so a retry can find it (find-card.ts).
    const metadata = key ? { metadata: cardMetadata(key) } : {};
    const posted = await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: channelId, ...message, ...metadata }));
    return slackRef(posted.channel!, posted.ts!);
  }

  findCard(channelId: string, key: CardKey): Promise<MessageRef | undefined> {
    return findCard(this.client, channelId, key);
  }

  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    const message = cardToBlocks(card);
    await this.call('chat.update', () => this.client.chat.update({ channel: String(ref.channel), ts: String(ref.ts ?? ref.id), ...message }));
  }

  async postText(channelId: string, text: string): Promise<MessageRef> {
    const posted = await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: channelId, ...textMessage(text) }));
    return slackRef(posted.channel!, posted.ts!);
  }

  async sendDirect(userId: string, card: Card): Promise<MessageRef> {
    const opened = await this.call('conversations.open', () => this.client.conversations.open({ users: userId }));
    return this.postCard(opened.channel!.id!, card);
  }

  async pin(ref: MessageRef): Promise<void> {
    await this.call('pins.add', async () => {
      try {
        await this.client.pins.add({ channel: String(ref.channel), timestamp: String(ref.ts ?? ref.id) });
      } catch (error) {
        if (slackErrorCode(error) !== 'already_pinned') throw error;
      }
    });
  }

  /** files.getUploadURLExternal, the upload, then files.completeUploadExternal into the channel. */
  async uploadFile(channelId: string, file: UploadedFile): Promise<void> {
    await this.call('files.uploadV2', () => this.client.files.uploadV2({ channel_id: channelId, file: file.data, filename: file.filename, title: file.title }));
  }

  /** Private replies: only `userId` sees it, in the channel they acted in. `message` is already rendered (`replyToMessage`). */
  async postEphemeral(channelId: string, userId: string, message: { text: string; blocks?: unknown[] }): Promise<void> {
    await this.call('chat.postEphemeral', () => this.client.chat.postEphemeral({ channel: channelId, user: userId, ...message } as Parameters<WebClient['chat']['postEphemeral']>[0]));
  }
}
