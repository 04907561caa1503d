import { channelLink } from '../incident/channel-name.js';
import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { declareIncident } from '../incident/declare-incident.js';
import { incidentRef } from '../incident/header-card.js';
import { platformFor } from '../incident/publish-incident.js';
import { suggestScenario } from '../metrics/exercise-reminder.js';
import { publicReply, type Reply } from '../reply.js';
import { scenarioCard } from './exercise-cards.js';
import { scenariosOf } from './exercise-in-channel.js';
import type { Scenario, ScenarioCatalog } from './scenario-catalog.js';
import type { AuthoredScenario } from './authored-scenario.js';
import { startAuthoredExercise } from './start-authored-exercise.js';

export type ExerciseTarget = { scenarioId: string } | { playbookId: string };

const TITLE_MAX = 150;

/** A playbook's scenario never played yet (real incidents first), else the one played longest ago. */
async function nextFor(context: CoreContext, catalog: ScenarioCatalog, playbookId: string): Promise<Scenario | undefined> {
  const scenarios = catalog.forPlaybook(playbookId);
  const last = await context.store.exercises.lastStarted();
  const never = scenarios.find((s) => !last.has(s.caseStudy.id));
  return never ?? [...scenarios].sort((a, b) => last.get(a.caseStudy.id)!.getTime() - last.get(b.caseStudy.id)!.getTime())[0];
}

/** A playbook's authored scenario never played yet, else the one played longest ago. */
async function nextAuthoredFor(context: CoreContext, catalog: ScenarioCatalog, playbookId: string): Promise<AuthoredScenario | undefined> {
  const scenarios = catalog.authoredFor(playbookId);
  const last = await context.store.exercises.lastStarted();
  return scenarios.find((s) => !last.has(s.id)) ?? [...scenarios].sort((a, b) => last.get(a.id)!.getTime() - last.get(b.id)!.getTime())[0];
}

/**
 * An authored scenario (written for the bot, with timed injects and decision points) when the
 * target names one or its playbook has one; otherwise undefined and an ATLAS case study is played.
 */
async function chooseAuthored(context: CoreContext, catalog: ScenarioCatalog, target: ExerciseTarget | undefined): Promise<{ scenario: AuthoredScenario; why: string } | undefined> {
  if (target && 'scenarioId' in target) {
    const scenario = catalog.getAuthored(target.scenarioId);
    return scenario ? { scenario, why: 'it was named' } : undefined;
  }
  if (target) {
    const scenario = await nextAuthoredFor(context, catalog, target.playbookId);
    return scenario ? { scenario, why: `it exercises the ${target.playbookId} playbook` } : undefined;
  }
  const suggestion = await suggestScenario(context, context.clock.now());
  const suggested = suggestion ? await nextAuthoredFor(context, catalog, suggestion.playbookId) : undefined;
  return suggestion && suggested ? { scenario: suggested, why: `the weakest area is ${suggestion.playbookId}: ${suggestion.why}` } : undefined;
}

/** The scenario asked for, or one for the weakest area the quarterly reminder would suggest. */
async function chooseScenario(context: CoreContext, target: ExerciseTarget | undefined): Promise<{ scenario: Scenario; why: string }> {
  const catalog = scenariosOf(context);
  if (target && 'scenarioId' in target) {
    const scenario = catalog.get(target.scenarioId);
    if (!scenario) {
      const authored = catalog.authored.map((a) => a.id).join(', ');
      throw new AppError('not_found', `no scenario ${target.scenarioId}; \`exercise scenarios\` lists them${authored ? ` (authored: ${authored})` : ''}`);
    }
    return { scenario, why: 'it was named' };
  }
  if (target) {
    const scenario = await nextFor(context, catalog, target.playbookId);
    if (!scenario) throw new AppError('not_found', `no scenario exercises the ${target.playbookId} playbook yet; \`exercise scenarios\` lists the others`);
    return { scenario, why: `it exercises the ${target.playbookId} playbook` };
  }
  const suggestion = await suggestScenario(context, context.clock.now());
  const suggested = suggestion ? await nextFor(context, catalog, suggestion.playbookId) : undefined;
  if (suggestion && suggested) return { scenario: suggested, why: `the weakest area is ${suggestion.playbookId}: ${suggestion.why}` };
  const fallback = (await nextFor(context, catalog, catalog.scenarios[0]!.playbookId))!;
  return { scenario: fallback, why: suggestion ? `the weakest area is ${suggestion.playbookId}, but no scenario exercises it yet` : 'no weakest area stands out' };
}

/**
 * Declares the exercise through the normal path (channel, header, checklist, roles from the
 * roster, but no pages), records its row in the same transaction, and posts the scenario card.
 */
export async function startExercise(context: CoreContext, actor: Actor, target?: ExerciseTarget, options: { force: boolean } = { force: false }): Promise<Reply> {
  const authored = await chooseAuthored(context, scenariosOf(context), target);
  if (authored) return startAuthoredExercise(context, actor, authored.scenario, { force: options.force, why: authored.why });
  const { scenario, why } = await chooseScenario(context, target);
  const study = scenario.caseStudy;
  const title = `EXERCISE: ${study.name}`.slice(0, TITLE_MAX);
  const now = context.clock.now();
  const result = await declareIncident(context, actor, {
    title,
    summary: `Tabletop exercise of MITRE ATLAS case study ${study.id}`,
    playbookId: scenario.playbookId,
    isExercise: true,
    source: 'exercise',
    alsoRecord: async (store, incident) => {
      const exercise = await store.exercises.create({
        scenarioId: scenario.playbookId,
        caseStudyId: study.id,
        title,
        incidentId: incident.id,
        facilitator: actor.userId,
        startedAt: now,
      });
      await store.events.append({
        incidentId: incident.id,
        kind: 'exercise_started',
        payload: { exercise_id: exercise.id, case_study_id: study.id, playbook_id: scenario.playbookId, injects_total: study.procedure.length },
        actor: actor.userId,
        occurredAt: now,
      });
    },
  });
  const { incident } = result;
  const where = channelLink(context.platforms.get(incident.platform), incident) ?? 'its channel';
  const reply = { incidentId: incident.id, ...(incident.channelId ? { channelId: incident.channelId } : {}) };
  if (result.duplicate) return { ...publicReply(`Already started as ${incidentRef(incident)} in ${where}.`), ...reply };
  const platform = platformFor(context, incident);
  const playbookName = context.playbooks.get(scenario.playbookId)?.name ?? scenario.playbookId;
  if (incident.channelId) {
    const roles = await context.store.roles.forIncident(incident.id);
    await platform.postCard(incident.channelId, scenarioCard(scenario, playbookName, roles, (u) => platform.mention(u)));
  }
  const text = [
    `Tabletop exercise ${incidentRef(incident)} started in ${where}: ${study.id} ${study.name}, practising ${scenario.playbookId} (${why}).`,
    'Practice only: nobody is paged. In the channel, `exercise inject` reveals the first development.',
  ].join('\n');
  return { ...publicReply(text), ...reply };
}
