import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;
type Json = ColumnType<Record<string, unknown>, string, string>;

export interface IncidentsTable {
  id: Generated<number>;
  title: string;
  description: Generated<string>;
  severity: string;
  state: Generated<string>;
  playbook_id: string | null;
  playbook_reason: Generated<string>;
  private: Generated<boolean>;
  is_exercise: Generated<boolean>;
  platform: string;
  channel_id: string | null;
  channel_name: string | null;
  origin_channel_id: string | null;
  declared_by: string;
  source: Generated<string>;
  impact_started_at: Timestamp;
  detected_at: Timestamp;
  declared_at: Timestamp;
  triaged_at: NullableTimestamp;
  contained_at: NullableTimestamp;
  resolved_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  false_positive_at: NullableTimestamp;
  false_positive_reason: string | null;
  /** Bumped by triggers with every change to the row, its steps or its roles (migration 0007). */
  card_version: ColumnType<string, never, never>;
}

export interface EventsTable {
  id: Generated<string>;
  incident_id: number | null;
  kind: string;
  payload: Json;
  actor: string;
  occurred_at: Timestamp;
  recorded_at: ColumnType<Date, Date | string | undefined, never>;
  idempotency_key: string | null;
}

export interface ChecklistStepsTable {
  incident_id: number;
  number: number;
  phase: string;
  title: string;
  detail: string | null;
  role: string | null;
  done_at: NullableTimestamp;
  done_by: string | null;
}

export interface IncidentRolesTable {
  incident_id: number;
  role: string;
  user_id: string;
  assigned_at: Timestamp;
}

export interface RosterTable {
  platform: string;
  role: string;
  position: number;
  user_id: string;
}

export interface PagesTable {
  id: Generated<number>;
  incident_id: number;
  role: string;
  user_id: string;
  status: Generated<string>;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
  acknowledged_at: NullableTimestamp;
  error: string | null;
  step: Generated<number>;
  escalate_at: NullableTimestamp;
  escalated_at: NullableTimestamp;
  acknowledged_by: string | null;
  claimed_by: string | null;
  claimed_until: NullableTimestamp;
  attempts: Generated<number>;
}

export interface RosterBackupsTable {
  platform: string;
  role: string;
  user_id: string;
}

export interface PagerAlertsTable {
  incident_id: number;
  role: string;
  pager: string;
  dedup_key: string;
  triggered_at: Timestamp;
  resolved_at: NullableTimestamp;
  claimed_until: NullableTimestamp;
}

export interface AlertsTable {
  id: Generated<number>;
  incident_id: number;
  format: string;
  source: string;
  dedup_key: string;
  status: string;
  triage: Generated<string>;
  labels: Json;
  model: string | null;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  fire_count: Generated<number>;
  resolved_at: NullableTimestamp;
  triage_ref: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  triage_refs: ColumnType<Record<string, Record<string, unknown>>, string | undefined, string>;
}

export interface ChatPeopleTable {
  platform: string;
  id: string;
  name: string;
  address: ColumnType<Record<string, unknown>, string, string>;
  updated_at: Timestamp;
}

export interface ChatConversationsTable {
  platform: string;
  id: string;
  reference: ColumnType<Record<string, unknown>, string, string>;
  updated_at: Timestamp;
}

export interface ActionItemsTable {
  incident_id: number;
  number: number;
  text: string;
  owner: string;
  due_on: ColumnType<string, string, string>;
  created_at: Timestamp;
  created_by: string;
  done_at: NullableTimestamp;
  done_by: string | null;
  /** Where the item comes from: a real incident's review or an exercise's improvement plan (migration 0010). */
  source: ColumnType<string, string | undefined, string>;
}

/** The owner's reminders of an action item, the day before and on the due date (migration 0010, core/review/). */
export interface ActionItemRemindersTable {
  id: Generated<number>;
  incident_id: number;
  number: number;
  kind: string;
  due_at: Timestamp;
  status: ColumnType<string, string | undefined, string>;
  user_id: string | null;
  sent_at: NullableTimestamp;
  error: string | null;
  claimed_by: string | null;
  claimed_until: NullableTimestamp;
  attempts: Generated<number>;
}

