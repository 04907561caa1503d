import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Card } from '../../core/cards/card.js';
import { AppError } from '../../core/errors.js';
import type { MessageRef } from '../../core/incident/incident.js';
import type { ChatPlatform, InviteFailure, Space, SpaceRequest, UploadedFile } from '../../core/ports/chat-platform.js';
import { cardToText, terminalSafe } from './render.js';

interface ConsoleChannel {
  id: string;
  private: boolean;
  topic: string;
  members: Set<string>;
}

/**
 * The local chat: channels live in memory (their incidents live in the database), everything the
 * bot posts is printed. Channel ids are their names, so `/join inc-…` works after a restart.
 */
export class ConsoleChat implements ChatPlatform {
  readonly name = 'console';
  private readonly channels = new Map<string, ConsoleChannel>();
  private readonly messages = new Map<string, { channelId: string; card: Card }>();
  private sequence = 0;

  /** `filesDir`: where uploaded files (the digest chart) are written; the console prints their path. */
  private readonly print: (text: string) => void;

  constructor(
    print: (text: string) => void,
    private readonly filesDir: string = join(tmpdir(), 'incident-bot-files'),
  ) {
    this.print = (text) => print(terminalSafe(text));
    this.channels.set('general', { id: 'general', private: false, topic: 'Declare incidents here', members: new Set() });
  }

  mention(userId: string): string {
    return `@${userId}`;
  }

  channelNames(): string[] {
    return [...this.channels.keys()];
  }

  /** Brings back an incident's channel after a restart, without announcing it as new. */
  restoreChannel(id: string, isPrivate: boolean): void {
    if (!this.channels.has(id)) this.channels.set(id, { id, private: isPrivate, topic: '', members: new Set() });
  }

  hasChannel(id: string): boolean {
    return this.channels.has(id);
  }

  async openSpace(request: SpaceRequest): Promise<Space> {
    if (this.channels.has(request.name)) throw new AppError('channel_name_taken', `#${request.name} already exists`);
    const members = request.members ?? [];
    this.channels.set(request.name, { id: request.name, private: request.private, topic: request.topic, members: new Set(members) });
    this.print(`* #${request.name} created${request.private ? ' (private)' : ''}: ${request.topic}${members.length ? `\n* members: ${members.map((m) => this.mention(m)).join(', ')}` : ''}`);
    return { id: request.name, name: request.name };
  }

  /** Everyone exists on the console: nobody is refused. */
  async invite(spaceId: string, userIds: string[]): Promise<InviteFailure[]> {
    const channel = this.channels.get(spaceId);
    if (!channel) throw new AppError('platform_error', `#${spaceId} does not exist`);
    const added = userIds.filter((u) => !channel.members.has(u));
    for (const user of added) channel.members.add(user);
    if (added.length) this.print(`* members of #${spaceId}: ${added.map((m) => this.mention(m)).join(', ')}`);
    return [];
  }

  async postCard(channelId: string, card: Card): Promise<MessageRef> {
    const id = `m${++this.sequence}`;
    this.messages.set(id, { channelId, card });
    this.print(`[#${channelId}] bot:\n${indent(cardToText(card))}`);
    return { id, channel: channelId };
  }

  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    const existing = this.messages.get(ref.id);
    const channelId = existing?.channelId ?? String(ref.channel ?? '?');
    if (existing && cardToText(existing.card) === cardToText(card)) return;
    this.messages.set(ref.id, { channelId, card });
    this.print(`[#${channelId}] bot (updated):\n${indent(cardToText(card))}`);
  }

  async postText(channelId: string, text: string): Promise<MessageRef> {
    const id = `m${++this.sequence}`;
    this.print(`[#${channelId}] bot: ${text}`);
    return { id, channel: channelId };
  }

  async sendDirect(userId: string, card: Card): Promise<MessageRef> {
    const id = `m${++this.sequence}`;
    this.print(`[DM to ${this.mention(userId)}] bot:\n${indent(cardToText(card))}`);
    return { id, channel: `dm-${userId}` };
  }

  async uploadFile(channelId: string, file: UploadedFile): Promise<void> {
    await mkdir(this.filesDir, { recursive: true });
    const path = join(this.filesDir, `${Date.now()}-${++this.sequence}-${file.filename.replace(/[^\w.-]/g, '_')}`);
    await writeFile(path, file.data);
    this.print(`[#${channelId}] bot uploaded ${file.title} (${file.mimeType}, ${file.data.length} bytes): ${path}`);
  }

  async pin(ref: MessageRef): Promise<void> {
    this.print(`* pinned the header in #${String(ref.channel)}`);
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
