import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { planDeclaration, recordDeclarations } from '../incident/declare-incident.js';
import type { AlertSignal, StoredAlert } from './alert.js';
import { refreshTriageCards, type CommittedAlerts } from './triage.js';

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
 * The incidents of the alerts that open one, in the batch's transaction, a statement per table for
 * all of them: each in `declared` state for triage, with the alert's own time as its detection time.
 */
async function openIncidents(context: CoreContext, opening: readonly { signal: AlertSignal; key: string }[], written: CommittedAlerts): Promise<AlertResult[]> {
  if (opening.length === 0) return [];
  const now = context.clock.now();
  const store = context.store;
  const plans = opening.map(({ signal }) => {
    const detectedAt = signal.detectedAt && signal.detectedAt < now ? signal.detectedAt : now;
    return planDeclaration(
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
  });
  let alerts: StoredAlert[] = [];
  const recorded = await recordDeclarations(context, store, plans, async (incidents) => {
    alerts = await store.alerts.createAll(
      opening.map(({ signal, key }, index) => ({
        incidentId: incidents[index]!.id,
        format: signal.format,
        source: signal.source,
        dedupKey: key,
        status: 'firing' as const,
        labels: signal.labels,
        model: signal.model ?? null,
        firstSeenAt: now,
        lastSeenAt: now,
      })),
    );
    return opening.map(({ signal, key }, index) => ({
      incidentId: incidents[index]!.id,
      kind: 'alert_received' as const,
      payload: { alert_id: alerts[index]!.id, format: signal.format, source: signal.source, dedup_key: key, labels: signal.labels },
      actor: signal.source,
      occurredAt: plans[index]!.detectedAt,
    }));
  });
  for (const { incident } of recorded) written.incidents.set(incident.id, incident);
  for (const alert of alerts) written.alerts.set(alert.incidentId, alert);
  return alerts.map((alert) => ({ outcome: 'opened', incidentId: alert.incidentId, alertId: alert.id }));
}

/**
 * Takes in every alert of one request (an Alertmanager batch, or one generic alert) in one
 * transaction: every key of the batch is locked first, in a fixed order (so concurrent batches
 * and other processes sharing keys queue rather than deadlock), and the open alerts of all keys are
 * read at once. A repeat of an open alert (same fingerprint or dedup_key) attaches to it and a
 * resolved status is an event on it; the first firing alert of a key with none open opens an
 * incident (all of the batch's at once); a resolved alert with nothing open is ignored. Alerts are
 * taken in request order, so a later alert of a key sees what an earlier one wrote. All of the
 * batch stands or none does (a failure answers 500 and Alertmanager sends the batch again). The
 * triage cards are posted or refreshed after commit.
 */
export async function receiveAlerts(context: CoreContext, signals: readonly AlertSignal[]): Promise<AlertResult[]> {
  const { results, written } = await recordAlerts(context, signals);
  await showTakenAlerts(context, results, written);
  return results;
}

/** The alerts `recordAlerts` took, as the transaction committed them. */
export interface RecordedAlerts {
  results: AlertResult[];
  written: CommittedAlerts;
}

/** `receiveAlerts`' transaction, without the triage cards (`showTakenAlerts` posts them after commit). */
export async function recordAlerts(context: CoreContext, signals: readonly AlertSignal[]): Promise<RecordedAlerts> {
  if (signals.length === 0) return { results: [], written: { incidents: new Map(), alerts: new Map() } };
  const keys = signals.map(keyOf);
  // The incidents and alerts the batch opened, as committed, so their triage cards need no read.
  const written: CommittedAlerts = { incidents: new Map(), alerts: new Map() };
  const results = await context.store.transaction(async (store) => {
    const inner: CoreContext = { ...context, store };
    written.incidents.clear();
    written.alerts.clear();
    await store.alerts.lockKeys(keys);
    const open = await store.alerts.findOpenMany(keys);
    const opening = new Map<number, { signal: AlertSignal; key: string }>();
    const openingKeys = new Set<string>();
    for (const [index, signal] of signals.entries()) {
      const key = keys[index]!;
      if (open.has(key) || signal.status === 'resolved' || openingKeys.has(key)) continue;
      opening.set(index, { signal, key });
      openingKeys.add(key);
    }
    const opened = await openIncidents(inner, [...opening.values()], written);
    const openedAt = new Map([...opening.keys()].map((index, n) => [index, opened[n]!]));
    const now = context.clock.now();
    // Keys this batch already wrote to are read again, so a later alert sees what an earlier one wrote.
    const seen = new Set<string>();
    const taken: AlertResult[] = [];
    for (const [index, signal] of signals.entries()) {
      const key = keys[index]!;
      const result = openedAt.get(index);
      if (result) {
        taken.push(result);
      } else {
        const existing = seen.has(key) ? await store.alerts.findOpen(key) : open.get(key);
        const attached = existing ? await attach(inner, existing, signal, now) : ({ outcome: 'ignored', incidentId: null, alertId: null } as const);
        // A later alert changed what the batch opened: its card is read back after commit.
        if (attached.incidentId !== null) written.alerts.delete(attached.incidentId);
        taken.push(attached);
      }
      seen.add(key);
    }
    return taken;
  });
  return { results, written };
}

/** Posts or refreshes the triage cards of what changed: new, refired and resolved alerts (a repeat changes nothing shown). */
export async function showTakenAlerts(context: CoreContext, results: readonly AlertResult[], written: CommittedAlerts): Promise<void> {
  const refreshed = new Set<number>();
  for (const result of results) {
    if (result.incidentId !== null && result.outcome !== 'repeated') refreshed.add(result.incidentId);
  }
  await refreshTriageCards(context, [...refreshed], written);
}
