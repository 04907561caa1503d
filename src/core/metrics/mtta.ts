import { ROLE_IDS, type RoleId } from '../domain.js';
import type { Store } from '../ports/store.js';
import type { TimeMetric } from './metrics.js';

/** Not rounded: JSON carries exact figures, rounding is for display. */
const minutes = (seconds: number | null) => (seconds === null ? null : seconds / 60);

/**
 * Time to acknowledge per role (`mtta` in the metrics JSON), in minutes, with the same
 * mean/median/p90/n shape as the nine metrics: for each incident declared in the period (not
 * exercises, not false positives) and each role paged, from the role's first page to its first
 * acknowledgement, escalations included. Roles never acknowledged in the period have n = 0.
 */
export async function timeToAcknowledge(store: Pick<Store, 'pageQueue'>, period: { from: Date; to: Date }): Promise<Record<RoleId, TimeMetric>> {
  const samples = await store.pageQueue.acknowledgementTimes(period.from, period.to);
  const result = {} as Record<RoleId, TimeMetric>;
  for (const role of ROLE_IDS) {
    const sample = samples.find((s) => s.role === role);
    result[role] = sample
      ? { mean: minutes(sample.mean), median: minutes(sample.median), p90: minutes(sample.p90), n: sample.n, unit: 'minutes' }
      : { mean: null, median: null, p90: null, n: 0, unit: 'minutes' };
  }
  return result;
}

export const MTTA_DEFINITION = 'per role: first page of the role → first acknowledgement, over incidents declared in the period (exercises and false positives left out)';
