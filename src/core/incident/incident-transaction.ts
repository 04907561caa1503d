import type { CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Store } from '../ports/store.js';
import type { Incident } from './incident.js';

/**
 * Runs a change to one incident in a transaction with its row locked, so two people acting at once
 * queue up instead of overwriting each other.
 */
export async function changeIncident<T>(
  context: CoreContext,
  incidentId: number,
  change: (store: Store, incident: Incident) => Promise<T>,
): Promise<T> {
  return context.store.transaction(async (store) => {
    const incident = await store.incidents.lock(incidentId);
    if (!incident) throw new AppError('not_found', `incident ${incidentId} does not exist`);
    return change(store, incident);
  });
}
