import { completeStep } from './checklist/complete-step.js';
import { flagClock } from './clocks/flag-clock.js';
import { notifyClock } from './clocks/notify-clock.js';
import { unflagClock } from './clocks/unflag-clock.js';
import { showStep } from './checklist/show-step.js';
import { helpText, isParseError, parseCommand, usageLine, findCommand } from './commands/parse-command.js';
import type { Command } from './commands/types.js';
import type { Incident } from './incident/incident.js';
import type { Actor, CoreContext } from './context.js';
import { AppError, isAppError } from './errors.js';
import { changeSeverity } from './incident/change-severity.js';
import { changeState, markFalsePositive, reopenIncident } from './incident/change-state.js';
import { declareFromCommand } from './incident/declare-incident.js';
import { incidentCards, platformFor } from './incident/publish-incident.js';
import { listIncidents } from './incident/list-incidents.js';
import { addNote, recordDecision } from './incident/record-note.js';
import { showTimeline } from './incident/timeline.js';
import { showSimilarCases } from './similar/show-similar.js';
import { changeTag } from './taxonomy/tag-incident.js';
import { runExerciseCommand } from './exercise/run-exercise-command.js';
import { markInExerciseSpace } from './exercise/mark-exercise-reply.js';
import { showMetrics } from './metrics/show-metrics.js';
import { changePlaybook } from './playbook/change-playbook.js';
import type { CommandOutcome } from './ports/telemetry.js';
import { privateReply, type Reply } from './reply.js';
import { addActionItem, completeActionItem, listActionItems } from './review/action-items.js';
import { exportReview } from './review/export-review.js';
import { postReview } from './review/post-review.js';
import { assignRole, pageRole } from './roles/assign-role.js';
import { acknowledgeCommand } from './roles/acknowledge-page.js';
import { setRoster, showRoster } from './roles/roster.js';
import { declareAlert, dismissAlert } from './signals/triage.js';
import { cleanStrings, cleanText } from './text-input.js';
import { resolveTime } from './time/time-input.js';

type ExerciseCommand = Extract<Command, { kind: `exercise-${string}` }>;
type IncidentCommand = Exclude<Command, ExerciseCommand | { kind: 'help' | 'list' | 'declare' | 'oncall-set' | 'oncall-show' | 'metrics' | 'ack' | 'alert-declare' | 'alert-dismiss' }>;

async function incidentOfChannel(context: CoreContext, actor: Actor, command: IncidentCommand): Promise<number> {
  const incidentId = await context.store.incidents.ownerOfChannel(actor.platform, actor.channelId);
  if (incidentId === undefined) {
    const name = command.kind === 'transition' ? { triaged: 'triage', contained: 'contain', resolved: 'resolve', closed: 'close' }[command.to] : command.kind;
    throw new AppError('not_in_incident_channel', `\`${name}\` works in an incident's channel; \`/incident list\` shows the open ones`);
  }
  return incidentId;
}

async function runIncidentCommand(context: CoreContext, actor: Actor, command: IncidentCommand): Promise<Reply> {
  return runOnIncident(context, actor, command, await incidentOfChannel(context, actor, command));
}

async function runOnIncident(context: CoreContext, actor: Actor, command: IncidentCommand, incidentId: number): Promise<Reply> {
  // Most commands change the incident under its own lock; the few that only show it read it here.
  const incident = async (): Promise<Incident> => (await context.store.incidents.get(incidentId))!;
  const platform = platformFor(context, { platform: actor.platform });
  const now = context.clock.now();
  switch (command.kind) {
    case 'status': {
      const { header } = await incidentCards(context, await incident(), platform);
      return privateReply(header.title, header);
    }
    case 'transition':
      return changeState(context, actor, incidentId, command.to, command.at ? resolveTime(command.at, now) : undefined);
    case 'reopen':
      return reopenIncident(context, actor, incidentId);
    case 'false-positive':
      return markFalsePositive(context, actor, incidentId, command.reason);
    case 'severity':
      return changeSeverity(context, actor, incidentId, command.severity);
    case 'assign':
      return assignRole(context, actor, incidentId, command.role, command.user);
    case 'page':
      return pageRole(context, actor, incidentId, command.role);
    case 'note':
      return addNote(context, actor, incidentId, command.text);
    case 'decision':
      return recordDecision(context, actor, incidentId, command.text, command.because);
    case 'timeline':
      return showTimeline(context, incidentId, platform);
    case 'tag':
    case 'untag':
      return changeTag(context, actor, incidentId, command.tag, command.kind === 'tag');
    case 'similar':
      return showSimilarCases(context, actor, await incident());
    case 'tick':
      return completeStep(context, actor, incidentId, command.step, command.done);
    case 'step':
      return showStep(context, incidentId, command.step, platform);
    case 'playbook':
      return changePlaybook(context, actor, incidentId, command.playbookId);
    case 'action-add':
      return addActionItem(context, actor, incidentId, command.text, command.owner, command.due, platform);
    case 'action-done':
      return completeActionItem(context, actor, incidentId, command.number);
    case 'actions':
      return listActionItems(context, actor, incidentId, command.filter, platform);
    case 'review':
      return postReview(context, actor, await incident(), platform);
    case 'review-export':
      return exportReview(context, actor, await incident());
    case 'flag':
      return flagClock(context, actor, incidentId, command.flag, { ...(command.variant ? { variant: command.variant } : {}), ...(command.aware ? { aware: resolveTime(command.aware, now) } : {}) });
    case 'unflag':
      return unflagClock(context, actor, incidentId, command.flag, command.reason);
    case 'notified':
      return notifyClock(context, actor, incidentId, command.flag, {
        ...(command.at ? { at: resolveTime(command.at, now) } : {}),
        ...(command.ref ? { ref: command.ref } : {}),
        ...(command.because ? { because: command.because } : {}),
      });
  }
}

