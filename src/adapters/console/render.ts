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
