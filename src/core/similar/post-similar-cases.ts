import type { CoreContext } from '../context.js';
import type { Incident } from '../incident/incident.js';
import { platformFor } from '../incident/platform-for.js';
import { taxonomyOf } from '../taxonomy/taxonomy.js';
import { findSimilar } from './find-similar.js';
import { similarCasesText } from './similar-cases-text.js';

/** The key of the `similar_cases_posted` event: one post per incident and space. */
export function similarCasesKey(incident: Pick<Incident, 'id' | 'channelId'>): string {
  return `similar:${incident.id}:${incident.channelId ?? ''}`;
}

/** Whether an incident's space should get (or has had) the similar-cases post: declared incidents with a space, not exercises. */
export function wantsSimilarCases(incident: Pick<Incident, 'channelId' | 'isExercise'>): boolean {
  return incident.channelId !== null && !incident.isExercise;
}

/**
 * Posts the similar cases in the incident's space once, as a step of publishing (after the
 * cards, invitations and pages): recorded as `similar_cases_posted` under its own key right after
 * the post, so retries and restarts that find it skip it; a post that failed is retried with the
 * other side effects (retry-side-effects.ts).
 */
export async function postSimilarCases(context: CoreContext, incident: Incident): Promise<void> {
  if (!incident.channelId || !wantsSimilarCases(incident)) return;
  const key = similarCasesKey(incident);
  // A declare's publish and a retry round of the same process may get here together: one posts, the other waits for it.
  let posting = inFlight.get(context);
  if (!posting) inFlight.set(context, (posting = new Map()));
  const running = posting.get(key);
  if (running) return running;
  const work = postOnce(context, incident, incident.channelId, key).finally(() => posting.delete(key));
  posting.set(key, work);
  return work;
}

const inFlight = new WeakMap<CoreContext, Map<string, Promise<void>>>();

async function postOnce(context: CoreContext, incident: Incident, channelId: string, key: string): Promise<void> {
  if (await context.store.events.findByIdempotencyKey(key)) return;
  const found = await findSimilar(context, incident);
  const text = similarCasesText(incident, found, { platform: incident.platform, channelId }, { playbooks: context.playbooks, taxonomy: taxonomyOf(context) });
  await platformFor(context, incident).postText(channelId, text);
  await context.store.events.append({
    incidentId: incident.id,
    kind: 'similar_cases_posted',
    payload: { channel_id: channelId, incidents: found.incidents.map((f) => f.incident.id), case_studies: found.caseStudies.map((f) => f.caseStudy.id) },
    actor: 'bot',
    occurredAt: context.clock.now(),
    idempotencyKey: key,
  });
}
