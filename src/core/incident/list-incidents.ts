import { channelLink } from './channel-name.js';
import type { Actor, CoreContext } from '../context.js';
import { SEVERITY_LABELS } from '../domain.js';
import { privateReply, type Reply } from '../reply.js';
import { formatDuration } from '../time/time-input.js';
import { incidentRef, STATE_LABELS } from './header-card.js';

/** Open incidents, worst first. A private incident's title shows only to people inside its channel. */
export async function listIncidents(context: CoreContext, actor: Actor): Promise<Reply> {
  const incidents = await context.store.incidents.list({ open: true, limit: 50 });
  if (incidents.length === 0) return privateReply('No open incidents. Declare one with `/incident declare [sev1-4] <title>`.');
  const now = context.clock.now().getTime();
  const lines = incidents.map((incident) => {
    const visible = !incident.private || incident.declaredBy === actor.userId || incident.channelId === actor.channelId;
    const title = visible ? incident.title : '(private incident)';
    const link = visible ? channelLink(context.platforms.get(incident.platform), incident) : null;
    const channel = link ? ` ${link}` : '';
    return `${incidentRef(incident)} ${SEVERITY_LABELS[incident.severity]} · ${STATE_LABELS[incident.state]} · ${formatDuration(now - incident.declaredAt.getTime())} old · ${title}${channel}`;
  });
  return privateReply([`${incidents.length} open incident${incidents.length === 1 ? '' : 's'}:`, ...lines].join('\n'));
}
