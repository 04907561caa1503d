import type { CoreContext } from '../context.js';
import { retryUnfinishedSideEffects } from './retry-side-effects.js';

export { startSideEffectRetries, retryUnfinishedSideEffects } from './retry-side-effects.js';

/**
 * After a restart, finishes the side effects a stopped process left undone: an incident without
 * its channel, a card never posted or whose last update failed, a page still pending or failed for
 * a passing reason. The same round runs periodically while the bot runs (retry-side-effects.ts,
 * started with the paging loop), so an outage of Slack or of the database heals without a restart.
 * Returns how many incidents it finished.
 */
export async function resumeUnfinishedIncidents(context: CoreContext): Promise<number> {
  try {
    return (await retryUnfinishedSideEffects(context)).finished;
  } catch (error) {
    // The database does not answer at start-up: the periodic round tries again.
    context.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'could not look for unfinished incidents');
    return 0;
  }
}
