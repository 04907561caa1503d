import type { ChatPlatform } from '../ports/chat-platform.js';

const MAX_SLUG = 32;

/** The incident's channel as the platform links it (Slack `<#C1>`), `#name` elsewhere, or null before it exists. */
export function channelLink(platform: Pick<ChatPlatform, 'channelMention'> | undefined, incident: { channelId: string | null; channelName: string | null }): string | null {
  if (!incident.channelId || !incident.channelName) return null;
  return platform?.channelMention ? platform.channelMention(incident.channelId, incident.channelName) : `#${incident.channelName}`;
}

/** `Support bot obeys instructions hidden in PDFs` → `support-bot-obeys-instructions`: whole words, ≤ 32 chars. */
export function channelSlug(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > MAX_SLUG) break;
    slug = next;
  }
  if (!slug) slug = (words[0] ?? 'incident').slice(0, MAX_SLUG);
  return slug;
}
