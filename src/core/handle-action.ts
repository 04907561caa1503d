import { CARD_ACTION } from './cards/actions.js';
import { AUTO_PLAYBOOK, NO_PLAYBOOK } from './cards/forms.js';
import { declareIncident, declaredReply } from './incident/declare-incident.js';
import { decideFromForm } from './exercise/decide-exercise.js';
import { hotWashFromForm } from './exercise/hot-wash.js';
import { completeStep } from './checklist/complete-step.js';
import { flagClock } from './clocks/flag-clock.js';
import { submitLateReasons } from './clocks/notify-clock.js';
import { parseClockKind } from './clocks/deadline.js';
import { parseStepValue } from './checklist/checklist-card.js';
import type { Actor, CoreContext } from './context.js';
import { isRoleId, isSeverity } from './domain.js';
import { AppError } from './errors.js';
import { errorReply, failureOutcome } from './handle-command.js';
import { changeSeverity } from './incident/change-severity.js';
import { changeState } from './incident/change-state.js';
import { changePlaybook } from './playbook/change-playbook.js';
import type { TimedState } from './incident/transitions.js';
import type { CommandOutcome } from './ports/telemetry.js';
import type { Reply } from './reply.js';
import { acknowledgePage, parseAckValue } from './roles/acknowledge-page.js';
import { assignRole } from './roles/assign-role.js';
import { declareAlert, dismissAlert } from './signals/triage.js';
import { clip, cleanStrings } from './text-input.js';
import { markInExerciseSpace } from './exercise/mark-exercise-reply.js';

/**
 * A click on a card, already decoded by the edge: the edges know their payload shapes, the core
 * knows what a click means. Values are the ones the card builders put on the buttons and options.
 */
export type CardClick =
  | { action: 'step'; value: string; done: boolean }
  | { action: 'state'; value: string }
  | { action: 'severity'; incidentId: number; severity: string }
  | { action: 'assign'; incidentId: number; role: string; userId: string }
  /** The page DM's Acknowledge button; value `<incidentId>:<pageId>`. */
  | { action: 'page-ack'; value: string }
  /** The triage card's buttons (`triage:declare`, `triage:dismiss`); value `<incidentId>`. */
  | { action: 'triage-declare'; value: string }
  /** The declare form (cards/forms.ts). */
  | { action: 'declare'; title: string; playbook?: string; severity?: string; summary?: string }
  | { action: 'triage-dismiss'; value: string; reason?: string }
  /** The declare reply's switch buttons; value `<incidentId>:<playbookId>|none`. */
  | { action: 'playbook'; value: string }
  /** A checklist step's flag button; value `<incidentId>:<gdpr-breach|ai-act-serious>`. */
  | { action: 'flag'; value: string }
  /** The reasons-for-the-delay form; value `<incidentId>:<gdpr|ai-act>`. */
  | { action: 'late-reasons'; value: string; reasons: string }
  /** An exercise decision with its reasoning (the option button, then its form); value `<incidentId>:<inject>:<option>`. */
  | { action: 'exercise-decision'; value: string; reasoning: string }
  /** The hot wash form; value `<incidentId>`. */
  | { action: 'exercise-hot-wash'; value: string; answers: { went_well?: string; to_change?: string; playbook_gap?: string } };

const TIMED_STATES: readonly string[] = ['triaged', 'contained', 'resolved', 'closed'];

function parseIncidentValue(value: string): { incidentId: number; rest: string } {
  const match = /^(\d+):(.+)$/.exec(value);
  if (!match) throw new AppError('bad_command', `this button's value "${value}" is not one the bot made`);
  return { incidentId: Number(match[1]), rest: match[2]! };
}

async function runClick(context: CoreContext, actor: Actor, click: CardClick): Promise<Reply> {
  switch (click.action) {
    case 'step': {
      const step = parseStepValue(click.value);
      if (!step) throw new AppError('bad_command', `this checkbox's value "${click.value}" is not one the bot made`);
      return completeStep(context, actor, step.incidentId, step.step, click.done);
    }
    case 'state': {
      const { incidentId, rest } = parseIncidentValue(click.value);
      if (!TIMED_STATES.includes(rest)) throw new AppError('bad_command', `"${rest}" is not a state`);
      return changeState(context, actor, incidentId, rest as TimedState);
    }
    case 'severity':
      if (!isSeverity(click.severity)) throw new AppError('bad_command', `"${click.severity}" is not a severity; use sev1 to sev4`);
      return changeSeverity(context, actor, click.incidentId, click.severity);
    case 'assign':
      if (!isRoleId(click.role)) throw new AppError('bad_command', `"${click.role}" is not a role`);
      return assignRole(context, actor, click.incidentId, click.role, click.userId);
    case 'page-ack': {
      const ack = parseAckValue(click.value);
      if (!ack) throw new AppError('bad_command', `this button's value "${click.value}" is not one the bot made`);
      return acknowledgePage(context, actor, ack.incidentId, ack.pageId);
    }
    case 'declare': {
      if (!click.title) throw new AppError('bad_command', 'give the incident a title, e.g. "Support bot obeys hidden instructions"');
      if (click.severity && !isSeverity(click.severity)) throw new AppError('bad_command', `"${click.severity}" is not a severity; use sev1 to sev4`);
      if (click.playbook && click.playbook !== AUTO_PLAYBOOK && click.playbook !== NO_PLAYBOOK && !context.playbooks.get(click.playbook)) {
        throw new AppError('bad_command', `there is no playbook "${click.playbook}"; pick one from the list`);
      }
      const playbookId = click.playbook === NO_PLAYBOOK ? null : click.playbook && click.playbook !== AUTO_PLAYBOOK ? click.playbook : undefined;
      const result = await declareIncident(context, actor, {
        title: clip(click.title, 150),
        ...(playbookId !== undefined ? { playbookId } : {}),
        ...(click.severity && isSeverity(click.severity) ? { severity: click.severity } : {}),
        ...(click.summary ? { summary: click.summary } : {}),
      });
      return declaredReply(context, result);
    }
    case 'playbook': {
      const { incidentId, rest } = parseIncidentValue(click.value);
      return changePlaybook(context, actor, incidentId, rest === NO_PLAYBOOK ? null : rest);
    }
    case 'flag':
    case 'late-reasons': {
      const { incidentId, rest } = parseIncidentValue(click.value);
      const kind = parseClockKind(rest);
      if (!kind) throw new AppError('bad_command', `this button's value "${click.value}" is not one the bot made`);
      return click.action === 'flag' ? flagClock(context, actor, incidentId, kind) : submitLateReasons(context, actor, incidentId, kind, click.reasons);
    }
    case 'exercise-decision':
      return decideFromForm(context, actor, click.value, click.reasoning);
    case 'exercise-hot-wash':
      return hotWashFromForm(context, actor, click.value, click.answers);
    case 'triage-declare':
    case 'triage-dismiss': {
      if (!/^\d+$/.test(click.value)) throw new AppError('bad_command', `this button's value "${click.value}" is not one the bot made`);
      const incidentId = Number(click.value);
      return click.action === 'triage-declare' ? declareAlert(context, actor, incidentId) : dismissAlert(context, actor, incidentId, click.reason);
    }
  }
}

