import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Incident } from '../incident/incident.js';
import type { Exercise } from './exercise.js';
import type { Scenario, ScenarioCatalog } from './scenario-catalog.js';

export function scenariosOf(context: CoreContext): ScenarioCatalog {
  if (!context.scenarios || (context.scenarios.scenarios.length === 0 && context.scenarios.authored.length === 0)) {
    throw new AppError('not_found', 'no exercise scenarios are loaded; the bot reads them from playbooks/exercises/ (*.yaml and atlas-case-studies.json)');
  }
  return context.scenarios;
}

/** The exercise whose channel the command was typed in, with its scenario. */
export async function exerciseInChannel(context: CoreContext, actor: Actor, command: string): Promise<{ incident: Incident; exercise: Exercise; scenario: Scenario }> {
  const incident = await context.store.incidents.findByChannel(actor.platform, actor.channelId);
  const exercise = incident?.isExercise ? await context.store.exercises.forIncident(incident.id) : undefined;
  if (!incident || !exercise) {
    throw new AppError('not_in_incident_channel', `\`${command}\` works in a tabletop exercise's channel; start one with \`exercise start\``);
  }
  if (exercise.authoredId) {
    throw new AppError('invalid_transition', `\`${command}\` is for ATLAS case studies; this exercise plays scenario ${exercise.authoredId}, whose injects arrive on their schedule (the facilitator brings the next forward with \`exercise next\`)`);
  }
  const scenario = exercise.caseStudyId ? scenariosOf(context).get(exercise.caseStudyId) : undefined;
  if (!scenario) throw new AppError('not_found', `scenario ${exercise.caseStudyId ?? '(none)'} is no longer in the scenario file`);
  return { incident, exercise, scenario };
}