async function runCommand(context: CoreContext, actor: Actor, command: Command): Promise<Reply> {
  const platform = platformFor(context, { platform: actor.platform });
  switch (command.kind) {
    case 'help':
      return privateReply(helpText(command.topic));
    case 'list':
      return listIncidents(context, actor);
    case 'declare':
      return declareFromCommand(context, actor, command);
    case 'oncall-set':
      return setRoster(context, actor, command.role, command.users, platform, command.backup);
    case 'ack':
      return acknowledgeCommand(context, actor, command.pageId);
    case 'alert-declare':
      return declareAlert(context, actor, command.incidentId);
    case 'alert-dismiss':
      return dismissAlert(context, actor, command.incidentId, command.reason);
    case 'oncall-show':
      return showRoster(context, platform);
    case 'metrics':
      return showMetrics(context, actor, command.period);
    case 'exercise-scenarios':
    case 'exercise-start':
    case 'exercise-inject':
    case 'exercise-end':
    case 'exercise-steer':
    case 'exercise-decide':
    case 'exercise-observed':
    case 'exercise-note':
    case 'exercise-hotwash':
    case 'exercise-aar':
    case 'exercise-rate':
    case 'exercise-export':
      return runExerciseCommand(context, actor, command);
    default:
      return runIncidentCommand(context, actor, command);
  }
}

/** Turns an AppError into the one-line reason a person sees; anything else is logged and hidden. */
export function errorReply(context: CoreContext, error: unknown, usage?: string, what?: string): Reply {
  if (isAppError(error) && error.code !== 'internal') {
    return privateReply(`${error.message}${usage ? `\n${usage}` : ''}`);
  }
  const ref = Math.random().toString(36).slice(2, 10);
  context.logger.error({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error), ref, ...(what ? { what } : {}) }, 'command failed');
  const failed = what ? `Could not ${what}: something went wrong on our side` : 'Something went wrong on our side';
  return privateReply(`${failed} (ref ${ref}); nothing you typed was wrong. Try again, or tell the bot's operators the ref.`);
}

/** The command's name in the command table (`help` when nothing follows `/incident`, `unknown` for a word not in it): a bounded metric label. */
function commandLabel(text: string): string {
  const head = text.trim().replace(/^\/incident\s*/i, '').split(/\s+/)[0] ?? '';
  return head === '' ? 'help' : (findCommand(head)?.name ?? 'unknown');
}

/** How a command or click that threw ended, for telemetry: a reason the person was told, or a failure on our side. */
export function failureOutcome(error: unknown): CommandOutcome {
  return isAppError(error) && error.code !== 'internal' ? 'refused' : 'failed';
}

/** The single entry for typed commands from every chat edge. It never throws. */
export async function handleCommand(context: CoreContext, actor: Actor, typed: string): Promise<Reply> {
  const started = performance.now();
  // What the edge received, made storable once: no NUL, stray controls or lone surrogates past here.
  const text = cleanText(typed);
  actor = cleanStrings(actor);
  let outcome: CommandOutcome = 'ok';
  try {
    const parsed = parseCommand(text, { playbookIds: context.playbooks.ids });
    if (isParseError(parsed)) {
      outcome = 'invalid';
      return privateReply(`${parsed.error}\n${parsed.usage}`);
    }
    try {
      return await markInExerciseSpace(context, actor, await runCommand(context, actor, parsed));
    } catch (error) {
      outcome = failureOutcome(error);
      const name = text.replace(/^\/incident\s*/i, '').split(/\s+/)[0] ?? '';
      const spec = findCommand(name);
      const showUsage = isAppError(error, 'invalid_time') || isAppError(error, 'not_found');
      return errorReply(context, error, showUsage && spec ? usageLine(spec) : undefined, spec ? `run \`${spec.name}\`` : undefined);
    }
  } finally {
    context.telemetry?.commandHandled(commandLabel(text), (performance.now() - started) / 1000, outcome);
  }
}
