import type { Actor, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { channelLink } from '../incident/channel-name.js';
import { incidentRef } from '../incident/header-card.js';
import type { Incident } from '../incident/incident.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { seesDetails } from '../incident/permissions.js';
import { platformFor } from '../incident/platform-for.js';
import type { Store } from '../ports/store.js';
import { privateReply, publicReply, type Reply } from '../reply.js';
import { recordActionItem } from '../review/action-items.js';
import { EXPORT_REPLY_MAX } from '../review/export-review.js';
import { aarCard } from './aar-card.js';
import { aarMarkdown } from './aar-markdown.js';
import { mustFacilitate } from './advance-msel.js';
import { buildAfterActionReport } from './after-action/build-report.js';
import { objectiveRatings } from './after-action/ratings.js';
import { RATING_NAMES, type AfterActionReport, type Rating } from './after-action/report.js';
import type { AuthoredScenario } from './authored-scenario.js';
import { EXERCISE_MARK } from './authored-cards.js';
import type { Exercise } from './exercise.js';

/** An exercise played from an authored scenario, with its incident. */
interface Played {
  incident: Incident;
  exercise: Exercise;
  scenario: AuthoredScenario;
}

const NOT_ENDED = 'the exercise has not ended: `exercise end` first; the hot wash and then the after-action report follow it';

/** Why this exercise has no AAR/IP: not an authored scenario, or not ended; undefined when it has one. */
function refusal(context: CoreContext, incident: Incident, exercise: Exercise): { reason: 'not_authored' | 'not_ended' | 'gone'; message: string } | undefined {
  if (!exercise.authoredId) {
    return {
      reason: 'not_authored',
      message: `${incidentRef(incident)} played ATLAS case study ${exercise.caseStudyId ?? '(none)'}: its after-action review was posted at \`exercise end\`; an After-Action Report / Improvement Plan needs an authored scenario (\`exercise scenarios\`)`,
    };
  }
  if (!context.scenarios?.getAuthored(exercise.authoredId)) return { reason: 'gone', message: `scenario ${exercise.authoredId} is no longer in playbooks/exercises/` };
  if (!exercise.completedAt) return { reason: 'not_ended', message: NOT_ENDED };
  return undefined;
}

async function played(context: CoreContext, incidentId: number): Promise<Played & { refused?: string }> {
  const incident = await context.store.incidents.get(incidentId);
  if (!incident) throw new AppError('not_found', `incident ${incidentId} does not exist`);
  const exercise = incident.isExercise ? await context.store.exercises.forIncident(incident.id) : undefined;
  if (!exercise) throw new AppError('not_found', `${incidentRef(incident)} is not a tabletop exercise: a real incident is reviewed with \`review\``);
  const refused = refusal(context, incident, exercise);
  if (refused?.reason === 'not_authored') throw new AppError('invalid_transition', refused.message);
  if (refused?.reason === 'gone') throw new AppError('not_found', refused.message);
  return { incident, exercise, scenario: context.scenarios!.getAuthored(exercise.authoredId!)!, ...(refused ? { refused: refused.message } : {}) };
}

/** Reads what the report shows through `store` (the transaction's inside one). */
async function readReport(context: CoreContext, store: Store, { exercise, scenario, incident }: Played): Promise<AfterActionReport> {
  const [events, roles, steps, actionItems] = await Promise.all([
    store.events.forIncident(incident.id),
    store.roles.forIncident(incident.id),
    store.steps.list(incident.id),
    store.actionItems.forIncident(incident.id),
  ]);
  return buildAfterActionReport({
    scenario,
    exercise,
    events,
    roles,
    steps,
    playbookName: context.playbooks.get(scenario.playbook)?.name ?? scenario.playbook,
    otherScenarios: context.scenarios?.authored ?? [],
    now: context.clock.now(),
    timeZone: context.timeZone,
    actionItems,
  });
}

function itemRange(numbers: number[]): string {
  if (numbers.length === 0) return '';
  if (numbers.length === 1) return `action item ${numbers[0]}`;
  const contiguous = numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1);
  return contiguous ? `action items ${numbers[0]}–${numbers.at(-1)}` : `action items ${numbers.join(', ')}`;
}

