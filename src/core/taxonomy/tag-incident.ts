import type { Actor, CoreContext } from '../context.js';
import { incidentRef } from '../incident/header-card.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { refreshCards } from '../incident/refresh-cards.js';
import { privateReply, publicReply, type Reply } from '../reply.js';
import { taxonomyOf } from './taxonomy.js';

/**
 * `tag <id>` / `untag <id>`: adds or removes one taxonomy tag (a row and a `tag_added` or
 * `tag_removed` event, source manual, in one transaction under the incident's row lock). An id
 * that is malformed or unknown is refused before anything is read; a tag already there (or absent)
 * changes nothing and says so.
 */
export async function changeTag(context: CoreContext, actor: Actor, incidentId: number, input: string, add: boolean): Promise<Reply> {
  const catalog = taxonomyOf(context);
  const tag = catalog.resolve(input);
  const label = catalog.label(tag);
  const now = context.clock.now();
  const outcome = await changeIncident(context, incidentId, async (store, incident) => {
    const changed = add
      ? await store.tags.add({ incidentId, tag, source: 'manual', addedAt: now, addedBy: actor.userId })
      : await store.tags.remove(incidentId, tag);
    if (!changed) return { changed, incident, tags: [] as string[] };
    await store.events.append({ incidentId, kind: add ? 'tag_added' : 'tag_removed', payload: { tag, source: 'manual' }, actor: actor.userId, occurredAt: now });
    return { changed, incident, tags: (await store.tags.forIncident(incidentId)).map((t) => t.tag) };
  });
  const ref = incidentRef(outcome.incident);
  if (!outcome.changed) return privateReply(add ? `${ref} is already tagged ${label}; nothing changed.` : `${ref} is not tagged ${label}; nothing changed. \`status\` shows its tags.`);
  await refreshCards(context, incidentId);
  const now_ = outcome.tags.length ? `Tags now: ${outcome.tags.join(', ')}.` : 'It has no tags now.';
  return publicReply(`${add ? 'Tagged' : 'Removed tag'} ${label} ${add ? 'on' : 'from'} ${ref}. ${now_}`);
}
