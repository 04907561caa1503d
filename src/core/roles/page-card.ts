import { channelLink } from '../incident/channel-name.js';
import type { Card } from '../cards/card.js';
import { ROLES } from '../domain.js';
import { incidentRef } from '../incident/header-card.js';
import type { Incident, Page } from '../incident/incident.js';

/** The page DM: who is paged for what, and the Acknowledge button (`page:ack`, value `<incidentId>:<pageId>`). */
export function pageCard(incident: Incident, page: Page, platform: { mention(userId: string): string; channelMention?(channelId: string, name: string): string }): Card {
  const role = ROLES[page.role];
  const escalated = page.step > 0 ? [`Escalated: nobody before you acknowledged (step ${page.step}).`] : [];
  return {
    title: `You are paged as ${role.name} for ${incidentRef(incident)} (${incident.severity.toUpperCase()})`,
    sections: [
      { text: incident.title },
      { heading: 'Your role', text: `${role.name}: ${role.responsibleFor}.` },
      { text: `Join ${channelLink(platform, incident) ?? 'the incident channel'} and acknowledge.` },
    ],
    actions: [{ id: 'page:ack', label: 'Acknowledge', value: `${incident.id}:${page.id}`, style: 'primary' }],
    context: [
      ...escalated,
      `Page ${page.id}: or type \`/incident ack ${page.id}\`. Paged by the incident bot on behalf of ${platform.mention(incident.declaredBy)}.`,
    ],
  };
}
