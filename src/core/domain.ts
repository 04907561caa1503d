/** Vocabulary shared by every feature: severities, roles, incident states. */

export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_LABELS: Record<Severity, string> = {
  sev1: 'SEV1 (critical)',
  sev2: 'SEV2 (high)',
  sev3: 'SEV3 (medium)',
  sev4: 'SEV4 (low)',
};

export const ROLE_IDS = ['commander', 'ml-engineer', 'security', 'comms', 'legal'] as const;
export type RoleId = (typeof ROLE_IDS)[number];

export interface RoleDescription {
  id: RoleId;
  name: string;
  responsibleFor: string;
}

export const ROLES: Record<RoleId, RoleDescription> = {
  commander: {
    id: 'commander',
    name: 'Incident Commander',
    responsibleFor: 'coordinating the response, escalation decisions and the timeline',
  },
  'ml-engineer': {
    id: 'ml-engineer',
    name: 'ML Engineer',
    responsibleFor: 'investigating model behaviour, rollbacks and retraining',
  },
  security: {
    id: 'security',
    name: 'Security Analyst',
    responsibleFor: 'attack patterns, scope of exploitation and forensics',
  },
  comms: {
    id: 'comms',
    name: 'Communications Lead',
    responsibleFor: 'user notifications, press responses and internal updates',
  },
  legal: {
    id: 'legal',
    name: 'Legal/Compliance',
    responsibleFor: 'regulatory obligations and mandatory notifications',
  },
};

/** The forward path of an incident; `false_positive` sits beside it as a terminal state. */
export const LIFECYCLE = ['declared', 'triaged', 'contained', 'resolved', 'closed'] as const;
export type LifecycleState = (typeof LIFECYCLE)[number];
export type IncidentState = LifecycleState | 'false_positive';

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

export function isRoleId(value: string): value is RoleId {
  return (ROLE_IDS as readonly string[]).includes(value);
}
