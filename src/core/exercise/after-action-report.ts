import { ROLES, type RoleId } from '../domain.js';
import type { StoredEvent } from '../events/event-kinds.js';
import type { ActionItem, ChecklistStep, RoleAssignment } from '../incident/incident.js';
import { actionItemStatus, localDate } from '../review/action-items.js';
import { formatDuration } from '../review/review-draft.js';
import { formatTime } from '../time/time-input.js';
import type { AuthoredScenario, Inject } from './authored-scenario.js';
import { exerciseTitle, type HotWashQuestion } from './authored-cards.js';
import { clip } from './chat-text.js';
import type { Exercise } from './exercise.js';
import { exerciseProgress, injectNumber, observeActions, runningMs, type ActionObservation, type DecisionTaken } from './msel.js';

/**
 * The After-Action Report / Improvement Plan (AAR/IP) of an exercise played from an authored
 * scenario, in HSEEP terms, read from the exercise's event log only: what happened and when, the
 * decisions, the expected actions met or not, a rating per objective proposed from that evidence
 * beside the one the facilitator confirmed, strengths, areas for improvement with their root cause,
 * the corrective actions that become action items, and the next exercise for the weakest objective.
 * Pure: the card (aar-card.ts), the Markdown (aar-markdown.ts) and the API render it.
 */

export const RATINGS = ['P', 'S', 'M', 'U'] as const;
export type Rating = (typeof RATINGS)[number];

/** HSEEP's four ratings of how a capability was performed. */
export const RATING_NAMES: Record<Rating, string> = {
  P: 'Performed without challenges',
  S: 'Performed with some challenges',
  M: 'Performed with major challenges',
  U: 'Unable to be performed',
};

/** Weakest first: U is the weakest rating. */
const RATING_RANK: Record<Rating, number> = { U: 0, M: 1, S: 2, P: 3 };

/** HSEEP's root-cause categories of an area for improvement (POETE). */
export const ROOT_CAUSES = ['planning', 'organisation', 'equipment', 'training', 'exercise design'] as const;
export type RootCause = (typeof ROOT_CAUSES)[number];

/** Corrective actions are due this many calendar days after the report, in the bot's time zone. */
export const CORRECTIVE_ACTION_DAYS = 30;

const ITEM_TEXT_MAX = 480;
const QUOTE_MAX = 300;

export interface AfterActionReportInput {
  scenario: AuthoredScenario;
  exercise: Exercise;
  events: readonly StoredEvent[];
  /** Current holders (store.roles.forIncident); earlier holders come from the `role_assigned` events. */
  roles: readonly RoleAssignment[];
  /** The exercise's checklist (store.steps.list): who owns a playbook step named in the hot wash. */
  steps: readonly ChecklistStep[];
  playbookName: string;
  /** The authored scenarios the next exercise is chosen from (this one is left out). */
  otherScenarios: readonly AuthoredScenario[];
  now: Date;
  timeZone: string;
  /** The exercise's action items: once the report is posted, the plan is the items it created. */
  actionItems?: readonly ActionItem[];
}

export type AarTimelineKind = 'started' | 'inject' | 'contingency' | 'skipped' | 'decided' | 'decision_overdue' | 'paused' | 'resumed' | 'ended';

export interface AarTimelineEntry {
  at: Date;
  kind: AarTimelineKind;
  /** Who did it: the facilitator, a player, or `bot` (a timer). */
  actor: string;
  /** What happened, without the actor (each rendering mentions people its own way). */
  text: string;
  inject: string | null;
}

export interface AarDecision {
  inject: string;
  /** The inject's place in the MSEL. */
  number: number;
  prompt: string;
  /** The role that decides; null: anyone may. */
  decidedBy: RoleId | null;
  limitMs: number;
  /** Null: never taken. */
  taken: DecisionTaken | null;
  /** The limit ran out before a decision (recorded by the decision timer). */
  overdue: boolean;
}

export interface AarInjectActions {
  inject: string;
  number: number;
  from: string;
  delivered: boolean;
  observations: ActionObservation[];
}

