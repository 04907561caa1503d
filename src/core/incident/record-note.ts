import type { Actor, CoreContext } from '../context.js';
import { publicReply, type Reply } from '../reply.js';
import { changeIncident } from './incident-transaction.js';

export async function addNote(context: CoreContext, actor: Actor, incidentId: number, text: string): Promise<Reply> {
  await changeIncident(context, incidentId, (store) =>
    store.events.append({ incidentId, kind: 'note_added', payload: { text }, actor: actor.userId, occurredAt: context.clock.now() }),
  );
  return publicReply(`Noted in the timeline: ${text}`);
}

export async function recordDecision(context: CoreContext, actor: Actor, incidentId: number, text: string, because?: string): Promise<Reply> {
  await changeIncident(context, incidentId, (store) =>
    store.events.append({
      incidentId,
      kind: 'decision_recorded',
      payload: { text, because: because ?? null },
      actor: actor.userId,
      occurredAt: context.clock.now(),
    }),
  );
  return publicReply(`Decision recorded: ${text}${because ? `, because ${because}` : ''}${because ? '' : '. Add the reasoning next time with `because …`; reviews need it.'}`);
}
