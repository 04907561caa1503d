/**
 * The card renders of one process, at most `limit` at once. A change asks for a render of its
 * incident's cards after it is stored; while a slot is free the render starts at once and the
 * change waits for it, so a lone click shows on its card before its reply. Under load the
 * renders wait in line, one per incident however many changes it had: a waiting render reads the
 * state when it starts, after every change that asked, and a change to an incident whose render is
 * already running asks for one more. A burst of a thousand ticks is a few hundred renders, not a
 * thousand, and chat (Slack's `chat.update` is rate-limited per workspace) sees fewer updates.
 */
export class RenderQueue {
  private readonly running = new Map<number, { again: boolean }>();
  private readonly waiting = new Set<number>();
  private settledWaiters: (() => void)[] = [];

  constructor(
    private readonly render: (incidentId: number) => Promise<void>,
    private readonly limit: number,
    private readonly failed: (incidentId: number, error: unknown) => void,
  ) {}

  /** Resolves once a render that read the state after this call has finished (or, under load, once it is queued). */
  request(incidentId: number): Promise<void> {
    const running = this.running.get(incidentId);
    if (running) {
      running.again = true;
      return Promise.resolve();
    }
    if (this.waiting.has(incidentId)) return Promise.resolve();
    if (this.running.size < this.limit) return this.start(incidentId);
    this.waiting.add(incidentId);
    return Promise.resolve();
  }

  /** Resolves when nothing is rendering or waiting (a shutdown, a benchmark's end). */
  settled(): Promise<void> {
    if (this.running.size === 0 && this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private async start(incidentId: number): Promise<void> {
    const run = { again: false };
    this.running.set(incidentId, run);
    try {
      await this.render(incidentId);
    } finally {
      this.running.delete(incidentId);
      // Asked again while rendering: behind the others, so one busy incident cannot starve them.
      if (run.again) this.waiting.add(incidentId);
      this.startWaiting();
    }
  }

  private startWaiting(): void {
    for (const incidentId of this.waiting) {
      if (this.running.size >= this.limit) break;
      this.waiting.delete(incidentId);
      this.start(incidentId).catch((error: unknown) => this.failed(incidentId, error));
    }
    if (this.running.size === 0 && this.waiting.size === 0) {
      const waiters = this.settledWaiters;
      this.settledWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
