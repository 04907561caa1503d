import type { Card } from '../../core/cards/card.js';
import { AppError } from '../../core/errors.js';
import type { MessageRef } from '../../core/incident/incident.js';
import type { ChatPlatform, Space, SpaceRequest, UploadedFile } from '../../core/ports/chat-platform.js';
import type { ChatDirectory } from '../../db/chat-directory.js';
import type { ConversationAddress, OutboundActivity, TeamsConnector } from './connector.js';
import { mentionToken, type TeamsDirectory, type TeamsPerson } from './mentions.js';
import { adaptiveAttachment, cardToAdaptiveCard, CHECKLIST_ITEMS_PER_CARD, messageText, type AdaptiveCard } from './render.js';

export interface TeamsPlatformSettings {
  /** The Bot Connector to use until an activity has told the bot its own (TEAMS_SERVICE_URL). */
  serviceUrl?: string;
  tenantId?: string;
  /** Where an incident declared outside a team channel (personal chat) gets its thread: TEAMS_TRIAGE_CHANNEL. */
  fallbackChannel?: string;
  commandPrefix: string;
  /** Told when a card update still fails after the connector's retries (the next change sends the card again). */
  onUpdateFailed?: (ref: MessageRef, error: unknown) => void;
}

/** A data URI this long still leaves the card far under Teams' 28 KB. */
const MAX_INLINE_IMAGE_CHARS = 16_000;

const TOKENS = /\uE000([^\uE000\uE001]*)\uE001/g;

/** A Teams channel thread's id is the channel's plus `;messageid=<root>`. */
export function channelOf(conversationId: string): string {
  return conversationId.replace(/;messageid=.*$/, '');
}

export function isTeamChannel(conversationId: string): boolean {
  return /^19:.*@thread\.(tacv2|skype)/.test(conversationId);
}

/**
 * The ChatPlatform port over the Bot Connector. Incidents live in a thread of a team channel; the
 * header card is the thread's root. Cards are Adaptive Cards rendered with the people the bot has
 * seen (for mentions). Updates of one message are coalesced: a burst of ticks sends the newest.
 */
export class TeamsPlatform implements ChatPlatform {
  readonly name = 'teams';
  readonly checklistItemsPerCard = CHECKLIST_ITEMS_PER_CARD;
  /** The newest card content of each message: what an invoke on it answers, and what it shows. */
  private readonly cards = new Map<string, AdaptiveCard>();
  /** Messages that may not show their newest content (an update failed, a form was answered). */
  private readonly unsure = new Set<string>();
  private readonly updating = new Map<string, { latest?: OutboundActivity; done: Promise<void> }>();

  constructor(
    private readonly connector: TeamsConnector,
    readonly directory: ChatDirectory,
    private readonly settings: TeamsPlatformSettings,
  ) {}

  mention(userId: string): string {
    return mentionToken(userId);
  }

  /** A link to the incident's thread: the Teams deep link to its root message. */
  channelMention(channelId: string, name: string): string {
    const root = /;messageid=(\d+)/.exec(channelId)?.[1];
    if (!root) return name;
    return `[${name}](https://teams.microsoft.com/l/message/${encodeURIComponent(channelOf(channelId))}/${root})`;
  }

  async address(conversationId: string): Promise<ConversationAddress> {
    const known = (await this.directory.conversation(conversationId)) ?? (await this.directory.conversation(channelOf(conversationId)));
    const fallback = known ?? (await this.directory.latestConversation());
    const serviceUrl = (fallback?.serviceUrl as string | undefined) ?? this.settings.serviceUrl;
    if (!serviceUrl) {
      throw new AppError('platform_error', 'Teams has not told the bot its service URL yet: install the app in a team (or set TEAMS_SERVICE_URL)');
    }
    const tenantId = (fallback?.tenantId as string | undefined) ?? this.settings.tenantId;
    return { serviceUrl, conversationId, ...(tenantId ? { tenantId } : {}) };
  }

  /** The people a text or card mentions, looked up once so rendering stays pure. */
  async people(content: unknown): Promise<TeamsDirectory> {
    const ids = [...new Set([...JSON.stringify(content).matchAll(TOKENS)].map((m) => JSON.parse(`"${m[1]}"`) as string))];
    const known = await this.directory.people(ids);
    const byId = new Map<string, TeamsPerson>(
      known.map((p) => [p.id, { id: p.id, name: p.name, ...(typeof p.address.mri === 'string' ? { mri: p.address.mri } : {}) }]),
    );
    return (id) => byId.get(id);
  }

  async render(card: Card): Promise<AdaptiveCard> {
    return cardToAdaptiveCard(card, { directory: await this.people(card), commandPrefix: this.settings.commandPrefix });
  }

  async textActivity(text: string): Promise<OutboundActivity> {
    const message = messageText(text, { directory: await this.people(text), commandPrefix: this.settings.commandPrefix });
    return { type: 'message', textFormat: 'markdown', text: message.text, entities: message.entities };
  }

  cardActivity(content: AdaptiveCard): OutboundActivity {
    return { type: 'message', attachments: [adaptiveAttachment(content)] };
  }

  /**
   * A person's view of the message no longer shows what the bot last sent (an invoke answered with
   * a form): the next update is sent even if the card did not change.
   */
  forget(messageId: string): void {
    this.unsure.add(messageId);
  }