/**
 * A click as every edge receives it (the card action id, the value the card carried, and what the
 * person typed into the card's inputs) decoded once into a `CardClick`. Undefined: the action needs
 * inputs that were not given, so the edge shows the form (`cards/forms.ts`) first; or it is unknown.
 */
export function decodeCardClick(actionId: string, value: string, inputs: Record<string, unknown> = {}): CardClick | 'needs-input' | undefined {
  const text = (key: string) => (typeof inputs[key] === 'string' ? (inputs[key] as string).trim() : '');
  const incidentId = Number(/^(\d+)/.exec(value)?.[1] ?? NaN);
  if (actionId === CARD_ACTION.state || actionId.startsWith(`${CARD_ACTION.state}:`)) return { action: 'state', value };
  if (actionId === CARD_ACTION.playbook || actionId.startsWith(`${CARD_ACTION.playbook}:`)) return { action: 'playbook', value };
  // One flag button per clock on a card (`clock:flag:<kind>`), so Slack's action ids stay unique.
  if (actionId === CARD_ACTION.flag || actionId.startsWith(`${CARD_ACTION.flag}:`)) return { action: 'flag', value };
  // One button per option (`exercise:decide:<option>`); the reasoning is required, so the form comes first.
  if (actionId.startsWith(`${CARD_ACTION.exerciseDecide}:`) || actionId === CARD_ACTION.exerciseDecision) {
    return text('reasoning') ? { action: 'exercise-decision', value, reasoning: text('reasoning') } : 'needs-input';
  }
  if (actionId === CARD_ACTION.exerciseHotWash || actionId === CARD_ACTION.exerciseHotWashAnswers) {
    const answers = { went_well: text('went_well'), to_change: text('to_change'), playbook_gap: text('playbook_gap') };
    if (!Object.values(answers).some(Boolean)) return 'needs-input';
    return { action: 'exercise-hot-wash', value, answers: Object.fromEntries(Object.entries(answers).filter(([, v]) => v)) };
  }
  switch (actionId) {
    case CARD_ACTION.step:
      return { action: 'step', value, done: inputs.done === true || inputs.done === 'true' };
    case CARD_ACTION.pageAck:
      return { action: 'page-ack', value };
    case CARD_ACTION.declare:
      if (!('title' in inputs)) return 'needs-input';
      return {
        action: 'declare',
        title: text('title'),
        ...(text('playbook') ? { playbook: text('playbook') } : {}),
        ...(text('severity') ? { severity: text('severity') } : {}),
        ...(text('summary') ? { summary: text('summary') } : {}),
      };
    case CARD_ACTION.triageDeclare:
      return { action: 'triage-declare', value };
    case CARD_ACTION.lateReasons:
      return text('reasons') ? { action: 'late-reasons', value, reasons: text('reasons') } : 'needs-input';
    case CARD_ACTION.triageDismiss:
      // The form was submitted when its field is there, even empty: the reason is optional.
      if (!('reason' in inputs)) return 'needs-input';
      return text('reason') ? { action: 'triage-dismiss', value, reason: text('reason') } : { action: 'triage-dismiss', value };
    case CARD_ACTION.severity:
      return text('severity') && Number.isFinite(incidentId) ? { action: 'severity', incidentId, severity: text('severity') } : 'needs-input';
    case CARD_ACTION.assign:
      return text('role') && text('person') && Number.isFinite(incidentId) ? { action: 'assign', incidentId, role: text('role'), userId: text('person') } : 'needs-input';
    default:
      return undefined;
  }
}

/** The single entry for card clicks from every chat edge. It never throws. */
export async function handleCardClick(context: CoreContext, actor: Actor, click: CardClick): Promise<Reply> {
  const started = performance.now();
  let outcome: CommandOutcome = 'ok';
  try {
    // Values and typed inputs, made storable once (text-input.ts).
    const clicker = cleanStrings(actor);
    return await markInExerciseSpace(context, clicker, await runClick(context, clicker, cleanStrings(click)));
  } catch (error) {
    outcome = failureOutcome(error);
    return errorReply(context, error, undefined, `handle the ${click.action} click`);
  } finally {
    context.telemetry?.commandHandled(`click:${click.action}`, (performance.now() - started) / 1000, outcome);
  }
}
