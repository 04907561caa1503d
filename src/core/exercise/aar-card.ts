import type { Card } from '../cards/card.js';
import { weight } from '../review/review-card.js';
import { formatDuration } from '../review/review-draft.js';
import { formatTime } from '../time/time-input.js';
import {
  areaLine,
  decisionLine,
  nextExerciseLine,
  objectiveLine,
  observationLine,
  oneLine,
  planLine,
  reportTitle,
  silentRoleLine,
  strengthLine,
  timelineLine,
} from './after-action/report-lines.js';
import type { AfterActionReport } from './after-action/report.js';
import { EXERCISE_MARK } from './authored-cards.js';
import { clip } from './chat-text.js';

type Mention = (userId: string) => string;

/**
 * How much text each section of the card may hold, measured as Slack counts it once escaped and
 * serialised (`weight`): each stays far under a Block Kit section's 3000 characters and the whole
 * card under a message's size, whatever was typed. The Markdown (`exercise export`, aar.md) is
 * never cut.
 */
export const AAR_CARD_BUDGET = {
  objectives: 1500,
  decisions: 1100,
  actions: 1000,
  roles: 400,
  strengths: 800,
  areas: 1300,
  plan: 2400,
  next: 500,
  timeline: 1000,
  notes: 600,
} as const;

/** The lines that fit `budget`, then `…and N more`; a first line too long on its own is shortened. */
export function fitList(lines: readonly string[], budget: number, empty: string): string {
  if (lines.length === 0) return empty;
  const kept: string[] = [];
  let used = 0;
  for (const [index, line] of lines.entries()) {
    const rest = lines.length - index - 1;
    const cost = weight(line) + 1;
    if (used + cost + (rest > 0 ? 20 : 0) <= budget) {
      kept.push(line);
      used += cost;
      continue;
    }
    if (kept.length === 0) {
      let short = line;
      while (short.length > 1 && weight(short) + 24 > budget) short = short.slice(0, Math.max(1, Math.floor(short.length * 0.8)));
      kept.push(`${short.replace(/[\uD800-\uDBFF]$/, '')}…`);
      if (rest > 0) kept.push(`…and ${rest} more`);
    } else kept.push(`…and ${lines.length - index} more`);
    break;
  }
  return kept.join('\n');
}

const bullets = (lines: string[]) => lines.map((line) => `• ${line}`);

/** The After-Action Report as a card, so every edge renders it (Block Kit, Adaptive Card, console text). */
export function aarCard(report: AfterActionReport, mention: Mention): Card {
  const tz = report.timeZone;
  const at = (d: Date) => formatTime(d, tz);
  const decisions = report.decisions;
  const taken = decisions.filter((d) => d.taken);
  const observations = report.objectives.flatMap((o) => o.observations);
  const count = (outcome: string) => observations.filter((o) => o.outcome === outcome).length;

  const actionLines = report.actions.flatMap((inject) =>
    inject.delivered ? inject.observations.map((o) => `Inject ${inject.number}: ${observationLine(o)}`) : [`Inject ${inject.number} (${inject.inject}): not delivered, its expected actions not counted`],
  );

  return {
    title: reportTitle(report),
    subtitle: `${report.incidentId !== null ? `INC-${report.incidentId} · ` : ''}${report.scenario.id} v${report.scenario.version} · ${oneLine(report.playbook.name)} playbook · facilitated by ${mention(report.facilitator)}`,
    fields: [
      {
        label: 'Played',
        value: `${at(report.startedAt)} → ${report.endedAt ? at(report.endedAt) : 'not ended'}: ${formatDuration(report.playedMs)}${report.pausedMs > 0 ? ` (${formatDuration(report.pausedMs)} paused)` : ''}`,
      },
      { label: 'Injects delivered', value: `${report.injectsDelivered} of ${report.scenario.injects}` },
      { label: 'Decisions', value: `${taken.length} taken, ${taken.filter((d) => d.taken!.withinLimit).length} within limit, ${decisions.length - taken.length} not taken` },
      { label: 'Expected actions', value: `${count('met')} met, ${count('partly')} partly met, ${count('missed') + count('pending')} missed` },
      { label: 'Corrective actions', value: String(report.plan.length) },
    ],
    sections: [
      { heading: 'Objectives and ratings (P/S/M/U)', text: fitList(bullets(report.objectives.map((o) => objectiveLine(o, mention))), AAR_CARD_BUDGET.objectives, 'No objectives.') },
      { heading: 'Decisions, reasoning and time taken', text: fitList(bullets(decisions.map((d) => decisionLine(d, mention))), AAR_CARD_BUDGET.decisions, 'No decision point was reached.') },
      { heading: 'Expected actions: met, partly met, missed', text: fitList(bullets(actionLines), AAR_CARD_BUDGET.actions, 'The scenario expects no actions.') },
      {
        heading: 'Required roles that never acted',
        text: fitList(bullets(report.rolesNeverActed.map((r) => silentRoleLine(r, mention))), AAR_CARD_BUDGET.roles, 'None: every required role was held and acted.'),
      },
      { heading: 'Strengths', text: fitList(bullets(report.strengths.map((s) => strengthLine(s, mention))), AAR_CARD_BUDGET.strengths, 'None recorded.') },
      { heading: 'Areas for improvement (root cause)', text: fitList(bullets(report.areas.map((a) => areaLine(a, mention))), AAR_CARD_BUDGET.areas, 'None found.') },
      ...(report.evaluatorNotes.length ? [{ heading: 'Evaluator notes', text: fitList(bullets(report.evaluatorNotes.map((n) => `${oneLine(n.text)} (${mention(n.by)})`)), AAR_CARD_BUDGET.notes, '') }] : []),
      {
        heading: 'Improvement Plan',
        text: fitList(report.plan.map((c) => planLine(c, mention)), AAR_CARD_BUDGET.plan, 'No corrective actions.'),
      },
      { heading: 'Next exercise', text: fitList([nextExerciseLine(report.nextExercise)], AAR_CARD_BUDGET.next, 'None.') },
      { heading: 'Timeline', text: fitList(report.timeline.map((e) => timelineLine(e, mention, tz)), AAR_CARD_BUDGET.timeline, 'Nothing happened.') },
    ],
    context: [
      'Ratings are proposed from the evidence (all expected actions met → P; most met or partly met → S; some → M; none → U); the facilitator confirms or changes each with `exercise rate <objective> <P|S|M|U> because <reason>`.',
      `The corrective actions are action items (\`actions\`), with reminders to their owners. AAR/IP as Markdown: \`exercise export\`, or GET /api/exercises/${report.exerciseId}/aar.md. Times in ${tz}.`,
      clip(`${EXERCISE_MARK}, based on ${oneLine(report.basis.incident)}${report.basis.atlas_id ? ` (MITRE ATLAS ${report.basis.atlas_id})` : ''}. Reference: ${oneLine(report.basis.reference)}`, 600),
    ],
  };
}
