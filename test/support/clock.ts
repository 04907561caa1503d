import type { Clock } from '../../src/core/time/time-input.js';

/** A clock tests move by hand. */
export class TestClock implements Clock {
  private current: Date;

  constructor(start = '2026-11-25T09:00:00Z') {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): Date {
    this.current = new Date(this.current.getTime() + ms);
    return this.now();
  }

  set(iso: string): void {
    this.current = new Date(iso);
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
