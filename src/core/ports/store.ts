import type { RoleId } from '../domain.js';
import type { NewEvent, StoredEvent, EventKind } from '../events/event-kinds.js';
import type {
  ActionItem,
  BoundMessage,
  ChecklistStep,
  Incident,
  IncidentPatch,
  NewIncident,
  Page,
  PageStatus,
  RoleAssignment,
} from '../incident/incident.js';
import type { PageQueue } from '../roles/page-queue.js';
import type { CardKey } from './chat-platform.js';
import type { AlertRepository } from '../signals/alert.js';
import type { MetricsSource } from '../metrics/metrics.js';
import type { ExerciseRepository, ExerciseTimerRepository } from '../exercise/exercise.js';
import type { IncidentTag, TagRepository } from '../taxonomy/tags.js';
import type { ClockRepository, RegulatoryClock } from '../clocks/clock.js';
import type { ActionItemReminderRepository } from '../review/action-item-reminders.js';

/** Persistence as the core sees it. The database adapter implements it with kysely over pg or PGlite. */
export interface Store {
  /** Runs `work` in one transaction; everything it writes commits or rolls back together. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  incidents: IncidentRepository;
  events: EventRepository;
  steps: StepRepository;
  roles: RoleRepository;
  pages: PageRepository;
  actionItems: ActionItemRepository;
  messages: MessageRepository;
  /** Reporting reads (metrics, digests, the JSON API); never used inside a transaction. */
  metrics: MetricsSource;
  /** Pages as durable jobs: claims for delivery and escalation (roles/page-queue.ts). */
  pageQueue: PageQueue;
  /** Alerts from monitoring (signals/alert.ts). */
  alerts: AlertRepository;
  /** Tabletop exercises (exercise/exercise.ts). */
  exercises: ExerciseRepository;
  /** Durable timers of exercises: injects, limits, the hot wash (exercise/fire-timers.ts). */
  exerciseTimers: ExerciseTimerRepository;
  /** Taxonomy tags of incidents, and the past incidents similar cases are drawn from (taxonomy/tags.ts). */
  tags: TagRepository;
  /** Who publishes an incident's cards across replicas, and what each bound message shows (incident/refresh-cards.ts). */
  cardPublishing: CardPublishing;
  /** Regulatory clocks and their reminders (clocks/clock.ts). */
  clocks: ClockRepository;
  /** Action items' reminders to their owners, durable jobs like pages (review/action-item-reminders.ts). */
  actionItemReminders: ActionItemReminderRepository;
}

export interface IncidentFilter {
  open?: boolean;
  limit?: number;
}

export interface IncidentRepository {
  create(incident: NewIncident): Promise<Incident>;
  /** Several in one statement (an alert storm declares many at once), in the order given. */
  createAll(incidents: readonly NewIncident[]): Promise<Incident[]>;
  get(id: number): Promise<Incident | undefined>;
  getMany(ids: readonly number[]): Promise<Map<number, Incident>>;
  /** Reads and locks the row for the rest of the transaction, so concurrent changes queue up. */
  lock(id: number): Promise<Incident | undefined>;
  findByChannel(platform: string, channelId: string): Promise<Incident | undefined>;
  /**
   * The id of the incident whose channel this is. A channel's owner never changes once set, so an
   * owner found (and committed) is remembered by the process: typed commands in a channel skip the read.
   */
  ownerOfChannel(platform: string, channelId: string): Promise<number | undefined>;
  update(id: number, patch: IncidentPatch): Promise<Incident>;
  list(filter: IncidentFilter): Promise<Incident[]>;
}

export interface EventRepository {
  /** False when the idempotency key was already used: the request was a retry. */
  append(event: NewEvent): Promise<boolean>;
  /** Several events in one statement; how many were new (a used idempotency key writes nothing). */
  appendAll(events: readonly NewEvent[]): Promise<number>;
  forIncident(incidentId: number): Promise<StoredEvent[]>;
  findByIdempotencyKey(key: string): Promise<StoredEvent | undefined>;
  latest(kind: EventKind, incidentId?: number): Promise<StoredEvent | undefined>;
}

export interface StepRepository {
  replace(incidentId: number, steps: Omit<ChecklistStep, 'incidentId' | 'doneAt' | 'doneBy'>[]): Promise<void>;
  /** The checklists of incidents just declared (they have no steps yet), in one statement. */
  addAll(steps: readonly Omit<ChecklistStep, 'doneAt' | 'doneBy'>[]): Promise<void>;
  list(incidentId: number): Promise<ChecklistStep[]>;
  /**
   * Ticks (`done` given) or unticks a step that is not already so and records its `step_ticked` or
   * `step_unticked` event, in one statement (a tick is the hottest write there is, and under load
   * half of them find the step already so): `changed` with the step's title, `already` when it was
   * so, or `missing` with the number of steps the incident has.
   */
  setDone(
    incidentId: number,
    number: number,
    done: { at: Date; by: string } | null,
    recorded: { actor: string; occurredAt: Date },
  ): Promise<StepChange>;
}

