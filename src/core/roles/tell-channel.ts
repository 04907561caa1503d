import type { CoreContext } from '../context.js';
import type { Incident } from '../incident/incident.js';

/** Says something in the incident's channel; a failure to say it is logged, never thrown. */
export async function tellChannel(context: CoreContext, incident: Incident, text: string): Promise<void> {
  const platform = context.platforms.get(incident.platform);
  if (!platform || !incident.channelId) return;
  await platform.postText(incident.channelId, text).catch((error: unknown) => {
    context.logger.error({ incidentId: incident.id, err: error instanceof Error ? error.message : String(error) }, 'could not post in the incident channel');
  });
}
