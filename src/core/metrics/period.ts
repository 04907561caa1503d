/**
 * Reporting periods: weeks start on Monday and quarters on Jan/Apr/Jul/Oct 1, at midnight in the
 * bot's time zone. A period is half-open: `from` inclusive, `to` exclusive.
 */
export interface Period {
  from: Date;
  to: Date;
  /** How a person reads it: `last week (2026-11-16 – 2026-11-22)`, `2026-Q3`. */
  label: string;
}

export type PeriodSpec =
  | { kind: 'last-week' }
  | { kind: 'this-week' }
  | { kind: 'this-quarter' }
  | { kind: 'last-quarter' }
  | { kind: 'quarter'; year: number; quarter: number }
  | { kind: 'range'; from: string; to: string };

export const PERIOD_HINT = 'last-week, this-week, this-quarter, last-quarter, a quarter like 2026-Q3, or dates like 2026-10-01..2026-10-31';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isRealDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const at = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === text;
}

/** Pure parsing of what a person typed; resolving needs the clock and the time zone. */
/** Periods stay within years Postgres and ISO strings both handle, with room for the period before. */
export const FIRST_YEAR = 1970;
export const LAST_YEAR = 2999;
const YEARS_HINT = `give a period between ${FIRST_YEAR} and ${LAST_YEAR}`;
/** A report lists every quarter it covers; past ten years that is noise, and slow. */
export const MAX_PERIOD_YEARS = 10;
export const SPAN_HINT = `a period spans at most ${MAX_PERIOD_YEARS} years; ask for several shorter ones`;
const yearInRange = (text: string) => Number(text.slice(0, 4)) >= FIRST_YEAR && Number(text.slice(0, 4)) <= LAST_YEAR;

export function parsePeriod(text: string): PeriodSpec | { error: string } {
  const value = text.trim().toLowerCase();
  if (value === 'last-week' || value === 'this-week' || value === 'this-quarter' || value === 'last-quarter') return { kind: value };
  const quarter = /^(\d{4})-q([1-4])$/.exec(value);
  if (quarter && !yearInRange(quarter[1]!)) return { error: YEARS_HINT };
  if (quarter) return { kind: 'quarter', year: Number(quarter[1]), quarter: Number(quarter[2]) };
  const range = /^(\S+)\.\.(\S+)$/.exec(value);
  if (range) {
    const [, from = '', to = ''] = range;
    if (!isRealDate(from) || !isRealDate(to)) return { error: `"${text}" needs two real dates as YYYY-MM-DD..YYYY-MM-DD` };
    if (!yearInRange(from) || !yearInRange(to)) return { error: YEARS_HINT };
    if (to < from) return { error: `the range ends (${to}) before it starts (${from})` };
    if (Number(to.slice(0, 4)) - Number(from.slice(0, 4)) > MAX_PERIOD_YEARS) return { error: SPAN_HINT };
    return { kind: 'range', from, to };
  }
  return { error: `"${text}" is not a period; use ${PERIOD_HINT}` };
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 1 = Monday … 7 = Sunday
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading of an instant in a time zone. */
export function localParts(at: Date, timeZone: string): LocalParts {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday ?? 'Mon'] ?? 1,
  };
}

/** The instant a wall-clock time happens in a time zone (the later one when clocks go back). */
export function zonedTime(year: number, month: number, day: number, timeZone: string, hour = 0, minute = 0): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wall;
  for (let i = 0; i < 3; i += 1) {
    const p = localParts(new Date(guess), timeZone);
    const seen = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    const next = guess + (wall - seen);
    if (next === guess) break;
    guess = next;
  }
  return new Date(guess);
}

