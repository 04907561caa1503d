import type { Card } from '../cards/card.js';
import { incidentRef } from '../incident/header-card.js';
import { DEFINITIONS } from '../metrics/definitions.js';
import type { ReviewDraft } from './review-draft.js';
import { reviewSections, reviewTitle, type ReviewSection } from './review-sections.js';

/**
 * How much text each part of the card may hold, measured as Slack would count it once escaped and
 * serialised (`weight`), so the whole card stays under Block Kit's message size whatever was typed.
 * The Markdown export (review export, review.md) is never cut.
 */
export const CARD_BUDGET: Record<ReviewSection['id'], number> = {
  summary: 700,
  impact: 600,
  times: 900,
  timeline: 2400,
  decisions: 1500,
  steps: 1100,
  roles: 700,
  actions: 1100,
  factors: 800,
};

/** Length as Slack counts it after escaping (`&amp;` `&lt;` `&gt;`) and JSON (`\"`, `\\`, `\n`). */
export function weight(text: string): number {
  let n = 0;
  for (const ch of text) n += ch === '<' || ch === '>' || ch === '&' ? 5 : ch === '"' || ch === '\\' || ch === '\n' ? 2 : ch.length;
  return n;
}

/** The lines that fit the budget, then `… N more, see review export` for the rest; a single long line is shortened. */
export function fitLines(lines: string[], budget: number, what = 'lines'): string {
  const kept: string[] = [];
  let used = 0;
  for (const [index, line] of lines.entries()) {
    const rest = lines.length - index - 1;
    const tail = rest > 0 ? 40 : 0;
    const cost = weight(line) + 1;
    if (used + cost + tail > budget) {
      if (kept.length === 0) {
        // Not even the first line fits: shorten it.
        let short = line;
        while (short.length > 1 && weight(short) + 42 > budget) short = short.slice(0, Math.max(1, Math.floor(short.length * 0.8)));
        kept.push(`${short.replace(/[\uD800-\uDBFF]$/, '')}…`);
        if (rest > 0) kept.push(`… ${rest} more ${what}, see review export`);
        return kept.join('\n');
      }
      kept.push(`… ${lines.length - index} more ${what}, see review export`);
      return kept.join('\n');
    }
    kept.push(line);
    used += cost;
  }
  return kept.join('\n');
}

/** The review draft as a card, so every edge renders it (Block Kit, Adaptive Card, console text). */
export function reviewCard(draft: ReviewDraft, mention: (userId: string) => string): Card {
  const sections = reviewSections(draft, mention).map((section) => ({ heading: section.heading, text: fitLines(section.lines, CARD_BUDGET[section.id], section.what) }));
  return {
    title: reviewTitle(draft),
    sections,
    context: [
      `A draft to discuss and complete: \`/incident review export\` gives it as Markdown (also GET /api/incidents/${draft.incident.id}/review.md). Times in ${draft.timeZone}.`,
      `Quarter medians: ${DEFINITIONS.mttd.how.split(', ').slice(2).join(', ')}. ${incidentRef(draft.incident)} is counted in its own quarter.`,
    ],
  };
}
