import { createHash } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The stored request (an inbox item) whose work is running. A request acknowledged before a crash
 * runs again after it; every event it writes is keyed by the request and the event's content, so
 * what the first run already committed is not written twice (the event log refuses the key), while
 * the run finishes what the first did not.
 */
const current = new AsyncLocalStorage<string>();

export function withinRequest<T>(requestId: string, work: () => Promise<T>): Promise<T> {
  return current.run(requestId, work);
}

/** The idempotency key for an event written by the running request; none outside one. */
export function requestEventKey(event: { incidentId: number | null; kind: string; payload: unknown }): string | undefined {
  const requestId = current.getStore();
  if (requestId === undefined) return undefined;
  const content = createHash('sha256').update(JSON.stringify(event.payload ?? null)).digest('base64url').slice(0, 22);
  return `request:${requestId}:${event.incidentId ?? '-'}:${event.kind}:${content}`;
}
