import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { ROLES, ROLE_IDS, SEVERITIES, SEVERITY_LABELS, type Severity } from '../../core/domain.js';
import type { Playbook } from '../../core/playbook/schema.js';
import { ACTION, VIEW, encodeMetadata, type ViewMetadata } from './ids.js';
import { truncate } from './render.js';

/** Modals (pure): the declare form and the header's "Change severity" and "Assign role". */

const plain = (text: string) => ({ type: 'plain_text' as const, text });

function option(text: string, value: string): PlainTextOption {
  return { text: plain(truncate(text, 75)), value };
}

export const AUTO_PLAYBOOK = 'auto';
export const NO_PLAYBOOK = 'none';

const severityOptions = SEVERITIES.map((s) => option(SEVERITY_LABELS[s], s));

export interface DeclareForm {
  title?: string;
  /** The playbook matched from the title, preselected. */
  matched?: Playbook;
}

export function declareModal(playbooks: Playbook[], metadata: ViewMetadata, form: DeclareForm = {}): ModalView {
  const playbookOptions = [
    option('Match from the title', AUTO_PLAYBOOK),
    ...playbooks.map((p) => option(p.name, p.id)),
    option('No playbook', NO_PLAYBOOK),
  ];
  const initialPlaybook = form.matched ? playbookOptions.find((o) => o.value === form.matched!.id)! : playbookOptions[0]!;
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: 'title',
      label: plain('Title'),
      dispatch_action: true,
      element: {
        type: 'plain_text_input',
        action_id: ACTION.declareTitle,
        max_length: 150,
        placeholder: plain('Support bot obeys instructions hidden in uploaded PDFs'),
        ...(form.title ? { initial_value: form.title } : {}),
      },
      hint: plain('Press Enter to pick the matching playbook.'),
    },
    {
      type: 'input',
      block_id: 'playbook',
      label: plain('Playbook'),
      element: { type: 'static_select', action_id: 'value', options: playbookOptions, initial_option: initialPlaybook },
    },
    {
      type: 'input',
      block_id: 'severity',
      label: plain('Severity'),
      optional: true,
      hint: plain("Empty: the playbook's default."),
      element: { type: 'static_select', action_id: 'value', options: severityOptions },
    },
    {
      type: 'input',
      block_id: 'description',
      label: plain('Description'),
      optional: true,
      element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 2900 },
    },
    {
      type: 'input',
      block_id: 'started',
      label: plain('Impact started'),
      optional: true,
      hint: plain('Empty: now.'),
      element: { type: 'datetimepicker', action_id: 'value' },
    },
    {
      type: 'input',
      block_id: 'private',
      label: plain('Channel'),
      optional: true,
      element: {
        type: 'radio_buttons',
        action_id: 'value',
        options: [option("As the playbook says", 'default'), option('Private', 'yes'), option('Public', 'no')],
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: VIEW.declare,
    private_metadata: encodeMetadata(metadata),
    title: plain('Declare an incident'),
    submit: plain('Declare'),
    close: plain('Cancel'),
    blocks,
  };
}

export function severityModal(current: Severity | undefined, metadata: ViewMetadata): ModalView {
  const initial = severityOptions.find((o) => o.value === current);
  return {
    type: 'modal',
    callback_id: VIEW.severity,
    private_metadata: encodeMetadata(metadata),
    title: plain('Change severity'),
    submit: plain('Change'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'severity',
        label: plain('Severity'),
        element: { type: 'static_select', action_id: 'value', options: severityOptions, ...(initial ? { initial_option: initial } : {}) },
      },
    ],
  };
}

/** "Not a real incident": why, so the false-positive rate can be read later, not only counted. */
export function dismissModal(metadata: ViewMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.dismiss,
    private_metadata: encodeMetadata(metadata),
    title: plain('Not a real incident'),
    submit: plain('Dismiss alert'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: plain('Why is it not real?'),
        hint: plain('For example: load-test traffic, a known benign pattern, a monitor misconfigured.'),
        element: { type: 'plain_text_input', action_id: 'value', max_length: 500 },
      },
    ],
  };
}

export function assignModal(metadata: ViewMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.assign,
    private_metadata: encodeMetadata(metadata),
    title: plain('Assign a role'),
    submit: plain('Assign'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'role',
        label: plain('Role'),
        element: { type: 'static_select', action_id: 'value', options: ROLE_IDS.map((r) => option(ROLES[r].name, r)) },
      },
      { type: 'input', block_id: 'user', label: plain('Person'), element: { type: 'users_select', action_id: 'value' } },
    ],
  };
}
