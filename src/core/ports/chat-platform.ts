import type { Card } from '../cards/card.js';
import type { MessageRef } from '../incident/incident.js';

/**
 * What the core asks of a chat edge (Slack, Teams, console). Adapters translate platform errors
 * into AppError once: `channel_name_taken`, `rate_limited`, `platform_error`.
 */
export interface ChatPlatform {
  readonly name: string;
  /** The most checklist steps one message can hold on this platform (Slack: block limits). */
  readonly checklistItemsPerCard?: number;
  createChannel(request: { name: string; private: boolean; topic: string; members: string[] }): Promise<{ id: string; name: string }>;
  postCard(channelId: string, card: Card): Promise<MessageRef>;
  updateCard(ref: MessageRef, card: Card): Promise<void>;
  postText(channelId: string, text: string): Promise<MessageRef>;
  /** A direct message to one person (pages, reminders). */
  sendDirect(userId: string, card: Card): Promise<MessageRef>;
  /** Adds people to a channel (a role holder assigned after the channel was made); already a member is fine. */
  addMembers?(channelId: string, userIds: string[]): Promise<void>;
  /** Pin a message in its channel, where the platform supports it. */
  pin?(ref: MessageRef): Promise<void>;
  /** Uploads a file (the digest chart) to a channel, where the platform supports files. */
  uploadFile?(channelId: string, file: UploadedFile): Promise<void>;
  /** How a user is written in messages: Slack `<@U1>`, console `@alice`. */
  mention(userId: string): string;
  /** How a channel is written so it links: Slack `<#C1>`; without it, `#name`. */
  channelMention?(channelId: string, name: string): string;
}

export interface UploadedFile {
  filename: string;
  title: string;
  data: Buffer;
  mimeType: string;
}
