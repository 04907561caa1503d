import { CARD_ACTION } from '../cards/actions.js';
import type { Card } from '../cards/card.js';
import { ROLES, type RoleId } from '../domain.js';
import type { RoleAssignment } from '../incident/incident.js';
import { formatDuration, formatTime } from '../time/time-input.js';
import type { AuthoredScenario, PlayerInject } from './authored-scenario.js';
import { clip } from './chat-text.js';

/** Every message of an exercise says so, in its title, so nobody takes an inject for a real incident. */
export const EXERCISE_MARK = 'EXERCISE';
export const exerciseTitle = (title: string) => clip(`${EXERCISE_MARK} · ${title}`, 150);

export const GROUND_RULES = [
  'This is an exercise: nothing here is real, nobody is paged for real, and no system is touched.',
  'Respond as you would for real, with the tools and authority you really have; say when you would need something you lack.',
  'Decisions need a reason: the after-action report records who decided, why and how long it took.',
  'There are no wrong answers, only gaps to find: the review is about the plan, not about people.',
  'Injects arrive on their own schedule; the facilitator may pause, skip or bring one forward.',
];

export const HOT_WASH_QUESTIONS = {
  went_well: 'What went well?',
  to_change: 'What should we change?',
  playbook_gap: 'Which playbook step was missing or wrong?',
} as const;
export type HotWashQuestion = keyof typeof HOT_WASH_QUESTIONS;

type Mention = (userId: string) => string;

