import type { CoreContext } from '../context.js';
import { runDuePages, type PagingRound } from './deliver-pages.js';

export interface PagingLoop {
  /** One round now: deliver pending pages, escalate unacknowledged ones, resolve external alerts. */
  tick(): Promise<PagingRound>;
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
}

/**
 * The escalation clock: every `intervalMs` it claims whatever pages are due in Postgres. The
 * state lives in the database, so a restart picks up where the last process stopped.
 */
export function startPagingLoop(context: CoreContext, intervalMs: number): PagingLoop {
  let running: Promise<PagingRound> | null = null;
  const tick = async (): Promise<PagingRound> => {
    // One round at a time in this process; other processes are kept apart by the row claims.
    if (running) return running;
    running = runDuePages(context).finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    tick().catch((error: unknown) => context.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'paging round failed'));
  }, intervalMs);
  timer.unref();
  return {
    tick,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
