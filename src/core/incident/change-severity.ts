import type { Actor, CoreContext } from '../context.js';
import { SEVERITY_LABELS, type Severity } from '../domain.js';
import { AppError } from '../errors.js';
import { publicReply, type Reply } from '../reply.js';
import { staffRoles } from './declare-incident.js';
import { changeGoverned } from './permissions.js';
import { deliverPendingPages, refreshCards } from './publish-incident.js';

/** A new severity may ask the playbook for more roles; those are staffed and paged at once. */
export async function changeSeverity(context: CoreContext, actor: Actor, incidentId: number, severity: Severity): Promise<Reply> {
  const now = context.clock.now();
  const from = await changeGoverned(context, actor, incidentId, 'severity', async (store, incident) => {
    if (incident.severity === severity) throw new AppError('invalid_transition', `the incident is already ${SEVERITY_LABELS[severity]}`);
    const updated = await store.incidents.update(incident.id, { severity });
    await store.events.append({ incidentId, kind: 'severity_changed', payload: { from: incident.severity, to: severity }, actor: actor.userId, occurredAt: now });
    await staffRoles(store, updated, context.playbooks.get(incident.playbookId), actor.userId, now);
    return incident.severity;
  }, severity);
  await refreshCards(context, incidentId);
  await deliverPendingPages(context, incidentId);
  return publicReply(`Severity changed from ${SEVERITY_LABELS[from]} to ${SEVERITY_LABELS[severity]}.`);
}
