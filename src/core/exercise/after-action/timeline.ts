import type { RoleId } from '../../domain.js';
import type { StoredEvent } from '../../events/event-kinds.js';
import type { RoleAssignment } from '../../incident/incident.js';
import { formatDuration } from '../../review/review-draft.js';
import type { AuthoredScenario } from '../authored-scenario.js';
import type { Exercise } from '../exercise.js';
import { injectNumber } from '../msel.js';
import { limitText, quote } from './report-lines.js';
import { byTime, type AarRole, type AarTimelineEntry, type AarTimelineKind } from './report.js';

/** Kinds that are a player's move; setup, the facilitator's controls and the hot wash are not. */
const MOVES = new Set<string>([
  'state_changed',
  'severity_changed',
  'playbook_changed',
  'role_assigned',
  'note_added',
  'decision_recorded',
  'step_ticked',
  'step_unticked',
  'action_item_added',
  'action_item_completed',
  'exercise_decided',
  'clock_flagged',
  'clock_unflagged',
  'clock_notified',
  'clock_late_reasons',
  'tag_added',
  'tag_removed',
]);

export function participants(scenario: AuthoredScenario, events: readonly StoredEvent[], roles: readonly RoleAssignment[], from: Date, to: Date): AarRole[] {
  const holders = new Map<RoleId, string[]>();
  const add = (role: RoleId, user: string) => {
    const list = holders.get(role) ?? [];
    if (!list.includes(user)) list.push(user);
    holders.set(role, list);
  };
  for (const event of [...events].sort(byTime)) if (event.kind === 'role_assigned') add(event.payload.role as RoleId, String(event.payload.user));
  for (const r of roles) add(r.role, r.userId);
  const movers = new Set(events.filter((e) => MOVES.has(e.kind) && e.occurredAt >= from && e.occurredAt <= to).map((e) => e.actor));
  return scenario.roles.map(({ role, required }) => {
    const list = holders.get(role) ?? [];
    return { role, required, holders: list, acted: list.some((u) => movers.has(u)) };
  });
}

export function timeline(scenario: AuthoredScenario, exercise: Exercise, events: readonly StoredEvent[]): AarTimelineEntry[] {
  const out: AarTimelineEntry[] = [{ at: exercise.startedAt, kind: 'started', actor: exercise.facilitator, text: `Exercise started: ${scenario.id} v${scenario.version}`, inject: null }];
  const name = (id: string) => `inject ${injectNumber(scenario, id)} (${id})`;
  for (const event of [...events].sort(byTime)) {
    const p = event.payload;
    const inject = typeof p.inject === 'string' ? p.inject : null;
    const entry = (kind: AarTimelineKind, text: string) => out.push({ at: event.occurredAt, kind, actor: event.actor, text, inject });
    switch (event.kind) {
      case 'exercise_inject_delivered': {
        const authored = inject ? scenario.injects.find((i) => i.id === inject) : undefined;
        if (p.trigger === 'contingency') {
          entry('contingency', `Contingency of ${name(String(inject))} delivered${authored?.contingency ? ` from ${authored.contingency.from}` : ''}${typeof p.missed_action === 'string' ? `: ${p.missed_action} was missed` : ''}`);
        } else {
          entry('inject', `Inject ${injectNumber(scenario, String(inject))} (${inject}) delivered${authored ? ` from ${authored.from}` : ''}${p.trigger === 'facilitator' ? ', sent early by the facilitator' : ''}`);
        }
        break;
      }
      case 'exercise_inject_skipped': {
        const why = p.reason === 'branch' ? 'a branch not taken' : p.reason === 'facilitator' ? 'by the facilitator' : 'the exercise ended first';
        entry('skipped', `Inject ${injectNumber(scenario, String(inject))} (${inject}) skipped: ${why}`);
        break;
      }
      case 'exercise_decided':
        entry(
          'decided',
          `Decision at ${name(String(inject))}: ${quote(String(p.label))}, after ${formatDuration(Number(p.took_ms))} (${p.within_limit ? 'within' : 'over'} its ${limitText(Number(p.limit_ms))} limit)`,
        );
        break;
      case 'exercise_decision_overdue':
        entry('decision_overdue', `Decision at ${name(String(inject))} overdue: none within ${limitText(Number(p.limit_ms))}`);
        break;
      case 'exercise_paused':
        entry('paused', 'Paused');
        break;
      case 'exercise_resumed':
        entry('resumed', `Resumed after ${formatDuration(Number(p.paused_ms))}`);
        break;
      case 'exercise_completed':
        entry('ended', 'Exercise ended');
        break;
      default:
        break;
    }
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}
