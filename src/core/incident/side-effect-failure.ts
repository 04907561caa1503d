import type { CoreContext } from '../context.js';
import type { Incident } from './incident.js';

/** A side effect (channel, card, invite) that failed: an event, a log line and, where possible, a line in the channel. */
export async function recordFailure(context: CoreContext, incident: Incident, effect: string, error: unknown): Promise<void> {
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