export interface AarRole {
  role: RoleId;
  required: boolean;
  /** Everyone who held it during the exercise, in order; the current holder last. */
  holders: string[];
  /** A holder made a move during the exercise (a note, a tick, a decision, a state change, …). */
  acted: boolean;
}

export interface AarEvidence {
  /** Expected actions of the objective whose inject was delivered: the ones that count. */
  counted: number;
  met: number;
  partly: number;
  missed: number;
  /** Of injects never delivered (a branch not taken, skipped): not counted either way. */
  notDelivered: number;
}

export interface ConfirmedRating {
  rating: Rating;
  because: string | null;
  by: string;
  at: Date;
}

export interface AarObjective {
  id: string;
  capability: string;
  target: string;
  observations: ActionObservation[];
  evidence: AarEvidence;
  proposed: Rating;
  /** The evidence and the rule that gave `proposed`. */
  proposedBecause: string;
  /** The facilitator's latest `exercise_rated` for this objective. */
  confirmed: ConfirmedRating | null;
  /** Confirmed, else proposed. */
  inForce: Rating;
}

export interface AarStrength {
  kind: 'action' | 'decision' | 'hot_wash';
  text: string;
  objective: string | null;
  /** Who answered (hot wash) or decided. */
  by: string | null;
}

export type AarAreaKind = 'action_missed' | 'action_late' | 'role_unheld' | 'role_silent' | 'decision_late' | 'decision_missing' | 'playbook_gap' | 'to_change';

export interface AarArea {
  kind: AarAreaKind;
  /** What was observed. */
  text: string;
  rootCause: RootCause;
  objective: string | null;
  capability: string | null;
  role: RoleId | null;
  /** The hot wash answer's author, for answers. */
  by: string | null;
}

export type PlanStatus = 'proposed' | 'open' | 'overdue' | 'done' | 'done late';

export interface CorrectiveAction {
  /** The action item's number once the report is posted. */
  number: number | null;
  text: string;
  owner: string;
  /** The role whose holder owns it; null when the facilitator does. */
  ownerRole: RoleId | null;
  /** YYYY-MM-DD in the bot's time zone. */
  due: string;
  capability: string | null;
  objective: string | null;
  rootCause: RootCause | null;
  status: PlanStatus;
}

export interface HotWashAnswer {
  question: HotWashQuestion;
  text: string;
  by: string;
  at: Date;
}

export interface NextExercise {
  /** The weakest objective: the lowest rating in force, the first in the scenario's order on a tie. */
  objective: { id: string; capability: string; rating: Rating };
  scenario: { id: string; title: string; playbook: string } | null;
  reason: string;
}

export interface AfterActionReport {
  exerciseId: number;
  incidentId: number | null;
  scenario: { id: string; version: number; title: string; durationMinutes: number; injects: number };
  playbook: { id: string; name: string };
  basis: AuthoredScenario['basis'];
  facilitator: string;
  startedAt: Date;
  endedAt: Date | null;
  /** Time played, pauses left out. */
  playedMs: number;
  pausedMs: number;
  injectsDelivered: number;
  /** When the AAR was first posted (the improvement plan's items exist from then). */
  postedAt: Date | null;
  timeZone: string;
  generatedAt: Date;
  participants: AarRole[];
  timeline: AarTimelineEntry[];
  decisions: AarDecision[];
  actions: AarInjectActions[];
  /** Required roles nobody held, or whose holders made no move. */
  rolesNeverActed: AarRole[];
  objectives: AarObjective[];
  strengths: AarStrength[];
  areas: AarArea[];
  plan: CorrectiveAction[];
  hotWash: HotWashAnswer[];
  nextExercise: NextExercise | null;
}

const byTime = (a: StoredEvent, b: StoredEvent) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id;

/** One line of text: what a person typed may hold line breaks, which would break a list. */
export const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