/**
 * The After-Action Report of an ended authored exercise, posted in its space. The first time (under
 * the incident's lock, guarded by `exercises.aar_posted_at`, which it sets) the improvement plan's
 * corrective actions become action items (source `exercise`, reminders to their owners, as
 * `action` adds them) and `exercise_aar_posted` is recorded; a later call posts the report as it is
 * now (ratings changed since, items done) and creates nothing.
 */
export async function postAfterActionReport(context: CoreContext, actor: Actor, incidentId: number): Promise<Reply> {
  const found = await played(context, incidentId);
  if (found.refused) throw new AppError('invalid_transition', found.refused);
  const { incident } = found;
  const created = await changeIncident(context, incidentId, async (store) => {
    const exercise = (await store.exercises.get(found.exercise.id)) ?? found.exercise;
    if (!exercise.completedAt) throw new AppError('invalid_transition', NOT_ENDED);
    if (exercise.aarPostedAt) return null;
    const now = context.clock.now();
    const report = await readReport(context, store, { ...found, exercise });
    const items: { number: number; capability: string | null }[] = [];
    for (const action of report.plan) {
      const item = await recordActionItem(store, { incidentId, text: action.text, owner: action.owner, due: action.due, source: 'exercise' }, actor.userId, now, context.timeZone);
      items.push({ number: item.number, capability: action.capability });
    }
    await store.events.append({
      incidentId,
      kind: 'exercise_aar_posted',
      payload: { exercise_id: exercise.id, ratings: Object.fromEntries(report.objectives.map((o) => [o.id, o.inForce])), corrective_actions: items },
      actor: actor.userId,
      occurredAt: now,
    });
    await store.exercises.update(exercise.id, { aarPostedAt: now });
    return items;
  });
  const exercise = (await context.store.exercises.get(found.exercise.id)) ?? found.exercise;
  const report = await readReport(context, context.store, { ...found, exercise });
  const platform = platformFor(context, incident);
  const card = aarCard(report, (userId) => platform.mention(userId));
  const numbers = report.plan.flatMap((c) => (c.number !== null ? [c.number] : []));
  const what = created
    ? created.length
      ? `its ${created.length} corrective action${created.length === 1 ? ' is' : 's are'} now ${itemRange(created.map((c) => c.number))}, each owner reminded the day before and on the due date`
      : 'it found no corrective action to take'
    : `posted again with the ratings as they are now; its corrective actions were made ${numbers.length ? itemRange(numbers) : 'no action items'} the first time, and nothing new is created`;
  const reply = { incidentId: incident.id, ...(incident.channelId ? { channelId: incident.channelId } : {}) };
  if (!incident.channelId) return { ...publicReply(`${EXERCISE_MARK} After-Action Report of ${incidentRef(incident)}: ${what}.`, card), ...reply };
  await platform.postCard(incident.channelId, card);
  const here = actor.platform === incident.platform && actor.channelId === incident.channelId;
  const where = here ? 'above' : `in ${channelLink(platform, incident) ?? 'its space'}`;
  return { ...publicReply(`${EXERCISE_MARK} After-Action Report of ${incidentRef(incident)} posted ${where}: ${what}.`), ...reply };
}

/**
 * `exercise rate <objective> <P|S|M|U> [because <reason>]`: the facilitator (or an admin) confirms
 * or changes an objective's proposed rating, once the exercise has ended; the latest stands.
 */
