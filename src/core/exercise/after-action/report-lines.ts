import { ROLES, type RoleId } from '../../domain.js';
import { formatDuration } from '../../review/review-draft.js';
import { formatTime } from '../../time/time-input.js';
import { exerciseTitle } from '../authored-cards.js';
import { clip } from '../chat-text.js';
import type { ActionObservation } from '../msel.js';
import {
  RATING_NAMES,
  type AarArea,
  type AarDecision,
  type AarObjective,
  type AarRole,
  type AarStrength,
  type AarTimelineEntry,
  type AarTimelineKind,
  type AfterActionReport,
  type CorrectiveAction,
  type NextExercise,
  type Rating,
} from './report.js';

const QUOTE_MAX = 300;

/** One line of text: what a person typed may hold line breaks, which would break a list. */
export const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

export const quote = (text: string) => clip(oneLine(text), QUOTE_MAX);
export const limitText = (ms: number) => formatDuration(ms);
export const roleLabel = (role: RoleId) => ROLES[role].name;

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
