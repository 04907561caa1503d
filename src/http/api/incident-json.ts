import type { StoredEvent } from '../../core/events/event-kinds.js';
import type { Incident } from '../../core/incident/incident.js';
import type { RegulatoryClock } from '../../core/clocks/clock.js';
import { isLate } from '../../core/clocks/deadline.js';

const iso = (at: Date | null) => (at ? at.toISOString() : null);

/** An incident as the JSON API shows it (snake_case, ISO-8601 UTC times). */
export function incidentJson(incident: Incident) {
  return {
    id: incident.id,
    title: incident.title,
    summary: incident.summary,
    severity: incident.severity,
    state: incident.state,
    playbook: incident.playbookId,
    private: incident.private,
    is_exercise: incident.isExercise,
    platform: incident.platform,
    channel: incident.channelId,
    channel_name: incident.channelName,
    source: incident.source,
    declared_by: incident.declaredBy,
    impact_started_at: iso(incident.impactStartedAt),
    detected_at: iso(incident.detectedAt),
    declared_at: iso(incident.declaredAt),
    triaged_at: iso(incident.triagedAt),
    contained_at: iso(incident.containedAt),
    resolved_at: iso(incident.resolvedAt),
    closed_at: iso(incident.closedAt),
    false_positive_at: iso(incident.falsePositiveAt),
  };
}

/**
 * A regulatory clock: `late` is true when it was notified after its deadline, or is still running
 * past it. Unflagged clocks are not listed (their flag and unflag stay in the timeline).
 */
export function clockJson(clock: RegulatoryClock, now: Date) {
  return {
    kind: clock.kind,
    started_at: clock.startedAt.toISOString(),
    due_at: clock.dueAt.toISOString(),
    notified_at: iso(clock.notifiedAt),
    late: isLate(clock.dueAt, clock.notifiedAt, now),
  };
}

export function eventJson(event: StoredEvent) {
  return {
    id: event.id,
    kind: event.kind,
    occurred_at: event.occurredAt.toISOString(),
    recorded_at: event.recordedAt.toISOString(),
    actor: event.actor,
    payload: event.payload,
  };
}
