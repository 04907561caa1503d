import type { Card } from './cards/card.js';

/**
 * What a command answers. `public` replies are for everyone in the channel (Slack: in_channel);
 * the rest only for the person who typed it. `incidentId` names the incident the reply is about,
 * so an edge can follow it (the console moves into a new incident's channel).
 */
export interface Reply {
  text: string;
  public?: boolean;
  card?: Card;
  incidentId?: number;
  channelId?: string;
}

export function privateReply(text: string, card?: Card): Reply {
  return card ? { text, card } : { text };
}

export function publicReply(text: string, card?: Card): Reply {
  return card ? { text, public: true, card } : { text, public: true };
}
