import type { Card } from '../cards/card.js';
import type { CoreContext } from '../context.js';
import { incidentRef } from '../incident/header-card.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { localDate } from './action-items.js';

/** The most overdue items a digest lists; the rest are counted. */
export const LISTED_OVERDUE = 15;

const DAY = 86_400_000;

/**
 * The weekly digest's "Overdue action items": open items (incident action items and exercise
 * corrective actions alike) whose due date has passed, oldest due first. A private incident's item
 * is shown by its number only; owners are mentioned on the platform the digest goes to.
 */
export async function overdueActionItemsSection(context: CoreContext, now: Date, platform?: ChatPlatform): Promise<NonNullable<Card['sections']>[number]> {
  const today = localDate(now, context.timeZone);
  const items = (await context.store.metrics.overdueActionItems(today)).sort((a, b) => a.due.localeCompare(b.due) || a.incidentId - b.incidentId || a.number - b.number);
  const mention = (owner: string, itemPlatform: string) => (platform && platform.name === itemPlatform ? platform.mention(owner) : `@${owner}`);
  const lines = items.slice(0, LISTED_OVERDUE).map((item) => {
    const late = Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${item.due}T00:00:00Z`)) / DAY);
    const text = item.incidentPrivate ? 'private incident' : item.text.length > 80 ? `${item.text.slice(0, 79)}…` : item.text;
    const from = item.source === 'exercise' ? ' (exercise)' : '';
    return `${incidentRef({ id: item.incidentId })}${from} item ${item.number}: ${text} (owner ${mention(item.owner, item.incidentPlatform)}, due ${item.due}, ${late} day${late === 1 ? '' : 's'} overdue)`;
  });
  if (items.length > LISTED_OVERDUE) lines.push(`… and ${items.length - LISTED_OVERDUE} more`);
  return { heading: `Overdue action items (${items.length})`, text: lines.length ? lines.join('\n') : 'none' };
}
