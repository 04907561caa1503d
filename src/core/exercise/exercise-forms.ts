import type { Card } from '../cards/card.js';
import { CARD_ACTION } from '../cards/actions.js';
import type { CoreContext } from '../context.js';
import { decisionForm, hotWashForm } from './authored-cards.js';
import { injectOf } from './msel.js';

/**
 * The form an exercise button opens before its action can run (Slack shows it as a modal, Teams
 * as a card): the reasoning form of a decision option, named by its label as the players saw it,
 * or the hot-wash form. Undefined for a button the bot did not make.
 */
export async function exerciseFormFor(context: CoreContext, actionId: string, value: string): Promise<Card | undefined> {
  const incidentId = Number(/^(\d+)/.exec(value)?.[1] ?? NaN);
  if (!Number.isSafeInteger(incidentId)) return undefined;
  if (actionId === CARD_ACTION.exerciseHotWash || actionId === CARD_ACTION.exerciseHotWashAnswers) return hotWashForm(incidentId);
  if (!actionId.startsWith(`${CARD_ACTION.exerciseDecide}:`) && actionId !== CARD_ACTION.exerciseDecision) return undefined;
  const [, injectId, optionId] = value.split(':');
  if (!injectId || !optionId) return undefined;
  const exercise = await context.store.exercises.forIncident(incidentId);
  const scenario = exercise?.authoredId ? context.scenarios?.getAuthored(exercise.authoredId) : undefined;
  const option = scenario && injectOf(scenario, injectId)?.decision?.options.find((o) => o.id === optionId);
  return decisionForm(incidentId, injectId, optionId, option ? option.label : optionId);
}