export interface IncidentMessagesTable {
  incident_id: number;
  purpose: string;
  part: number;
  channel_id: string;
  ref: Json;
  /** The incident's card_version the message was last rendered from, and a digest of that card. */
  shown_version: ColumnType<string | null, string | null | undefined, string | null>;
  shown_digest: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ExercisesTable {
  id: Generated<number>;
  scenario_id: string;
  title: string;
  incident_id: number | null;
  facilitator: string;
  started_at: Timestamp;
  completed_at: NullableTimestamp;
  case_study_id: ColumnType<string | null, string | null | undefined, string | null>;
  injects_revealed: Generated<number>;
  authored_id: ColumnType<string | null, string | null | undefined, string | null>;
  authored_version: ColumnType<number | null, number | null | undefined, number | null>;
  paused_at: NullableTimestamp;
  facilitator_platform: ColumnType<string | null, string | null | undefined, string | null>;
  /** The facilitator's direct message (a MessageRef), updated in place. */
  facilitator_view: ColumnType<unknown, string | null | undefined, string | null>;
  aar_posted_at: NullableTimestamp;
}

/** Durable timers of an exercise (migration 0011, core/exercise/timers). */
export interface ExerciseTimersTable {
  id: Generated<number>;
  exercise_id: number;
  incident_id: number;
  kind: string;
  subject: string;
  due_at: Timestamp;
  status: ColumnType<string, string | undefined, string>;
  fired_at: NullableTimestamp;
  claimed_by: string | null;
  claimed_until: NullableTimestamp;
  attempts: Generated<number>;
}

/** Taxonomy tags of an incident (migration 0008, core/taxonomy/). */
export interface IncidentTagsTable {
  incident_id: number;
  tag: string;
  source: string;
  added_at: Timestamp;
  added_by: string;
}

export interface SchemaMigrationsTable {
  name: string;
  applied_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface Database {
  incidents: IncidentsTable;
  events: EventsTable;
  checklist_steps: ChecklistStepsTable;
  incident_roles: IncidentRolesTable;
  roster: RosterTable;
  pages: PagesTable;
  roster_backups: RosterBackupsTable;
  pager_alerts: PagerAlertsTable;
  alerts: AlertsTable;
  action_items: ActionItemsTable;
  incident_messages: IncidentMessagesTable;
  exercises: ExercisesTable;
  incident_tags: IncidentTagsTable;
  schema_migrations: SchemaMigrationsTable;
  chat_people: ChatPeopleTable;
  chat_conversations: ChatConversationsTable;
  publish_leases: PublishLeasesTable;
  card_post_attempts: CardPostAttemptsTable;
  inbox: InboxTable;
  regulatory_clocks: RegulatoryClocksTable;
  clock_reminders: ClockRemindersTable;
  action_item_reminders: ActionItemRemindersTable;
  exercise_timers: ExerciseTimersTable;
}

/** Requests acknowledged and not yet done (src/db/inbox.ts). */
export interface InboxTable {
  id: Generated<string>;
  edge: string;
  content_type: string | null;
  body: Buffer;
  received_at: Generated<Date>;
  worker: string;
  attempts: Generated<number>;
}

/** Who publishes an incident's cards right now (src/db/card-publishing.ts). */
export interface PublishLeasesTable {
  incident_id: number;
  holder: string | null;
  lease_until: NullableTimestamp;
  dirty: Generated<boolean>;
}

/** Card posts started, so a retry asks the platform for a card an earlier attempt may have posted. */
export interface CardPostAttemptsTable {
  incident_id: number;
  purpose: string;
  part: number;
  attempts: Generated<number>;
  attempted_at: Timestamp;
}

/** Regulatory clocks (GDPR Art. 33, EU AI Act Art. 73) and their reminders (migration 0009). */
export interface RegulatoryClocksTable {
  id: Generated<number>;
  incident_id: number;
  kind: string;
  variant: string;
  started_at: Timestamp;
  due_at: Timestamp;
  flagged_at: Timestamp;
  flagged_by: string;
  stopped_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  stop_reason: ColumnType<string | null, string | null | undefined, string | null>;
  notified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  notified_ref: ColumnType<string | null, string | null | undefined, string | null>;
  late_reasons: ColumnType<string | null, string | null | undefined, string | null>;
  reminded_percent: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface ClockRemindersTable {
  id: Generated<number>;
  clock_id: number;
  incident_id: number;
  percent: number;
  role: string;
  due_at: Timestamp;
  status: Generated<string>;
  user_id: ColumnType<string | null, string | null | undefined, string | null>;
  sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  claimed_by: ColumnType<string | null, string | null | undefined, string | null>;
  claimed_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  attempts: Generated<number>;
}
