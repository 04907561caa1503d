import type { Actor, CoreContext } from '../context.js';
import type { Incident } from '../incident/incident.js';
import { privateReply, type Reply } from '../reply.js';
import { taxonomyOf } from '../taxonomy/taxonomy.js';
import { findSimilar } from './find-similar.js';
import { similarCasesText } from './similar-cases-text.js';

/** `similar` in an incident's channel: the similar cases again, as they stand now. */
export async function showSimilarCases(context: CoreContext, actor: Actor, incident: Incident): Promise<Reply> {
  const found = await findSimilar(context, incident);
  return privateReply(similarCasesText(incident, found, actor, { playbooks: context.playbooks, taxonomy: taxonomyOf(context) }));
}
