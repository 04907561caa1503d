import type { CoreContext } from '../context.js';
import type { Incident } from '../incident/incident.js';
import type { Playbook } from '../playbook/schema.js';
import type { Store } from '../ports/store.js';
import { playbookTags, suggestTags } from './suggest-tags.js';
import { taxonomyOf } from './taxonomy.js';
import type { IncidentTag } from './tags.js';

/**
 * Writes suggested tags (each a row and a `tag_added` event with source `suggested`) in the
 * caller's transaction (`store` is the transaction's), for one incident or many: one statement
 * for the tags and one for their events, however many incidents (an alert storm declares many at
 * once). At declare: from the title, the summary and the playbook; `playbookOnly`: the new
 * playbook's defaults after a change of playbook. Tags an incident has already (typed by people,
 * or suggested before) stay as they are. Returns the tags added.
 */
export async function recordSuggestedTags(
  context: Pick<CoreContext, 'taxonomy'>,
  store: Store,
  targets: readonly { incident: Incident; playbook: Playbook | undefined; at: Date }[],
  options: { playbookOnly?: boolean; actor?: string } = {},
): Promise<IncidentTag[]> {
  const catalog = taxonomyOf(context);
  const wanted = targets.flatMap(({ incident, playbook, at }) => {
    const ids = options.playbookOnly ? playbookTags(catalog, playbook) : suggestTags(catalog, `${incident.title}\n${incident.summary}`, playbook).map((s) => s.id);
    return ids.map((tag) => ({ incidentId: incident.id, tag, source: 'suggested' as const, addedAt: at, addedBy: 'bot' }));
  });
  const added = await store.tags.addAll(wanted);
  await store.events.appendAll(
    added.map((tag) => ({ incidentId: tag.incidentId, kind: 'tag_added' as const, payload: { tag: tag.tag, source: 'suggested' }, actor: options.actor ?? 'bot', occurredAt: tag.addedAt })),
  );
  return added;
}
