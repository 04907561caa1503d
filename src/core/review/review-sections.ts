import { SEVERITY_LABELS } from '../domain.js';
import { STATE_LABELS, incidentRef } from '../incident/header-card.js';
import { describeEvent } from '../incident/timeline.js';
import { formatTime } from '../time/time-input.js';
import { actionItemStatus } from './action-items.js';
import { formatDuration, formatFigure, roleName, type ReviewDraft } from './review-draft.js';

/** One part of the review: a heading and its lines, shared by the card and the Markdown. */
export interface ReviewSection {
  id: 'summary' | 'impact' | 'times' | 'timeline' | 'decisions' | 'steps' | 'roles' | 'actions' | 'factors';
  heading: string;
  lines: string[];
  /** What the card says in place of lines it leaves out (the Markdown never cuts). */
  what?: string;
}

/** One line of text: what a person typed may hold line breaks, which would break a list. */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

export function reviewTitle(draft: ReviewDraft): string {
  return `Post-incident review (draft): ${incidentRef(draft.incident)} ${oneLine(draft.incident.title)}`;
}

/** The review's content, in order. `mention` is the edge's (cards) or `@id` (Markdown). */
export function reviewSections(draft: ReviewDraft, mention: (userId: string) => string): ReviewSection[] {
  const { incident, timeZone: tz } = draft;
  const at = (d: Date) => formatTime(d, tz);
  const who = (actor: string) => (actor === 'bot' ? 'bot' : mention(actor));
  const since = (d: Date | null, label: string) => (d ? [`${label}: ${at(d)}, ${formatDuration(d.getTime() - incident.impactStartedAt.getTime())} after impact start`] : [`${label}: not yet`]);

  const impact = [
    `Severity: ${SEVERITY_LABELS[incident.severity]}; now ${STATE_LABELS[incident.state]}${incident.private ? ' (private)' : ''}`,
    `Impact started: ${at(incident.impactStartedAt)}; detected ${at(incident.detectedAt)}`,
    ...since(incident.containedAt, 'Contained'),
    ...since(incident.resolvedAt, 'Resolved'),
    ...(incident.closedAt ? [`Closed: ${at(incident.closedAt)}`] : []),
  ];

  const times = draft.times.map((t) => {
    const mine = t.value === null ? 'not reached' : formatFigure(t.value, t.quarter.unit);
    const median = t.quarter.median === null ? 'no incident reached it' : `${formatFigure(t.quarter.median, t.quarter.unit)} (n ${t.quarter.n})`;
    return `${t.label} (${t.span}): ${mine} · ${draft.quarterLabel} median ${median}`;
  });

  const timeline = draft.timeline.map((event) => `${at(event.occurredAt)} ${who(event.actor)} ${oneLine(describeEvent(event, mention) ?? event.kind)}`);

  const decisions = draft.decisions.map((d) => `${at(d.at)} ${who(d.actor)}: ${oneLine(d.text)}; ${d.because ? `because ${oneLine(d.because)}` : 'no reasoning was recorded'}`);

  const steps = !draft.hasChecklist
    ? ['No playbook checklist was used.']
    : draft.unticked.length === 0 && draft.outOfOrder.length === 0
      ? ['Every step was ticked, in the playbook\'s order within each phase.']
      : [
          ...draft.unticked.map((s) => `Not ticked: ${s.number}. ${oneLine(s.title)}`),
          ...draft.outOfOrder.map((o) => `Out of order: ${o.step.number}. ${oneLine(o.step.title)} ticked ${at(o.step.doneAt!)}, before ${o.before.number}. ${oneLine(o.before.title)} (ticked ${at(o.before.doneAt!)})`),
        ];

  const roles = draft.roles.map((r) =>
    r.holders.length === 0 ? `${roleName(r.role)}: nobody` : `${roleName(r.role)}: ${r.holders.map((h) => `${mention(h.userId)} from ${at(h.from)}`).join(', then ')}`,
  );

  const actions = draft.actionItems.length
    ? draft.actionItems.map((item) => `${item.number}. [${actionItemStatus(item, draft.today, tz)}] ${oneLine(item.text)} (owner ${mention(item.owner)}, due ${item.due})`)
    : ['None yet: add them with `/incident action <text> owner=@person due=YYYY-MM-DD`.'];

  return [
    { id: 'summary', heading: 'Summary', lines: [incident.summary.trim() ? oneLine(incident.summary) : 'No summary was given at declaration; write what happened here.'] },
    { id: 'impact', heading: 'Impact', lines: impact },
    { id: 'times', heading: `Response times beside the ${draft.quarterLabel} median`, lines: times },
    { id: 'timeline', heading: 'Timeline', lines: timeline.length ? timeline : ['Nothing in the timeline.'], what: 'events' },
    { id: 'decisions', heading: 'Decisions and reasoning', lines: decisions.length ? decisions : ['No decisions were recorded (`/incident decision <text> because <reasoning>`).'], what: 'decisions' },
    { id: 'steps', heading: 'Playbook steps not ticked or done out of order', lines: steps, what: 'steps' },
    { id: 'roles', heading: 'Who held each role', lines: roles },
    { id: 'actions', heading: 'Action items', lines: actions, what: 'action items' },
    { id: 'factors', heading: 'Contributing factors: discuss', lines: draft.prompts.map((p, i) => `${i + 1}. ${p}`) },
  ];
}