const quote = (text: string) => clip(oneLine(text), QUOTE_MAX);
const limitText = (ms: number) => formatDuration(ms);
export const roleLabel = (role: RoleId) => ROLES[role].name;
/** "an Incident Commander", "an ML Engineer", "a Security Analyst". */
const withArticle = (role: RoleId) => `${/^(?:[AEIOU]|ML\b)/.test(roleLabel(role)) ? 'an' : 'a'} ${roleLabel(role)}`;

/** `date` (YYYY-MM-DD) plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/**
 * The proposed rating of one objective from its expected actions whose inject was delivered
 * (met = within its limit, partly = after it, missed = never seen):
 * - every one met → P;
 * - more than half met or partly met → S;
 * - at least one met or partly met → M;
 * - none met or partly met, or none delivered (nothing showed it performed) → U.
 */
export function proposeRating(evidence: AarEvidence): { rating: Rating; because: string } {
  const { counted, met, partly, missed } = evidence;
  const seen = met + partly;
  const facts =
    counted === 0
      ? `none of its ${evidence.notDelivered} expected actions was delivered`
      : `${met} of ${counted} expected actions met, ${partly} partly met (late), ${missed} missed`;
  if (counted > 0 && met === counted) return { rating: 'P', because: `${facts}: all met → P` };
  if (counted > 0 && seen * 2 > counted) return { rating: 'S', because: `${facts}: most met or partly met → S` };
  if (seen > 0) return { rating: 'M', because: `${facts}: some met or partly met → M` };
  return { rating: 'U', because: `${facts}: none met → U` };
}

/** The facilitator's latest rating of each objective. */
function confirmedRatings(events: readonly StoredEvent[]): Map<string, ConfirmedRating> {
  const out = new Map<string, ConfirmedRating>();
  for (const event of [...events].sort(byTime)) {
    if (event.kind !== 'exercise_rated') continue;
    const p = event.payload;
    out.set(String(p.objective), { rating: p.rating as Rating, because: typeof p.because === 'string' ? p.because : null, by: event.actor, at: event.occurredAt });
  }
  return out;
}

/**
 * Each objective with its evidence, the proposed rating, the confirmed one and the one in force.
 * Reads the events only, so the API lists ratings without building the whole report.
 */
export function objectiveRatings(scenario: AuthoredScenario, events: readonly StoredEvent[], now: Date): AarObjective[] {
  const progress = exerciseProgress(events);
  const observations = observeActions(scenario, events, progress, now);
  const confirmed = confirmedRatings(events);
  return scenario.objectives.map((objective) => {
    const mine = observations.filter((o) => o.action.objective === objective.id);
    const count = (outcome: ActionObservation['outcome']) => mine.filter((o) => o.outcome === outcome).length;
    const notDelivered = count('not_delivered');
    // An action still pending (the report of an exercise not ended) counts as not met yet.
    const evidence: AarEvidence = { counted: mine.length - notDelivered, met: count('met'), partly: count('partly'), missed: count('missed') + count('pending'), notDelivered };
    const proposal = proposeRating(evidence);
    const mark = confirmed.get(objective.id) ?? null;
    return {
      id: objective.id,
      capability: objective.capability,
      target: objective.target,
      observations: mine,
      evidence,
      proposed: proposal.rating,
      proposedBecause: proposal.because,
      confirmed: mark,
      inForce: mark?.rating ?? proposal.rating,
    };
  });
}

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

