import type { Card } from '../cards/card.js';
import { ROLE_IDS, ROLES, type RoleId } from '../domain.js';
import type { ChecklistStep, RoleAssignment } from '../incident/incident.js';
import { formatDuration } from '../time/time-input.js';
import { chatText, clip } from './chat-text.js';
import type { CaseStudy, Scenario } from './scenario-catalog.js';

export const ATLAS_CREDIT = 'Scenario from MITRE ATLAS (Apache-2.0, © 2021-2025 The MITRE Corporation).';

export function scenarioCard(scenario: Scenario, playbookName: string, roles: RoleAssignment[], mention: (userId: string) => string): Card {
  const study = scenario.caseStudy;
  const holder = new Map(roles.map((r) => [r.role, r.userId]));
  const roleLines = ROLE_IDS.map((role) => {
    const who = holder.get(role);
    return `• ${ROLES[role].name}: ${ROLES[role].responsibleFor}. ${who ? `Played by ${mention(who)}.` : `Nobody yet: \`assign ${role} @person\`.`}`;
  });
  return {
    title: `Tabletop exercise: ${study.name}`,
    subtitle: 'Practice only: nobody is paged, and it stays out of the incident metrics.',
    fields: [
      { label: 'Scenario', value: `${study.id} (${study.case_study_type === 'incident' ? 'a real incident' : 'a research demonstration'})` },
      { label: 'Playbook', value: `${scenario.playbookId} (${playbookName})` },
      { label: 'Target', value: study.target ? chatText(study.target) : 'not named' },
      { label: 'Injects', value: String(study.procedure.length) },
    ],
    sections: [
      { heading: 'What happened', text: clip(chatText(study.summary), 1500) },
      { heading: 'Every role plays its part', text: roleLines.join('\n') },
      {
        heading: 'How it works',
        text: [
          '1. `exercise inject` reveals the next development of the attack, one at a time.',
          '2. Respond as you would for real: tick the checklist, `note <text>`, and `decision <text> because <reasoning>`; the review times each decision from the latest inject.',
          '3. `exercise end` closes the exercise and posts the after-action review: decisions, gaps in the checklist, roles nobody held.',
        ].join('\n'),
      },
    ],
    context: [ATLAS_CREDIT],
  };
}

export function techniqueName(study: CaseStudy, technique: string): string {
  return study.technique_names[technique] ?? technique;
}

export function tacticName(study: CaseStudy, tactic: string): string {
  return study.tactics.find((t) => t.id === tactic)?.name ?? tactic;
}

export function injectCard(study: CaseStudy, number: number): Card {
  const step = study.procedure[number - 1]!;
  const total = study.procedure.length;
  return {
    title: `Inject ${number} of ${total}: ${tacticName(study, step.tactic)}`,
    subtitle: `${techniqueName(study, step.technique)} (${step.technique})`,
    sections: [{ text: clip(chatText(step.description), 2000) }],
    context: [
      number === total
        ? 'That was the last inject: there are no more. Record your decisions, then `exercise end` for the after-action review.'
        : 'What do you do now? `decision <text> because <reasoning>`; `exercise inject` for the next development.',
    ],
  };
}

export interface DecisionTaken {
  text: string;
  because: string | null;
  by: string;
  /** Time since the latest inject before it; null when it came before any inject. */
  tookMs: number | null;
  afterInject: number | null;
}

export interface AfterActionReview {
  title: string;
  durationMs: number;
  injectsRevealed: number;
  injectsTotal: number;
  decisions: DecisionTaken[];
  gaps: ChecklistStep[];
  unheldRoles: RoleId[];
}

const LIST_MAX = 15;

function bulletList<T>(items: T[], line: (item: T) => string, empty: string): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, LIST_MAX).map(line);
  if (items.length > LIST_MAX) shown.push(`…and ${items.length - LIST_MAX} more`);
  return shown.join('\n');
}

export function reviewCard(review: AfterActionReview, mention: (userId: string) => string): Card {
  const slowest = review.decisions.filter((d) => d.tookMs !== null).sort((a, b) => b.tookMs! - a.tookMs!)[0];
  const decisionLine = (d: DecisionTaken) => {
    const timing = d.afterInject === null ? 'before any inject' : `took ${formatDuration(d.tookMs!)} after inject ${d.afterInject}`;
    return `• ${d.text}: ${d.because ? `because ${d.because}` : 'no reasoning recorded'} (${mention(d.by)}, ${timing})`;
  };
  return {
    title: `After-action review: ${review.title}`,
    fields: [
      { label: 'Duration', value: formatDuration(review.durationMs) },
      { label: 'Injects revealed', value: `${review.injectsRevealed} of ${review.injectsTotal}` },
      { label: 'Decisions', value: String(review.decisions.length) },
      { label: 'Checklist gaps', value: String(review.gaps.length) },
    ],
    sections: [
      { heading: 'Decisions, reasoning and time taken', text: bulletList(review.decisions, decisionLine, 'No decisions were recorded: that is the first gap to close.') },
      ...(slowest ? [{ heading: 'Bottleneck', text: `The slowest decision took ${formatDuration(slowest.tookMs!)}: "${slowest.text}".` }] : []),
      {
        heading: 'Gaps: checklist steps not ticked',
        text: bulletList(review.gaps, (s) => `• ${s.number}. ${s.title}${s.role ? ` (${ROLES[s.role].name})` : ''}`, 'None: every step was ticked.'),
      },
      {
        heading: 'Unclear ownership: roles nobody held',
        text: review.unheldRoles.length ? review.unheldRoles.map((r) => `• ${ROLES[r].name}`).join('\n') : 'None: every role was held.',
      },
      {
        heading: 'Follow-ups',
        text: 'Record each follow-up here as an action item: `action <text> owner=@person due=YYYY-MM-DD`. Update the playbook with what you learned, and plan the next exercise for the weakest area with `exercise start`.',
      },
    ],
  };
}