export type StepChange = { outcome: 'changed'; title: string } | { outcome: 'already' } | { outcome: 'missing'; stepCount: number };

export interface RoleRepository {
  assign(assignment: RoleAssignment): Promise<void>;
  forIncident(incidentId: number): Promise<RoleAssignment[]>;
  /** Rosters are per chat platform: an incident pages the people of its own platform. */
  setRoster(platform: string, role: RoleId, users: string[]): Promise<void>;
  roster(platform: string): Promise<Map<RoleId, string[]>>;
  /** The person paged after everyone in the role's roster; null removes it. */
  setBackup(platform: string, role: RoleId, userId: string | null): Promise<void>;
  backups(platform: string): Promise<Map<RoleId, string>>;
}

export interface PageRepository {
  create(page: { incidentId: number; role: RoleId; userId: string; createdAt: Date; step?: number }): Promise<Page>;
  forIncident(incidentId: number): Promise<Page[]>;
  setStatus(id: number, status: PageStatus, at: Date, error?: string): Promise<void>;
}

export interface ActionItemRepository {
  /** `source` defaults to `incident`. */
  add(item: Omit<ActionItem, 'number' | 'doneAt' | 'doneBy' | 'source'> & { source?: ActionItem['source'] }): Promise<ActionItem>;
  forIncident(incidentId: number): Promise<ActionItem[]>;
  complete(incidentId: number, number: number, at: Date, by: string): Promise<void>;
}

export interface MessageRepository {
  bind(message: BoundMessage): Promise<void>;
  forIncident(incidentId: number): Promise<BoundMessage[]>;
  unbind(incidentId: number, purpose: BoundMessage['purpose'], fromPart: number): Promise<void>;
}

export type { CardKey };

/** A bound message with what it shows: the incident's card version it was rendered from and a digest of the card. */
/** What one message was just sent showing. */
export interface ShownCard {
  key: CardKey;
  version: number;
  digest: string;
}

export interface ShownMessage extends BoundMessage {
  shownVersion: number | null;
  shownDigest: string | null;
}

export interface CardSources {
  incident: Incident;
  roles: RoleAssignment[];
  steps: ChecklistStep[];
  tags: IncidentTag[];
  clocks: RegulatoryClock[];
  messages: ShownMessage[];
}

/**
 * Publishing an incident's cards, serialized per incident across processes by a short lease on
 * the database's clock. Nothing here holds a transaction open: the holder calls the chat platform
 * between these calls.
 */
export interface CardPublishing {
  /**
   * Takes the incident's lease (free or run out) and returns the incident's card version, read
   * before the render reads the state. Held by another holder: marks the incident dirty for it and
   * returns undefined.
   */
  acquire(incidentId: number, holder: string, leaseMs: number): Promise<number | undefined>;
  /** Starts a render: clears dirty, renews the lease and returns the incident's card version, read before the render reads the state; undefined when the lease was lost. */
  beginRound(incidentId: number, holder: string, leaseMs: number): Promise<number | undefined>;
  /** Renews the lease right before a chat call; false when it ran out and another holder may have it. */
  hold(incidentId: number, holder: string, leaseMs: number): Promise<boolean>;
  /**
   * Records what the messages sent in this round show, and lets the lease go unless the incident
   * changed or was marked dirty since `version` (then false: render again). One statement.
   */
  release(incidentId: number, holder: string, version: number, shown?: readonly ShownCard[]): Promise<boolean>;
  /** Lets the lease go whatever changed (the render failed; the next change renders again). */
  abandon(incidentId: number, holder: string): Promise<void>;
  /** Everything an incident's cards are drawn from and the messages showing them, read together. */
  sources(incidentId: number): Promise<CardSources | undefined>;
  /** Records that a post of this card starts; returns the attempts so far including this one (more than 1: an earlier one may have posted). */
  attemptPost(key: CardKey, at: Date): Promise<number>;
  /** The card is bound: forget its attempts. */
  posted(key: CardKey): Promise<void>;
  /**
   * Incidents whose cards may show an older state and that nobody is publishing: a publisher's lease
   * ran out before it let go (its process died or stalled mid-render), or a bound message was
   * drawn from an older card version than the incident's (a render that was waiting or running when
   * its process stopped, or a send that failed).
   */
  behind(): Promise<number[]>;
}
