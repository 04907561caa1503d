import { EXERCISE_MARK } from '../exercise/authored-cards.js';
import { CARD_ACTION } from '../cards/actions.js';
import type { Card, CardAction, ChecklistGroup } from '../cards/card.js';
import type { RegulatoryClock } from '../clocks/clock.js';
import type { ClockKind } from '../clocks/deadline.js';
import { incidentRef } from '../incident/header-card.js';
import type { ChecklistStep, Incident } from '../incident/incident.js';
import { PHASES, PHASE_TITLES, type Playbook } from '../playbook/schema.js';
import { formatTime } from '../time/time-input.js';

/** What a click sends back: the incident and the step, so any message can be re-bound to state. */
export function stepValue(incidentId: number, step: number): string {
  return `${incidentId}:${step}`;
}

export function parseStepValue(value: string): { incidentId: number; step: number } | null {
  const match = /^(\d+):(\d+)$/.exec(value);
  return match ? { incidentId: Number(match[1]), step: Number(match[2]) } : null;
}

function groups(incident: Incident, steps: ChecklistStep[], mention: (u: string) => string, timeZone: string): ChecklistGroup[] {
  return PHASES.map((phase) => ({
    id: phase,
    heading: PHASE_TITLES[phase],
    items: steps
      .filter((s) => s.phase === phase)
      .map((s) => ({
        value: stepValue(incident.id, s.number),
        number: s.number,
        label: s.title,
        ...(s.detail ? { detail: s.detail } : {}),
        ...(s.role ? { role: s.role } : {}),
        done: s.doneAt !== null,
        ...(s.doneBy ? { doneBy: mention(s.doneBy) } : {}),
        ...(s.doneAt ? { doneAt: formatTime(s.doneAt, timeZone) } : {}),
      })),
  })).filter((g) => g.items.length > 0);
}

/** Splits groups so no card holds more than `maxItems` steps (a long phase continues on the next card). */
function paginate(all: ChecklistGroup[], maxItems: number): ChecklistGroup[][] {
  const pages: ChecklistGroup[][] = [[]];
  let count = 0;
  for (const group of all) {
    let items = group.items;
    let continued = false;
    while (items.length > 0) {
      if (count >= maxItems) {
        pages.push([]);
        count = 0;
      }
      const take = items.slice(0, maxItems - count);
      pages[pages.length - 1]!.push({ ...group, heading: continued ? `${group.heading} (continued)` : group.heading, items: take });
      count += take.length;
      items = items.slice(take.length);
      continued = true;
    }
  }
  return pages;
}

export function buildChecklistCards(input: {
  incident: Incident;
  playbook: Playbook | undefined;
  steps: ChecklistStep[];
  mention: (userId: string) => string;
  timeZone: string;
  maxItemsPerCard?: number;
  /** The incident's live regulatory clocks: a step that offers a flag already raised offers nothing. */
  clocks?: readonly Pick<RegulatoryClock, 'kind'>[];
}): Card[] {
  const { incident, playbook, steps } = input;
  if (!playbook || steps.length === 0) return [];
  const done = steps.filter((s) => s.doneAt).length;
  const pages = paginate(groups(incident, steps, input.mention, input.timeZone), input.maxItemsPerCard ?? Number.POSITIVE_INFINITY);
  const offers = flagOffers(incident, playbook, steps, input.clocks ?? []);
  return pages.map((checklist, index) => {
    const numbers = new Set(checklist.flatMap((g) => g.items.map((i) => i.number)));
    const actions = offers.filter((o) => numbers.has(o.step)).map((o) => o.action);
    return {
      title: `${incident.isExercise ? `${EXERCISE_MARK} · ` : ''}${playbook.name} checklist · ${incidentRef(incident)}${pages.length > 1 ? ` (${index + 1}/${pages.length})` : ''}`,
      checklist,
      ...(actions.length ? { actions } : {}),
      context: [`${done} of ${steps.length} steps done. Tick with a click or \`/incident tick <number>\`; \`/incident step <number>\` shows how.`],
    };
  });
}

const FLAG_LABELS: Record<ClockKind, string> = { 'gdpr-breach': 'Flag GDPR breach (72 h clock)', 'ai-act-serious': 'Flag AI Act serious incident (15-day clock)' };

/**
 * The playbook steps that ask whether a regulatory clock applies (`offers_flag`) carry a button
 * that starts it (`clock:flag`, awareness now), shown on the card that holds the step until the
 * step is ticked or the clock runs. Steps are matched to the playbook by phase and title.
 */
function flagOffers(incident: Incident, playbook: Playbook, steps: ChecklistStep[], clocks: readonly Pick<RegulatoryClock, 'kind'>[]): { step: number; action: CardAction }[] {
  const live = new Set(clocks.map((c) => c.kind));
  return steps.flatMap((step) => {
    const kind = playbook.steps.find((p) => p.phase === step.phase && p.title === step.title)?.offers_flag;
    if (!kind || live.has(kind) || step.doneAt) return [];
    return [{ step: step.number, action: { id: `${CARD_ACTION.flag}:${kind}`, label: `${FLAG_LABELS[kind]} · step ${step.number}`, value: `${incident.id}:${kind}` } }];
  });
}
