import type { RoleId } from '../domain.js';
import { dateFormat } from '../time/date-format.js';

/**
 * Regulatory clocks, as pure arithmetic: which windows the law sets, when each reminder is due,
 * whether a notification was late, and how the time left reads on a card. No I/O here.
 */
export const CLOCK_KINDS = ['gdpr-breach', 'ai-act-serious'] as const;
export type ClockKind = (typeof CLOCK_KINDS)[number];

/** EU AI Act Art. 73: 15 days in general (73(2)), 2 days for a widespread infringement or critical infrastructure (73(3)), 10 days for a death (73(4)). */
export const AI_ACT_VARIANTS = ['general', 'widespread', 'death'] as const;
export type ClockVariant = (typeof AI_ACT_VARIANTS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function windowMs(kind: ClockKind, variant: ClockVariant = 'general'): number {
  if (kind === 'gdpr-breach') return 72 * HOUR;
  return variant === 'widespread' ? 2 * DAY : variant === 'death' ? 10 * DAY : 15 * DAY;
}

export function dueAt(startedAt: Date, kind: ClockKind, variant: ClockVariant = 'general'): Date {
  return new Date(startedAt.getTime() + windowMs(kind, variant));
}

/** The words people type for each clock: `flag`/`unflag` take the full names, `notified` the short ones; each takes both. */
const ALIASES: Record<string, ClockKind> = {
  'gdpr-breach': 'gdpr-breach',
  gdpr: 'gdpr-breach',
  'ai-act-serious': 'ai-act-serious',
  'ai-act': 'ai-act-serious',
};

export function parseClockKind(token: string): ClockKind | undefined {
  const key = token.toLowerCase();
  return Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
}

/** `gdpr` / `ai-act`: what `notified` takes. */
export function shortName(kind: ClockKind): string {
  return kind === 'gdpr-breach' ? 'gdpr' : 'ai-act';
}

/** What the header calls the duty the clock counts down to. */
export function clockLabel(kind: ClockKind, variant: ClockVariant = 'general'): string {
  if (kind === 'gdpr-breach') return 'GDPR notification (Art. 33, 72 h)';
  const window = variant === 'widespread' ? 'widespread, 2 days' : variant === 'death' ? 'death, 10 days' : '15 days';
  return `AI Act serious-incident report (Art. 73, ${window})`;
}

/** The article and window, for a line that already names the duty. */
export function legalBasis(kind: ClockKind, variant: ClockVariant = 'general'): string {
  if (kind === 'gdpr-breach') return 'GDPR Art. 33(1): 72 h';
  return variant === 'widespread' ? 'AI Act Art. 73(3): 2 days' : variant === 'death' ? 'AI Act Art. 73(4): 10 days' : 'AI Act Art. 73(2): 15 days';
}

/** A short name for one-line messages: "GDPR notification", "AI Act report". */
export function clockShortLabel(kind: ClockKind): string {
  return kind === 'gdpr-breach' ? 'GDPR notification' : 'AI Act report';
}

/** The playbook deadline a clock replaces on the header, by the deadline's id. */
export function clockForDeadline(deadlineId: string): ClockKind | undefined {
  if (deadlineId === 'gdpr_art33') return 'gdpr-breach';
  if (deadlineId.startsWith('eu_ai_act_art73')) return 'ai-act-serious';
  return undefined;
}

export interface ReminderPlan {
  percent: number;
  role: RoleId;
  dueAt: Date;
  /** `skipped`: its moment had passed when the clock was flagged and a later one for the same person is due too. */
  status: 'pending' | 'skipped';
}

/** Legal at 50, 75 and 90 % of the window; the commander at 90 %. */
export const REMINDERS: readonly { percent: number; role: RoleId }[] = [
  { percent: 50, role: 'legal' },
  { percent: 75, role: 'legal' },
  { percent: 90, role: 'legal' },
  { percent: 90, role: 'commander' },
];

export function reminderTime(startedAt: Date, due: Date, percent: number): Date {
  return new Date(startedAt.getTime() + Math.round(((due.getTime() - startedAt.getTime()) * percent) / 100));
}

/**
 * The reminders of a clock flagged at `now`. A clock flagged late (awareness backdated) does not
 * send every reminder it missed at once: of those already due, each person gets only the latest.
 */
export function planReminders(startedAt: Date, due: Date, now: Date): ReminderPlan[] {
  const plans = REMINDERS.map(({ percent, role }) => ({ percent, role, dueAt: reminderTime(startedAt, due, percent), status: 'pending' as ReminderPlan['status'] }));
  for (const plan of plans) {
    if (plan.dueAt > now) continue;
    const laterPassed = plans.some((other) => other.role === plan.role && other.percent > plan.percent && other.dueAt <= now);
    if (laterPassed) plan.status = 'skipped';
  }
  return plans;
}

/** Late: notified after the deadline, or not notified and the deadline has passed. */
export function isLate(due: Date, notifiedAt: Date | null, now: Date): boolean {
  return notifiedAt ? notifiedAt.getTime() > due.getTime() : now.getTime() > due.getTime();
}

/** `25 min`, `41 h`, `3 d 4 h`: how long, rounded down to what matters at that scale. */
export function formatSpan(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 72) return `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** `Tue 14:00` within the coming six days, `Tue 8 Dec 14:00` further out or in the past, in the bot's time zone. */
export function shortTime(at: Date, now: Date, timeZone: string): string {
  const near = at.getTime() >= now.getTime() && at.getTime() - now.getTime() < 6 * DAY;
  const parts = dateFormat('en-GB', {
    timeZone,
    weekday: 'short',
    ...(near ? {} : { day: 'numeric', month: 'short' }),
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const hour = get('hour') === '24' ? '00' : get('hour');
  return near ? `${get('weekday')} ${hour}:${get('minute')}` : `${get('weekday')} ${get('day')} ${get('month')} ${hour}:${get('minute')}`;
}
