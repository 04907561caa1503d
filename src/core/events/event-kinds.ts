import { z } from 'zod';
import { ROLE_IDS, SEVERITIES } from '../domain.js';
import { stringMap } from '../string-map.js';

const role = z.enum(ROLE_IDS);
const severity = z.enum(SEVERITIES);
const state = z.enum(['declared', 'triaged', 'contained', 'resolved', 'closed', 'false_positive']);
const regulatoryClock = z.enum(['gdpr-breach', 'ai-act-serious']);
const clockVariant = z.enum(['general', 'widespread', 'death']);

/**
 * Every state change is one of these. Payloads are validated on write and on read, so a row that
 * does not fit its kind is caught where it is made, not where a report reads it.
 */
export const eventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('incident_declared'),
    payload: z.object({
      title: z.string(),
      severity,
      playbook_id: z.string().nullable(),
      playbook_reason: z.string(),
      private: z.boolean(),
      impact_started_at: z.string(),
      detected_at: z.string(),
      source: z.string(),
    }),
  }),
  z.object({
    kind: z.literal('state_changed'),
    payload: z.object({ from: state, to: state, skipped: z.array(state).default([]), reason: z.string().optional() }),
  }),
  z.object({ kind: z.literal('incident_reopened'), payload: z.object({ from: state, to: state }) }),
  z.object({ kind: z.literal('severity_changed'), payload: z.object({ from: severity, to: severity }) }),
  z.object({
    kind: z.literal('playbook_changed'),
    payload: z.object({ from: z.string().nullable(), to: z.string().nullable(), reason: z.string() }),
  }),
  z.object({ kind: z.literal('role_assigned'), payload: z.object({ role, user: z.string(), previous: z.string().nullable() }) }),
  z.object({
    kind: z.literal('page_sent'),
    payload: z.object({ page_id: z.number(), role, user: z.string(), via: z.string() }),
  }),
  z.object({
    kind: z.literal('page_failed'),
    payload: z.object({ page_id: z.number().nullable(), role, user: z.string().nullable(), error: z.string(), via: z.string().optional() }),
  }),
  z.object({ kind: z.literal('page_acknowledged'), payload: z.object({ page_id: z.number(), role, user: z.string(), step: z.number() }) }),
  z.object({
    kind: z.literal('page_escalated'),
    payload: z.object({ page_id: z.number(), role, from: z.string(), to: z.string(), step: z.number(), to_backup: z.boolean() }),
  }),
  z.object({
    kind: z.literal('page_cancelled'),
    payload: z.object({ page_id: z.number(), role, user: z.string(), reason: z.string() }),
  }),
  z.object({ kind: z.literal('escalation_exhausted'), payload: z.object({ page_id: z.number(), role, steps: z.number() }) }),
  z.object({ kind: z.literal('pager_resolved'), payload: z.object({ role, via: z.string(), dedup_key: z.string() }) }),
  z.object({
    kind: z.literal('alert_received'),
    payload: z.object({ alert_id: z.number(), format: z.string(), source: z.string(), dedup_key: z.string(), labels: stringMap }),
  }),
  z.object({ kind: z.literal('alert_refired'), payload: z.object({ alert_id: z.number(), fire_count: z.number() }) }),
  z.object({ kind: z.literal('alert_resolved'), payload: z.object({ alert_id: z.number(), dedup_key: z.string() }) }),
  z.object({ kind: z.literal('alert_declared'), payload: z.object({ alert_id: z.number() }) }),
  z.object({ kind: z.literal('note_added'), payload: z.object({ text: z.string() }) }),
  z.object({ kind: z.literal('decision_recorded'), payload: z.object({ text: z.string(), because: z.string().nullable() }) }),
  z.object({ kind: z.literal('step_ticked'), payload: z.object({ step: z.number(), title: z.string() }) }),
  z.object({ kind: z.literal('step_unticked'), payload: z.object({ step: z.number(), title: z.string() }) }),
  z.object({
    kind: z.literal('action_item_added'),
    payload: z.object({ number: z.number(), text: z.string(), owner: z.string(), due: z.string() }),
  }),
  z.object({ kind: z.literal('action_item_completed'), payload: z.object({ number: z.number(), on_time: z.boolean() }) }),
  // Post-incident review (review/): the draft posted in the channel, and the owners' reminders of action items.
  z.object({
    kind: z.literal('review_posted'),
    payload: z.object({ state, timeline_events: z.number(), decisions: z.number(), unticked_steps: z.number(), out_of_order_steps: z.number(), action_items: z.number() }),
  }),
  z.object({
    kind: z.literal('action_item_reminded'),
    payload: z.object({ number: z.number(), reminder_id: z.number(), when: z.enum(['day_before', 'due_day']), owner: z.string(), sent: z.boolean(), error: z.string().nullable() }),
  }),
  z.object({ kind: z.literal('roster_set'), payload: z.object({ platform: z.string().optional(), role, users: z.array(z.string()), backup: z.string().nullable().optional() }) }),
  z.object({
    kind: z.literal('channel_created'),
    // adopted: found after `channel_name_taken` on a name this incident asked for (a create whose answer was lost).
    payload: z.object({ channel_id: z.string(), name: z.string(), private: z.boolean(), adopted: z.boolean().optional() }),
  }),
  // The name asked of the platform before each create (key per platform and name): on `channel_name_taken`
  // for a name this incident asked for, its channel may exist already (a create whose answer was lost).
  z.object({ kind: z.literal('space_requested'), payload: z.object({ name: z.string(), platform: z.string() }) }),
  z.object({
    kind: z.literal('members_invited'),
    payload: z.object({ channel_id: z.string(), users: z.array(z.string()), failed: z.array(z.string()) }),
  }),
  z.object({ kind: z.literal('invite_failed'), payload: z.object({ channel_id: z.string(), user: z.string(), reason: z.string() }) }),
  z.object({
    kind: z.literal('exercise_started'),
    payload: z.object({
      exercise_id: z.number(),
      /** The ATLAS case study played (a quick scenario), or the authored scenario's basis when it is one. */
      case_study_id: z.string().optional(),
      authored_id: z.string().optional(),
      version: z.number().optional(),
      playbook_id: z.string(),
      injects_total: z.number(),
      /** Required roles of the scenario nobody was bound to (started with `force`). */
      required_roles_unfilled: z.array(role).optional(),
    }),
  }),
  // Authored scenarios (exercise/): the MSEL's injects, decisions, expected actions, the hot wash, the AAR.
  z.object({
    kind: z.literal('exercise_inject_delivered'),
    payload: z.object({
      exercise_id: z.number(),
      inject: z.string(),
      /** schedule: its trigger came; facilitator: `exercise next`; contingency: an expected action was missed. */
      trigger: z.enum(['schedule', 'facilitator', 'contingency']),
      /** The expected action whose miss fired this contingency. */
      missed_action: z.string().optional(),
    }),
  }),
  z.object({
    kind: z.literal('exercise_inject_skipped'),
    payload: z.object({ exercise_id: z.number(), inject: z.string(), reason: z.enum(['branch', 'facilitator', 'ended']) }),
  }),
  z.object({
    kind: z.literal('exercise_decided'),
    payload: z.object({
      exercise_id: z.number(),
      inject: z.string(),
      option: z.string(),
      label: z.string(),
      reasoning: z.string(),
      prompted_at: z.string(),
      /** Prompt to decision, less any time the exercise was paused. */
      took_ms: z.number(),
      limit_ms: z.number(),
      within_limit: z.boolean(),
    }),
  }),
  z.object({ kind: z.literal('exercise_decision_overdue'), payload: z.object({ exercise_id: z.number(), inject: z.string(), limit_ms: z.number() }) }),
  z.object({
    kind: z.literal('exercise_action_observed'),
    payload: z.object({ exercise_id: z.number(), inject: z.string(), action: z.string(), note: z.string().nullable() }),
  }),
  z.object({
    kind: z.literal('exercise_action_missed'),
    payload: z.object({ exercise_id: z.number(), inject: z.string(), action: z.string(), limit_ms: z.number(), contingency_fired: z.boolean() }),
  }),
  z.object({ kind: z.literal('exercise_paused'), payload: z.object({ exercise_id: z.number() }) }),
  z.object({ kind: z.literal('exercise_resumed'), payload: z.object({ exercise_id: z.number(), paused_ms: z.number() }) }),
  z.object({ kind: z.literal('exercise_evaluator_note'), payload: z.object({ exercise_id: z.number(), text: z.string() }) }),
  z.object({
    kind: z.literal('exercise_hot_wash_answer'),
    payload: z.object({ exercise_id: z.number(), question: z.enum(['went_well', 'to_change', 'playbook_gap']), text: z.string() }),
  }),
  z.object({
    kind: z.literal('exercise_rated'),
    payload: z.object({ exercise_id: z.number(), objective: z.string(), rating: z.enum(['P', 'S', 'M', 'U']), because: z.string().nullable() }),
  }),
  z.object({
    kind: z.literal('exercise_aar_posted'),
    payload: z.object({
      exercise_id: z.number(),
      ratings: z.record(z.string(), z.enum(['P', 'S', 'M', 'U'])),
      /** Action items the improvement plan created, by number, with the capability each re-tests. */
      corrective_actions: z.array(z.object({ number: z.number(), capability: z.string().nullable() })),
    }),
  }),
  z.object({
    kind: z.literal('exercise_inject'),
    payload: z.object({
      exercise_id: z.number(),
      number: z.number(),
      total: z.number(),
      tactic: z.string(),
      technique: z.string(),
      technique_name: z.string(),
    }),
  }),
  z.object({
    kind: z.literal('exercise_completed'),
    payload: z.object({ exercise_id: z.number(), injects_revealed: z.number(), injects_total: z.number() }),
  }),
  z.object({
    kind: z.literal('action_refused'),
    payload: z.object({ action: z.enum(['close', 'reopen', 'severity', 'false_positive', 'playbook']), platform: z.string(), to: z.string().optional() }),
  }),
  // Regulatory clocks (clocks/): GDPR Art. 33 and EU AI Act Art. 73, from awareness.
  z.object({
    kind: z.literal('clock_flagged'),
    payload: z.object({ clock: regulatoryClock, variant: clockVariant, aware_at: z.string(), due_at: z.string() }),
  }),
  z.object({ kind: z.literal('clock_unflagged'), payload: z.object({ clock: regulatoryClock, reason: z.string().nullable() }) }),
  z.object({
    kind: z.literal('clock_notified'),
    payload: z.object({ clock: regulatoryClock, notified_at: z.string(), due_at: z.string(), late: z.boolean(), ref: z.string().nullable(), reasons: z.string().nullable() }),
  }),
  z.object({ kind: z.literal('clock_late_reasons'), payload: z.object({ clock: regulatoryClock, reasons: z.string() }) }),
  z.object({
    kind: z.literal('clock_reminder_sent'),
    payload: z.object({ clock: regulatoryClock, reminder_id: z.number(), percent: z.number(), role, user: z.string() }),
  }),
  z.object({
    kind: z.literal('clock_reminder_failed'),
    payload: z.object({ clock: regulatoryClock, reminder_id: z.number(), percent: z.number(), role, user: z.string().nullable(), error: z.string() }),
  }),
  // Taxonomy tags (taxonomy/): suggested at declare or on a playbook change, or typed with `tag`/`untag`.
  z.object({ kind: z.literal('tag_added'), payload: z.object({ tag: z.string(), source: z.enum(['suggested', 'manual']) }) }),
  z.object({ kind: z.literal('tag_removed'), payload: z.object({ tag: z.string(), source: z.enum(['suggested', 'manual']) }) }),
  // Similar cases posted once in the incident's space after declare (similar/post-similar-cases.ts).
  z.object({ kind: z.literal('similar_cases_posted'), payload: z.object({ channel_id: z.string(), incidents: z.array(z.number()), case_studies: z.array(z.string()) }) }),
  z.object({
    kind: z.literal('side_effect_failed'),
    payload: z.object({ effect: z.string(), error: z.string() }),
  }),
]);

export type IncidentEvent = z.infer<typeof eventSchema>;
export type EventKind = IncidentEvent['kind'];
export type EventPayload<K extends EventKind> = Extract<IncidentEvent, { kind: K }>['payload'];

export interface NewEvent<K extends EventKind = EventKind> {
  incidentId: number | null;
  kind: K;
  payload: EventPayload<K>;
  actor: string;
  occurredAt: Date;
  idempotencyKey?: string;
}

export interface StoredEvent {
  id: number;
  incidentId: number | null;
  kind: EventKind;
  payload: Record<string, unknown>;
  actor: string;
  occurredAt: Date;
  recordedAt: Date;
}

export function validateEvent(kind: string, payload: unknown): IncidentEvent {
  return eventSchema.parse({ kind, payload });
}