function roleLines(scenario: AuthoredScenario, roles: RoleAssignment[], mention: Mention): string {
  const holder = new Map(roles.map((r) => [r.role, r.userId]));
  return scenario.roles
    .map(({ role, required }) => {
      const who = holder.get(role);
      const need = required ? 'required' : 'optional';
      return `• ${ROLES[role].name} (${need}): ${who ? mention(who) : `nobody: \`assign ${role} @person\``}`;
    })
    .join('\n');
}

/** The first message of the exercise's space: ground rules, objectives, basis, roles, opening situation. */
export function openingCard(scenario: AuthoredScenario, playbookName: string, roles: RoleAssignment[], mention: Mention, facilitator: string): Card {
  return {
    title: exerciseTitle(scenario.title),
    subtitle: `Tabletop exercise of the ${playbookName} playbook, facilitated by ${mention(facilitator)}. Practice only: it stays out of the incident metrics.`,
    fields: [
      { label: 'Scenario', value: `${scenario.id} v${scenario.version}` },
      { label: 'Planned duration', value: `${scenario.duration_minutes} min` },
      { label: 'Injects', value: String(scenario.injects.length) },
    ],
    sections: [
      { heading: 'Ground rules', text: GROUND_RULES.map((r) => `• ${r}`).join('\n') },
      { heading: 'Objectives', text: scenario.objectives.map((o) => `• ${o.capability}: ${o.target}`).join('\n') },
      { heading: 'Based on a real incident', text: clip(`${scenario.basis.incident}${scenario.basis.atlas_id ? ` (MITRE ATLAS ${scenario.basis.atlas_id})` : ''}. ${scenario.basis.summary}\nReference: ${scenario.basis.reference}`, 2900) },
      { heading: 'Who plays what', text: roleLines(scenario, roles, mention) },
      { heading: 'Opening situation', text: clip(scenario.opening, 2900) },
      {
        heading: 'How it works',
        text: [
          'Injects arrive here on their schedule. Work them as you would for real: tick the checklist, `note <text>`, `severity`, `assign`, `flag`…',
          'A decision point posts buttons: choose, and give your reasoning (required). In text: `exercise decide <option> because <reasoning>`.',
          '`exercise end` ends it and starts the hot wash; the after-action report and improvement plan follow.',
        ].join('\n'),
      },
    ],
  };
}

function decisionSection(decision: NonNullable<PlayerInject['decision']>): string {
  const who = decision.decided_by ? `${ROLES[decision.decided_by].name} decides` : 'Anyone may decide';
  return `${decision.prompt}\n${decision.options.map((o) => `• \`${o.id}\`: ${o.label}`).join('\n')}\n${who}, within ${decision.within_minutes} min.`;
}

/** An inject as players see it: built from `PlayerInject`, which holds nothing of the controller's. */
export function injectCard(incidentId: number, inject: PlayerInject, number: number, total: number, addressed: string): Card {
  return {
    title: exerciseTitle(`Inject ${number} of ${total}`),
    subtitle: `From ${inject.from}, to ${addressed}`,
    sections: [{ text: clip(inject.text, 2900) }, ...(inject.decision ? [{ heading: 'Decision', text: clip(decisionSection(inject.decision), 2900) }] : [])],
    ...(inject.decision
      ? {
          actions: inject.decision.options.map((o) => ({ id: `${CARD_ACTION.exerciseDecide}:${o.id}`, label: clip(o.label, 75), value: `${incidentId}:${inject.id}:${o.id}` })),
          context: ['Choose, then give your reasoning; or type `exercise decide <option> because <reasoning>`.'],
        }
      : {}),
  };
}

export function contingencyCard(from: string, text: string, addressed: string): Card {
  return { title: exerciseTitle('Update'), subtitle: `From ${from}, to ${addressed}`, sections: [{ text: clip(text, 2900) }] };
}

/** Asks for the reasoning behind a choice (required): a form, as every edge shows forms. */
export function decisionForm(incidentId: number, injectId: string, optionId: string, label: string): Card {
  return {
    title: exerciseTitle('Reasoning'),
    subtitle: `Decision: ${label}`,
    inputs: [{ kind: 'text', id: 'reasoning', label: 'Why this option?', placeholder: 'What you knew, what you weighed, what you would need to be sure.', multiline: true, maxLength: 2000, required: true }],
    actions: [{ id: CARD_ACTION.exerciseDecision, label: 'Record the decision', value: `${incidentId}:${injectId}:${optionId}`, style: 'primary' }],
  };
}

export function hotWashCard(incidentId: number, minutes: number, at: Date, timeZone: string): Card {
  return {
    title: exerciseTitle('Hot wash'),
    subtitle: `The exercise has ended. Three questions for everyone, until ${formatTime(at, timeZone)} (${minutes} min); then the after-action report is posted.`,
    sections: [
      {
        text: (Object.keys(HOT_WASH_QUESTIONS) as HotWashQuestion[])
          .map((q, i) => `${i + 1}. ${HOT_WASH_QUESTIONS[q]}  \`exercise hotwash ${hotWashWord(q)} <answer>\``)
          .join('\n'),
      },
    ],
    actions: [{ id: CARD_ACTION.exerciseHotWash, label: 'Answer', value: String(incidentId), style: 'primary' }],
    context: ['Answer as often as you like; the facilitator can post the report sooner with `exercise aar`.'],
  };
}

export function hotWashForm(incidentId: number): Card {
  return {
    title: exerciseTitle('Hot wash'),
    inputs: (Object.keys(HOT_WASH_QUESTIONS) as HotWashQuestion[]).map((q) => ({ kind: 'text' as const, id: q, label: HOT_WASH_QUESTIONS[q], multiline: true, maxLength: 1000 })),
    actions: [{ id: CARD_ACTION.exerciseHotWashAnswers, label: 'Send', value: String(incidentId), style: 'primary' }],
  };
}

const HOT_WASH_WORDS: Record<HotWashQuestion, string> = { went_well: 'well', to_change: 'change', playbook_gap: 'missing' };
export function hotWashWord(question: HotWashQuestion): string {
  return HOT_WASH_WORDS[question];
}
export function hotWashQuestionOf(word: string): HotWashQuestion | undefined {
  return (Object.keys(HOT_WASH_WORDS) as HotWashQuestion[]).find((q) => HOT_WASH_WORDS[q] === word.toLowerCase());
}

export function rolesAddressed(to: readonly RoleId[], roles: RoleAssignment[], mention: Mention): string {
  const holder = new Map(roles.map((r) => [r.role, r.userId]));
  return to.map((role) => (holder.get(role) ? `${mention(holder.get(role)!)} (${ROLES[role].name})` : ROLES[role].name)).join(', ');
}

export function limitText(ms: number): string {
  return formatDuration(ms);
}
