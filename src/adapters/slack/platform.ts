import type { WebClient } from '@slack/web-api';
import type { Card } from '../../core/cards/card.js';
import type { MessageRef } from '../../core/incident/incident.js';
import type { ChatPlatform, Space, SpaceRequest, UploadedFile } from '../../core/ports/chat-platform.js';
import { slackErrorCode, toAppError } from './errors.js';
import { CHECKLIST_ITEMS_PER_MESSAGE, cardToBlocks, slackChannelMention, slackMention, textMessage } from './render.js';

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

  async openSpace(request: SpaceRequest): Promise<Space> {
    const created = await this.call('conversations.create', () => this.client.conversations.create({ name: request.name, is_private: request.private }));
    const channel = { id: created.channel!.id!, name: created.channel!.name ?? request.name };
    await this.addMembers(channel.id, request.members);
    if (request.topic) await this.call('conversations.setTopic', () => this.client.conversations.setTopic({ channel: channel.id, topic: request.topic }));
    return channel;
  }

  async addMembers(channelId: string, userIds: string[]): Promise<void> {
    const users = userIds.filter((m) => m !== this.botUserId);
    if (users.length === 0) return;
    await this.call('conversations.invite', async () => {
      try {
        // force: one person already inside must not keep the others out.
        await this.client.conversations.invite({ channel: channelId, users: users.join(','), force: true });
      } catch (error) {
        if (slackErrorCode(error) !== 'already_in_channel') throw error;
      }
    });
  }

  async postCard(channelId: string, card: Card): Promise<MessageRef> {
    const message = cardToBlocks(card);
    const posted = await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: channelId, ...message }));
    return slackRef(posted.channel!, posted.ts!);
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
