import { CARD_ACTION } from '../cards/actions.js';
import type { Card } from '../cards/card.js';
import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { incidentRef } from '../incident/header-card.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { refreshCards } from '../incident/refresh-cards.js';
import { privateReply, publicReply, type Reply } from '../reply.js';
import { formatTime } from '../time/time-input.js';
import type { RegulatoryClock } from './clock.js';
import { clockShortLabel, formatSpan, isLate, shortName, type ClockKind } from './deadline.js';

/** The longest reasons kept: a paragraph or two, as a notification form's field holds. */
export const LATE_REASONS_MAX = 2000;

/** Asks for the reasons for a late notification: the button opens a free-text form (cards/forms.ts `lateReasonsForm`). */
export function lateReasonsCard(incidentId: number, clock: Pick<RegulatoryClock, 'kind' | 'dueAt'>, notifiedAt: Date, timeZone: string): Card {
  const name = shortName(clock.kind);
  return {
    title: `Reasons for the delay: ${clockShortLabel(clock.kind)} · ${incidentRef({ id: incidentId })}`,
    sections: [
      {
        text: `Notified ${formatTime(notifiedAt, timeZone)}, ${formatSpan(notifiedAt.getTime() - clock.dueAt.getTime())} after the deadline (${formatTime(clock.dueAt, timeZone)}). ${
          clock.kind === 'gdpr-breach' ? 'GDPR Art. 33(1): a notification after 72 hours must be accompanied by the reasons for the delay.' : 'Record why the report came after the Art. 73 deadline.'
        }`,
      },
    ],
    actions: [{ id: CARD_ACTION.lateReasons, label: 'Give the reasons', value: `${incidentId}:${name}`, style: 'primary' }],
    context: [`Or type \`/incident notified ${name} because <reasons>\`.`],
  };
}

/**
 * `notified <gdpr|ai-act> [at=<time>] [ref=<text>] [because <reasons>]`: the notification was made
 * and the clock stops. Made after the deadline, it asks for the reasons for the delay (kept with
 * the clock; the header says they are missing until they are given). On a clock already notified
 * late, `because <reasons>` alone records the reasons.
 */
export async function notifyClock(
  context: CoreContext,
  actor: Actor,
  incidentId: number,
  kind: ClockKind,
  options: { at?: Date; ref?: string; because?: string } = {},
): Promise<Reply> {
  const now = context.clock.now();
  const tz = context.timeZone;
  const name = shortName(kind);
  const at = options.at ?? now;
  if (at.getTime() > now.getTime()) {
    throw new AppError('invalid_time', `at=${formatTime(at, tz)} is in the future; give when the notification was made, at the latest now (${formatTime(now, tz)})`);
  }
  const because = options.because?.trim().slice(0, LATE_REASONS_MAX) || undefined;
  const outcome = await changeIncident(context, incidentId, async (store) => {
    const clock = await store.clocks.current(incidentId, kind);
    if (!clock) throw new AppError('not_found', `no ${kind} clock is running on this incident; \`/incident flag ${kind} [aware=<time>]\` starts one`);
    if (clock.notifiedAt) {
      const late = isLate(clock.dueAt, clock.notifiedAt, now);
      if (!because || options.at || options.ref) {
        const add = late ? `; to record the reasons for the delay: \`/incident notified ${name} because <reasons>\`` : '';
        throw new AppError('invalid_transition', `the ${clockShortLabel(kind)} was already recorded, ${formatTime(clock.notifiedAt, tz)}${add}`);
      }
      if (!late) throw new AppError('invalid_transition', `the ${clockShortLabel(kind)} was on time (${formatTime(clock.notifiedAt, tz)}); no reasons for a delay are needed`);
      await store.clocks.recordLateReasons(clock.id, because);
      await store.events.append({ incidentId, kind: 'clock_late_reasons', payload: { clock: kind, reasons: because }, actor: actor.userId, occurredAt: now });
      return { clock, kind: 'reasons' as const };
    }
    if (at.getTime() < clock.startedAt.getTime()) {
      throw new AppError('invalid_time', `at=${formatTime(at, tz)} is before the clock started (${formatTime(clock.startedAt, tz)}); give when the notification was made`);
    }
    const late = isLate(clock.dueAt, at, now);
    const reasons = late ? (because ?? null) : null;
    await store.clocks.notify(clock.id, at, options.ref ?? null, reasons);
    await store.events.append({
      incidentId,
      kind: 'clock_notified',
      payload: { clock: kind, notified_at: at.toISOString(), due_at: clock.dueAt.toISOString(), late, ref: options.ref ?? null, reasons },
      actor: actor.userId,
      occurredAt: at,
    });
    return { clock, kind: 'notified' as const, late, reasons };
  });
  await refreshCards(context, incidentId);
  const label = clockShortLabel(kind);
  if (outcome.kind === 'reasons') return publicReply(`Reasons for the late ${label} recorded: ${because}`);
  const ref = options.ref ? ` (ref ${options.ref})` : '';
  if (!outcome.late) {
    return publicReply(`${label} recorded, ${formatTime(at, tz)}${ref}: on time, ${formatSpan(outcome.clock.dueAt.getTime() - at.getTime())} before the deadline. The clock and its reminders stopped.`);
  }
  const late = `${label} recorded, ${formatTime(at, tz)}${ref}: late, ${formatSpan(at.getTime() - outcome.clock.dueAt.getTime())} after the deadline (${formatTime(outcome.clock.dueAt, tz)}). The clock and its reminders stopped.`;
  if (outcome.reasons) return publicReply(`${late}\nReasons for the delay recorded: ${outcome.reasons}`);
  const card = lateReasonsCard(incidentId, outcome.clock, at, tz);
  return publicReply(`${late}\nGive the reasons for the delay: the button below, or \`/incident notified ${name} because <reasons>\`.`, card);
}

/** A click on the reasons form's submit. */
export async function submitLateReasons(context: CoreContext, actor: Actor, incidentId: number, kind: ClockKind, reasons: string): Promise<Reply> {
  if (!reasons.trim()) return privateReply(`Write the reasons for the delay, or type \`/incident notified ${shortName(kind)} because <reasons>\`.`);
  return notifyClock(context, actor, incidentId, kind, { because: reasons });
}
