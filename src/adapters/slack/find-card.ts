import type { WebClient } from '@slack/web-api';
import type { MessageRef } from '../../core/incident/incident.js';
import type { CardKey } from '../../core/ports/chat-platform.js';
import { toAppError } from './errors.js';

/** The Slack message metadata event type every incident card is posted with. */
export const CARD_EVENT_TYPE = 'incident_card';
/** How far back in a channel's history a lost card is looked for (pages of 200 messages). */
const HISTORY_PAGES = 5;

/** Message metadata naming an incident's card, so a later attempt can find the message again. */
export function cardMetadata(key: CardKey): { event_type: string; event_payload: Record<string, string | number> } {
  return { event_type: CARD_EVENT_TYPE, event_payload: { incident_id: key.incidentId, purpose: key.purpose, part: key.part } };
}

interface HistoryMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

function names(message: HistoryMessage, key: CardKey): boolean {
  const meta = message.metadata;
  if (meta?.event_type !== CARD_EVENT_TYPE || !meta.event_payload) return false;
  const payload = meta.event_payload;
  return Number(payload.incident_id) === key.incidentId && payload.purpose === key.purpose && Number(payload.part) === key.part;
}

/**
 * The card `key` names in the channel's recent history (conversations.history with
 * include_all_metadata), the oldest if an earlier failure left more than one; undefined when none.
 * Only asked after a post attempt whose answer never arrived, so its Tier 3 limit is no concern.
 */
export async function findCard(client: WebClient, channelId: string, key: CardKey): Promise<MessageRef | undefined> {
  let cursor: string | undefined;
  let oldest: string | undefined;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    let result;
    try {
      result = await client.conversations.history({ channel: channelId, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) });
    } catch (error) {
      throw toAppError(error, 'conversations.history');
    }
    for (const message of (result.messages ?? []) as HistoryMessage[]) {
      if (message.ts && names(message, key) && (!oldest || Number(message.ts) < Number(oldest))) oldest = message.ts;
    }
    cursor = result.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  return oldest ? { id: oldest, channel: channelId, ts: oldest } : undefined;
}
