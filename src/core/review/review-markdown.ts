import { DEFINITIONS } from '../metrics/definitions.js';
import type { ReviewDraft } from './review-draft.js';
import { reviewSections, reviewTitle } from './review-sections.js';

/** People in the Markdown are their ids as the platform knows them: the file is read outside chat. */
const plainMention = (userId: string) => `@${userId}`;

/**
 * The review as Markdown, whole (the card cuts long parts): what `review export` replies and
 * `GET /api/incidents/:id/review.md` returns, byte for byte.
 */
export function reviewMarkdown(draft: ReviewDraft): string {
  const { incident } = draft;
  const out: string[] = [`# ${reviewTitle(draft)}`, ''];
  out.push(`- Incident: ${incident.id} (${incident.platform}${incident.channelName ? `, #${incident.channelName}` : ''})`, `- Times in ${draft.timeZone}`, '');
  for (const section of reviewSections(draft, plainMention)) {
    out.push(`## ${section.heading}`, '');
    if (section.id === 'summary') out.push(section.lines.join('\n'));
    else if (section.id === 'factors') out.push(...section.lines, '', '_Answers:_');
    else out.push(...section.lines.map((line) => `- ${line}`));
    out.push('');
  }
  out.push('---', '', `Quarter medians are computed as the metrics are: ${DEFINITIONS.mttd.how.split(', ').slice(2).join(', ')}.`, '');
  return out.join('\n');
}
