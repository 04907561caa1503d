/**
 * The work Slack requests start after their ack. At most `parallel` pieces run at once, so a burst
 * of commands is acked at once and worked through after, instead of every request's database and
 * Web API work competing with the acks. `drain` waits for all of it (shutdown, tests, the bench).
 */
export class WorkQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly parallel: number) {}

  run(work: () => Promise<void>): Promise<void> {
    const task = this.acquire()
      .then(work)
      .finally(() => this.release());
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task)).catch(() => undefined);
    return task;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async acquire(): Promise<void> {
    // Always yield once: the request that queued this work is acked before the work starts.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.active < this.parallel) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
