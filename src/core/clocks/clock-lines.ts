import { formatTime } from '../time/time-input.js';
import type { RegulatoryClock } from './clock.js';
import { clockShortLabel, formatSpan, isLate, legalBasis, shortName, shortTime } from './deadline.js';

/**
 * One line per clock, as the header and the digest show it: time left while it runs, overdue
 * once the deadline passed, and notified on time or late (with the reasons, or that they are
 * missing) once it stopped.
 */
export function clockLine(clock: RegulatoryClock, now: Date, timeZone: string): string {
  const label = clockShortLabel(clock.kind);
  const basis = legalBasis(clock.kind, clock.variant);
  const name = shortName(clock.kind);
  if (clock.notifiedAt) {
    const ref = clock.notifiedRef ? ` (ref ${clock.notifiedRef})` : '';
    if (!isLate(clock.dueAt, clock.notifiedAt, now)) return `${label}: notified on time, ${formatTime(clock.notifiedAt, timeZone)}${ref}`;
    const after = formatSpan(clock.notifiedAt.getTime() - clock.dueAt.getTime());
    const reasons = clock.lateReasons
      ? `reasons for the delay: ${clock.lateReasons}`
      : `reasons for the delay missing: \`/incident notified ${name} because <reasons>\``;
    return `${label}: notified late, ${after} after the deadline, ${formatTime(clock.notifiedAt, timeZone)}${ref}; ${reasons}`;
  }
  const left = clock.dueAt.getTime() - now.getTime();
  if (left < 0) {
    return `⚠️ ${label} overdue by ${formatSpan(left)} (was due ${shortTime(clock.dueAt, now, timeZone)}, ${basis}): notify now with the reasons for the delay, \`/incident notified ${name} because <reasons>\``;
  }
  return `${label} due in ${formatSpan(left)}, by ${shortTime(clock.dueAt, now, timeZone)} (${basis} from awareness at ${formatTime(clock.startedAt, timeZone)})`;
}
