import type { Card } from '../cards/card.js';
import type { CoreContext } from '../context.js';
import { channelLink } from '../incident/channel-name.js';
import { incidentRef } from '../incident/header-card.js';
import type { ActionItem, Incident } from '../incident/incident.js';
import { seesDetails } from '../incident/permissions.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { runLeasedReminders, type ReminderOutcome, type ReminderRound } from '../reminders/run-leased-reminders.js';
import { tellChannel } from '../roles/tell-channel.js';
import type { ActionItemReminder } from './action-item-reminders.js';
import { localDate } from './action-items.js';

/** As for pages: a claimed reminder is out of other workers' reach this long, renewed right before the send. */
export const ACTION_REMINDER_LEASE_MS = 60_000;
/** A send that failed is tried again this much later, up to MAX_ATTEMPTS in all. */
export const ACTION_REMINDER_RETRY_MS = 5 * 60_000;
export const ACTION_REMINDER_MAX_ATTEMPTS = 3;
const BATCH = 10;

/**
 * The direct message to the owner. A private incident's item is named by its number only: its
 * details stay in its channel (permissions.ts `seesDetails`; a direct message is not that channel).
 */
export function actionItemReminderCard(incident: Incident, item: ActionItem, reminder: Pick<ActionItemReminder, 'kind'>, platform: ChatPlatform | undefined): Card {
  const when = reminder.kind === 'day_before' ? 'tomorrow' : 'today';
  const where = channelLink(platform, incident) ?? 'the incident channel';
  const details = seesDetails({ platform: incident.platform, channelId: '' }, incident);
  return {
    title: `Reminder: action item ${item.number} of ${incidentRef(incident)} is due ${when} (${item.due})`,
    sections: [
      { text: details ? `${item.text}\n_${incident.title}_` : `${incidentRef(incident)} is private: see the item with \`/incident actions mine\` in its channel.` },
      { text: `Once it is done, type \`/incident action done ${item.number}\` in ${where}.` },
    ],
    context: ['Sent by the incident bot to an action item\'s owner the day before its due date and on it.'],
  };
}

async function remind(context: CoreContext, reminder: ActionItemReminder, worker: string): Promise<ReminderOutcome> {
  const claim = () => ({ worker, now: context.clock.now() });
  const [incident, items] = await Promise.all([context.store.incidents.get(reminder.incidentId), context.store.actionItems.forIncident(reminder.incidentId)]);
  const item = items.find((i) => i.number === reminder.number);
  // Done already (or gone): nothing to remind of.
  if (!incident || !item || item.doneAt) {
    return (await context.store.actionItemReminders.settle(reminder.id, { status: 'cancelled' }, claim())) ? 'cancelled' : 'lost';
  }
  // A "due tomorrow" that could not go out before the due date (the bot was down) is left out: the due-date one follows.
  if (reminder.kind === 'day_before' && localDate(context.clock.now(), context.timeZone) >= item.due) {
    return (await context.store.actionItemReminders.settle(reminder.id, { status: 'skipped' }, claim())) ? 'cancelled' : 'lost';
  }
  const platform = context.platforms.get(incident.platform);
  let error: string | null = null;
  if (!platform) error = `no chat platform "${incident.platform}" is running`;
  else {
    if (!(await context.store.actionItemReminders.hold(reminder.id, { ...claim(), leaseMs: ACTION_REMINDER_LEASE_MS }))) return 'lost';
    try {
      await platform.sendDirect(item.owner, actionItemReminderCard(incident, item, reminder, platform));
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
  }
  if (error && reminder.attempts < ACTION_REMINDER_MAX_ATTEMPTS) {
    await context.store.actionItemReminders.release(reminder.id, new Date(context.clock.now().getTime() + ACTION_REMINDER_RETRY_MS), claim());
    return 'retry';
  }
  const now = context.clock.now();
  const settled = await context.store.transaction(async (store) => {
    if (!(await store.actionItemReminders.settle(reminder.id, { status: error ? 'failed' : 'sent', userId: item.owner, ...(error ? { error } : { sentAt: now }) }, claim()))) return false;
    await store.events.append({
      incidentId: incident.id,
      kind: 'action_item_reminded',
      payload: { number: item.number, reminder_id: reminder.id, when: reminder.kind, owner: item.owner, sent: !error, error },
      actor: 'bot',
      occurredAt: now,
      idempotencyKey: `action-item-reminder:${reminder.id}`,
    });
    return true;
  });
  if (!settled) return 'lost';
  if (error) await tellChannel(context, incident, `⚠️ The reminder of action item ${item.number} (due ${item.due}) did not reach its owner: ${error}.`);
  return error ? 'failed' : 'sent';
}

/**
 * Sends every action item reminder that is due by the injected clock, claimed under a lease and settled once
 * (reminders/run-leased-reminders.ts).
 */
export function runDueActionItemReminders(context: CoreContext): Promise<ReminderRound> {
  return runLeasedReminders(context, {
    name: 'action item reminder',
    leaseMs: ACTION_REMINDER_LEASE_MS,
    batch: BATCH,
    claim: (request) => context.store.actionItemReminders.claim(request),
    release: (id, retryAt, claim) => context.store.actionItemReminders.release(id, retryAt, claim),
    remind: (reminder, worker) => remind(context, reminder, worker),
  });
}