function participants(scenario: AuthoredScenario, events: readonly StoredEvent[], roles: readonly RoleAssignment[], from: Date, to: Date): AarRole[] {
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

function timeline(scenario: AuthoredScenario, exercise: Exercise, events: readonly StoredEvent[]): AarTimelineEntry[] {
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

/** The decision an expected action observes (`observe: {decision: <inject>}`), if any. */
const observedDecision = (o: ActionObservation) => (o.action.observe && 'decision' in o.action.observe ? o.action.observe.decision : null);

/** "step 4", "Step #4", "#4": the playbook step a hot wash answer names. */
export function stepNamed(text: string): number | null {
  const match = /\bstep\s*(?:#|no\.?\s*|number\s*)?(\d{1,3})\b/i.exec(text) ?? /(?:^|[\s(])#(\d{1,3})\b/.exec(text);
  return match ? Number(match[1]) : null;
}

function normalisedCapability(capability: string): string {
  return capability.toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The scenario for the next exercise: another authored scenario with an objective of the weakest
 * objective's capability (one of the same playbook first), else one of the same playbook.
 */
export function nextExercise(scenario: AuthoredScenario, objectives: readonly AarObjective[], others: readonly AuthoredScenario[]): NextExercise | null {
  const weakest = [...objectives].sort((a, b) => RATING_RANK[a.inForce] - RATING_RANK[b.inForce])[0];
  if (!weakest) return null;
  const objective = { id: weakest.id, capability: weakest.capability, rating: weakest.inForce };
  const why = `"${weakest.id}" (${weakest.capability}) is the weakest objective, rated ${weakest.inForce} (${RATING_NAMES[weakest.inForce]})`;
  const candidates = others.filter((s) => s.id !== scenario.id);
  const capability = normalisedCapability(weakest.capability);
  const sameCapability = (s: AuthoredScenario) => s.objectives.find((o) => normalisedCapability(o.capability) === capability);
  const byCapability = [...candidates.filter((s) => s.playbook === scenario.playbook), ...candidates.filter((s) => s.playbook !== scenario.playbook)].find((s) => sameCapability(s));
  const pick = (s: AuthoredScenario) => ({ id: s.id, title: s.title, playbook: s.playbook });
  if (byCapability) {
    const theirs = sameCapability(byCapability)!;
    return { objective, scenario: pick(byCapability), reason: `${why}; ${byCapability.id} evaluates the same capability in its objective "${theirs.id}": ${oneLine(theirs.target)}` };
  }
  const samePlaybook = candidates.find((s) => s.playbook === scenario.playbook);
  if (samePlaybook) {
    return { objective, scenario: pick(samePlaybook), reason: `${why}; no other scenario evaluates ${weakest.capability}, and ${samePlaybook.id} practises the same playbook (${scenario.playbook})` };
  }
  return {
    objective,
    scenario: null,
    reason: `${why}; no other authored scenario evaluates ${weakest.capability} or practises ${scenario.playbook}: run ${scenario.id} again, or write one in playbooks/exercises/`,
  };
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
function findings(input: AfterActionReportInput, objectives: readonly AarObjective[], decisions: readonly AarDecision[], roles: readonly AarRole[], hotWash: readonly HotWashAnswer[]): Finding[] {
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

function strengths(scenario: AuthoredScenario, objectives: readonly AarObjective[], decisions: readonly AarDecision[], hotWash: readonly HotWashAnswer[]): AarStrength[] {
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
function postedPlan(events: readonly StoredEvent[], items: readonly ActionItem[], proposed: readonly CorrectiveAction[], now: Date, timeZone: string): CorrectiveAction[] | null {
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

export function buildAfterActionReport(input: AfterActionReportInput): AfterActionReport {
  const { scenario, exercise, events, now, timeZone } = input;
  const progress = exerciseProgress(events);
  const endedAt = progress.completedAt ?? exercise.completedAt;
  const end = endedAt ?? now;
  const objectives = objectiveRatings(scenario, events, now);
  const observations = objectives.flatMap((o) => o.observations);

  const decisions: AarDecision[] = scenario.injects
    .filter((i): i is Inject & { decision: NonNullable<Inject['decision']> } => Boolean(i.decision) && progress.delivered.has(i.id))
    .map((i) => ({
      inject: i.id,
      number: injectNumber(scenario, i.id),
      prompt: i.decision.prompt,
      decidedBy: i.decision.decided_by ?? null,
      limitMs: i.decision.within_minutes * 60_000,
      taken: progress.decisions.get(i.id) ?? null,
      overdue: progress.overdueDecisions.has(i.id),
    }));

  const actions: AarInjectActions[] = scenario.injects
    .filter((i) => i.expected_actions.length > 0)
    .map((i) => ({ inject: i.id, number: injectNumber(scenario, i.id), from: i.from, delivered: progress.delivered.has(i.id), observations: observations.filter((o) => o.inject === i.id) }));

  const roles = participants(scenario, events, input.roles, exercise.startedAt, end);
  const hotWash: HotWashAnswer[] = [...events]
    .sort(byTime)
    .filter((e) => e.kind === 'exercise_hot_wash_answer')
    .map((e) => ({ question: e.payload.question as HotWashAnswer['question'], text: String(e.payload.text), by: e.actor, at: e.occurredAt }));

  const found = findings(input, objectives, decisions, roles, hotWash);
  const holderOf = new Map<RoleId, string>();
  for (const r of roles) if (r.holders.length) holderOf.set(r.role, r.holders.at(-1)!);
  for (const r of input.roles) holderOf.set(r.role, r.userId);
  const due = addDays(localDate(now, timeZone), CORRECTIVE_ACTION_DAYS);
  const proposedPlan: CorrectiveAction[] = found.flatMap(({ area, action }) => {
    if (!action) return [];
    const holder = action.ownerRole ? holderOf.get(action.ownerRole) : undefined;
    return [
      {
        number: null,
        text: clip(action.text, ITEM_TEXT_MAX),
        owner: holder ?? exercise.facilitator,
        ownerRole: holder ? action.ownerRole : null,
        due,
        capability: area.capability,
        objective: area.objective,
        rootCause: area.rootCause,
        status: 'proposed' as const,
      },
    ];
  });

  const pauses = progress.pauses;
  const playedMs = runningMs(exercise.startedAt, end, pauses);
  return {
    exerciseId: exercise.id,
    incidentId: exercise.incidentId,
    scenario: { id: scenario.id, version: scenario.version, title: scenario.title, durationMinutes: scenario.duration_minutes, injects: scenario.injects.length },
    playbook: { id: scenario.playbook, name: input.playbookName },
    basis: scenario.basis,
    facilitator: exercise.facilitator,
    startedAt: exercise.startedAt,
    endedAt,
    playedMs,
    pausedMs: end.getTime() - exercise.startedAt.getTime() - playedMs,
    injectsDelivered: progress.delivered.size,
    postedAt: exercise.aarPostedAt,
    timeZone,
    generatedAt: now,
    participants: roles,
    timeline: timeline(scenario, exercise, events),
    decisions,
    actions,
    rolesNeverActed: roles.filter((r) => r.required && !r.acted),
    objectives,
    strengths: strengths(scenario, objectives, decisions, hotWash),
    areas: found.map((f) => f.area),
    plan: postedPlan(events, input.actionItems ?? [], proposedPlan, now, timeZone) ?? proposedPlan,
    hotWash,
    nextExercise: nextExercise(scenario, objectives, input.otherScenarios),
  };
}

/* Lines shared by the card and the Markdown; `mention` is the edge's (cards) or `@id` (Markdown). */

const OUTCOME_WORDS: Record<ActionObservation['outcome'], string> = {
  met: 'met',
  partly: 'partly met (late)',
  missed: 'missed',
  pending: 'pending',
  not_delivered: 'not delivered',
};

/** `EXERCISE · After-Action Report: <scenario title>`, within a card header's length. */
export function reportTitle(report: AfterActionReport): string {
  return exerciseTitle(`After-Action Report: ${oneLine(report.scenario.title)}`);
}

export function ratingText(rating: Rating): string {
  return `${rating} (${RATING_NAMES[rating]})`;
}

export function objectiveLine(o: AarObjective, mention: (userId: string) => string): string {
  const confirmed = o.confirmed
    ? `confirmed by ${mention(o.confirmed.by)}${o.confirmed.because ? ` because ${oneLine(o.confirmed.because)}` : ''}${o.confirmed.rating !== o.proposed ? ` (proposed ${o.proposed})` : ''}`
    : `proposed, to confirm: ${o.proposedBecause}`;
  return `${o.id} (${oneLine(o.capability)}): ${ratingText(o.inForce)}; ${confirmed}`;
}

/** Moves whose author the timeline names (the rest are the bot's timers or say who in their text). */
const NAMED: ReadonlySet<AarTimelineKind> = new Set(['started', 'decided', 'paused', 'resumed', 'ended']);

export function timelineLine(entry: AarTimelineEntry, mention: (userId: string) => string, timeZone: string): string {
  const who = NAMED.has(entry.kind) && entry.actor !== 'bot' ? ` (${mention(entry.actor)})` : '';
  return `${formatTime(entry.at, timeZone)} ${entry.text}${who}`;
}

export function decisionLine(d: AarDecision, mention: (userId: string) => string): string {
  const prompt = quote(d.prompt);
  if (!d.taken) return `Inject ${d.number} (${d.inject}): ${prompt}: not decided${d.overdue ? `, its ${limitText(d.limitMs)} limit ran out` : ''}${d.decidedBy ? ` (${roleLabel(d.decidedBy)} decides)` : ''}`;
  const t = d.taken;
  return `Inject ${d.number} (${d.inject}): ${prompt} → ${quote(t.label)} (${t.option}), by ${mention(t.by)}, because ${quote(t.reasoning)}; took ${formatDuration(t.tookMs)}, ${t.withinLimit ? 'within' : 'over'} its ${limitText(t.limitMs)} limit`;
}

export function observationLine(o: ActionObservation): string {
  const took = o.tookMs !== null ? ` in ${formatDuration(o.tookMs)}` : '';
  const how = o.by === 'facilitator' ? ', marked by the facilitator' : '';
  return `${o.action.id}: ${quote(o.action.description)}: ${OUTCOME_WORDS[o.outcome]}${took}${how} (limit ${limitText(o.action.within_minutes * 60_000)}${o.action.role ? `, ${roleLabel(o.action.role)}` : ''})`;
}

export function roleLine(r: AarRole, mention: (userId: string) => string): string {
  const who = r.holders.length ? r.holders.map(mention).join(', then ') : 'nobody';
  return `${roleLabel(r.role)}${r.required ? ' (required)' : ''}: ${who}${r.holders.length ? (r.acted ? '' : ', made no move') : ''}`;
}

export function silentRoleLine(r: AarRole, mention: (userId: string) => string): string {
  return r.holders.length ? `${roleLabel(r.role)}: held by ${r.holders.map(mention).join(', then ')}, who made no move` : `${roleLabel(r.role)}: nobody held it`;
}

export function strengthLine(s: AarStrength, mention: (userId: string) => string): string {
  return `${s.text}${s.objective ? ` [${s.objective}]` : ''}${s.kind === 'hot_wash' && s.by ? ` (${mention(s.by)})` : ''}`;
}

export function areaLine(a: AarArea, mention: (userId: string) => string): string {
  return `${a.text}${a.objective ? ` [${a.objective}]` : ''}${a.by ? ` (${mention(a.by)})` : ''}; root cause: ${a.rootCause}`;
}

/** A corrective action as the card lists it (the Markdown has a table). */
export function planLine(c: CorrectiveAction, mention: (userId: string) => string): string {
  const owner = `${mention(c.owner)}${c.ownerRole ? ` (${roleLabel(c.ownerRole)})` : ''}`;
  const status = c.status === 'proposed' || c.status === 'open' ? '' : `, ${c.status}`;
  return `${c.number !== null ? `${c.number}. ` : '• '}${c.text}: owner ${owner}, due ${c.due}${c.capability ? `; capability: ${oneLine(c.capability)}` : ''}${status}`;
}

export function nextExerciseLine(next: NextExercise | null): string {
  if (!next) return 'No objective to follow up.';
  return next.scenario ? `${next.scenario.id}: ${oneLine(next.scenario.title)} (${next.scenario.playbook}). Why: ${next.reason}.` : `No scenario to propose. Why: ${next.reason}.`;
}
