import type { CoreContext } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { compactDate } from '../time/time-input.js';
import { incidentRef } from './header-card.js';
import type { Incident } from './incident.js';
import { channelSlug } from './channel-name.js';
import { incidentCards } from './refresh-cards.js';

/** Opens the incident's space (a Slack channel, a Teams thread) and records it with its first message. */
export async function openSpace(context: CoreContext, incident: Incident, platform: ChatPlatform): Promise<Incident> {
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