  /**
   * Learns a person the bot has not heard from (picked in a form, or on a roster file) from a
   * conversation they are a member of: their 29: id and name, needed to mention and message them.
   */
  async learn(aadId: string, via?: string): Promise<void> {
    const known = await this.directory.person(aadId);
    if (typeof known?.address.mri === 'string') return;
    const conversation = via ?? (await this.directory.latestChannel());
    if (!conversation) return;
    const address = await this.address(conversation);
    const member = await this.connector.member(address, aadId);
    if (!member) return;
    await this.directory.rememberPerson(
      { id: member.aadObjectId ?? aadId, name: member.name, address: { mri: member.mri, serviceUrl: address.serviceUrl, ...(address.tenantId ? { tenantId: address.tenantId } : {}) } },
      new Date(),
    );
  }

  /** The newest content the bot gave a message, or undefined after a restart. */
  lastCard(messageId: string): AdaptiveCard | undefined {
    return this.cards.get(messageId);
  }

  async openSpace(request: SpaceRequest): Promise<Space> {
    const origin = request.origin && isTeamChannel(request.origin) ? channelOf(request.origin) : this.settings.fallbackChannel;
    if (!origin) {
      throw new AppError('platform_error', 'a Teams incident starts a thread in a team channel: declare it in a channel where the bot is installed (or set TEAMS_TRIAGE_CHANNEL)');
    }
    const channel = await this.address(origin);
    const content = await this.render(request.firstCard);
    const thread = await this.connector.startThread(channel, this.cardActivity(content));
    this.cards.set(thread.activityId, content);
    await this.directory.rememberConversation(thread.conversationId, { serviceUrl: channel.serviceUrl, ...(channel.tenantId ? { tenantId: channel.tenantId } : {}) }, new Date());
    return { id: thread.conversationId, name: request.name, firstMessage: { id: thread.activityId, conversation: thread.conversationId } };
  }

  async postCard(channelId: string, card: Card): Promise<MessageRef> {
    const content = await this.render(card);
    const id = await this.connector.send(await this.address(channelId), this.cardActivity(content));
    this.cards.set(id, content);
    return { id, conversation: channelId };
  }

  /**
   * Coalesced, and sent after the call returns: the newest content is what an invoke on the message
   * answers with at once, and one update of a message is in flight at a time; later ones collapse
   * into the newest. Clicks run one after another per conversation, so waiting here would send one
   * update per tick and hold every click behind Teams' rate limits; this way a burst of ticks costs
   * two updates. A failed update is reported (`onUpdateFailed`) and healed by the next change.
   * `settled()` waits for the updates in flight.
   */
  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    const content = await this.render(card);
    // Every change re-renders every card of the incident; one the message already shows is not sent
    // (Teams allows 7 writes a second per conversation).
    if (!this.unsure.has(ref.id) && JSON.stringify(this.cards.get(ref.id)) === JSON.stringify(content)) return;
    // A conversation the bot cannot address fails here, to the caller, with nothing recorded.
    const to = await this.address(String(ref.conversation ?? ''));
    this.unsure.delete(ref.id);
    this.cards.set(ref.id, content);
    const activity = this.cardActivity(content);
    const inFlight = this.updating.get(ref.id);
    if (inFlight) {
      inFlight.latest = activity;
      return;
    }
    const slot: { latest?: OutboundActivity; done: Promise<void> } = { latest: activity, done: Promise.resolve() };
    this.updating.set(ref.id, slot);
    slot.done = (async () => {
      try {
        while (slot.latest) {
          const next = slot.latest;
          delete slot.latest;
          await this.connector.update(to, ref.id, next).catch((error: unknown) => {
            this.unsure.add(ref.id);
            this.settings.onUpdateFailed?.(ref, error);
          });
        }
      } finally {
        this.updating.delete(ref.id);
      }
    })();
  }

  /** Resolves once no card update is in flight (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.updating.size > 0) await Promise.allSettled([...this.updating.values()].map((slot) => slot.done));
  }

  /**
   * Teams bots cannot attach files to channel posts without Graph: a small image (the digest's chart)
   * is posted inside a card as a data URI instead, anything else is named but not sent.
   */
  async uploadFile(channelId: string, file: UploadedFile): Promise<void> {
    const data = file.data.toString('base64');
    if (!file.mimeType.startsWith('image/') || data.length > MAX_INLINE_IMAGE_CHARS) {
      await this.postText(channelId, `${file.title}: ${file.filename} is not shown in Teams (only small images are).`);
      return;
    }
    const content = await this.render({ title: file.title });
    content.body.push({ type: 'Image', url: `data:${file.mimeType};base64,${data}`, altText: file.title, size: 'Stretch' });
    await this.connector.send(await this.address(channelId), this.cardActivity(content));
  }

  async postText(channelId: string, text: string): Promise<MessageRef> {
    const id = await this.connector.send(await this.address(channelId), await this.textActivity(text));
    return { id, conversation: channelId };
  }

  /** A page or reminder in the person's 1:1 chat with the bot, opened with the ids the bot has seen. */
  async sendDirect(userId: string, card: Card): Promise<MessageRef> {
    await this.learn(userId);
    const person = await this.directory.person(userId);
    const personal = person?.address.personalChat as string | undefined;
    if (personal) return this.postCard(personal, card);
    const mri = (person?.address.mri as string | undefined) ?? userId;
    const anyKnown = await this.address(String(person?.address.conversation ?? 'personal'));
    const serviceUrl = (person?.address.serviceUrl as string | undefined) ?? anyKnown.serviceUrl;
    const tenantId = (person?.address.tenantId as string | undefined) ?? anyKnown.tenantId;
    const conversationId = await this.connector.openPersonalChat(serviceUrl, { mri, ...(tenantId ? { tenantId } : {}) });
    await this.directory.rememberConversation(conversationId, { serviceUrl, ...(tenantId ? { tenantId } : {}) }, new Date());
    if (person) await this.directory.rememberPerson({ ...person, address: { ...person.address, personalChat: conversationId } }, new Date());
    return this.postCard(conversationId, card);
  }
}
