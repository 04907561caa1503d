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
import type { AlertRepository } from '../signals/alert.js';
import type { MetricsSource } from '../metrics/metrics.js';
import type { ExerciseRepository } from '../exercise/exercise.js';

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
}

export interface IncidentFilter {
  open?: boolean;
  limit?: number;
}

export interface IncidentRepository {
  create(incident: NewIncident): Promise<Incident>;
  get(id: number): Promise<Incident | undefined>;
  /** Reads and locks the row for the rest of the transaction, so concurrent changes queue up. */
  lock(id: number): Promise<Incident | undefined>;
  findByChannel(platform: string, channelId: string): Promise<Incident | undefined>;
  update(id: number, patch: IncidentPatch): Promise<Incident>;
  list(filter: IncidentFilter): Promise<Incident[]>;
}

export interface EventRepository {
  /** False when the idempotency key was already used: the request was a retry. */
  append(event: NewEvent): Promise<boolean>;
  forIncident(incidentId: number): Promise<StoredEvent[]>;
  findByIdempotencyKey(key: string): Promise<StoredEvent | undefined>;
  latest(kind: EventKind, incidentId?: number): Promise<StoredEvent | undefined>;
}

export interface StepRepository {
  replace(incidentId: number, steps: Omit<ChecklistStep, 'incidentId' | 'doneAt' | 'doneBy'>[]): Promise<void>;
  list(incidentId: number): Promise<ChecklistStep[]>;
  setDone(incidentId: number, number: number, done: { at: Date; by: string } | null): Promise<void>;
}

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
  add(item: Omit<ActionItem, 'number' | 'doneAt' | 'doneBy'>): Promise<ActionItem>;
  forIncident(incidentId: number): Promise<ActionItem[]>;
  complete(incidentId: number, number: number, at: Date, by: string): Promise<void>;
}

export interface MessageRepository {
  bind(message: BoundMessage): Promise<void>;
  forIncident(incidentId: number): Promise<BoundMessage[]>;
  unbind(incidentId: number, purpose: BoundMessage['purpose'], fromPart: number): Promise<void>;
}
