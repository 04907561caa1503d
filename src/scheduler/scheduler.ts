import cron, { type ScheduledTask } from 'node-cron';
import type { CoreLogger } from '../core/context.js';
import type { Clock } from '../core/time/time-input.js';
import type { ScheduleLedger } from './ledger.js';

/** Claims a once-only key within a job (a quarter's reminder, a day's overdue list). */
export type Once = (key: string, at: Date) => Promise<boolean>;

export interface ScheduledJob {
  name: string;
  /** A node-cron expression, read in the scheduler's time zone. */
  cron: string;
  /** How far back start-up looks for a missed run (a weekly job: 8 days). */
  lookbackMs: number;
  run(fireAt: Date, once: Once): Promise<void>;
}

export interface SchedulerOptions {
  jobs: ScheduledJob[];
  ledger: ScheduleLedger;
  timeZone: string;
  clock: Clock;
  logger: CoreLogger;
  /** Names this process in the claims table. */
  processId: string;
}

const MINUTE = 60_000;

/** A slot is its fire time to the second: every process reading the same tick writes the same key. */
export function slotKey(fireAt: Date): string {
  return new Date(Math.floor(fireAt.getTime() / 1000) * 1000).toISOString();
}

/**
 * node-cron ticks in every process; the claims table picks the one that runs each slot. At start
 * each job's latest slot before now is run once if no process ran it and the job already existed.
 */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly options: SchedulerOptions) {
    for (const job of options.jobs) {
      if (!cron.validate(job.cron)) throw new Error(`job ${job.name}: "${job.cron}" is not a cron expression`);
    }
  }

  /** Runs a job for a slot if this process wins the claim; true when it ran. */
  async fire(job: ScheduledJob, fireAt: Date): Promise<boolean> {
    const { ledger, processId, clock, logger } = this.options;
    const won = await ledger.claim({ job: job.name, slot: slotKey(fireAt), slotAt: fireAt, by: processId, at: clock.now() });
    if (!won) return false;
    const once: Once = (key, at) => ledger.claim({ job: `${job.name}:${key}`, slot: key, slotAt: at, by: processId, at: clock.now() });
    try {
      await job.run(fireAt, once);
      logger.info({ job: job.name, slot: slotKey(fireAt) }, 'scheduled job ran');
    } catch (error) {
      logger.error({ job: job.name, slot: slotKey(fireAt), err: error instanceof Error ? error.message : String(error) }, 'scheduled job failed');
    }
    return true;
  }

  /** The latest time at or before `now` the job's expression matches, within its lookback. */
  latestSlot(job: ScheduledJob, now: Date): Date | undefined {
    const probe = cron.createTask(job.cron, () => undefined, { timezone: this.options.timeZone });
    try {
      const start = Math.floor(now.getTime() / MINUTE) * MINUTE;
      for (let at = start; at >= now.getTime() - job.lookbackMs; at -= MINUTE) {
        if (probe.match(new Date(at))) return new Date(at);
      }
      return undefined;
    } finally {
      void probe.destroy();
    }
  }

  /** Makes each job's missed run once; returns the jobs this process ran. */
  async catchUp(): Promise<string[]> {
    const { ledger, clock } = this.options;
    const ran: string[] = [];
    for (const job of this.options.jobs) {
      const now = clock.now();
      const registered = await ledger.register(job.name, now);
      const slot = this.latestSlot(job, now);
      if (!slot || slot <= registered) continue;
      const last = await ledger.lastRun(job.name);
      if (last && last >= slot) continue;
      if (await this.fire(job, slot)) ran.push(job.name);
    }
    return ran;
  }

  async start(): Promise<string[]> {
    const caughtUp = await this.catchUp();
    for (const job of this.options.jobs) {
      const task = cron.schedule(
        job.cron,
        (context) => {
          const run = this.fire(job, context.date).catch(() => undefined);
          this.running.add(run);
          void run.finally(() => this.running.delete(run));
        },
        { timezone: this.options.timeZone, name: job.name, noOverlap: true },
      );
      this.tasks.push(task);
    }
    return caughtUp;
  }

  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((task) => task.destroy()));
    this.tasks.length = 0;
    await Promise.all([...this.running]);
  }
}
