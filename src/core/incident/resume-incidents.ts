import type { CoreContext } from '../context.js';
import { publishIncident } from './publish-incident.js';

/**
 * After a restart, finishes the side effects a stopped process left undone: an incident without
 * its channel, a card never posted, a page still pending.
 */
export async function resumeUnfinishedIncidents(context: CoreContext): Promise<number> {
  let resumed = 0;
  for (const incident of await context.store.incidents.list({ open: true, limit: 500 })) {
    if (!context.platforms.has(incident.platform)) continue;
    // An alert waiting for triage has no channel on purpose: it gets one when someone declares it.
    if (!incident.channelId && (await context.store.alerts.forIncident(incident.id))?.triage === 'pending') continue;
    const [messages, pages] = await Promise.all([context.store.messages.forIncident(incident.id), context.store.pages.forIncident(incident.id)]);
    const unfinished = !incident.channelId || !messages.some((m) => m.purpose === 'header') || pages.some((p) => p.status === 'pending');
    if (!unfinished) continue;
    try {
      await publishIncident(context, incident.id);
      resumed++;
    } catch (error) {
      context.logger.error({ incidentId: incident.id, err: error instanceof Error ? error.message : String(error) }, 'could not finish an incident');
    }
  }
  return resumed;
}
