import type { CoreContext } from '../context.js';
import type { OverdueActionItem } from '../metrics/metrics.js';
import { localDate } from './action-items.js';

/**
 * Sends each owner one direct message listing their overdue action items (open, due before today
 * in the bot's time zone), on the chat platform of each item's incident. Returns how many owners.
 */
export async function remindOverdueActionItems(context: CoreContext, at: Date): Promise<number> {
  const today = localDate(at, context.timeZone);
  const items = await context.store.metrics.overdueActionItems(today);
  const byOwner = new Map<string, OverdueActionItem[]>();
  for (const item of items) {
    const key = `${item.incidentPlatform}\u0000${item.owner}`;
    byOwner.set(key, [...(byOwner.get(key) ?? []), item]);
  }
  let sent = 0;
  for (const owned of byOwner.values()) {
    const first = owned[0]!;
    const platform = context.platforms.get(first.incidentPlatform);
    if (!platform) continue;
    const lines = owned.map(
      (item) => `#${item.incidentId} item ${item.number}: ${item.incidentPrivate ? 'a private incident\'s item (see it in its channel)' : item.text} (due ${item.due})${item.incidentChannelId ? `; \`/incident action done ${item.number}\` in its channel` : ''}`,
    );
    try {
      await platform.sendDirect(first.owner, {
        title: `${owned.length} overdue action item${owned.length === 1 ? '' : 's'}`,
        sections: [{ text: lines.join('\n') }],
      });
      sent += 1;
    } catch (error) {
      context.logger.warn({ owner: first.owner, err: error instanceof Error ? error.message : String(error) }, 'overdue reminder not delivered');
    }
  }
  return sent;
}
