import { channelLink } from '../incident/channel-name.js';
import { CARD_ACTION } from '../cards/actions.js';
import type { Card } from '../cards/card.js';
import { formatTime } from '../time/time-input.js';
import { ROLES } from '../domain.js';
import { incidentRef } from '../incident/header-card.js';
import type { Incident, Page } from '../incident/incident.js';

/**
 * The page DM: who is paged for what, and the Acknowledge button (`page:ack`, value
 * `<incidentId>:<pageId>`); once acknowledged, who did and when, and no button.
 */
export function pageCard(incident: Incident, page: Page, platform: { mention(userId: string): string; channelMention?(channelId: string, name: string): string }, timeZone = 'UTC'): Card {
  const role = ROLES[page.role];
  const escalated = page.step > 0 ? [`Escalated: nobody before you acknowledged (step ${page.step}).`] : [];
  const acknowledged = page.status === 'acknowledged' && page.acknowledgedAt;
  return {
    title: `You are paged as ${role.name} for ${incidentRef(incident)} (${incident.severity.toUpperCase()})`,
    sections: [
      { text: incident.title },
      { heading: 'Your role', text: `${role.name}: ${role.responsibleFor}.` },
      { text: `Join ${channelLink(platform, incident) ?? 'the incident channel'} and acknowledge.` },
    ],
    ...(acknowledged
      ? { subtitle: `Acknowledged by ${platform.mention(page.acknowledgedBy ?? page.userId)} at ${formatTime(page.acknowledgedAt!, timeZone)}` }
      : { actions: [{ id: CARD_ACTION.pageAck, label: 'Acknowledge', value: `${incident.id}:${page.id}`, style: 'primary' as const }] }),
    context: [
      ...escalated,
      `Page ${page.id}: or type \`/incident ack ${page.id}\`. Paged by the incident bot on behalf of ${platform.mention(incident.declaredBy)}.`,
    ],
  };
}
