import { describe, expect, it } from 'vitest';
import { clockLine } from '../../src/core/clocks/clock-lines.js';
import type { RegulatoryClock } from '../../src/core/clocks/clock.js';
import { clockForDeadline, dueAt, formatSpan, isLate, parseClockKind, planReminders, reminderTime, shortTime, windowMs } from '../../src/core/clocks/deadline.js';
import { HOUR, MINUTE } from '../support/clock.js';

const DAY = 24 * HOUR;
const aware = new Date('2026-11-24T14:00:00Z'); // a Tuesday

describe('regulatory deadlines', () => {
  it('gives GDPR 72 hours and the AI Act 15, 2 or 10 days from awareness', () => {
    expect(windowMs('gdpr-breach')).toBe(72 * HOUR);
    expect(windowMs('ai-act-serious')).toBe(15 * DAY);
    expect(windowMs('ai-act-serious', 'widespread')).toBe(2 * DAY);
    expect(windowMs('ai-act-serious', 'death')).toBe(10 * DAY);
    expect(dueAt(aware, 'gdpr-breach').toISOString()).toBe('2026-11-27T14:00:00.000Z');
    expect(dueAt(aware, 'ai-act-serious', 'widespread').toISOString()).toBe('2026-11-26T14:00:00.000Z');
  });

  it('reminds Legal at 50, 75 and 90 % and the commander at 90 %', () => {
    const due = dueAt(aware, 'gdpr-breach');
    const plans = planReminders(aware, due, aware);
    expect(plans.map((p) => [p.percent, p.role, p.dueAt.toISOString(), p.status])).toEqual([
      [50, 'legal', '2026-11-26T02:00:00.000Z', 'pending'],
      [75, 'legal', '2026-11-26T20:00:00.000Z', 'pending'],
      [90, 'legal', '2026-11-27T06:48:00.000Z', 'pending'],
      [90, 'commander', '2026-11-27T06:48:00.000Z', 'pending'],
    ]);
    expect(reminderTime(aware, due, 50).toISOString()).toBe('2026-11-26T02:00:00.000Z');
  });

  it('sends only the latest missed reminder per person when awareness is backdated', () => {
    const due = dueAt(aware, 'gdpr-breach');
    const now = new Date(aware.getTime() + 60 * HOUR); // 83 %: 50 and 75 passed, 90 not yet
    expect(planReminders(aware, due, now).map((p) => [p.percent, p.role, p.status])).toEqual([
      [50, 'legal', 'skipped'],
      [75, 'legal', 'pending'],
      [90, 'legal', 'pending'],
      [90, 'commander', 'pending'],
    ]);
  });

  it('is late when notified after the deadline, or still running past it', () => {
    const due = dueAt(aware, 'gdpr-breach');
    expect(isLate(due, new Date(due.getTime() - 1), due)).toBe(false);
    expect(isLate(due, due, new Date(due.getTime() + DAY))).toBe(false);
    expect(isLate(due, new Date(due.getTime() + MINUTE), due)).toBe(true);
    expect(isLate(due, null, new Date(due.getTime() - MINUTE))).toBe(false);
    expect(isLate(due, null, new Date(due.getTime() + MINUTE))).toBe(true);
  });

  it('reads spans and times the way the header shows them', () => {
    expect(formatSpan(25 * MINUTE)).toBe('25 min');
    expect(formatSpan(41 * HOUR + 59 * MINUTE)).toBe('41 h');
    expect(formatSpan(3 * DAY + 4 * HOUR)).toBe('3 d 4 h');
    expect(formatSpan(-5 * HOUR)).toBe('5 h');
    expect(shortTime(new Date('2026-11-24T14:00:00Z'), new Date('2026-11-23T09:00:00Z'), 'UTC')).toBe('Tue 14:00');
    expect(shortTime(new Date('2026-12-08T14:00:00Z'), new Date('2026-11-23T09:00:00Z'), 'UTC')).toBe('Tue 8 Dec 14:00');
    expect(shortTime(new Date('2026-11-24T14:00:00Z'), new Date('2026-11-23T09:00:00Z'), 'Europe/Berlin')).toBe('Tue 15:00');
  });

  it('maps typed names and playbook deadlines to clocks', () => {
    expect(parseClockKind('GDPR')).toBe('gdpr-breach');
    expect(parseClockKind('ai-act')).toBe('ai-act-serious');
    expect(parseClockKind('gdpr-breach')).toBe('gdpr-breach');
    expect(parseClockKind('hipaa')).toBeUndefined();
    expect(clockForDeadline('gdpr_art33')).toBe('gdpr-breach');
    expect(clockForDeadline('eu_ai_act_art73_death')).toBe('ai-act-serious');
    expect(clockForDeadline('processor_to_controller')).toBeUndefined();
  });

  it('writes a running, overdue and notified clock as one line each', () => {
    const clock: RegulatoryClock = {
      id: 1, incidentId: 1, kind: 'gdpr-breach', variant: 'general', startedAt: aware, dueAt: dueAt(aware, 'gdpr-breach'),
      flaggedAt: aware, flaggedBy: 'ana', stoppedAt: null, stopReason: null, notifiedAt: null, notifiedRef: null, lateReasons: null,
    };
    const now = new Date(aware.getTime() + 31 * HOUR);
    expect(clockLine(clock, now, 'UTC')).toMatch(/^GDPR notification due in 41 h, by Fri 14:00 \(GDPR Art\. 33\(1\): 72 h from awareness at 2026-11-24 14:00 UTC\)$/);
    expect(clockLine(clock, new Date(aware.getTime() + 75 * HOUR), 'UTC')).toContain('⚠️ GDPR notification overdue by 3 h');
    const notified = { ...clock, notifiedAt: new Date(aware.getTime() + 77 * HOUR), notifiedRef: 'DPA-7' };
    expect(clockLine(notified, now, 'UTC')).toBe('GDPR notification: notified late, 5 h after the deadline, 2026-11-27 19:00 UTC (ref DPA-7); reasons for the delay missing: `/incident notified gdpr because <reasons>`');
    expect(clockLine({ ...notified, notifiedAt: new Date(aware.getTime() + 70 * HOUR) }, now, 'UTC')).toBe('GDPR notification: notified on time, 2026-11-27 12:00 UTC (ref DPA-7)');
  });
});
