import type { CoreContext } from '../context.js';
import type { Incident } from '../incident/incident.js';
import type { Playbook } from '../playbook/schema.js';
import type { Store } from '../ports/store.js';
import { playbookTags, suggestTags } from './suggest-tags.js';
import { taxonomyOf } from './taxonomy.js';

/**
 * Writes suggested tags (each a row and a `tag_added` event with source `suggested`) in the
 * caller's transaction (`store` is the transaction's). At declare: from the title, the summary and
 * the playbook; `playbookOnly`: the new playbook's defaults after a change of playbook. Tags the
 * incident has already (typed by people, or suggested before) stay as they are.
 */
export async function recordSuggestedTags(
  context: Pick<CoreContext, 'taxonomy'>,
  store: Store,
  incident: Incident,
  playbook: Playbook | undefined,
  at: Date,
  options: { playbookOnly?: boolean; actor?: string } = {},
): Promise<string[]> {
  const catalog = taxonomyOf(context);
  const ids = options.playbookOnly ? playbookTags(catalog, playbook) : suggestTags(catalog, `${incident.title}\n${incident.summary}`, playbook).map((s) => s.id);
  // One statement for the tags and one for their events: an alert storm declares many at once.
  const added = await store.tags.addAll(ids.map((tag) => ({ incidentId: incident.id, tag, source: 'suggested' as const, addedAt: at, addedBy: 'bot' })));
  await store.events.appendAll(added.map((tag) => ({ incidentId: incident.id, kind: 'tag_added' as const, payload: { tag, source: 'suggested' }, actor: options.actor ?? 'bot', occurredAt: at })));
  return added;
}
