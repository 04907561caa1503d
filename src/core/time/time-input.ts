import { dateFormat } from './date-format.js';

/**
 * Times typed by people: ISO-8601 with an offset (`2026-11-25T09:30+01:00`) or relative to now
 * (`-20m`, `-2h`, `-1d`). Parsing is pure; resolving a relative time needs the clock.
 */
export type TimeInput =
  | { kind: 'absolute'; at: Date; text: string }
  | { kind: 'relative'; offsetMs: number; text: string };

export const TIME_HINT = 'an ISO-8601 time with an offset like 2026-11-25T09:30+01:00, or relative like -20m, -2h, -1d';

const RELATIVE = /^-(\d{1,5})([smhd])$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseTimeInput(text: string): TimeInput | { error: string } {
  const relative = RELATIVE.exec(text);
  if (relative) {
    const unit = relative[2] as keyof typeof UNIT_MS;
    return { kind: 'relative', offsetMs: Number(relative[1]) * UNIT_MS[unit], text };
  }
  if (ISO_WITH_OFFSET.test(text)) {
    const at = new Date(text.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (!Number.isNaN(at.getTime()) && wallClockExists(text)) return { kind: 'absolute', at, text };
    return { error: `"${text}" is not a real date or time` };
  }
  if (/^\d{4}-\d{2}-\d{2}T?\d{2}:\d{2}/.test(text)) {
    return { error: `"${text}" has no UTC offset; add one, e.g. ${text}Z or ${text}+01:00` };
  }
  return { error: `"${text}" is not a time; use ${TIME_HINT}` };
}

/**
 * Whether the date and time written at the start of `YYYY-MM-DD[Thh:mm[:ss]]` exist on the
 * calendar. `Date` quietly rolls 30 February over to 2 March and 24:00 to the next day.
 */
export function wallClockExists(text: string): boolean {
  const parts = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text);
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days && hour < 24 && minute < 60 && second < 60;
}

export function resolveTime(input: TimeInput, now: Date): Date {
  return input.kind === 'absolute' ? input.at : new Date(now.getTime() - input.offsetMs);
}

/** `2026-11-25 09:30 UTC` in the bot's time zone. */
export function formatTime(at: Date, timeZone: string): string {
  const parts = dateFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZoneName: 'short',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const hour = get('hour') === '24' ? '00' : get('hour');
  return `${get('year')}-${get('month')}-${get('day')} ${hour}:${get('minute')} ${get('timeZoneName')}`;
}

/** `20261125` in the bot's time zone, for channel names. */
export function compactDate(at: Date, timeZone: string): string {
  const parts = dateFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}${get('month')}${get('day')}`;
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
