import { channelLink } from './channel-name.js';
import type { Actor, CoreContext } from '../context.js';
import { SEVERITY_LABELS } from '../domain.js';
import { privateReply, type Reply } from '../reply.js';
import { formatDuration } from '../time/time-input.js';
import { incidentRef, STATE_LABELS } from './header-card.js';
import { seesDetails } from './permissions.js';

/** Open incidents, worst first. A private incident shows as `INC-12 (private)` outside its own channel: no title, no link. */
export async function listIncidents(context: CoreContext, actor: Actor): Promise<Reply> {
  const incidents = await context.store.incidents.list({ open: true, limit: 50 });
  if (incidents.length === 0) return privateReply('No open incidents. Declare one with `/incident declare [sev1-4] <title>`.');
  const now = context.clock.now().getTime();
  const lines = incidents.map((incident) => {
    const facts = `${SEVERITY_LABELS[incident.severity]} · ${STATE_LABELS[incident.state]} · ${formatDuration(now - incident.declaredAt.getTime())} old`;
    if (!seesDetails(actor, incident)) return `${incidentRef(incident)} (private) ${facts}`;
    const link = channelLink(context.platforms.get(incident.platform), incident);
    return `${incidentRef(incident)} ${facts} · ${incident.title}${link ? ` ${link}` : ''}`;
  });
  return privateReply([`${incidents.length} open incident${incidents.length === 1 ? '' : 's'}:`, ...lines].join('\n'));
}
