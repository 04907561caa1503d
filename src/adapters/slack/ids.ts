/**
 * The ids the Slack edge puts on blocks, elements and views, and reads back from payloads. Buttons
 * carry the core's card action ids (CARD_ACTION) and values unchanged; only the checklist's
 * checkbox elements and the modals have ids of Slack's own.
 */
export const COMMAND = '/incident';

export const ACTION = {
  /** Checkbox elements: `steps:<group>:<chunk>`; one element holds at most 10 options. */
  stepsPrefix: 'steps:',
  /** The declare modal's title input: pressing Enter re-matches the playbook. */
  declareTitle: 'declare_title',
} as const;

/** The declare modal's callback id; the core's forms use their action id as theirs (modals.ts). */
export const VIEW = {
  declare: 'declare',
} as const;

export function stepsActionId(groupId: string, chunk: number): string {
  return `${ACTION.stepsPrefix}${groupId}:${chunk}`;
}

/** What a modal remembers between opening and submit: the incident and where it was opened. */
export interface ViewMetadata {
  channelId: string;
  incidentId?: number;
  /** A form's action value (the core's), sent back with the inputs on submit. */
  value?: string;
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
      ...(typeof value.value === 'string' ? { value: value.value } : {}),
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
