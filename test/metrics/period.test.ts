import { describe, expect, it } from 'vitest';
import { lastWeeks, parsePeriod, previousPeriod, quartersIn, resolvePeriod, zonedTime, type PeriodSpec } from '../../src/core/metrics/period.js';

const iso = (d: Date) => d.toISOString();

function resolve(text: string, now: string, tz: string) {
  const spec = parsePeriod(text) as PeriodSpec;
  const period = resolvePeriod(spec, new Date(now), tz);
  const previous = previousPeriod(spec, period, new Date(now), tz);
  return { from: iso(period.from), to: iso(period.to), label: period.label, previous: [iso(previous.from), iso(previous.to)] };
}

describe('periods in the bot\'s time zone', () => {
  it('reads the four forms and refuses anything else with the forms to use', () => {
    expect(parsePeriod('last-week')).toEqual({ kind: 'last-week' });
    expect(parsePeriod('This-Quarter')).toEqual({ kind: 'this-quarter' });
    expect(parsePeriod('2026-q3')).toEqual({ kind: 'quarter', year: 2026, quarter: 3 });
    expect(parsePeriod('2026-10-01..2026-10-31')).toEqual({ kind: 'range', from: '2026-10-01', to: '2026-10-31' });
    expect(parsePeriod('2026-02-30..2026-03-01')).toEqual({ error: '"2026-02-30..2026-03-01" needs two real dates as YYYY-MM-DD..YYYY-MM-DD' });
    expect(parsePeriod('yesterday')).toMatchObject({ error: expect.stringContaining('use last-week, this-week, this-quarter') });
    expect(parsePeriod('2010-01-01..2026-12-31')).toEqual({ error: 'a period spans at most 10 years; ask for several shorter ones' });
    expect(parsePeriod('2016-01-01..2026-12-31')).toMatchObject({ kind: 'range' });
  });

  it('starts weeks on Monday at local midnight, across a clock change', () => {
    // New York leaves daylight time on 2026-11-01: the week before last had an hour more.
    expect(resolve('last-week', '2026-11-04T15:00:00Z', 'America/New_York')).toEqual({
      from: '2026-10-26T04:00:00.000Z',
      to: '2026-11-02T05:00:00.000Z',
      label: 'last week (2026-10-26 – 2026-11-01)',
      previous: ['2026-10-19T04:00:00.000Z', '2026-10-26T04:00:00.000Z'],
    });
  });

  it('places quarters at local midnight: Tokyo\'s Q4 starts 9 hours before UTC\'s', () => {
    expect(resolve('2026-Q4', '2027-01-15T00:00:00Z', 'Asia/Tokyo')).toMatchObject({ from: '2026-09-30T15:00:00.000Z', to: '2026-12-31T15:00:00.000Z', label: '2026-Q4' });
    expect(resolve('this-quarter', '2026-11-25T09:00:00Z', 'America/New_York')).toMatchObject({
      from: '2026-10-01T04:00:00.000Z',
      to: '2026-11-25T09:00:00.000Z',
      previous: ['2026-07-01T04:00:00.000Z', '2026-10-01T04:00:00.000Z'],
    });
    expect(resolve('last-quarter', '2026-01-15T12:00:00Z', 'UTC')).toMatchObject({ label: '2025-Q4', previous: ['2025-07-01T00:00:00.000Z', '2025-10-01T00:00:00.000Z'] });
  });

  it('takes a date range as whole local days, compared with as many days before', () => {
    expect(resolve('2026-10-01..2026-10-31', '2026-11-25T09:00:00Z', 'America/New_York')).toEqual({
      from: '2026-10-01T04:00:00.000Z',
      to: '2026-11-01T04:00:00.000Z',
      label: '2026-10-01 – 2026-10-31',
      previous: ['2026-08-31T04:00:00.000Z', '2026-10-01T04:00:00.000Z'],
    });
  });

  it('lists the quarters a span touches and the last full weeks', () => {
    expect(quartersIn({ from: zonedTime(2026, 9, 1, 'UTC'), to: zonedTime(2027, 1, 2, 'UTC') }, 'UTC')).toEqual(['2026-Q3', '2026-Q4', '2027-Q1']);
    const weeks = lastWeeks(new Date('2026-11-30T14:00:00Z'), 'America/New_York', 8);
    expect(weeks.map((w) => w.label)).toEqual(['2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23']);
    expect(iso(weeks[7]!.to)).toBe('2026-11-30T05:00:00.000Z');
  });
});
