import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { changeIncident } from '../incident/incident-transaction.js';
import type { ActionItem } from '../incident/incident.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import type { Store } from '../ports/store.js';
import { privateReply, publicReply, type Reply } from '../reply.js';
import { formatTime } from '../time/time-input.js';
import { planReminders } from './action-item-reminders.js';
import { dateFormat } from '../time/date-format.js';

/** Today's date in the bot's time zone, as YYYY-MM-DD: due dates are calendar days there. */
export function localDate(at: Date, timeZone: string): string {
  return dateFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function isOverdue(item: ActionItem, today: string): boolean {
  return item.doneAt === null && item.due < today;
}

/** An item's status as every list shows it: open, overdue, done (on time) or done late. */
export function actionItemStatus(item: ActionItem, today: string, timeZone: string): 'open' | 'overdue' | 'done' | 'done late' {
  if (item.doneAt) return localDate(item.doneAt, timeZone) <= item.due ? 'done' : 'done late';
  return isOverdue(item, today) ? 'overdue' : 'open';
}

/** The three writes of a new action item, in the caller's transaction: the item, its owner's reminders, its event. */
export async function recordActionItem(store: Store, item: { incidentId: number; text: string; owner: string; due: string; source: 'incident' | 'exercise' }, actor: string, now: Date, timeZone: string): Promise<ActionItem> {
  const added = await store.actionItems.add({ ...item, createdAt: now, createdBy: actor });
  // The owner is reminded the day before and on the due date (review/remind-action-items.ts).
  await store.actionItemReminders.schedule(item.incidentId, added.number, planReminders(item.due, now, timeZone));
  await store.events.append({ incidentId: item.incidentId, kind: 'action_item_added', payload: { number: added.number, text: item.text, owner: item.owner, due: item.due }, actor, occurredAt: now });
  return added;
}

export async function addActionItem(context: CoreContext, actor: Actor, incidentId: number, text: string, owner: string, due: string, platform: ChatPlatform): Promise<Reply> {
  const now = context.clock.now();
  const item = await changeIncident(context, incidentId, (store, incident) =>
    recordActionItem(store, { incidentId, text, owner, due, source: incident.isExercise ? 'exercise' : 'incident' }, actor.userId, now, context.timeZone),
  );
  return publicReply(`Action item ${item.number}: ${text} (owner ${platform.mention(owner)}, due ${due}).`);
}

export async function completeActionItem(context: CoreContext, actor: Actor, incidentId: number, number: number): Promise<Reply> {
  const now = context.clock.now();
  const item = await changeIncident(context, incidentId, async (store) => {
    const items = await store.actionItems.forIncident(incidentId);
    const item = items.find((i) => i.number === number);
    if (!item) throw new AppError('not_found', items.length ? `there is no action item ${number}; \`/incident actions\` lists them` : 'this incident has no action items yet');
    if (item.doneAt) throw new AppError('invalid_transition', `action item ${number} is already done`);
    await store.actionItems.complete(incidentId, number, now, actor.userId);
    await store.actionItemReminders.cancel(incidentId, number);
    const onTime = localDate(now, context.timeZone) <= item.due;
    await store.events.append({ incidentId, kind: 'action_item_completed', payload: { number, on_time: onTime }, actor: actor.userId, occurredAt: now });
    return { ...item, onTime };
  });
  return publicReply(`Action item ${number} done${item.onTime ? '' : ' (after its due date)'}: ${item.text}`);
}

export async function listActionItems(context: CoreContext, actor: Actor, incidentId: number, filter: 'all' | 'mine' | 'overdue', platform: ChatPlatform): Promise<Reply> {
  const today = localDate(context.clock.now(), context.timeZone);
  const items = (await context.store.actionItems.forIncident(incidentId)).filter((item) =>
    filter === 'mine' ? item.owner === actor.userId : filter === 'overdue' ? isOverdue(item, today) : true,
  );
  if (items.length === 0) {
    return privateReply(filter === 'all' ? 'No action items yet. Add one with `/incident action <text> owner=@person due=YYYY-MM-DD`.' : `No ${filter === 'mine' ? 'action items of yours' : 'overdue action items'}.`);
  }
  const lines = items.map((item) => {
    const status = item.doneAt ? `done ${formatTime(item.doneAt, context.timeZone)}` : isOverdue(item, today) ? 'OVERDUE' : 'open';
    return `${item.number}. [${status}] ${item.text} (owner ${platform.mention(item.owner)}, due ${item.due})`;
  });
  return privateReply(lines.join('\n'));
}
