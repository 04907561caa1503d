import type { Card } from '../cards/card.js';
import type { CoreContext } from '../context.js';
import { ROLES } from '../domain.js';
import { channelLink } from '../incident/channel-name.js';
import { incidentRef } from '../incident/header-card.js';
import type { Incident } from '../incident/incident.js';
import { refreshCards } from '../incident/refresh-cards.js';
import { runLeasedReminders, type ReminderOutcome, type ReminderRound } from '../reminders/run-leased-reminders.js';
import { tellChannel } from '../roles/tell-channel.js';
import { formatTime } from '../time/time-input.js';
import type { ClockReminder, RegulatoryClock } from './clock.js';
import { clockShortLabel, formatSpan, legalBasis, shortName } from './deadline.js';

/** As for pages (roles/deliver-pages.ts): a claimed reminder is out of other workers' reach this long, renewed right before the send. */
export const REMINDER_LEASE_MS = 60_000;
const REMINDER_BATCH = 5;

/** The direct message: which duty, how long is left, and what to type once it is done. */
export function reminderCard(incident: Incident, clock: RegulatoryClock, reminder: Pick<ClockReminder, 'percent' | 'role'>, now: Date, platform: Parameters<typeof channelLink>[0], timeZone: string): Card {
  const left = clock.dueAt.getTime() - now.getTime();
  const when = left >= 0 ? `due in ${formatSpan(left)}` : `overdue by ${formatSpan(left)}`;
  return {
    title: `Reminder: ${clockShortLabel(clock.kind)} for ${incidentRef(incident)} ${when}`,
    sections: [
      { text: incident.title },
      {
        text: `${reminder.percent} % of the window (${legalBasis(clock.kind, clock.variant)} from awareness at ${formatTime(clock.startedAt, timeZone)}) has passed: due by ${formatTime(clock.dueAt, timeZone)}. You get this as ${ROLES[reminder.role].name}.`,
      },
      { text: `Once the authority is notified, type \`/incident notified ${shortName(clock.kind)} [at=<time>] [ref=<text>]\` in ${channelLink(platform, incident) ?? 'the incident channel'}.` },
    ],
    context: ['Sent by the incident bot at 50, 75 and 90 % of the window (the commander at 90 %).'],
  };
}

/** Sends one claimed reminder to whoever holds its role now, and records it once. */
async function remind(context: CoreContext, reminder: ClockReminder, worker: string): Promise<ReminderOutcome> {
  const claim = () => ({ worker, now: context.clock.now() });
  const [incident, clocks, roles] = await Promise.all([
    context.store.incidents.get(reminder.incidentId),
    context.store.clocks.forIncident(reminder.incidentId),
    context.store.roles.forIncident(reminder.incidentId),
  ]);
  const clock = clocks.find((c) => c.id === reminder.clockId);
  // Notified, unflagged, or the incident was not real: nothing to remind of.
  if (!incident || !clock || clock.notifiedAt || incident.state === 'false_positive') {
    return (await context.store.clocks.settleReminder(reminder.id, { status: 'cancelled' }, claim())) ? 'cancelled' : 'lost';
  }
  const holder = roles.find((r) => r.role === reminder.role)?.userId ?? null;
  const platform = context.platforms.get(incident.platform);
  let error: string | null = null;
  if (!holder) error = `nobody holds ${ROLES[reminder.role].name}`;
  else if (!platform) error = `no chat platform "${incident.platform}" is running`;
  else {
    if (!(await context.store.clocks.holdReminder(reminder.id, { ...claim(), leaseMs: REMINDER_LEASE_MS }))) return 'lost';
    try {
      await platform.sendDirect(holder, reminderCard(incident, clock, reminder, context.clock.now(), platform, context.timeZone));
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
  }
  const now = context.clock.now();
  const settled = await context.store.transaction(async (store) => {
    if (!(await store.clocks.settleReminder(reminder.id, { status: error ? 'failed' : 'sent', userId: holder, ...(error ? { error } : { sentAt: now }) }, claim()))) return false;
    await store.events.append(
      error
        ? {
            incidentId: incident.id,
            kind: 'clock_reminder_failed',
            payload: { clock: clock.kind, reminder_id: reminder.id, percent: reminder.percent, role: reminder.role, user: holder, error },
            actor: 'bot',
            occurredAt: now,
            idempotencyKey: `clock-reminder-failed:${reminder.id}`,
          }
        : {
            incidentId: incident.id,
            kind: 'clock_reminder_sent',
            payload: { clock: clock.kind, reminder_id: reminder.id, percent: reminder.percent, role: reminder.role, user: holder! },
            actor: 'bot',
            occurredAt: now,
            idempotencyKey: `clock-reminder:${reminder.id}`,
          },
    );
    return true;
  });
  if (!settled) return 'lost';
  if (error) {
    const fix = holder ? '' : ` \`/incident assign ${reminder.role} @someone\` so the next one reaches a person.`;
    await tellChannel(context, incident, `⚠️ The ${reminder.percent} % reminder of the ${clockShortLabel(clock.kind)} (due ${formatTime(clock.dueAt, context.timeZone)}) did not reach ${ROLES[reminder.role].name}: ${error}.${fix}`);
  }
  // The header's time left is re-rendered (the row's reminded_percent moved its card version).
  await refreshCards(context, incident.id).catch((failure: unknown) => context.logger.warn({ incidentId: incident.id, err: failure instanceof Error ? failure.message : String(failure) }, 'could not refresh the cards after a reminder'));
  return error ? 'failed' : 'sent';
}

/**
 * Sends every clock reminder that is due by the injected clock, claimed under a lease and settled once
 * (reminders/run-leased-reminders.ts).
 */
export function runDueReminders(context: CoreContext): Promise<ReminderRound> {
  return runLeasedReminders(context, {
    name: 'clock reminder',
    leaseMs: REMINDER_LEASE_MS,
    batch: REMINDER_BATCH,
    claim: (request) => context.store.clocks.claimReminders(request),
    release: (id, retryAt, claim) => context.store.clocks.releaseReminder(id, retryAt, claim),
    remind: (reminder, worker) => remind(context, reminder, worker),
  });
}
