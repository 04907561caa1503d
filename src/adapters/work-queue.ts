/**
 * The work chat requests (Slack, Teams) start after their ack. At most `parallel` pieces run at once, so a burst
 * of commands is acked at once and worked through after, instead of every request's database and
 * Web API work competing with the acks. Work with the same key (the channel it came from) runs in
 * arrival order: each click re-renders the incident's messages from the database, and in order the
 * last update Slack receives is always the newest state. `drain` waits for all of it.
 */
export class WorkQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly parallel: number) {}

  run(work: () => Promise<void>, key?: string): Promise<void> {
    const before = key ? this.tails.get(key) : undefined;
    const task = (before ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.acquire())
      .then(async () => {
        try {
          await work();
        } finally {
          this.release();
        }
      });
    if (key) {
      this.tails.set(key, task);
      void task.finally(() => this.tails.get(key) === task && this.tails.delete(key)).catch(() => undefined);
    }
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
