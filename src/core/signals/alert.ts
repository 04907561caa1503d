import type { Severity } from '../domain.js';
import type { MessageRef } from '../incident/incident.js';

export type AlertFormat = 'alertmanager' | 'generic';
export type AlertStatus = 'firing' | 'resolved';
export type TriageState = 'pending' | 'declared' | 'dismissed';

/** One alert as the bot understands it, whichever body it came in. */
export interface AlertSignal {
  format: AlertFormat;
  source: string;
  dedupKey: string | null;
  status: AlertStatus;
  title: string;
  description: string;
  severity?: Severity;
  playbookId?: string;
  model?: string;
  /** When the monitor saw it first (Alertmanager `startsAt`, generic `detected_at`). */
  detectedAt?: Date;
  /** When it stopped (Alertmanager `endsAt` of a resolved alert). */
  endedAt?: Date;
  labels: Record<string, string>;
}

export interface StoredAlert {
  id: number;
  incidentId: number;
  format: AlertFormat;
  source: string;
  dedupKey: string;
  status: AlertStatus;
  triage: TriageState;
  labels: Record<string, string>;
  model: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  fireCount: number;
  resolvedAt: Date | null;
  /** The triage card posted on each platform, by platform name. */
  triageRefs: Record<string, MessageRef>;
}

/** A triage card posted on one platform for one alert. */
export interface PostedTriageCard {
  alertId: number;
  platform: string;
  ref: MessageRef;
}

export type NewAlert = Omit<StoredAlert, 'id' | 'triage' | 'fireCount' | 'resolvedAt' | 'triageRefs'>;
export type AlertPatch = Partial<Pick<StoredAlert, 'status' | 'triage' | 'lastSeenAt' | 'fireCount' | 'resolvedAt'>>;

export interface AlertRepository {
  /** Serialises intake of one key across processes until the transaction ends. */
  lockKey(key: string): Promise<void>;
  /**
   * `lockKey` for every key of a batch, in one fixed order whatever the order given, so batches
   * sharing keys wait for each other instead of deadlocking.
   */
  lockKeys(keys: readonly string[]): Promise<void>;
  /** The latest alert with this key that is still firing or whose incident is still open. */
  findOpen(dedupKey: string): Promise<StoredAlert | undefined>;
  /** `findOpen` for many keys at once: each key with an open alert, mapped to it. */
  findOpenMany(dedupKeys: readonly string[]): Promise<Map<string, StoredAlert>>;
  /** Several in one statement, in the order given. */
  createAll(alerts: readonly NewAlert[]): Promise<StoredAlert[]>;
  update(id: number, patch: AlertPatch): Promise<StoredAlert>;
  forIncident(incidentId: number): Promise<StoredAlert | undefined>;
  forIncidents(incidentIds: readonly number[]): Promise<Map<number, StoredAlert>>;
  /** Records the triage cards just posted (each on one platform), in one statement. */
  setTriageRefs(posted: readonly PostedTriageCard[]): Promise<void>;
  /**
   * The alert was declared a real incident: the person who declared it becomes the incident's
   * declarer, and the incident moves to their platform, started from the channel they declared in.
   */
  markDeclared(alertId: number, by: { platform: string; userId: string; channelId: string }): Promise<void>;
  /** Alerts waiting for a person to declare or dismiss them. */
  awaitingTriage(limit: number): Promise<StoredAlert[]>;
}
