import { formatDuration } from '../review/review-draft.js';
import { formatTime } from '../time/time-input.js';
import { areaLine, decisionLine, nextExerciseLine, observationLine, oneLine, reportTitle, roleLabel, silentRoleLine, strengthLine, timelineLine } from './after-action/report-lines.js';
import { RATING_NAMES, type AfterActionReport } from './after-action/report.js';
import { HOT_WASH_QUESTIONS, type HotWashQuestion } from './authored-cards.js';

/** People in the Markdown are their ids as the platform knows them: the file is read outside chat. */
const plainMention = (userId: string) => `@${userId}`;

/** A table cell: one line, its pipes escaped so typed text cannot add columns. */
export function cell(text: string): string {
  return oneLine(text).replace(/\|/g, '\\|') || ' ';
}

const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;

function table(head: string[], rows: string[][]): string[] {
  return [row(head), `|${head.map(() => ' --- ').join('|')}|`, ...rows.map(row)];
}

const list = (lines: string[], empty: string) => (lines.length ? lines.map((l) => `- ${l}`) : [`_${empty}_`]);

/**
 * The AAR/IP as Markdown, whole (the card cuts long lists): what `exercise export` replies and
 * `GET /api/exercises/:id/aar.md` returns, byte for byte. Laid out as HSEEP's AAR/IP template
 * is: overview, analysis of capabilities, then the improvement plan as a table.
 */
export function aarMarkdown(report: AfterActionReport): string {
  const tz = report.timeZone;
  const at = (d: Date) => formatTime(d, tz);
  const m = plainMention;
  const out: string[] = [`# ${reportTitle(report)}`, ''];

  out.push('## Exercise overview', '');
  out.push(
    `- Exercise: ${report.exerciseId}${report.incidentId !== null ? ` (INC-${report.incidentId})` : ''}; a tabletop exercise: practice only`,
    `- Scenario: ${report.scenario.id} v${report.scenario.version}: ${oneLine(report.scenario.title)}`,
    `- Playbook: ${report.playbook.id} (${oneLine(report.playbook.name)})`,
    `- Dates: started ${at(report.startedAt)}; ended ${report.endedAt ? at(report.endedAt) : 'not yet'}; played ${formatDuration(report.playedMs)}${report.pausedMs > 0 ? `, paused ${formatDuration(report.pausedMs)}` : ''} (planned ${report.scenario.durationMinutes} min)`,
    `- Injects delivered: ${report.injectsDelivered} of ${report.scenario.injects}`,
    `- Facilitator: ${m(report.facilitator)}`,
    `- Report: ${report.postedAt ? `first posted ${at(report.postedAt)}` : 'not posted yet'}; this copy made ${at(report.generatedAt)}`,
    `- Times in ${tz}`,
    '',
  );

  out.push('### Scenario basis and reference', '');
  out.push(`${oneLine(report.basis.incident)}${report.basis.atlas_id ? ` (MITRE ATLAS ${report.basis.atlas_id})` : ''}.`, '', `Reference: ${oneLine(report.basis.reference)}`, '', report.basis.summary.trim(), '');

  out.push('### Objectives and core capabilities', '');
  out.push(...table(['Objective', 'Core capability', 'Target'], report.objectives.map((o) => [o.id, o.capability, o.target])), '');

  out.push('### Participants and roles', '');
  out.push(
    ...table(
      ['Role', 'Required', 'Held by', 'Acted'],
      report.participants.map((r) => [roleLabel(r.role), r.required ? 'yes' : 'no', r.holders.length ? r.holders.map(m).join(', then ') : 'nobody', r.holders.length === 0 ? 'no' : r.acted ? 'yes' : 'no']),
    ),
    '',
  );
  out.push('Required roles that never acted:', '', ...list(report.rolesNeverActed.map((r) => silentRoleLine(r, m)), 'none: every required role was held and acted'), '');

  out.push('## Analysis of capabilities', '');
  out.push(
    'Each objective is rated P (performed without challenges), S (with some challenges), M (with major challenges) or U (unable to be performed). The rating is proposed from its expected actions whose inject was delivered: all met within their limit → P; more than half met or partly met (late) → S; at least one → M; none → U. The facilitator confirms or changes it; the confirmed rating is in force.',
    '',
  );
  for (const o of report.objectives) {
    out.push(`### ${o.id}: ${oneLine(o.capability)}`, '');
    out.push(`- Target: ${oneLine(o.target)}`);
    out.push(`- Rating: **${o.inForce}** (${RATING_NAMES[o.inForce]})${o.confirmed ? `, confirmed by ${m(o.confirmed.by)} ${at(o.confirmed.at)}${o.confirmed.because ? ` because ${oneLine(o.confirmed.because)}` : ''}` : ', proposed, not confirmed yet'}`);
    out.push(`- Proposed from the evidence: ${o.proposed}: ${o.proposedBecause}`);
    out.push('- Evidence:');
    const byInject = report.actions.flatMap((inject) => inject.observations.filter((x) => x.action.objective === o.id).map((x) => `  - Inject ${inject.number} (${inject.inject}): ${observationLine(x)}`));
    out.push(...(byInject.length ? byInject : ['  - no expected action']), '');
  }

  out.push('## Timeline', '', ...list(report.timeline.map((e) => timelineLine(e, m, tz)), 'nothing happened'), '');
  out.push('## Decisions', '', ...list(report.decisions.map((d) => decisionLine(d, m)), 'no decision point was reached'), '');
  out.push('## Strengths', '', ...list(report.strengths.map((s) => strengthLine(s, m)), 'none recorded'), '');
  out.push(
    '## Areas for improvement',
    '',
    'Root causes: an expected action missed or late whose role nobody held, or a required role nobody held or that made no move → organisation; any other expected action missed or late, or a decision over its limit or never taken → training; a playbook step named missing or wrong in the hot wash → planning; a hot wash "what to change" → exercise design.',
    '',
    ...list(report.areas.map((a) => areaLine(a, m)), 'none found'),
    '',
  );

  out.push('## Improvement Plan', '');
  out.push(
    ...table(
      ['#', 'Corrective action', 'Capability', 'Owner', 'Due', 'Status'],
      report.plan.map((c, i) => [c.number !== null ? String(c.number) : String(i + 1), c.text, c.capability ?? '', m(c.owner), c.due, c.status]),
    ),
    '',
  );
  if (report.plan.length === 0) out.push('_No corrective actions._', '');

  out.push('## Evaluator notes', '', ...list(report.evaluatorNotes.map((n) => `${oneLine(n.text)} (${m(n.by)}, ${at(n.at)})`), 'none'), '');

  out.push('## Hot wash answers', '');
  for (const question of Object.keys(HOT_WASH_QUESTIONS) as HotWashQuestion[]) {
    const answers = report.hotWash.filter((a) => a.question === question);
    out.push(`### ${HOT_WASH_QUESTIONS[question]}`, '', ...list(answers.map((a) => `${oneLine(a.text)} (${m(a.by)}, ${at(a.at)})`), 'no answer'), '');
  }

  out.push('## Next exercise', '', nextExerciseLine(report.nextExercise), '');
  return out.join('\n');
}
