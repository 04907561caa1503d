import type { Card } from '../cards/card.js';
import type { CoreContext } from '../context.js';
import { startOfWeek } from '../metrics/period.js';
import { clockLine } from './clock-lines.js';

/**
 * The digest's "Regulatory clocks due this week": every clock (running or notified, not
 * unflagged) whose deadline falls in the week holding `now`, in the bot's time zone, with its
 * incident (a private one by number and severity only). Undefined when there are none.
 */
export async function clocksDueSection(context: CoreContext, now: Date): Promise<NonNullable<Card['sections']>[number] | undefined> {
  const tz = context.timeZone;
  const from = startOfWeek(now, tz);
  const to = startOfWeek(now, tz, -1);
  const due = await context.store.clocks.dueBetween(from, to);
  if (due.length === 0) return undefined;
  const lines = due.map(({ clock, incident }) => {
    // A private incident's details stay in its channel: no title, reference or reasons here.
    const shown = incident.private ? { ...clock, notifiedRef: null, lateReasons: clock.lateReasons && 'given in the incident' } : clock;
    return `#${incident.id} ${incident.severity.toUpperCase()} ${incident.private ? 'private incident' : incident.title}: ${clockLine(shown, now, tz)}`;
  });
  return { heading: 'Regulatory clocks due this week', text: lines.join('\n') };
}
