import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { Card } from '../../core/cards/card.js';
import { AUTO_PLAYBOOK, NO_PLAYBOOK, formAction } from '../../core/cards/forms.js';
import { SEVERITIES, SEVERITY_LABELS } from '../../core/domain.js';
import type { Playbook } from '../../core/playbook/schema.js';
import { ACTION, VIEW, encodeMetadata, type ViewMetadata } from './ids.js';
import { fitPlain } from './render.js';

/** Modals (pure): the declare form, and every core form ("Change severity", "Assign role", "Not a real incident"). */

const plain = (text: string) => ({ type: 'plain_text' as const, text });

function option(text: string, value: string): PlainTextOption {
  return { text: plain(fitPlain(text, 75)), value };
}

export { AUTO_PLAYBOOK, NO_PLAYBOOK } from '../../core/cards/forms.js';

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
      block_id: 'summary',
      label: plain('Summary'),
      hint: plain('What is known so far. The playbook is matched on the title and this.'),
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

/**
 * A core form (cards/forms.ts) as a modal: each input a block whose id is the input's, the submit
 * button the form's action. The callback id is the action id, so one listener submits every form.
 */
export function formModal(form: Card, metadata: Omit<ViewMetadata, 'value'>): ModalView {
  const action = formAction(form);
  const blocks: KnownBlock[] = (form.inputs ?? []).map((input) => {
    const label = plain(fitPlain(input.label, 2000));
    if (input.kind === 'choice') {
      const options = input.options.map((o) => option(o.label, o.value));
      const initial = options.find((o) => o.value === input.initial);
      return { type: 'input', block_id: input.id, label, element: { type: 'static_select', action_id: 'value', options, ...(initial ? { initial_option: initial } : {}) } };
    }
    if (input.kind === 'person') return { type: 'input', block_id: input.id, label, element: { type: 'users_select', action_id: 'value' } };
    return {
      type: 'input',
      block_id: input.id,
      label,
      optional: !input.required,
      ...(input.placeholder ? { hint: plain(fitPlain(input.placeholder, 2000)) } : {}),
      element: { type: 'plain_text_input', action_id: 'value', ...(input.multiline ? { multiline: true } : {}), ...(input.maxLength ? { max_length: input.maxLength } : {}) },
    };
  });
  return {
    type: 'modal',
    callback_id: action.id,
    private_metadata: encodeMetadata({ ...metadata, value: action.value }),
    title: plain(fitPlain(form.title, 24)),
    submit: plain(fitPlain(action.label, 24)),
    close: plain('Cancel'),
    // The subtitle says what the form is about (the decision taken, the hot wash's deadline): the title has only 24 characters.
    blocks: form.subtitle ? [{ type: 'section', text: plain(fitPlain(form.subtitle, 3000)) }, ...blocks] : blocks,
  };
}
