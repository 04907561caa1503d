import { findCommand, usageLine } from '../commands/parse-command.js';
import type { Command } from '../commands/types.js';
import type { Actor, CoreContext } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import type { Reply } from '../reply.js';
import { authoredInChannel, mustFacilitate } from './advance-msel.js';
import { decideFromText } from './decide-exercise.js';
import { endExercise } from './end-exercise.js';
import { hotWashFromText, postAarNow } from './hot-wash.js';
import { listScenarios } from './list-scenarios.js';
import { exportAfterActionReport, rateObjective } from './post-after-action-report.js';
import { revealInject } from './reveal-inject.js';
import { startExercise } from './start-exercise.js';
import { evaluatorNote, markObserved, steerExercise } from './steer-exercise.js';

export type ExerciseCommand = Extract<Command, { kind: `exercise-${string}` }>;

async function run(context: CoreContext, actor: Actor, command: ExerciseCommand): Promise<Reply> {
  switch (command.kind) {
    case 'exercise-scenarios':
      return listScenarios(context, command.playbookId);
    case 'exercise-start': {
      const target = command.scenarioId ? { scenarioId: command.scenarioId } : command.playbookId ? { playbookId: command.playbookId } : undefined;
      return startExercise(context, actor, target, { force: command.force ?? false });
    }
    case 'exercise-inject':
      return revealInject(context, actor);
    case 'exercise-end':
      return endExercise(context, actor);
    case 'exercise-steer':
      return steerExercise(context, actor, command.command);
    case 'exercise-decide':
      return decideFromText(context, actor, command.option, command.reasoning);
    case 'exercise-observed':
      return markObserved(context, actor, command.action, command.note);
    case 'exercise-note':
      return evaluatorNote(context, actor, command.text);
    case 'exercise-hotwash':
      return hotWashFromText(context, actor, command.question, command.text);
    case 'exercise-aar':
      return postAarNow(context, actor);
    case 'exercise-rate': {
      const authored = await authoredInChannel(context, actor, 'exercise rate');
      mustFacilitate(context, actor, authored.exercise, 'exercise rate');
      return rateObjective(context, actor, authored.incident.id, command.objective, command.rating, command.because ?? null);
    }
    case 'exercise-export': {
      const authored = await authoredInChannel(context, actor, 'exercise export');
      return exportAfterActionReport(context, actor, authored.incident.id);
    }
  }
}

/** Every refusal of an `exercise` command carries the usage line, whatever its reason. */
export async function runExerciseCommand(context: CoreContext, actor: Actor, command: ExerciseCommand): Promise<Reply> {
  try {
    return await run(context, actor, command);
  } catch (error) {
    // not_found already gets the usage from handleCommand; platform and internal errors are not the user's.
    if (!isAppError(error, 'not_in_incident_channel') && !isAppError(error, 'invalid_transition')) throw error;
    const spec = findCommand('exercise');
    throw new AppError(error.code, spec ? `${error.message}\n${usageLine(spec)}` : error.message, error);
  }
}
