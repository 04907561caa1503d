import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { declareIncident } from '../incident/declare-incident.js';
import type { AlertSignal, StoredAlert } from './alert.js';
import { refreshTriageCard } from './triage.js';

export type AlertOutcome = 'opened' | 'repeated' | 'refired' | 'resolved' | 'ignored';

export interface AlertResult {
  outcome: AlertOutcome;
  incidentId: number | null;
  alertId: number | null;
}

/**
 * The platform an alert's incident starts on: the first triage destination's, else the first chat
 * edge running. Whoever declares it moves it to their own platform (`declareAlert`).
 */
function alertPlatform(context: CoreContext): { platform: string; channelId: string } {
  const first = context.triage?.destinations[0];
  const platform = first?.platform ?? [...context.platforms.keys()][0] ?? 'none';
  return { platform, channelId: first?.channelId ?? 'triage' };
}

/** Alertmanager fingerprints and generic dedup keys live in separate namespaces. */
function keyOf(signal: AlertSignal): string {
  return `${signal.format === 'alertmanager' ? 'am' : 'generic'}:${signal.dedupKey ?? randomUUID()}`;
}

async function attach(context: CoreContext, open: StoredAlert, signal: AlertSignal, now: Date): Promise<AlertResult> {
  const store = context.store;
  const result = (outcome: AlertOutcome): AlertResult => ({ outcome, incidentId: open.incidentId, alertId: open.id });
  if (signal.status === 'resolved') {
    if (open.status === 'resolved') {
      await store.alerts.update(open.id, { lastSeenAt: now });
      return result('repeated');
    }
    const at = signal.endedAt && signal.endedAt <= now ? signal.endedAt : now;
    await store.alerts.update(open.id, { status: 'resolved', resolvedAt: at, lastSeenAt: now });
    await store.events.append({ incidentId: open.incidentId, kind: 'alert_resolved', payload: { alert_id: open.id, dedup_key: open.dedupKey }, actor: open.source, occurredAt: at });
    return result('resolved');
  }
  const fireCount = open.fireCount + 1;
  if (open.status === 'resolved') {
    await store.alerts.update(open.id, { status: 'firing', resolvedAt: null, lastSeenAt: now, fireCount });
    await store.events.append({ incidentId: open.incidentId, kind: 'alert_refired', payload: { alert_id: open.id, fire_count: fireCount }, actor: open.source, occurredAt: now });
    return result('refired');
  }
  await store.alerts.update(open.id, { lastSeenAt: now, fireCount });
  return result('repeated');
}

/**
 * One alert in, inside the batch's transaction with its key locked: a repeat of an open alert
 * (same fingerprint or dedup_key) attaches to it, a resolved status is an event on it, anything
 * else opens an incident in `declared` state for triage, with the alert's own time as its
 * detection time. `open` is the open alert of the key as read before the batch, or null when the
 * batch already took this key (then it is read again, so a later alert sees what an earlier one wrote).
 */
async function receiveAlert(context: CoreContext, signal: AlertSignal, key: string, open: StoredAlert | undefined | null): Promise<AlertResult> {
  const now = context.clock.now();
  const store = context.store;
  const existing = open === null ? await store.alerts.findOpen(key) : open;
  if (existing) return attach(context, existing, signal, now);
  if (signal.status === 'resolved') return { outcome: 'ignored', incidentId: null, alertId: null };
  const detectedAt = signal.detectedAt && signal.detectedAt < now ? signal.detectedAt : now;
  const { incident } = await declareIncident(
    context,
    { ...alertPlatform(context), userId: signal.source },
    {
      title: signal.title,
      summary: signal.description,
      ...(signal.severity ? { severity: signal.severity } : {}),
      ...(signal.playbookId ? { playbookId: signal.playbookId } : {}),
      detectedAt,
      impactStartedAt: detectedAt,
      source: 'alert',
      awaitTriage: true,
    },
  );
  const alert = await store.alerts.create({
    incidentId: incident.id,
    format: signal.format,
    source: signal.source,
    dedupKey: key,
    status: 'firing',
    labels: signal.labels,
    model: signal.model ?? null,
    firstSeenAt: now,
    lastSeenAt: now,
  });
  await store.events.append({
    incidentId: incident.id,
    kind: 'alert_received',
    payload: { alert_id: alert.id, format: signal.format, source: signal.source, dedup_key: key, labels: signal.labels },
    actor: signal.source,
    occurredAt: detectedAt,
  });
  return { outcome: 'opened', incidentId: incident.id, alertId: alert.id };
}

/**
 * Takes in every alert of one request (an Alertmanager batch, or one generic alert) in one
 * transaction: every key of the batch is locked first, in a fixed order (so concurrent batches
 * and other processes sharing keys queue rather than deadlock), the open alerts of all keys are
 * read at once, then each alert is taken in request order. All of the batch stands or none does
 * (a failure answers 500 and Alertmanager sends the batch again). The triage cards are posted or
 * refreshed after commit.
 */
export async function receiveAlerts(context: CoreContext, signals: readonly AlertSignal[]): Promise<AlertResult[]> {
  if (signals.length === 0) return [];
  const keys = signals.map(keyOf);
  const results = await context.store.transaction(async (store) => {
    const inner: CoreContext = { ...context, store };
    await store.alerts.lockKeys(keys);
    const open = await store.alerts.findOpenMany(keys);
    const seen = new Set<string>();
    const taken: AlertResult[] = [];
    for (const [index, signal] of signals.entries()) {
      const key = keys[index]!;
      taken.push(await receiveAlert(inner, signal, key, seen.has(key) ? null : open.get(key)));
      seen.add(key);
    }
    return taken;
  });
  const refreshed = new Set<number>();
  for (const result of results) {
    if (result.incidentId === null || result.outcome === 'repeated' || refreshed.has(result.incidentId)) continue;
    refreshed.add(result.incidentId);
    await refreshTriageCard(context, result.incidentId);
  }
  return results;
}
