import type { CoreContext } from '../context.js';
import { startSideEffectRetries, type SideEffectRetries } from '../incident/retry-side-effects.js';
import { runDuePages, type PagingRound } from './deliver-pages.js';
import { runDueActionItemReminders } from '../review/remind-action-items.js';
import { runDueReminders } from '../clocks/remind-clocks.js';
import { runDueExerciseTimers } from '../exercise/fire-exercise-timers.js';

export interface PagingLoop {
  /** One round now: deliver pending pages, escalate unacknowledged ones, resolve external alerts. */
  tick(): Promise<PagingRound>;
  /** Finishes side effects left undone (channels, cards, failed pages) now, outside the backoff. */
  retrySideEffects: SideEffectRetries['runNow'];
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
}

/**
 * Side effects that failed (Slack or the database away) are retried from `intervalMs` doubling up
 * to this many intervals (one minute at the default 5 s), which is also how often the bot looks
 * for them while nothing is failing.
 */
export const SIDE_EFFECT_RETRY_MAX_INTERVALS = 12;

/**
 * The escalation clock: every `intervalMs` it claims whatever pages are due in Postgres. The
 * state lives in the database, so a restart picks up where the last process stopped. Beside it
 * runs the retry of unfinished side effects (retry-side-effects.ts), with its own backoff.
 */
export function startPagingLoop(context: CoreContext, intervalMs: number): PagingLoop {
  let running: Promise<PagingRound> | null = null;
  const tick = async (): Promise<PagingRound> => {
    // One round at a time in this process; other processes are kept apart by the row claims.
    if (running) return running;
    running = runDuePages(context)
      // Action items' reminders are durable jobs of the same kind (review/remind-action-items.ts).
      .then(async (round) => {
        await runDueActionItemReminders(context).catch((error: unknown) => context.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'action item reminder round failed'));
        // Regulatory clocks' reminders too (clocks/remind-clocks.ts), by the injected clock.
        await runDueReminders(context).catch((error: unknown) => context.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'clock reminder round failed'));
        // And exercises' injects, limits and hot washes (exercise/fire-exercise-timers.ts).
        await runDueExerciseTimers(context).catch((error: unknown) => context.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'exercise timer round failed'));
        return round;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => {
    tick().catch((error: unknown) => context.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'paging round failed'));
  }, intervalMs);
  timer.unref();
  const retries = startSideEffectRetries(context, { minMs: intervalMs, maxMs: intervalMs * SIDE_EFFECT_RETRY_MAX_INTERVALS });
  return {
    tick,
    retrySideEffects: retries.runNow,
    async stop() {
      clearInterval(timer);
      await retries.stop();
      await running?.catch(() => undefined);
    },
  };
}
