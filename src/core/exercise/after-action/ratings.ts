import type { StoredEvent } from '../../events/event-kinds.js';
import type { AuthoredScenario } from '../authored-scenario.js';
import { exerciseProgress, observeActions, type ActionObservation } from '../msel.js';
import { byTime, type AarEvidence, type AarObjective, type ConfirmedRating, type Rating } from './report.js';

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
