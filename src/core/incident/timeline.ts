import type { CoreContext } from '../context.js';
import { ROLES, type RoleId } from '../domain.js';
import type { StoredEvent } from '../events/event-kinds.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { privateReply, type Reply } from '../reply.js';
import { formatTime } from '../time/time-input.js';

type Describe = (payload: Record<string, unknown>, mention: (u: string) => string) => string;

const str = (value: unknown) => String(value ?? '');
const roleName = (value: unknown) => ROLES[value as RoleId]?.name ?? str(value);

const REFUSED: Record<string, string> = {
  close: 'closing the incident',
  reopen: 'reopening the incident',
  severity: 'changing the severity',
  false_positive: 'marking it a false positive',
  playbook: 'changing the playbook',
};

/** One sentence per event kind; kinds without one (bookkeeping) stay out of the human timeline. */
const DESCRIBE: Partial<Record<StoredEvent['kind'], Describe>> = {
  incident_declared: (p) => `declared ${str(p.severity).toUpperCase()} "${str(p.title)}"${p.playbook_id ? ` with playbook ${str(p.playbook_id)}` : ' without a playbook'}`,
  state_changed: (p) => {
    const skipped = Array.isArray(p.skipped) && p.skipped.length ? ` (passing ${p.skipped.join(', ')})` : '';
    return p.to === 'false_positive' ? `marked a false positive${p.reason ? `: ${str(p.reason)}` : ''}` : `moved ${str(p.from)} → ${str(p.to)}${skipped}`;
  },
  incident_reopened: (p) => `reopened (${str(p.from)} → ${str(p.to)})`,
  severity_changed: (p) => `changed severity ${str(p.from).toUpperCase()} → ${str(p.to).toUpperCase()}`,
  playbook_changed: (p) => `changed playbook ${str(p.from ?? 'none')} → ${str(p.to ?? 'none')}`,
  role_assigned: (p, m) => `assigned ${roleName(p.role)} to ${m(str(p.user))}`,
  page_sent: (p, m) => `paged ${m(str(p.user))} as ${roleName(p.role)} via ${str(p.via)}`,
  page_failed: (p, m) => `page to ${p.user ? m(str(p.user)) : 'nobody'} as ${roleName(p.role)}${p.via ? ` via ${str(p.via)}` : ''} FAILED: ${str(p.error)}`,
  page_acknowledged: (p) => `acknowledged the ${roleName(p.role)} page`,
  page_escalated: (p, m) => `escalated ${roleName(p.role)} from ${m(str(p.from))} to ${m(str(p.to))}${p.to_backup ? ' (the backup)' : ''}: no acknowledgement`,
  page_cancelled: (p, m) => `did not page ${m(str(p.user))} as ${roleName(p.role)}: ${str(p.reason)}`,
  escalation_exhausted: (p) => `stopped escalating ${roleName(p.role)} after ${str(p.steps)} pages without an acknowledgement`,
  pager_resolved: (p) => `resolved the ${roleName(p.role)} alert at ${str(p.via)}`,
  alert_received: (p) => `raised an alert (${str(p.format)}, key ${str(p.dedup_key)}), opened for triage`,
  alert_refired: (p) => `fired the alert again (${str(p.fire_count)} times so far)`,
  alert_resolved: () => 'reported the alert resolved',
  alert_declared: () => 'declared the alert a real incident',
  note_added: (p) => `note: ${str(p.text)}`,
  decision_recorded: (p) => `decision: ${str(p.text)}${p.because ? ` because ${str(p.because)}` : ''}`,
  step_ticked: (p) => `ticked step ${str(p.step)}: ${str(p.title)}`,
  step_unticked: (p) => `unticked step ${str(p.step)}: ${str(p.title)}`,
  action_item_added: (p, m) => `added action item ${str(p.number)}: ${str(p.text)} (owner ${m(str(p.owner))}, due ${str(p.due)})`,
  action_item_completed: (p) => `completed action item ${str(p.number)}${p.on_time ? '' : ' (late)'}`,
  review_posted: () => 'posted the post-incident review draft',
  action_item_reminded: (p, m) =>
    `${p.sent ? 'reminded' : 'could not remind'} ${m(str(p.owner))} of action item ${str(p.number)} ${p.when === 'day_before' ? '(due tomorrow)' : '(due today)'}${p.error ? `: ${str(p.error)}` : ''}`,
  channel_created: (p) => `opened channel #${str(p.name)}`,
  exercise_started: (p) => `started a tabletop exercise of ${str(p.case_study_id)} (${str(p.injects_total)} injects), practising ${str(p.playbook_id)}`,
  exercise_inject: (p) => `revealed inject ${str(p.number)} of ${str(p.total)}: ${str(p.tactic)}, ${str(p.technique_name)} (${str(p.technique)})`,
  exercise_completed: (p) => `ended the exercise after ${str(p.injects_revealed)} of ${str(p.injects_total)} injects`,
  action_refused: (p) => `was refused: ${REFUSED[str(p.action)] ?? str(p.action)}${p.to ? ` (to ${str(p.to)})` : ''}, which only the commander, the declarer or an admin may do`,
  side_effect_failed: (p) => `could not ${str(p.effect)}: ${str(p.error)}`,
  invite_failed: (p, m) => `could not invite ${m(str(p.user))} to the channel: ${str(p.reason)}`,
};

export function describeEvent(event: StoredEvent, mention: (userId: string) => string): string | null {
  const describe = DESCRIBE[event.kind];
  return describe ? describe(event.payload, mention) : null;
}

export async function showTimeline(context: CoreContext, incidentId: number, platform: ChatPlatform): Promise<Reply> {
  const events = await context.store.events.forIncident(incidentId);
  const mention = (u: string) => platform.mention(u);
  const lines = events.flatMap((event) => {
    const text = describeEvent(event, mention);
    if (!text) return [];
    const actor = event.actor === 'bot' ? 'bot' : mention(event.actor);
    const late = event.recordedAt.getTime() - event.occurredAt.getTime() > 60_000 ? ` (recorded ${formatTime(event.recordedAt, context.timeZone)})` : '';
    return [`${formatTime(event.occurredAt, context.timeZone)}  ${actor}  ${text}${late}`];
  });
  return privateReply(lines.length ? `Timeline:\n${lines.join('\n')}` : 'Nothing in the timeline yet.');
}
