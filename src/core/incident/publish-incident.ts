import type { Card } from '../cards/card.js';
import { buildChecklistCards } from '../checklist/checklist-card.js';
import type { CoreContext } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { compactDate } from '../time/time-input.js';
import { buildHeaderCard, incidentRef } from './header-card.js';
import type { BoundMessage, Incident } from './incident.js';
import { channelSlug } from './channel-name.js';
import { deliverPendingPages } from '../roles/deliver-pages.js';

export function platformFor(context: CoreContext, incident: Pick<Incident, 'platform'>): ChatPlatform {
  const platform = context.platforms.get(incident.platform);
  if (!platform) throw new AppError('internal', `no chat platform "${incident.platform}" is running`);
  return platform;
}

async function recordFailure(context: CoreContext, incident: Incident, effect: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  context.logger.error({ incidentId: incident.id, effect, err: message }, 'side effect failed');
  await context.store.events.append({
    incidentId: incident.id,
    kind: 'side_effect_failed',
    payload: { effect, error: message },
    actor: 'bot',
    occurredAt: context.clock.now(),
  });
  // Visible in the channel too when there is one; if even that post fails, the event stands.
  if (incident.channelId) {
    await context.platforms
      .get(incident.platform)
      ?.postText(incident.channelId, `⚠️ Could not ${effect}: ${message}. The bot tries again on the next update or restart.`)
      .catch(() => undefined);
  }
}

async function openSpace(context: CoreContext, incident: Incident, platform: ChatPlatform): Promise<Incident> {
  const base = `inc-${compactDate(incident.declaredAt, context.timeZone)}-${channelSlug(incident.title)}`;
  const roles = await context.store.roles.forIncident(incident.id);
  const members = [...new Set([incident.declaredBy, ...roles.map((r) => r.userId)])];
  const topic = `${incidentRef(incident)} ${incident.severity.toUpperCase()}: ${incident.title}`.slice(0, 250);
  // On name_taken the incident number makes the name unique; a random tail covers names taken by hand.
  const candidates = [base, `${base}-${incident.id}`, ...Array.from({ length: 4 }, () => `${base}-${incident.id}-${Math.random().toString(36).slice(2, 6)}`)];
  const { header: firstCard } = await incidentCards(context, incident, platform);
  for (const [attempt, name] of candidates.entries()) {
    try {
      const channel = await platform.openSpace({ name, private: incident.private, topic, members, origin: incident.originChannelId, firstCard });
      return await context.store.transaction(async (store) => {
        const updated = await store.incidents.update(incident.id, { channelId: channel.id, channelName: channel.name });
        if (channel.firstMessage) await store.messages.bind({ incidentId: incident.id, purpose: 'header', part: 0, channelId: channel.id, ref: channel.firstMessage });
        await store.events.append({
          incidentId: incident.id,
          kind: 'channel_created',
          payload: { channel_id: channel.id, name: channel.name, private: incident.private },
          actor: 'bot',
          occurredAt: context.clock.now(),
          idempotencyKey: `channel:${incident.id}`,
        });
        return updated;
      });
    } catch (error) {
      if (isAppError(error, 'channel_name_taken') && attempt < candidates.length - 1) continue;
      throw error;
    }
  }
  throw new AppError('channel_name_taken', `every name tried for ${incidentRef(incident)}'s channel is taken`);
}

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

// Paging lives in roles/ behind the Pager port; re-exported for the callers that import it from here.
export { pageCard } from '../roles/page-card.js';
export { deliverPendingPages };

/**
 * Finishes whatever side effects of an incident are still outstanding: the channel, the cards, the
 * pages. Safe to run again at any time; a restart runs it for every open incident.
 */
export async function publishIncident(context: CoreContext, incidentId: number): Promise<Incident | undefined> {
  let incident = await context.store.incidents.get(incidentId);
  if (!incident) return undefined;
  const platform = platformFor(context, incident);
  if (!incident.channelId) {
    try {
      incident = await openSpace(context, incident, platform);
    } catch (error) {
      await recordFailure(context, incident, 'create channel', error);
      throw error;
    }
  }
  await refreshCards(context, incident.id);
  await deliverPendingPages(context, incident.id);
  return incident;
}
