import type { CoreContext } from '../context.js';
import type { Incident } from '../incident/incident.js';
import type { Playbook } from '../playbook/schema.js';
import type { Store } from '../ports/store.js';
import { playbookTags, suggestTags } from './suggest-tags.js';
import { taxonomyOf } from './taxonomy.js';
import type { IncidentTag } from './tags.js';
import type { NewEvent } from '../events/event-kinds.js';

/** What `addSuggestedTags` wrote for some incidents: the tags added, and the event of each, still to append. */
export interface RecordedTags {
  added: IncidentTag[];
  events: NewEvent[];
}

/**
 * Writes suggested tags in the caller's transaction (`store` is the transaction's), for one
 * incident or many in one statement (an alert storm declares many at once), and answers the tags
 * added with their `tag_added` events (source `suggested`), which the caller appends with its own
 * in one statement (`recordSuggestedTags` appends them at once).
 * At declare: from the title, the summary and the playbook; `playbookOnly`: the new playbook's
 * defaults after a change of playbook. Tags an incident has already (typed by people, or
 * suggested before) stay as they are.
 */
export async function addSuggestedTags(
  context: Pick<CoreContext, 'taxonomy'>,
  store: Store,
  targets: readonly { incident: Incident; playbook: Playbook | undefined; at: Date }[],
  options: { playbookOnly?: boolean; actor?: string } = {},
): Promise<RecordedTags> {
  const catalog = taxonomyOf(context);
  const wanted = targets.flatMap(({ incident, playbook, at }) => {
    const ids = options.playbookOnly ? playbookTags(catalog, playbook) : suggestTags(catalog, `${incident.title}\n${incident.summary}`, playbook).map((s) => s.id);
    return ids.map((tag) => ({ incidentId: incident.id, tag, source: 'suggested' as const, addedAt: at, addedBy: 'bot' }));
  });
  const added = await store.tags.addAll(wanted);
  const events = added.map((tag): NewEvent => ({ incidentId: tag.incidentId, kind: 'tag_added', payload: { tag: tag.tag, source: 'suggested' }, actor: options.actor ?? 'bot', occurredAt: tag.addedAt }));
  return { added, events };
}

/** `addSuggestedTags`, with the tags' events appended. */
export async function recordSuggestedTags(
  context: Pick<CoreContext, 'taxonomy'>,
  store: Store,
  targets: readonly { incident: Incident; playbook: Playbook | undefined; at: Date }[],
  options: { playbookOnly?: boolean; actor?: string } = {},
): Promise<IncidentTag[]> {
  const { added, events } = await addSuggestedTags(context, store, targets, options);
  await store.events.appendAll(events);
  return added;
}
