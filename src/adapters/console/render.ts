import type { Card } from '../../core/cards/card.js';

/** Card → plain text, for the console and as the fallback text other platforms need. */
export function cardToText(card: Card): string {
  const lines: string[] = [`== ${card.title} ==`];
  if (card.subtitle) lines.push(card.subtitle);
  for (const field of card.fields ?? []) {
    const [first = '', ...rest] = field.value.split('\n');
    lines.push(`${field.label}: ${first}`, ...rest.map((line) => `  ${line}`));
  }
  for (const section of card.sections ?? []) {
    if (section.heading) lines.push(`-- ${section.heading}`);
    lines.push(section.text);
  }
  for (const group of card.checklist ?? []) {
    lines.push(`-- ${group.heading}`);
    for (const item of group.items) {
      const who = item.done && item.doneBy ? ` (${item.doneBy}${item.doneAt ? `, ${item.doneAt}` : ''})` : '';
      const role = item.role ? ` [${item.role}]` : '';
      lines.push(`[${item.done ? 'x' : ' '}] ${String(item.number).padStart(2)}. ${item.label}${role}${who}`);
    }
  }
  if (card.actions?.length) lines.push(`Buttons: ${card.actions.map((a) => `[${a.label}]`).join(' ')}`);
  for (const context of card.context ?? []) lines.push(context);
  return lines.join('\n');
}

/**
 * Drops terminal control characters (escape sequences, carriage returns) from text about to be
 * printed: alert titles arrive over HTTP from anyone holding ALERTS_TOKEN and must not be able to
 * clear or rewrite the operator's terminal. Newlines and tabs stay.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}
