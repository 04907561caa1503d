import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Incident } from '../incident/incident.js';
import { seesDetails } from '../incident/permissions.js';
import { privateReply, type Reply } from '../reply.js';
import { buildReviewDraft, reviewRefusal } from './review-draft.js';
import { reviewMarkdown } from './review-markdown.js';

/** A chat reply holds this much of the Markdown; the endpoint always has it whole. */
export const EXPORT_REPLY_MAX = 20_000;

export type ReviewExport = { ok: true; markdown: string } | { ok: false; reason: 'not_reviewable'; message: string };

/** The review of `incident` as Markdown, or why it has none yet (not resolved, a false positive, an exercise). */
export async function reviewExport(context: CoreContext, incident: Incident): Promise<ReviewExport> {
  const refused = reviewRefusal(incident);
  if (refused) return { ok: false, reason: 'not_reviewable', message: refused };
  return { ok: true, markdown: reviewMarkdown(await buildReviewDraft(context, incident)) };
}

/** `review export`: the Markdown, to the person who asked (a file to attach to the postmortem or the audit). */
export async function exportReview(context: CoreContext, actor: Actor, incident: Incident): Promise<Reply> {
  if (!seesDetails(actor, incident)) throw new AppError('forbidden', `INC-${incident.id} is private: its review is shown only in its own channel`);
  const result = await reviewExport(context, incident);
  if (!result.ok) throw new AppError('invalid_transition', result.message);
  const text =
    result.markdown.length > EXPORT_REPLY_MAX
      ? `${result.markdown.slice(0, EXPORT_REPLY_MAX)}\n… cut here for chat; GET /api/incidents/${incident.id}/review.md has it whole.`
      : result.markdown;
  return privateReply(`Post-incident review of INC-${incident.id} as Markdown (also GET /api/incidents/${incident.id}/review.md):\n\`\`\`\n${text}\n\`\`\``);
}
