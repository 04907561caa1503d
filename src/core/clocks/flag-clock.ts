import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { refreshCards } from '../incident/refresh-cards.js';
import { publicReply, type Reply } from '../reply.js';
import { formatTime } from '../time/time-input.js';
import { clockShortLabel, dueAt, formatSpan, legalBasis, planReminders, shortName, type ClockKind, type ClockVariant } from './deadline.js';
import { runDueReminders } from './remind-clocks.js';

/**
 * `flag gdpr-breach [aware=<time>]` / `flag ai-act-serious [widespread|death] [aware=<time>]`:
 * starts the clock from awareness (default now) and queues its reminders, in one transaction
 * with its event.
 */
export async function flagClock(
  context: CoreContext,
  actor: Actor,
  incidentId: number,
  kind: ClockKind,
  options: { variant?: ClockVariant; aware?: Date } = {},
): Promise<Reply> {
  const now = context.clock.now();
  const tz = context.timeZone;
  const aware = options.aware ?? now;
  if (aware.getTime() > now.getTime()) {
    throw new AppError('invalid_time', `aware=${formatTime(aware, tz)} is in the future; give when you became aware, at the latest now (${formatTime(now, tz)}), e.g. aware=-2h`);
  }
  if (kind === 'gdpr-breach' && options.variant && options.variant !== 'general') {
    throw new AppError('bad_command', `${options.variant} is for the AI Act clock: \`/incident flag ai-act-serious ${options.variant}\``);
  }
  const variant = options.variant ?? 'general';
  const due = dueAt(aware, kind, variant);
  const outcome = await changeIncident(context, incidentId, async (store) => {
    const current = await store.clocks.current(incidentId, kind);
    if (current?.notifiedAt) {
      throw new AppError('invalid_transition', `the ${clockShortLabel(kind)} was already made, ${formatTime(current.notifiedAt, tz)}; nothing to start`);
    }
    if (current) {
      throw new AppError(
        'invalid_transition',
        `the ${kind} clock is already running since ${formatTime(current.startedAt, tz)}, due ${formatTime(current.dueAt, tz)}; to start it again with another time or window, \`/incident unflag ${kind}\` first`,
      );
    }
    const clock = await store.clocks.start({ incidentId, kind, variant, startedAt: aware, dueAt: due, flaggedAt: now, flaggedBy: actor.userId }, planReminders(aware, due, now));
    await store.events.append({
      incidentId,
      kind: 'clock_flagged',
      payload: { clock: kind, variant, aware_at: aware.toISOString(), due_at: due.toISOString() },
      actor: actor.userId,
      occurredAt: now,
    });
    const legal = (await store.roles.forIncident(incidentId)).find((r) => r.role === 'legal');
    return { clock, legal };
  });
  await refreshCards(context, incidentId);
  // A backdated awareness may make a reminder due at once.
  await runDueReminders(context).catch((error: unknown) => context.logger.error({ incidentId, err: error instanceof Error ? error.message : String(error) }, 'clock reminders failed; the paging loop retries'));
  const left = due.getTime() - now.getTime();
  const when = left > 0 ? `due by ${formatTime(due, tz)} (in ${formatSpan(left)})` : `overdue since ${formatTime(due, tz)}: notify now and give the reasons for the delay`;
  const lines = [
    `⏱️ ${clockShortLabel(kind)} clock started (${legalBasis(kind, variant)} from awareness at ${formatTime(aware, tz)}): ${when}.`,
    `Legal is reminded at 50, 75 and 90 % of the window, the commander at 90 %. When notified: \`/incident notified ${shortName(kind)} [at=<time>] [ref=<text>]\`.`,
    ...(outcome.legal ? [] : ['Nobody holds Legal yet: `/incident assign legal @someone` so the reminders reach a person.']),
  ];
  return publicReply(lines.join('\n'));
}
