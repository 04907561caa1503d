import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { staffRoles, stepsFromPlaybook } from '../incident/declare-incident.js';
import { changeGoverned } from '../incident/permissions.js';
import { deliverPendingPages, refreshCards } from '../incident/publish-incident.js';
import { publicReply, type Reply } from '../reply.js';
import { recordSuggestedTags } from '../taxonomy/record-suggested-tags.js';

/** Swaps the checklist for another playbook's; ticks on the old one stay in the timeline. */
export async function changePlaybook(context: CoreContext, actor: Actor, incidentId: number, playbookId: string | null): Promise<Reply> {
  const now = context.clock.now();
  const playbook = playbookId ? context.playbooks.get(playbookId) : undefined;
  if (playbookId && !playbook) throw new AppError('not_found', `no playbook "${playbookId}"; use one of ${context.playbooks.ids.join(', ')}`);
  await changeGoverned(context, actor, incidentId, 'playbook', async (store, incident) => {
    if (incident.playbookId === playbookId) throw new AppError('invalid_transition', `the incident already uses ${playbookId ?? 'no playbook'}`);
    const reason = 'chosen by hand';
    const updated = await store.incidents.update(incident.id, { playbookId, playbookReason: reason });
    await store.steps.replace(incident.id, stepsFromPlaybook(playbook));
    await store.events.append({ incidentId, kind: 'playbook_changed', payload: { from: incident.playbookId, to: playbookId, reason }, actor: actor.userId, occurredAt: now });
    await staffRoles(store, updated, playbook, actor.userId, now);
    // The new playbook's default tags join the incident's; none is removed (people may have added or kept them).
    await recordSuggestedTags(context, store, [{ incident: updated, playbook, at: now }], { playbookOnly: true });
  }, playbookId ?? 'none');
  await refreshCards(context, incidentId);
  await deliverPendingPages(context, incidentId);
  return publicReply(playbook ? `Playbook changed to ${playbook.name}; its checklist is posted below.` : 'Playbook removed; this incident now has no checklist.');
}
