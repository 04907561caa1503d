/**
 * The ids the Slack edge puts on blocks, elements and views, and reads back from payloads. The
 * values of buttons and options are the core's own (`<incidentId>:<step>`, `<incidentId>:<state>`).
 */
export const COMMAND = '/incident';

export const ACTION = {
  /** Checkbox elements: `steps:<group>:<chunk>`; one element holds at most 10 options. */
  stepsPrefix: 'steps:',
  /** Header buttons named by the core's card actions. */
  statePrefix: 'state:',
  severity: 'severity',
  assign: 'assign',
  pageAck: 'page:ack',
  /** An alert's triage card: declare it real, or dismiss it. */
  triageDeclare: 'triage:declare',
  triageDismiss: 'triage:dismiss',
  /** The declare modal's title input: pressing Enter re-matches the playbook. */
  declareTitle: 'declare_title',
} as const;

export const VIEW = {
  declare: 'declare',
  severity: 'severity',
  assign: 'assign',
  dismiss: 'dismiss',
} as const;

export function stepsActionId(groupId: string, chunk: number): string {
  return `${ACTION.stepsPrefix}${groupId}:${chunk}`;
}

/** What a modal remembers between opening and submit: the incident and where it was opened. */
export interface ViewMetadata {
  channelId: string;
  incidentId?: number;
}

export function encodeMetadata(metadata: ViewMetadata): string {
  return JSON.stringify(metadata);
}

export function decodeMetadata(text: string | undefined): ViewMetadata {
  try {
    const value = JSON.parse(text ?? '{}') as Partial<ViewMetadata>;
    return {
      channelId: typeof value.channelId === 'string' ? value.channelId : '',
      ...(typeof value.incidentId === 'number' ? { incidentId: value.incidentId } : {}),
    };
  } catch {
    return { channelId: '' };
  }
}

/** `12:sev2` (the severity button's value) → 12. */
export function incidentIdOf(value: string | undefined): number | undefined {
  const match = /^(\d+):/.exec(value ?? '');
  return match ? Number(match[1]) : undefined;
}
