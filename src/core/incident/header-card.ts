import { CARD_ACTION } from '../cards/actions.js';
import type { Card, CardAction } from '../cards/card.js';
import { ROLES, ROLE_IDS, SEVERITY_LABELS } from '../domain.js';
import { deadlineTime } from '../playbook/fill-template.js';
import type { Playbook } from '../playbook/schema.js';
import { formatTime } from '../time/time-input.js';
import type { RegulatoryClock } from '../clocks/clock.js';
import { clockLine } from '../clocks/clock-lines.js';
import { clockForDeadline } from '../clocks/deadline.js';
import type { Incident, RoleAssignment } from './incident.js';
import { isOpen } from './transitions.js';

export const STATE_LABELS: Record<Incident['state'], string> = {
  declared: 'Declared',
  triaged: 'Triaged',
  contained: 'Contained',
  resolved: 'Resolved',
  closed: 'Closed',
  false_positive: 'False positive',
};

const NEXT_STATE_BUTTONS: Record<Incident['state'], CardAction[]> = {
  declared: [{ id: `${CARD_ACTION.state}:triaged`, label: 'Triage', value: 'triaged', style: 'primary' }],
  triaged: [{ id: `${CARD_ACTION.state}:contained`, label: 'Contained', value: 'contained', style: 'primary' }],
  contained: [{ id: `${CARD_ACTION.state}:resolved`, label: 'Resolved', value: 'resolved', style: 'primary' }],
  resolved: [{ id: `${CARD_ACTION.state}:closed`, label: 'Close', value: 'closed' }],
  closed: [],
  false_positive: [],
};

/** The first sentence of a deadline's condition, to read after "if": the rest stays in the playbook. */
function condition(appliesWhen: string): string {
  const first = appliesWhen.trim().split(/(?<=\.)\s+/)[0] ?? '';
  return `${first.charAt(0).toLowerCase()}${first.slice(1)}`.replace(/\.$/, '');
}

export function incidentRef(incident: Pick<Incident, 'id'>): string {
  return `INC-${incident.id}`;
}

/** The header's Tags field: short, so it stays within every platform's field limits (10 shown, then a count). */
export function tagsValue(tags: readonly string[]): string {
  if (tags.length === 0) return 'none (add with `tag <id>`)';
  const shown = tags.slice(0, 10).join(', ');
  return tags.length > 10 ? `${shown} +${tags.length - 10} more` : shown;
}

export interface HeaderInput {
  incident: Incident;
  playbook: Playbook | undefined;
  roles: RoleAssignment[];
  mention: (userId: string) => string;
  timeZone: string;
  /** Taxonomy tags as the header shows them (`AML.T0051 LLM Prompt Injection`); unset: no Tags field. */
  tags?: readonly string[];
  /** Regulatory clocks (clocks/) and the time they are shown at: each replaces its playbook deadlines. */
  clocks?: { list: readonly RegulatoryClock[]; now: Date };
}

export function buildHeaderCard({ incident, playbook, roles, mention, timeZone, tags, clocks }: HeaderInput): Card {
  const holder = new Map(roles.map((r) => [r.role, r.userId]));
  const roleLines = ROLE_IDS.filter((role) => holder.has(role)).map(
    (role) => `${ROLES[role].name}: ${mention(holder.get(role)!)}`,
  );
  const fields = [
    { label: 'Severity', value: SEVERITY_LABELS[incident.severity] },
    { label: 'State', value: STATE_LABELS[incident.state] },
    { label: 'Playbook', value: playbook ? `${playbook.name} (${playbook.id})` : 'none' },
    { label: 'Impact started', value: formatTime(incident.impactStartedAt, timeZone) },
    { label: 'Detected', value: formatTime(incident.detectedAt, timeZone) },
    { label: 'Roles', value: roleLines.length ? roleLines.join('\n') : 'none assigned yet' },
  ];
  if (tags) fields.push({ label: 'Tags', value: tagsValue(tags) });
  const sections: Card['sections'] = [];
  if (incident.summary) sections.push({ text: incident.summary });
  const running = new Set((clocks?.list ?? []).map((c) => c.kind));
  const deadlines = [
    ...(clocks ? clocks.list.map((c) => clockLine(c, clocks.now, timeZone)) : []),
    ...(playbook && isOpen(incident.state)
      ? playbook.deadlines
          .filter((d) => {
            const kind = clockForDeadline(d.id);
            return !kind || !running.has(kind);
          })
          .map((d) => `${d.title}: by ${formatTime(deadlineTime(incident, d), timeZone)}${d.applies_when ? `, if ${condition(d.applies_when)}` : ''}`)
      : []),
  ];
  if (deadlines.length > 0) sections.push({ heading: 'Deadlines', text: deadlines.join('\n') });
  if (incident.state === 'false_positive' && incident.falsePositiveReason) {
    sections.push({ heading: 'Not a real incident', text: incident.falsePositiveReason });
  }
  const actions: CardAction[] = isOpen(incident.state)
    ? [
        ...NEXT_STATE_BUTTONS[incident.state],
        { id: CARD_ACTION.severity, label: 'Change severity', value: incident.severity },
        { id: CARD_ACTION.assign, label: 'Assign role', value: 'assign' },
      ]
    : [];
  return {
    title: `${incidentRef(incident)} · ${incident.title}`,
    subtitle: `${SEVERITY_LABELS[incident.severity]} · ${STATE_LABELS[incident.state]}${incident.private ? ' · private' : ''}`,
    fields,
    ...(sections.length ? { sections } : {}),
    ...(actions.length ? { actions: actions.map((a) => ({ ...a, value: `${incident.id}:${a.value}` })) } : {}),
    context: [`Type \`/incident help\` for commands. ${playbook ? `Playbook chosen because ${incident.playbookReason}.` : ''}`.trim()],
  };
}
