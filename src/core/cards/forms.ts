import { ROLES, ROLE_IDS, SEVERITIES, SEVERITY_LABELS, type Severity } from '../domain.js';
import { CARD_ACTION } from './actions.js';
import type { Playbook } from '../playbook/schema.js';
import type { Card } from './card.js';

/**
 * The inputs Slack shows as modals, described once: each edge renders them its own way (Slack a
 * modal, Teams inputs in the card). Submitting sends the form's action with each input's value.
 */
/** The action a form submits, with the value it carries. */
export function formAction(form: Card): { id: string; value: string; label: string } {
  const action = form.actions?.[0];
  if (!action) throw new Error(`the form "${form.title}" has no action`);
  return action;
}

export const AUTO_PLAYBOOK = 'auto';
export const NO_PLAYBOOK = 'none';

/** `/incident declare` with nothing after it: the form (Slack keeps a richer modal of its own). */
export function declareForm(playbooks: Pick<Playbook, 'id' | 'name'>[]): Card {
  return {
    title: 'Declare an incident',
    inputs: [
      { kind: 'text', id: 'title', label: 'Title', placeholder: 'Support bot obeys instructions hidden in uploaded PDFs', maxLength: 150, required: true },
      {
        kind: 'choice',
        id: 'playbook',
        label: 'Playbook',
        options: [{ value: AUTO_PLAYBOOK, label: 'Match from the title' }, ...playbooks.map((p) => ({ value: p.id, label: p.name })), { value: NO_PLAYBOOK, label: 'No playbook' }],
        initial: AUTO_PLAYBOOK,
      },
      { kind: 'choice', id: 'severity', label: "Severity (empty: the playbook's default)", options: SEVERITIES.map((s) => ({ value: s, label: SEVERITY_LABELS[s] })) },
      { kind: 'text', id: 'summary', label: 'Summary (what is known so far)', multiline: true, maxLength: 2900 },
    ],
    actions: [{ id: CARD_ACTION.declare, label: 'Declare', value: 'declare', style: 'primary' }],
  };
}

export function severityForm(incidentId: number, current?: Severity): Card {
  return {
    title: 'Change severity',
    inputs: [
      { kind: 'choice', id: 'severity', label: 'Severity', options: SEVERITIES.map((s) => ({ value: s, label: SEVERITY_LABELS[s] })), ...(current ? { initial: current } : {}) },
    ],
    actions: [{ id: CARD_ACTION.severity, label: 'Change severity', value: `${incidentId}:${current ?? ''}`, style: 'primary' }],
  };
}

export function assignForm(incidentId: number): Card {
  return {
    title: 'Assign a role',
    inputs: [
      { kind: 'choice', id: 'role', label: 'Role', options: ROLE_IDS.map((r) => ({ value: r, label: ROLES[r].name })) },
      { kind: 'person', id: 'person', label: 'Person' },
    ],
    actions: [{ id: CARD_ACTION.assign, label: 'Assign', value: `${incidentId}:assign`, style: 'primary' }],
  };
}

export function dismissForm(incidentId: number): Card {
  return {
    title: 'Not a real incident',
    inputs: [{ kind: 'text', id: 'reason', label: 'Why is it not real?', placeholder: 'For example: load-test traffic, a known benign pattern, a monitor misconfigured.', maxLength: 500 }],
    actions: [{ id: CARD_ACTION.triageDismiss, label: 'Not a real incident', value: String(incidentId), style: 'danger' }],
  };
}

/** The reasons for a late notification (GDPR Art. 33(1)); value `<incidentId>:<gdpr|ai-act>`. */
export function lateReasonsForm(incidentId: number, clock: string): Card {
  return {
    title: 'Reasons for the delay',
    inputs: [
      {
        kind: 'text',
        id: 'reasons',
        label: 'Why was the notification late?',
        placeholder: 'For example: the scope of the exposure was only confirmed on day 4, after the vendor\'s log export.',
        multiline: true,
        maxLength: 2000,
        required: true,
      },
    ],
    actions: [{ id: CARD_ACTION.lateReasons, label: 'Record the reasons', value: `${incidentId}:${clock}`, style: 'primary' }],
  };
}
