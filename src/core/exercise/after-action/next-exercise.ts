import type { AuthoredScenario } from '../authored-scenario.js';
import { oneLine } from './report-lines.js';
import { RATING_NAMES, type AarObjective, type NextExercise, type Rating } from './report.js';

/** Weakest first: U is the weakest rating. */
const RATING_RANK: Record<Rating, number> = { U: 0, M: 1, S: 2, P: 3 };

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
