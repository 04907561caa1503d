import type { RoleId } from '../../domain.js';
import type { StoredEvent } from '../../events/event-kinds.js';
import type { ActionItem } from '../../incident/incident.js';
import { actionItemStatus, localDate } from '../../review/action-items.js';
import { formatDuration } from '../../review/review-draft.js';
import type { AuthoredScenario } from '../authored-scenario.js';
import { injectNumber, type ActionObservation } from '../msel.js';
import { limitText, quote, roleLabel } from './report-lines.js';
import { byTime, type AarArea, type AarDecision, type AarObjective, type AarRole, type AarStrength, type AfterActionReportInput, type CorrectiveAction, type HotWashAnswer } from './report.js';

/** "an Incident Commander", "an ML Engineer", "a Security Analyst". */
const withArticle = (role: RoleId) => `${/^(?:[AEIOU]|ML\b)/.test(roleLabel(role)) ? 'an' : 'a'} ${roleLabel(role)}`;

/** The decision an expected action observes (`observe: {decision: <inject>}`), if any. */
const observedDecision = (o: ActionObservation) => (o.action.observe && 'decision' in o.action.observe ? o.action.observe.decision : null);

/** "step 4", "Step #4", "#4": the playbook step a hot wash answer names. */
export function stepNamed(text: string): number | null {
  const match = /\bstep\s*(?:#|no\.?\s*|number\s*)?(\d{1,3})\b/i.exec(text) ?? /(?:^|[\s(])#(\d{1,3})\b/.exec(text);
  return match ? Number(match[1]) : null;
}

interface Finding {
  area: AarArea;
  /** The corrective action it calls for; null when another finding's action covers it. */
  action: { text: string; ownerRole: RoleId | null } | null;
}

/**
 * Areas for improvement, each with its root cause, and the corrective action each calls for.
 * Root causes, by rule:
 * - an expected action missed or late whose role nobody held → organisation (one area per such role);
 * - a required role nobody held, or whose holders made no move → organisation;
 * - any other expected action missed or late → training;
 * - a decision over its limit or never taken → training;
 * - a hot wash "playbook step missing or wrong" answer → planning (its action updates the playbook);
 * - a hot wash "what to change" answer → exercise design.
 */
export function findings(input: AfterActionReportInput, objectives: readonly AarObjective[], decisions: readonly AarDecision[], roles: readonly AarRole[], hotWash: readonly HotWashAnswer[]): Finding[] {
  const { scenario } = input;
  const capabilityOf = new Map(objectives.map((o) => [o.id, o.capability]));
  const held = new Set(roles.filter((r) => r.holders.length > 0).map((r) => r.role));
  for (const r of input.roles) held.add(r.role);
  const out: Finding[] = [];
  const ref = (o: ActionObservation) => `inject ${injectNumber(scenario, o.inject)}`;
  const observations = objectives.flatMap((o) => o.observations).sort((a, b) => injectNumber(scenario, a.inject) - injectNumber(scenario, b.inject));
  const shortfalls = observations.filter((o) => o.outcome === 'missed' || o.outcome === 'partly');

  // Decisions first: an expected action that observes a decision with a finding of its own is folded into it.
  const decisionFindings = new Set<string>();
  for (const d of decisions) {
    const late = d.taken !== null && !d.taken.withinLimit;
    if (!late && d.taken !== null) continue;
    decisionFindings.add(d.inject);
    const served = observations.find((o) => observedDecision(o) === d.inject);
    const objective = served?.action.objective ?? null;
    const prompt = quote(d.prompt);
    const text = late
      ? `The decision at inject ${d.number} took ${formatDuration(d.taken!.tookMs)} against a ${limitText(d.limitMs)} limit: ${prompt}`
      : `No decision was taken at inject ${d.number}${d.overdue ? ` (its ${limitText(d.limitMs)} limit ran out)` : ''}: ${prompt}`;
    out.push({
      area: { kind: late ? 'decision_late' : 'decision_missing', text, rootCause: 'training', objective, capability: objective ? (capabilityOf.get(objective) ?? null) : null, role: d.decidedBy, by: null },
      action: {
        text: late
          ? `Agree in advance who decides and on what criteria, so "${prompt}" is decided within ${limitText(d.limitMs)} (took ${formatDuration(d.taken!.tookMs)} at inject ${d.number} of ${scenario.id})`
          : `Prepare the decision "${prompt}": who takes it, on what criteria, within ${limitText(d.limitMs)} (not taken at inject ${d.number} of ${scenario.id})`,
        ownerRole: d.decidedBy,
      },
    });
  }

  // Shortfalls of roles nobody held: one area per role (organisation), its action owned by the facilitator.
  const unheldRoles = new Map<RoleId, ActionObservation[]>();
  for (const o of shortfalls) {
    if (observedDecision(o) && decisionFindings.has(observedDecision(o)!)) continue;
    const role = o.action.role ?? null;
    if (role && !held.has(role)) {
      unheldRoles.set(role, [...(unheldRoles.get(role) ?? []), o]);
      continue;
    }
    const late = o.outcome === 'partly';
    const what = quote(o.action.description);
    const limit = limitText(o.action.within_minutes * 60_000);
    out.push({
      area: {
        kind: late ? 'action_late' : 'action_missed',
        text: late ? `Late at ${ref(o)}: ${what} took ${formatDuration(o.tookMs ?? 0)} (limit ${limit})` : `Missed at ${ref(o)}: ${what} (limit ${limit})`,
        rootCause: 'training',
        objective: o.action.objective,
        capability: capabilityOf.get(o.action.objective) ?? null,
        role,
        by: null,
      },
      action: {
        text: late
          ? `Practise "${what}" until it is done within ${limit} (took ${formatDuration(o.tookMs ?? 0)} at ${ref(o)} of ${scenario.id})`
          : `Train for "${what}" within ${limit} of the trigger (missed at ${ref(o)} of ${scenario.id})`,
        ownerRole: role,
      },
    });
  }
  const requiredSilent = roles.filter((r) => r.required && !r.acted);
  for (const [role, missed] of unheldRoles) {
    const first = missed[0]!;
    const list = missed.map((o) => `${quote(o.action.description)} (${ref(o)}, ${o.outcome === 'partly' ? 'late' : 'missed'})`).join('; ');
    out.push({
      area: { kind: 'role_unheld', text: `Nobody held the ${roleLabel(role)} role, so its expected actions had no owner: ${list}`, rootCause: 'organisation', objective: first.action.objective, capability: capabilityOf.get(first.action.objective) ?? null, role, by: null },
      action: { text: `Name ${withArticle(role)} and a backup in the roster before the next exercise: nobody held the role in ${scenario.id} and ${missed.length} expected action${missed.length === 1 ? ' was' : 's were'} missed or late`, ownerRole: null },
    });
  }
  for (const r of requiredSilent) {
    if (unheldRoles.has(r.role)) continue;
    const unheld = r.holders.length === 0;
    out.push({
      area: {
        kind: unheld ? 'role_unheld' : 'role_silent',
        text: unheld ? `Nobody held the required ${roleLabel(r.role)} role` : `The required ${roleLabel(r.role)} role made no move during the exercise`,
        rootCause: 'organisation',
        objective: null,
        capability: null,
        role: r.role,
        by: null,
      },
      action: {
        text: unheld
          ? `Name ${withArticle(r.role)} and a backup in the roster before the next exercise (nobody held the role in ${scenario.id})`
          : `Walk through the ${roleLabel(r.role)}'s part in the ${input.playbookName} playbook with its holder (the role made no move in ${scenario.id})`,
        ownerRole: unheld ? null : r.role,
      },
    });
  }

  for (const answer of hotWash) {
    if (answer.question === 'playbook_gap') {
      const step = stepNamed(answer.text);
      const stepRole = step === null ? null : (input.steps.find((s) => s.number === step)?.role ?? null);
      out.push({
        area: { kind: 'playbook_gap', text: `Playbook ${scenario.playbook}${step === null ? '' : ` step ${step}`}: ${quote(answer.text)}`, rootCause: 'planning', objective: null, capability: null, role: stepRole, by: answer.by },
        action: { text: `Update playbook ${scenario.playbook}${step === null ? '' : ` step ${step}`}: ${quote(answer.text)}`, ownerRole: stepRole },
      });
    } else if (answer.question === 'to_change') {
      out.push({
        area: { kind: 'to_change', text: quote(answer.text), rootCause: 'exercise design', objective: null, capability: null, role: null, by: answer.by },
        action: { text: `Revise the exercise (${scenario.id} v${scenario.version}): ${quote(answer.text)}`, ownerRole: null },
      });
    }
  }
  return out;
}

export function strengths(scenario: AuthoredScenario, objectives: readonly AarObjective[], decisions: readonly AarDecision[], hotWash: readonly HotWashAnswer[]): AarStrength[] {
  const out: AarStrength[] = [];
  const observations = objectives.flatMap((o) => o.observations).sort((a, b) => injectNumber(scenario, a.inject) - injectNumber(scenario, b.inject));
  for (const o of observations) {
    if (o.outcome !== 'met') continue;
    out.push({
      kind: 'action',
      text: `${quote(o.action.description)} (inject ${injectNumber(scenario, o.inject)}, in ${formatDuration(o.tookMs ?? 0)}, limit ${limitText(o.action.within_minutes * 60_000)})`,
      objective: o.action.objective,
      by: null,
    });
  }
  for (const d of decisions) {
    if (!d.taken?.withinLimit) continue;
    const served = observations.find((o) => observedDecision(o) === d.inject);
    out.push({
      kind: 'decision',
      text: `Decision at inject ${d.number} in ${formatDuration(d.taken.tookMs)} (limit ${limitText(d.limitMs)}): ${quote(d.taken.label)}, because ${quote(d.taken.reasoning)}`,
      objective: served?.action.objective ?? null,
      by: d.taken.by,
    });
  }
  for (const answer of hotWash) if (answer.question === 'went_well') out.push({ kind: 'hot_wash', text: quote(answer.text), objective: null, by: answer.by });
  return out;
}

/** The improvement plan as posted: the action items the first post created, with their status now. */
export function postedPlan(events: readonly StoredEvent[], items: readonly ActionItem[], proposed: readonly CorrectiveAction[], now: Date, timeZone: string): CorrectiveAction[] | null {
  const posted = [...events].sort(byTime).find((e) => e.kind === 'exercise_aar_posted');
  if (!posted) return null;
  const created = (posted.payload.corrective_actions as { number: number; capability: string | null }[]) ?? [];
  const today = localDate(now, timeZone);
  return created.flatMap(({ number, capability }) => {
    const item = items.find((i) => i.number === number);
    if (!item) return [];
    // What the item does not hold (the owner's role, the objective, the root cause) comes from the same action proposed now, if it still is.
    const same = proposed.find((c) => c.text === item.text && c.owner === item.owner);
    return [
      {
        number,
        text: item.text,
        owner: item.owner,
        ownerRole: same?.ownerRole ?? null,
        due: item.due,
        capability,
        objective: same?.objective ?? null,
        rootCause: same?.rootCause ?? null,
        status: actionItemStatus(item, today, timeZone),
      },
    ];
  });
}
