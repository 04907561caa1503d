import type { CoreContext } from '../context.js';
import { ROLES } from '../domain.js';
import { AppError } from '../errors.js';
import { PHASE_TITLES } from '../playbook/schema.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { privateReply, type Reply } from '../reply.js';
import { formatTime } from '../time/time-input.js';

/** The whole of one step: a checkbox label holds 75 characters, the how lives in its detail. */
export async function showStep(context: CoreContext, incidentId: number, number: number, platform: ChatPlatform): Promise<Reply> {
  const steps = await context.store.steps.list(incidentId);
  const step = steps.find((s) => s.number === number);
  if (!step) {
    throw new AppError('not_found', steps.length ? `there is no step ${number}; steps are numbered 1 to ${steps.length}` : 'this incident has no checklist; pick a playbook with `/incident playbook <id>`');
  }
  const lines = [
    `Step ${step.number} (${PHASE_TITLES[step.phase]}${step.role ? `, ${ROLES[step.role].name}` : ''}): ${step.title}`,
    ...(step.detail ? [step.detail.trim()] : []),
    step.doneAt ? `Ticked by ${platform.mention(step.doneBy ?? 'someone')} at ${formatTime(step.doneAt, context.timeZone)}.` : `Not done yet: \`/incident tick ${step.number}\` when it is.`,
  ];
  return privateReply(lines.join('\n'));
}
