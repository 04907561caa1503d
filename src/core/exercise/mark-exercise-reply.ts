import type { Actor, CoreContext } from '../context.js';
import type { Reply } from '../reply.js';
import { EXERCISE_MARK } from './authored-cards.js';

/**
 * In an exercise's space every message says EXERCISE: a public answer posted there (to a typed
 * command or a card click alike) gets the mark, once.
 */
export async function markInExerciseSpace(context: CoreContext, actor: Actor, reply: Reply): Promise<Reply> {
  if (!reply.public || reply.text.startsWith(EXERCISE_MARK)) return reply;
  const space = await context.store.incidents.findByChannel(actor.platform, reply.channelId ?? actor.channelId);
  return space?.isExercise ? { ...reply, text: `${EXERCISE_MARK} · ${reply.text}` } : reply;
}
