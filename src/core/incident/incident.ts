import type { IncidentState, RoleId, Severity } from '../domain.js';
import type { Phase } from '../playbook/schema.js';

export interface Incident {
  id: number;
  title: string;
  /** What is known beyond the title: the rest of a long declare text, the form's summary, an alert's description. */
  summary: string;
  severity: Severity;
  state: IncidentState;
  playbookId: string | null;
  playbookReason: string;
  private: boolean;
  isExercise: boolean;
  platform: string;
  /** The incident's place, as its edge named it (a Slack channel; a Teams thread's conversation id). */
  channelId: string | null;
  channelName: string | null;
  /** Where it was declared: a Teams incident's thread is started in this channel. */
  originChannelId: string | null;
  declaredBy: string;
  source: string;
  impactStartedAt: Date;
  detectedAt: Date;
  declaredAt: Date;
  triagedAt: Date | null;
  containedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  falsePositiveAt: Date | null;
  falsePositiveReason: string | null;
}

export type NewIncident = Omit<
  Incident,
  'id' | 'state' | 'triagedAt' | 'containedAt' | 'resolvedAt' | 'closedAt' | 'falsePositiveAt' | 'falsePositiveReason' | 'channelId' | 'channelName' | 'originChannelId'
> & { originChannelId?: string | null };

/** `platform` changes only before the incident has a place: an alert is declared on the edge of whoever declares it. */
export type IncidentPatch = Partial<Omit<Incident, 'id' | 'declaredAt' | 'declaredBy'>>;

export interface ChecklistStep {
  incidentId: number;
  number: number;
  phase: Phase;
  title: string;
  detail: string | null;
  role: RoleId | null;
  doneAt: Date | null;
  doneBy: string | null;
}

export interface RoleAssignment {
  incidentId: number;
  role: RoleId;
  userId: string;
  assignedAt: Date;
}

export type PageStatus = 'pending' | 'sent' | 'failed' | 'acknowledged' | 'escalated' | 'cancelled';

export interface Page {
  id: number;
  incidentId: number;
  role: RoleId;
  userId: string;
  status: PageStatus;
  createdAt: Date;
  sentAt: Date | null;
  acknowledgedAt: Date | null;
  error: string | null;
  /** 0 for the first page of a role, then one more for each escalation. */
  step: number;
  /** When an unacknowledged page escalates; null once acknowledged, escalated, or never (sev4). */
  escalateAt: Date | null;
  acknowledgedBy: string | null;
}

export interface ActionItem {
  incidentId: number;
  number: number;
  text: string;
  owner: string;
  due: string;
  createdAt: Date;
  createdBy: string;
  doneAt: Date | null;
  doneBy: string | null;
  /** A real incident's review (`incident`) or an exercise's improvement plan (`exercise`): one list. */
  source: ActionItemSource;
}

export type ActionItemSource = 'incident' | 'exercise';

/** A message the bot posted for an incident, kept so every update re-renders it from state. */
export interface BoundMessage {
  incidentId: number;
  purpose: 'header' | 'checklist';
  part: number;
  channelId: string;
  ref: MessageRef;
}

export type MessageRef = Record<string, unknown> & { id: string };
