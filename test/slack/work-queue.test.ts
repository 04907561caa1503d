import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/adapters/work-queue.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WorkQueue (work after the ack)', () => {
  it('runs work from one channel in arrival order, even when the first is slower', async () => {
    const queue = new WorkQueue(4);
    const done: string[] = [];
    void queue.run(async () => {
      await sleep(30);
      done.push('first');
    }, 'C1');
    void queue.run(async () => {
      done.push('second');
    }, 'C1');
    void queue.run(async () => {
      done.push('other channel');
    }, 'C2');
    await queue.drain();
    expect(done).toEqual(['other channel', 'first', 'second']);
  });

  it('never runs more than its limit at once, and a failure does not stop the next piece', async () => {
    const queue = new WorkQueue(2);
    let running = 0;
    let most = 0;
    const tasks = Array.from({ length: 6 }, (_, i) =>
      queue.run(async () => {
        running++;
        most = Math.max(most, running);
        await sleep(5);
        running--;
        if (i === 0) throw new Error('boom');
      }, i < 2 ? 'C1' : undefined),
    );
    const results = await Promise.allSettled(tasks);
    expect(most).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  });
});
