import type { Actor, CoreContext } from '../context.js';
import { ROLES, type RoleId } from '../domain.js';
import { AppError } from '../errors.js';
import { channelLink } from '../incident/channel-name.js';
import { declareIncident } from '../incident/declare-incident.js';
import { incidentRef } from '../incident/header-card.js';
import { platformFor } from '../incident/platform-for.js';
import { publicReply, type Reply } from '../reply.js';
import { EXERCISE_MARK, exerciseTitle, openingCard } from './authored-cards.js';
import type { AuthoredScenario } from './authored-scenario.js';
import { refreshFacilitatorView } from './facilitator-view.js';
import { runDueExerciseTimers } from './fire-exercise-timers.js';

/** Who plays each of the scenario's roles: the role's on-call primary on this platform, the facilitator as commander when nobody is. */
async function bindRoles(context: CoreContext, actor: Actor, scenario: AuthoredScenario): Promise<{ bound: Map<RoleId, string>; unfilled: RoleId[] }> {
  const roster = await context.store.roles.roster(actor.platform);
  const bound = new Map<RoleId, string>();
  for (const { role } of scenario.roles) {
    const holder = roster.get(role)?.[0] ?? (role === 'commander' ? actor.userId : undefined);
    if (holder) bound.set(role, holder);
  }
  const unfilled = scenario.roles.filter((r) => r.required && !bound.has(r.role)).map((r) => r.role);
  return { bound, unfilled };
}

/**
 * Starts an authored scenario: refuses (changing nothing) while a required role has nobody on the
 * roster unless `force`; declares the exercise's incident through the normal path (its space,
 * header and checklist, no pages), binds the scenario's roles, schedules the MSEL's timed injects
 * as durable timers, posts the opening, tells each player privately, and opens the facilitator's view.
 */
export async function startAuthoredExercise(context: CoreContext, actor: Actor, scenario: AuthoredScenario, options: { force: boolean; why: string }): Promise<Reply> {
  const playbook = context.playbooks.get(scenario.playbook);
  if (!playbook) throw new AppError('not_found', `scenario ${scenario.id} practises the ${scenario.playbook} playbook, which is not loaded`);
  const { bound, unfilled } = await bindRoles(context, actor, scenario);
  if (unfilled.length > 0 && !options.force) {
    const names = unfilled.map((r) => `${ROLES[r].name} (\`oncall ${r} @person\`)`).join(', ');
    throw new AppError('invalid_transition', `scenario ${scenario.id} needs someone for ${names}: nobody is on the roster. Set the roster, or \`exercise start ${scenario.id} force\` to start anyway.`);
  }
  const now = context.clock.now();
  const title = exerciseTitle(scenario.title);
  const result = await declareIncident(context, actor, {
    title,
    summary: `Tabletop exercise ${scenario.id} v${scenario.version}, based on ${scenario.basis.incident}.`,
    playbookId: scenario.playbook,
    isExercise: true,
    // An exercise holds no real data: its report and space are for everyone, whatever the playbook's default.
    private: false,
    source: 'exercise',
    alsoRecord: async (store, incident) => {
      const exercise = await store.exercises.create({
        scenarioId: scenario.playbook,
        caseStudyId: scenario.basis.atlas_id ?? null,
        authoredId: scenario.id,
        authoredVersion: scenario.version,
        title,
        incidentId: incident.id,
        facilitator: actor.userId,
        startedAt: now,
      });
      const held = new Set((await store.roles.forIncident(incident.id)).map((r) => r.role));
      for (const [role, userId] of bound) {
        if (held.has(role)) continue;
        await store.roles.assign({ incidentId: incident.id, role, userId, assignedAt: now });
        await store.events.append({ incidentId: incident.id, kind: 'role_assigned', payload: { role, user: userId, previous: null }, actor: actor.userId, occurredAt: now });
      }
      await store.events.append({
        incidentId: incident.id,
        kind: 'exercise_started',
        payload: {
          exercise_id: exercise.id,
          authored_id: scenario.id,
          version: scenario.version,
          ...(scenario.basis.atlas_id ? { case_study_id: scenario.basis.atlas_id } : {}),
          playbook_id: scenario.playbook,
          injects_total: scenario.injects.length,
          required_roles_unfilled: unfilled,
        },
        actor: actor.userId,
        occurredAt: now,
      });
      for (const inject of scenario.injects) {
        if (!('at_minutes' in inject.trigger)) continue;
        await store.exerciseTimers.schedule({ exerciseId: exercise.id, incidentId: incident.id, kind: 'inject', subject: inject.id, dueAt: new Date(now.getTime() + inject.trigger.at_minutes * 60_000) });
      }
    },
  });
  const { incident } = result;
  const where = channelLink(context.platforms.get(incident.platform), incident) ?? 'its channel';
  const ids = { incidentId: incident.id, ...(incident.channelId ? { channelId: incident.channelId } : {}) };
  if (result.duplicate) return { ...publicReply(`Already started as ${incidentRef(incident)} in ${where}.`), ...ids };
  const platform = platformFor(context, incident);
  const mention = (u: string) => platform.mention(u);
  const roles = await context.store.roles.forIncident(incident.id);
  if (incident.channelId) await platform.postCard(incident.channelId, openingCard(scenario, playbook.name, roles, mention, actor.userId));
  const notified = await notifyPlayers(context, incident.id, scenario, roles, where);
  const exercise = (await context.store.exercises.forIncident(incident.id))!;
  await refreshFacilitatorView(context, exercise.id);
  // An inject due at minute 0 goes out now, not at the next round of the paging loop.
  await runDueExerciseTimers(context).catch((error: unknown) => context.logger.error({ incidentId: incident.id, err: error instanceof Error ? error.message : String(error) }, 'exercise timers failed; the paging loop retries'));
  const lines = [
    `${EXERCISE_MARK}: tabletop exercise ${incidentRef(incident)} started in ${where}: ${scenario.title} (${scenario.id}, practising ${scenario.playbook}; ${options.why}).`,
    `Players told privately: ${notified}. Nobody is paged for real. Your facilitator view (the MSEL, expected actions, notes) is in your direct messages.`,
  ];
  if (unfilled.length > 0) lines.push(`⚠️ Started without ${unfilled.map((r) => ROLES[r].name).join(', ')}: the after-action report will count those roles as not covered.`);
  return { ...publicReply(lines.join('\n')), ...ids };
}

/** A private note to each player: an exercise "page" says EXERCISE and never escalates. */
async function notifyPlayers(context: CoreContext, incidentId: number, scenario: AuthoredScenario, roles: { role: RoleId; userId: string }[], where: string): Promise<string> {
  const incident = (await context.store.incidents.get(incidentId))!;
  const platform = platformFor(context, incident);
  const told: string[] = [];
  for (const { role, userId } of roles) {
    if (!scenario.roles.some((r) => r.role === role)) continue;
    try {
      await platform.sendDirect(userId, {
        title: exerciseTitle(`You play ${ROLES[role].name}`),
        sections: [{ text: `${scenario.title}: a tabletop exercise in ${where}. This is practice, not an incident; nothing escalates.` }],
      });
      told.push(`${platform.mention(userId)} as ${ROLES[role].name}`);
    } catch (error) {
      context.logger.warn({ incidentId, role, err: error instanceof Error ? error.message : String(error) }, 'could not tell a player about the exercise');
    }
  }
  return told.length ? told.join(', ') : 'nobody';
}
