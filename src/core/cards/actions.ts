/**
 * The one set of card action ids. Card builders put them on buttons and checklists; every edge
 * sends them back unchanged with the value the card carried, and `decodeCardClick` turns the pair
 * into the core's `CardClick`. No edge names an action of its own.
 */
export const CARD_ACTION = {
  /** A checklist step; value `<incidentId>:<step>`. */
  step: 'step',
  /** The header's next-state button; value `<incidentId>:<state>`. */
  state: 'state',
  /** Opens the severity choice; value `<incidentId>:<current severity>`. */
  severity: 'severity',
  /** Opens the role assignment; value `<incidentId>:assign`. */
  assign: 'assign',
  /** The page's Acknowledge button; value `<incidentId>:<pageId>`. */
  pageAck: 'page:ack',
  /** The declare form's submit; value `declare`, the form's inputs carry the rest. */
  declare: 'declare',
  /** The triage card's buttons; value `<incidentId>`. */
  triageDeclare: 'triage:declare',
  triageDismiss: 'triage:dismiss',
  /** The declare reply's switch buttons, `playbook:<id>`; value `<incidentId>:<playbookId>` or `<incidentId>:none`. */
  playbook: 'playbook',
  /** A checklist step's offer to start a regulatory clock now (`clock:flag:<kind>`); value `<incidentId>:<gdpr-breach|ai-act-serious>`. */
  flag: 'clock:flag',
  /** Opens the reasons-for-the-delay form of a late notification; value `<incidentId>:<gdpr|ai-act>`. */
  lateReasons: 'clock:late-reasons',
  /** An exercise decision's option buttons (`exercise:decide:<option>`); value `<incidentId>:<inject>:<option>`; opens the reasoning form. */
  exerciseDecide: 'exercise:decide',
  /** The reasoning form's submit; value `<incidentId>:<inject>:<option>`, input `reasoning`. */
  exerciseDecision: 'exercise:decision',
  /** The hot wash card's button, opening its form; value `<incidentId>`. */
  exerciseHotWash: 'exercise:hot-wash',
  /** The hot wash form's submit; value `<incidentId>`, inputs went_well, to_change, playbook_gap. */
  exerciseHotWashAnswers: 'exercise:hot-wash-answers',
} as const;

export type CardActionId = (typeof CARD_ACTION)[keyof typeof CARD_ACTION];

const ACTION_IDS: readonly string[] = Object.values(CARD_ACTION);

export function isCardActionId(id: string): id is CardActionId {
  return ACTION_IDS.includes(id);
}

