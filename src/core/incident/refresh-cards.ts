import type { Card } from '../cards/card.js';
import { buildChecklistCards } from '../checklist/checklist-card.js';
import type { CoreContext } from '../context.js';
import { isAppError } from '../errors.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { buildHeaderCard } from './header-card.js';
import type { BoundMessage, Incident } from './incident.js';
import { platformFor } from './platform-for.js';
import { recordFailure } from './side-effect-failure.js';

export async function incidentCards(context: CoreContext, incident: Incident, platform: ChatPlatform): Promise<{ header: Card; checklist: Card[] }> {
  const playbook = context.playbooks.get(incident.playbookId);
  const [roles, steps] = await Promise.all([
    context.store.roles.forIncident(incident.id),
    context.store.steps.list(incident.id),
  ]);
  const mention = (userId: string) => platform.mention(userId);
  const header = buildHeaderCard({ incident, playbook, roles, mention, timeZone: context.timeZone });
  const checklist = buildChecklistCards({
    incident,
    playbook,
    steps,
    mention,
    timeZone: context.timeZone,
    ...(platform.checklistItemsPerCard ? { maxItemsPerCard: platform.checklistItemsPerCard } : {}),
  });
  return { header, checklist };
}

/**
 * Re-renders every card of the incident from the database and updates each bound message; a card
 * that has no message yet is posted and bound. Lost or stale updates heal on the next refresh.
 */
export async function refreshCards(context: CoreContext, incidentId: number): Promise<void> {
  const incident = await context.store.incidents.get(incidentId);
  if (!incident?.channelId) return;
  const platform = platformFor(context, incident);
  const { header, checklist } = await incidentCards(context, incident, platform);
  const bound = await context.store.messages.forIncident(incident.id);
  const wanted: { purpose: BoundMessage['purpose']; part: number; card: Card }[] = [
    { purpose: 'header', part: 0, card: header },
    ...checklist.map((card, part) => ({ purpose: 'checklist' as const, part, card })),
  ];
  for (const { purpose, part, card } of wanted) {
    const existing = bound.find((m) => m.purpose === purpose && m.part === part);
    try {
      if (existing) {
        await platform.updateCard(existing.ref, card);
        continue;
      }
      const ref = await platform.postCard(incident.channelId, card);
      await context.store.messages.bind({ incidentId: incident.id, purpose, part, channelId: incident.channelId, ref });
      if (purpose === 'header' && platform.pin) await platform.pin(ref);
    } catch (error) {
      if (isAppError(error, 'rate_limited')) throw error;
      await recordFailure(context, incident, `${existing ? 'update' : 'post'} ${purpose} card`, error);
    }
  }
  const stale = bound.filter((m) => m.purpose === 'checklist' && m.part >= checklist.length);
  for (const message of stale) {
    await platform.updateCard(message.ref, { title: 'This checklist was replaced; see the messages above.' });
  }
  if (stale.length > 0) await context.store.messages.unbind(incident.id, 'checklist', checklist.length);
}

