import type { CoreContext } from '../context.js';
import type { Incident } from './incident.js';
import { deliverPendingPages } from '../roles/deliver-pages.js';
import { inviteMembers, openSpace } from './open-space.js';
import { platformFor } from './platform-for.js';
import { incidentCards, refreshCards } from './refresh-cards.js';
import { recordFailure } from './side-effect-failure.js';
import { postSimilarCases } from '../similar/post-similar-cases.js';

// The steps of publishing live in their own modules; re-exported for the callers that import them from here.
export { platformFor, incidentCards, refreshCards };
// Paging lives in roles/ behind the Pager port; re-exported for the callers that import it from here.
export { pageCard } from '../roles/page-card.js';
export { deliverPendingPages };

/**
 * Finishes whatever side effects of an incident are still outstanding: the channel, the cards, the
 * invitations, the pages. Safe to run again at any time; a restart runs it for every open incident.
 */
export async function publishIncident(context: CoreContext, incidentId: number): Promise<Incident | undefined> {
  let incident = await context.store.incidents.get(incidentId);
  if (!incident) return undefined;
  const platform = platformFor(context, incident);
  if (!incident.channelId) {
    try {
      incident = await openSpace(context, incident, platform);
    } catch (error) {
      await recordFailure(context, incident, 'create channel', error);
      throw error;
    }
  }
  await refreshCards(context, incident.id);
  // Its own recorded step: someone the platform refuses never costs the others the channel.
  const opened = incident;
  await inviteMembers(context, opened, platform).catch((error: unknown) => recordFailure(context, opened, 'invite people', error));
  await deliverPendingPages(context, incident.id);
  // Last, once per space (recorded): past incidents and public ATLAS cases like this one.
  await postSimilarCases(context, opened).catch((error: unknown) => recordFailure(context, opened, 'post similar cases', error));
  return incident;
}