/** `YYYY-MM-DD` of an instant in a time zone. */
export function localDateString(at: Date, timeZone: string): string {
  const p = localParts(at, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

function addDays(year: number, month: number, day: number, days: number): [number, number, number] {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}

export function startOfDay(at: Date, timeZone: string): Date {
  const p = localParts(at, timeZone);
  return zonedTime(p.year, p.month, p.day, timeZone);
}

export function startOfWeek(at: Date, timeZone: string, weeksBack = 0): Date {
  const p = localParts(at, timeZone);
  const [y, m, d] = addDays(p.year, p.month, p.day, -(p.weekday - 1) - 7 * weeksBack);
  return zonedTime(y, m, d, timeZone);
}

export function quarterOf(at: Date, timeZone: string): { year: number; quarter: number } {
  const p = localParts(at, timeZone);
  return { year: p.year, quarter: Math.floor((p.month - 1) / 3) + 1 };
}

export function quarterKey(year: number, quarter: number): string {
  return `${year}-Q${quarter}`;
}

export function quarterStart(year: number, quarter: number, timeZone: string): Date {
  const index = year * 4 + (quarter - 1);
  return zonedTime(Math.floor(index / 4), (index % 4) * 3 + 1, 1, timeZone);
}

function shiftQuarter(year: number, quarter: number, by: number): { year: number; quarter: number } {
  const index = year * 4 + (quarter - 1) + by;
  return { year: Math.floor(index / 4), quarter: (index % 4) + 1 };
}

export function quarterPeriod(year: number, quarter: number, timeZone: string): Period {
  const next = shiftQuarter(year, quarter, 1);
  return { from: quarterStart(year, quarter, timeZone), to: quarterStart(next.year, next.quarter, timeZone), label: quarterKey(year, quarter) };
}

/** Every quarter a period touches, in order, as `2026-Q4` keys. */
export function quartersIn(period: Pick<Period, 'from' | 'to'>, timeZone: string): string[] {
  if (period.to <= period.from) return [];
  let q = quarterOf(period.from, timeZone);
  const last = quarterOf(new Date(period.to.getTime() - 1), timeZone);
  const keys: string[] = [];
  while (q.year * 4 + q.quarter <= last.year * 4 + last.quarter) {
    keys.push(quarterKey(q.year, q.quarter));
    q = shiftQuarter(q.year, q.quarter, 1);
  }
  return keys;
}

function dayLabel(from: Date, to: Date, timeZone: string): string {
  const last = localDateString(new Date(to.getTime() - 1), timeZone);
  return `${localDateString(from, timeZone)} – ${last}`;
}

export function resolvePeriod(spec: PeriodSpec, now: Date, timeZone: string): Period {
  switch (spec.kind) {
    case 'last-week': {
      const from = startOfWeek(now, timeZone, 1);
      const to = startOfWeek(now, timeZone);
      return { from, to, label: `last week (${dayLabel(from, to, timeZone)})` };
    }
    case 'this-week': {
      const from = startOfWeek(now, timeZone);
      return { from, to: now, label: `this week so far (since ${localDateString(from, timeZone)})` };
    }
    case 'this-quarter': {
      const q = quarterOf(now, timeZone);
      return { from: quarterStart(q.year, q.quarter, timeZone), to: now, label: `${quarterKey(q.year, q.quarter)} so far` };
    }
    case 'last-quarter': {
      const q = quarterOf(now, timeZone);
      const previous = shiftQuarter(q.year, q.quarter, -1);
      return quarterPeriod(previous.year, previous.quarter, timeZone);
    }
    case 'quarter':
      return quarterPeriod(spec.year, spec.quarter, timeZone);
    case 'range': {
      const [fy, fm, fd] = spec.from.split('-').map(Number) as [number, number, number];
      const [ty, tm, td] = addDays(...(spec.to.split('-').map(Number) as [number, number, number]), 1);
      const from = zonedTime(fy, fm, fd, timeZone);
      const to = zonedTime(ty, tm, td, timeZone);
      return { from, to, label: dayLabel(from, to, timeZone) };
    }
  }
}

/** The period a report compares against: the week or quarter before, or an equally long span before. */
export function previousPeriod(spec: PeriodSpec, period: Period, now: Date, timeZone: string): Period {
  switch (spec.kind) {
    case 'last-week':
    case 'this-week': {
      const weeksBack = spec.kind === 'last-week' ? 2 : 1;
      const from = startOfWeek(now, timeZone, weeksBack);
      const to = startOfWeek(now, timeZone, weeksBack - 1);
      return { from, to, label: `the week before (${dayLabel(from, to, timeZone)})` };
    }
    case 'this-quarter':
    case 'last-quarter':
    case 'quarter': {
      const q = quarterOf(period.from, timeZone);
      const previous = shiftQuarter(q.year, q.quarter, -1);
      return quarterPeriod(previous.year, previous.quarter, timeZone);
    }
    case 'range': {
      const length = period.to.getTime() - period.from.getTime();
      const from = new Date(period.from.getTime() - length);
      return { from, to: period.from, label: `the span before (${dayLabel(from, period.from, timeZone)})` };
    }
  }
}

/** The `count` full Monday-start weeks before the current one, oldest first. */
export function lastWeeks(now: Date, timeZone: string, count: number): Period[] {
  const weeks: Period[] = [];
  for (let back = count; back >= 1; back -= 1) {
    const from = startOfWeek(now, timeZone, back);
    weeks.push({ from, to: startOfWeek(now, timeZone, back - 1), label: localDateString(from, timeZone) });
  }
  return weeks;
}
