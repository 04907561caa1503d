import type { RoleId } from '../../domain.js';
import type { StoredEvent } from '../../events/event-kinds.js';
import type { ActionItem, ChecklistStep, RoleAssignment } from '../../incident/incident.js';
import type { AuthoredScenario } from '../authored-scenario.js';
import type { HotWashQuestion } from '../authored-cards.js';
import type { Exercise } from '../exercise.js';
import type { ActionObservation, DecisionTaken } from '../msel.js';

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

/** HSEEP's root-cause categories of an area for improvement (POETE). */
export const ROOT_CAUSES = ['planning', 'organisation', 'equipment', 'training', 'exercise design'] as const;
export type RootCause = (typeof ROOT_CAUSES)[number];

/** Corrective actions are due this many calendar days after the report, in the bot's time zone. */
export const CORRECTIVE_ACTION_DAYS = 30;

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
  /** What the facilitator noted as evaluator during the exercise (`exercise note`), in order. */
  evaluatorNotes: { text: string; by: string; at: Date }[];
  nextExercise: NextExercise | null;
}

/** Events in the order they happened (by id on a tie): shared by the ratings, the timeline, the plan and the build. */
export const byTime = (a: StoredEvent, b: StoredEvent) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id;
