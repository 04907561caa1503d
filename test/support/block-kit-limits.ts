/**
 * The Block Kit limits real Slack enforces (STACK-NOTES.md), checked the way Slack answers them:
 * `invalid_blocks` with the reasons, or `msg_blocks_too_long` for a message that is too big overall.
 * The fake Web API refuses what these refuse; renderer tests use them too.
 */
type Json = Record<string, unknown>;

export const MESSAGE_CHAR_LIMIT = 13_000;

function textOf(value: unknown): { type?: string; text: string } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const t = value as Json;
  return typeof t.text === 'string' ? { type: String(t.type), text: t.text } : undefined;
}

function checkText(problems: string[], where: string, value: unknown, max: number, plainOnly = false): void {
  const text = textOf(value);
  if (!text) {
    problems.push(`${where}: missing text object`);
    return;
  }
  if (text.type !== 'plain_text' && text.type !== 'mrkdwn') problems.push(`${where}: text type "${text.type}"`);
  if (plainOnly && text.type !== 'plain_text') problems.push(`${where}: must be plain_text`);
  if (text.text.length === 0) problems.push(`${where}: empty text`);
  if (text.text.length > max) problems.push(`${where}: text ${text.text.length} chars > ${max}`);
}

function checkOption(problems: string[], where: string, option: Json): void {
  checkText(problems, `${where}.text`, option.text, 75);
  if (typeof option.value !== 'string' || option.value.length > 150) problems.push(`${where}.value: missing or > 150 chars`);
  if (option.description !== undefined) checkText(problems, `${where}.description`, option.description, 75, true);
}

function checkOptions(problems: string[], where: string, element: Json, max: number): void {
  const options = (element.options ?? []) as Json[];
  if (options.length < 1 || options.length > max) problems.push(`${where}: ${options.length} options, allowed 1 to ${max}`);
  options.forEach((o, i) => checkOption(problems, `${where}.options[${i}]`, o));
  const serialised = new Set(options.map((o) => JSON.stringify(o)));
  const initial = [...((element.initial_options ?? []) as Json[]), ...(element.initial_option ? [element.initial_option as Json] : [])];
  for (const chosen of initial) {
    if (!serialised.has(JSON.stringify(chosen))) problems.push(`${where}: an initial option does not exactly match any option`);
  }
}

function checkElement(problems: string[], where: string, element: Json): void {
  if (typeof element.action_id === 'string' && element.action_id.length > 255) problems.push(`${where}.action_id > 255 chars`);
  switch (element.type) {
    case 'button':
      checkText(problems, `${where}.text`, element.text, 75, true);
      if (typeof element.value === 'string' && element.value.length > 2000) problems.push(`${where}.value > 2000 chars`);
      break;
    case 'checkboxes':
      checkOptions(problems, where, element, 10);
      break;
    case 'radio_buttons':
      checkOptions(problems, where, element, 10);
      break;
    case 'static_select':
      checkOptions(problems, where, element, 100);
      break;
    case 'plain_text_input':
    case 'users_select':
    case 'datetimepicker':
    case 'datepicker':
    case 'image':
    case 'mrkdwn':
    case 'plain_text':
      break;
    default:
      problems.push(`${where}: unknown element type "${String(element.type)}"`);
  }
}

export function blockKitProblems(blocks: unknown, maxBlocks = 50): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks > ${maxBlocks}`);
  const blockIds = new Set<string>();
  (blocks as Json[]).forEach((block, index) => {
    const where = `blocks[${index}]`;
    if (typeof block.block_id === 'string') {
      if (block.block_id.length > 255) problems.push(`${where}.block_id > 255 chars`);
      if (blockIds.has(block.block_id)) problems.push(`${where}.block_id "${block.block_id}" is not unique`);
      blockIds.add(block.block_id);
    }
    switch (block.type) {
      case 'header':
        checkText(problems, `${where}.text`, block.text, 150, true);
        break;
      case 'section': {
        if (block.text === undefined && block.fields === undefined) problems.push(`${where}: section needs text or fields`);
        if (block.text !== undefined) checkText(problems, `${where}.text`, block.text, 3000);
        const fields = (block.fields ?? []) as unknown[];
        if (fields.length > 10) problems.push(`${where}: ${fields.length} fields > 10`);
        fields.forEach((f, i) => checkText(problems, `${where}.fields[${i}]`, f, 2000));
        if (block.accessory) checkElement(problems, `${where}.accessory`, block.accessory as Json);
        break;
      }
      case 'actions': {
        const elements = (block.elements ?? []) as Json[];
        if (elements.length < 1 || elements.length > 25) problems.push(`${where}: ${elements.length} elements, allowed 1 to 25`);
        const actionIds = new Set<string>();
        elements.forEach((e, i) => {
          checkElement(problems, `${where}.elements[${i}]`, e);
          if (typeof e.action_id === 'string') {
            if (actionIds.has(e.action_id)) problems.push(`${where}: action_id "${e.action_id}" repeated`);
            actionIds.add(e.action_id);
          }
        });
        break;
      }
      case 'context': {
        const elements = (block.elements ?? []) as Json[];
        if (elements.length < 1 || elements.length > 10) problems.push(`${where}: ${elements.length} elements, allowed 1 to 10`);
        elements.forEach((e, i) => checkElement(problems, `${where}.elements[${i}]`, e));
        break;
      }
      case 'input':
        checkText(problems, `${where}.label`, block.label, 2000, true);
        checkElement(problems, `${where}.element`, block.element as Json);
        break;
      case 'divider':
        break;
      default:
        problems.push(`${where}: unknown block type "${String(block.type)}"`);
    }
  });
  return problems;
}

/** Slack's answer to a message's blocks: undefined when it would post them. */
export function refuseBlocks(blocks: unknown): { error: string; errors?: string[] } | undefined {
  if (blocks === undefined) return undefined;
  const problems = blockKitProblems(blocks);
  if (problems.length > 0) return { error: 'invalid_blocks', errors: problems };
  if (JSON.stringify(blocks).length >= MESSAGE_CHAR_LIMIT) return { error: 'msg_blocks_too_long' };
  return undefined;
}
