import { findCommand, usageLine } from '../commands/parse-command.js';
import type { Command } from '../commands/types.js';
import type { Actor, CoreContext } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import type { Reply } from '../reply.js';
import { endExercise } from './end-exercise.js';
import { listScenarios } from './list-scenarios.js';
import { revealInject } from './reveal-inject.js';
import { startExercise } from './start-exercise.js';

type ExerciseCommand = Extract<Command, { kind: `exercise-${string}` }>;

function run(context: CoreContext, actor: Actor, command: ExerciseCommand): Promise<Reply> | Reply {
  switch (command.kind) {
    case 'exercise-scenarios':
      return listScenarios(context, command.playbookId);
    case 'exercise-start':
      return startExercise(context, actor, command.scenarioId ? { scenarioId: command.scenarioId } : command.playbookId ? { playbookId: command.playbookId } : undefined);
    case 'exercise-inject':
      return revealInject(context, actor);
    case 'exercise-end':
      return endExercise(context, actor);
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
