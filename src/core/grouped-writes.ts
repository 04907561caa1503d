/**
 * Writes that arrive while `writers` groups are being written wait, and the next free writer takes
 * them together (in arrival order, up to `limit` by `size`; one bigger than the limit goes alone):
 * in a burst each waits for one statement or transaction instead of a queue of them. `write`
 * settles every item of its group itself (each item carries its own resolve and reject).
 */
export class GroupedWrites<T> {
  private readonly waiting: T[] = [];
  private writing = 0;

  constructor(
    private readonly options: {
      writers: number;
      limit: number;
      size: (item: T) => number;
      write: (group: readonly T[]) => Promise<void>;
    },
  ) {}

  add(item: T): void {
    this.waiting.push(item);
    if (this.writing < this.options.writers) void this.drain();
  }

  private async drain(): Promise<void> {
    this.writing++;
    try {
      while (this.waiting.length > 0) await this.options.write(this.nextGroup());
    } finally {
      this.writing--;
    }
  }

  private nextGroup(): T[] {
    const group = [this.waiting.shift()!];
    let size = this.options.size(group[0]!);
    while (this.waiting.length > 0 && size + this.options.size(this.waiting[0]!) <= this.options.limit) {
      const next = this.waiting.shift()!;
      size += this.options.size(next);
      group.push(next);
    }
    return group;
  }
}
