import cron, { type ScheduledTask } from 'node-cron';
import type { CoreLogger } from '../core/context.js';
import type { Telemetry } from '../core/ports/telemetry.js';
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
  /** How long after a failed run to try the slot again, and how often (defaults: 5 minutes, 3 tries). */
  retryDelayMs?: number;
  maxAttempts?: number;
  /** Told of every failed run, so it becomes visible beyond the log. */
  onFailure?: (failure: { job: string; slot: string; attempt: number; willRetry: boolean; error: string }) => Promise<void>;
  /** Counts each run this process made, by job and outcome. */
  telemetry?: Pick<Telemetry, 'schedulerRun'>;
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
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    for (const job of options.jobs) {
      if (!cron.validate(job.cron)) throw new Error(`job ${job.name}: "${job.cron}" is not a cron expression`);
    }
  }

  /** Runs a job for a slot if this process wins the claim; true when it ran. */
  async fire(job: ScheduledJob, fireAt: Date, attempt = 1): Promise<boolean> {
    const { ledger, processId, clock, logger } = this.options;
    const slot = slotKey(fireAt);
    const won = await ledger.claim({ job: job.name, slot, slotAt: fireAt, by: processId, at: clock.now() });
    if (!won) return false;
    const once: Once = (key, at) => ledger.claim({ job: `${job.name}:${key}`, slot: key, slotAt: at, by: processId, at: clock.now() });
    try {
      await job.run(fireAt, once);
      this.options.telemetry?.schedulerRun(job.name, 'ok');
      logger.info({ job: job.name, slot }, 'scheduled job ran');
    } catch (error) {
      this.options.telemetry?.schedulerRun(job.name, 'failed');
      const message = error instanceof Error ? error.message : String(error);
      const willRetry = attempt < (this.options.maxAttempts ?? 3);
      logger.error({ job: job.name, slot, attempt, err: message }, 'scheduled job failed');
      // Give the slot back: a retry here, another process, or the next start's catch-up makes it.
      await ledger.release({ job: job.name, slot, by: processId });
      await this.options.onFailure?.({ job: job.name, slot, attempt, willRetry, error: message }).catch(() => undefined);
      if (willRetry && !this.stopped) {
        const retry = setTimeout(() => {
          this.retries.delete(retry);
          this.track(this.fire(job, fireAt, attempt + 1));
        }, this.options.retryDelayMs ?? 5 * MINUTE);
        this.retries.add(retry);
      }
    }
    return true;
  }

  private track(run: Promise<unknown>): void {
    const settled = run.catch(() => undefined);
    this.running.add(settled);
    void settled.finally(() => this.running.delete(settled));
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
        (context) => this.track(this.fire(job, context.date)),
        { timezone: this.options.timeZone, name: job.name, noOverlap: true },
      );
      this.tasks.push(task);
    }
    return caughtUp;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const retry of this.retries) clearTimeout(retry);
    this.retries.clear();
    await Promise.all(this.tasks.map((task) => task.destroy()));
    this.tasks.length = 0;
    await Promise.all([...this.running]);
  }
}