export async function rateObjective(context: CoreContext, actor: Actor, incidentId: number, objectiveId: string, rating: Rating, because: string | null): Promise<Reply> {
  const found = await played(context, incidentId);
  const { incident, exercise, scenario } = found;
  mustFacilitate(context, actor, exercise, 'exercise rate');
  const objective = scenario.objectives.find((o) => o.id === objectiveId.toLowerCase());
  if (!objective) throw new AppError('not_found', `no objective "${objectiveId}" in ${scenario.id}; its objectives are ${scenario.objectives.map((o) => o.id).join(', ')}`);
  if (found.refused) throw new AppError('invalid_transition', `ratings are given after the exercise: ${found.refused}`);
  const reason = because?.trim() ? because.trim() : null;
  await changeIncident(context, incidentId, async (store) => {
    await store.events.append({
      incidentId,
      kind: 'exercise_rated',
      payload: { exercise_id: exercise.id, objective: objective.id, rating, because: reason },
      actor: actor.userId,
      occurredAt: context.clock.now(),
    });
  });
  const [events, latest] = await Promise.all([context.store.events.forIncident(incident.id), context.store.exercises.get(exercise.id)]);
  const rated = objectiveRatings(scenario, events, context.clock.now()).find((o) => o.id === objective.id)!;
  const mention = platformFor(context, incident).mention(actor.userId);
  const versus = rated.proposed === rating ? 'confirming the proposed rating' : `changing the proposed ${rated.proposed} (${rated.proposedBecause})`;
  const next = latest?.aarPostedAt ? ' `exercise aar` posts the report again with it.' : ' The after-action report will show it.';
  return publicReply(
    `${EXERCISE_MARK}: objective ${objective.id} (${objective.capability}) is now rated ${rating} (${RATING_NAMES[rating]}) by ${mention}${reason ? ` because ${reason}` : ''}, ${versus}.${next}`,
  );
}

export type AfterActionExport =
  | { ok: true; markdown: string; exercise: Exercise }
  | { ok: false; reason: 'not_found' | 'private' | 'not_ended' | 'not_authored'; message: string };

/** The AAR/IP of exercise `exerciseId` as Markdown (`GET /api/exercises/:id/aar.md`), or why there is none. */
export async function afterActionMarkdown(context: CoreContext, exerciseId: number): Promise<AfterActionExport> {
  const exercise = await context.store.exercises.get(exerciseId);
  const incident = exercise?.incidentId != null ? await context.store.incidents.get(exercise.incidentId) : undefined;
  if (!exercise || !incident) return { ok: false, reason: 'not_found', message: `no exercise ${exerciseId}` };
  if (!seesDetails({ platform: '', channelId: '' }, incident)) {
    return { ok: false, reason: 'private', message: `exercise ${exerciseId} is private: its report is shown only in its own space, with \`exercise export\` there` };
  }
  const refused = refusal(context, incident, exercise);
  if (refused) return { ok: false, reason: refused.reason === 'not_ended' ? 'not_ended' : refused.reason === 'gone' ? 'not_found' : 'not_authored', message: refused.message };
  const scenario = context.scenarios!.getAuthored(exercise.authoredId!)!;
  return { ok: true, markdown: aarMarkdown(await readReport(context, context.store, { incident, exercise, scenario })), exercise };
}

/** `exercise export`: the AAR/IP as Markdown, to the person who asked (a file for the audit). */
export async function exportAfterActionReport(context: CoreContext, actor: Actor, incidentId: number): Promise<Reply> {
  const found = await played(context, incidentId);
  const { incident, exercise } = found;
  if (!seesDetails(actor, incident)) throw new AppError('forbidden', `${incidentRef(incident)} is private: its report is shown only in its own space`);
  if (found.refused) throw new AppError('invalid_transition', found.refused);
  const markdown = aarMarkdown(await readReport(context, context.store, found));
  const api = `GET /api/exercises/${exercise.id}/aar.md`;
  const text = markdown.length > EXPORT_REPLY_MAX ? `${markdown.slice(0, EXPORT_REPLY_MAX)}\n… cut here for chat; ${api} has it whole.` : markdown;
  return privateReply(`${EXERCISE_MARK} After-Action Report / Improvement Plan of ${incidentRef(incident)} as Markdown (also ${api}):\n\`\`\`\n${text}\n\`\`\``);
}
