import type { StoredMessage } from '../support/fake-slack.js';
import type { SlackHarness } from '../support/slack-harness.js';

type Json = Record<string, unknown>;
export interface OptionJson {
  value: string;
  text: { text: string };
  description?: { text: string };
}
interface CheckboxesJson {
  action_id: string;
  options: OptionJson[];
  initial_options?: OptionJson[];
}

/** What a person sees in Slack, read back from the fake's current messages. */
export function incidentMessages(h: SlackHarness, channelId: string) {
  const all = () => h.fake.messagesIn(channelId).filter((m) => m.blocks.length > 0);
  const header = () => all().find((m) => m.blocks.some((b) => b.block_id === 'actions' && JSON.stringify(b).includes('"severity"')))!;
  const checklists = () => all().filter((m) => m.blocks.some((b) => String(b.block_id).startsWith('checklist:')));
  return { all, header, checklists };
}

export function checkboxBlocks(message: StoredMessage): { blockId: string; element: CheckboxesJson }[] {
  return message.blocks
    .filter((b) => String(b.block_id).startsWith('checklist:'))
    .map((b) => ({ blockId: String(b.block_id), element: (b.elements as CheckboxesJson[])[0]! }));
}

export function tickedValues(messages: StoredMessage[]): string[] {
  return messages.flatMap(checkboxBlocks).flatMap((b) => (b.element.initial_options ?? []).map((o) => o.value));
}

/** The checkbox click Slack sends when a person toggles `value` on `message` as they see it. */
export function toggle(message: StoredMessage, value: string): Json {
  const block = checkboxBlocks(message).find((b) => b.element.options.some((o) => o.value === value));
  if (!block) throw new Error(`no checkbox ${value} on this message`);
  const initial = block.element.initial_options ?? [];
  const option = block.element.options.find((o) => o.value === value)!;
  const wasTicked = initial.some((o) => o.value === value);
  const selected = wasTicked ? initial.filter((o) => o.value !== value) : [...initial, option];
  return { type: 'checkboxes', action_id: block.element.action_id, block_id: block.blockId, selected_options: selected };
}

export function button(message: StoredMessage, actionId: string): Json {
  for (const block of message.blocks) {
    const element = ((block.elements ?? []) as Json[]).find((e) => e.action_id === actionId);
    if (element) return { type: 'button', action_id: actionId, block_id: block.block_id, value: element.value, text: element.text };
  }
  throw new Error(`no button ${actionId} on this message`);
}

export function buttonIds(message: StoredMessage): string[] {
  const block = message.blocks.find((b) => b.block_id === 'actions');
  return ((block?.elements ?? []) as Json[]).map((e) => String(e.action_id));
}
