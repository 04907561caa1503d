/**
 * What the scheduler remembers in the database, so that with several bot processes each scheduled
 * run happens once, and a run missed while every process was down is made once at start-up.
 */
export interface ScheduleLedger {
  /** Records the first time any process scheduled `job`; returns that time (runs before it were never due). */
  register(job: string, at: Date): Promise<Date>;
  /** True for exactly one caller per (job, slot), across processes. */
  claim(claim: { job: string; slot: string; slotAt: Date; by: string; at: Date }): Promise<boolean>;
  /** Gives a claim back after a failed run, so a retry (or the next start's catch-up) makes it. */
  release(claim: { job: string; slot: string; by: string }): Promise<void>;
  /** The latest slot time claimed for the job: its last run. */
  lastRun(job: string): Promise<Date | undefined>;
}
