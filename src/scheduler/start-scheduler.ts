import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { CoreContext } from '../core/context.js';
import { KyselyScheduleLedger } from '../db/schedule-ledger.js';
import { scheduledJobs, type ScheduleSettings } from './jobs.js';
import { Scheduler } from './scheduler.js';

export function processId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Builds the scheduler over the database's claims tables; `start()` catches up, then ticks. */
export function createScheduler(context: CoreContext, db: Kysely<any>, settings: ScheduleSettings, id = processId()): Scheduler {
  return new Scheduler({
    jobs: scheduledJobs(context, settings),
    ledger: new KyselyScheduleLedger(db),
    timeZone: context.timeZone,
    clock: context.clock,
    logger: context.logger,
    processId: id,
    ...(context.telemetry ? { telemetry: context.telemetry } : {}),
    // A digest or reminder that did not go out is an event, not only a log line.
    onFailure: async ({ job, slot, attempt, willRetry, error }) => {
      await context.store.events.append({
        incidentId: null,
        kind: 'side_effect_failed',
        payload: { effect: `scheduled ${job} for ${slot} (attempt ${attempt}${willRetry ? ', will retry' : ', giving up until the next start'})`, error },
        actor: 'bot',
        occurredAt: context.clock.now(),
      });
    },
  });
}
