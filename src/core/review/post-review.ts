import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { incidentRef } from '../incident/header-card.js';
import type { Incident } from '../incident/incident.js';
import { changeIncident } from '../incident/incident-transaction.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { publicReply, type Reply } from '../reply.js';
import { reviewCard } from './review-card.js';
import { buildReviewDraft, reviewRefusal } from './review-draft.js';

/**
 * `review` in an incident's channel, once it is resolved or closed: posts the post-incident review
 * draft there as a card and records `review_posted`. Posting again posts the draft as it is now
 * (action items added since, a summary edited) and records it again.
 */
export async function postReview(context: CoreContext, actor: Actor, incident: Incident, platform: ChatPlatform): Promise<Reply> {
  const draft = await buildReviewDraft(context, incident);
  const card = reviewCard(draft, (userId) => platform.mention(userId));
  await changeIncident(context, incident.id, async (store, locked) => {
    // The state may have moved (reopened) since the draft was read.
    const refused = reviewRefusal(locked);
    if (refused) throw new AppError('invalid_transition', refused);
    await store.events.append({
      incidentId: incident.id,
      kind: 'review_posted',
      payload: {
        state: locked.state,
        timeline_events: draft.timeline.length,
        decisions: draft.decisions.length,
        unticked_steps: draft.unticked.length,
        out_of_order_steps: draft.outOfOrder.length,
        action_items: draft.actionItems.length,
      },
      actor: actor.userId,
      occurredAt: context.clock.now(),
    });
  });
  return publicReply(`Post-incident review draft for ${incidentRef(incident)}:`, card);
}
