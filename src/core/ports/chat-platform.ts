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
  /**
   * Opens the incident's own place: a Slack channel, a Teams thread started in the channel it was
   * declared in. The returned id is opaque to the core; it is where cards and commands go.
   */
  openSpace(request: SpaceRequest): Promise<Space>;
  /**
   * Invites people into a space the bot opened. Everyone who can join is let in even when some
   * cannot; those are returned with the platform's reason (Slack: `user_not_found`, `cant_invite`…).
   * Already a member is fine. Throws only when nobody could be invited (the space is gone, a rate limit).
   */
  invite?(spaceId: string, userIds: string[]): Promise<InviteFailure[]>;
  /**
   * The space called `name`, when the platform names spaces uniquely (a Slack channel): how an
   * incident adopts the channel an interrupted create made instead of opening a second one.
   */
  findSpace?(name: string): Promise<FoundSpace | undefined>;
  /** Sets a space's topic (an adopted channel whose create was cut short before its topic was set). */
  setTopic?(spaceId: string, topic: string): Promise<void>;
  /** Whether a person id names someone who can be paged (Slack: users.info); edges without a directory leave it out. */
  describePerson?(userId: string): Promise<PersonInfo>;
  /** `key` names an incident's card, so a platform that can tag messages finds it again (`findCard`). */
  postCard(channelId: string, card: Card, key?: CardKey): Promise<MessageRef>;
  /**
   * Throws `message_gone` when the message was deleted (the card is then posted again), and
   * `space_archived` when its channel was archived (the card stays as it is).
   */
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
  /**
   * The card `key` names if it is already in the channel (posted with `key` by an attempt whose
   * answer never arrived); undefined when it is not. Platforms that cannot search leave it out.
   */
  findCard?(channelId: string, key: CardKey): Promise<MessageRef | undefined>;
  /** How a user is written in the core's texts; each edge renders it (Slack and Teams: a token their renderer turns into a live mention; console `@alice`). */
  mention(userId: string): string;
  /** How a channel is written so it links: Slack `<#C1>`; without it, `#name`. */
  channelMention?(channelId: string, name: string): string;
}

/** One card of an incident: the header (part 0) or one part of its checklist. */
export interface CardKey {
  incidentId: number;
  purpose: 'header' | 'checklist';
  part: number;
}

export interface SpaceRequest {
  /** A channel-style name (`inc-20261125-drift`); platforms without names use it as a label. */
  name: string;
  private: boolean;
  topic: string;
  /** Ignored by platforms that implement `invite`: the core invites in a step of its own. */
  members?: string[];
  /** Where the incident was declared (the channel a Teams thread starts in); null when unknown. */
  origin: string | null;
  /** The header card, for platforms whose space starts with a message (a Teams thread's root). */
  firstCard: Card;
}

export interface Space {
  id: string;
  name: string;
  /** Set when the platform posted `firstCard` to open the space: it is bound as the header. */
  firstMessage?: MessageRef;
}

/** Someone `invite` could not bring in, and the platform's reason, as it gave it. */
export interface InviteFailure {
  userId: string;
  reason: string;
}

export interface FoundSpace extends Space {
  topic: string;
  /** Made by this bot's own user (Slack: the channel's creator); a channel someone made by hand is never adopted. */
  madeByBot: boolean;
  archived: boolean;
}

export interface PersonInfo {
  exists: boolean;
  /** False for a deactivated account. */
  active: boolean;
  bot?: boolean;
  name?: string;
}

/** A channel on one chat edge; without `platform`, the first edge running (a single-edge install). */
export interface Destination {
  platform?: string;
  channelId: string;
}

export function platformOf(platforms: ReadonlyMap<string, ChatPlatform>, destination: Destination): ChatPlatform | undefined {
  return destination.platform ? platforms.get(destination.platform) : [...platforms.values()][0];
}

export interface UploadedFile {
  filename: string;
  title: string;
  data: Buffer;
  mimeType: string;
}
