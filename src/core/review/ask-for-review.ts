import type { CoreContext } from '../context.js';
import type { Incident } from '../incident/incident.js';

/** Severities whose closing asks for a post-incident review. */
export const REVIEW_EXPECTED_FOR = ['sev1', 'sev2'] as const;

/**
 * What closing says when a sev1–sev2 incident closes without a posted review. Closing is never
 * refused for it: the header's Close button, an admin tidying up and a review held outside chat
 * all close as before; the close answer (public, in the channel) asks for the review instead, and
 * `review` works on a closed incident. Empty when nothing is to ask.
 */
export async function askForReview(context: CoreContext, incident: Incident): Promise<string> {
  if (incident.isExercise || !(REVIEW_EXPECTED_FOR as readonly string[]).includes(incident.severity)) return '';
  const posted = await context.store.events.latest('review_posted', incident.id);
  if (posted) return '';
  return `\n${incident.severity.toUpperCase()} incidents get a post-incident review and none was posted: post the draft with \`/incident review\` (it works on a closed incident).`;
}
