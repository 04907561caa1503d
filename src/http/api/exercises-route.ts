import type { ServerResponse } from 'node:http';
import type { CoreContext } from '../../core/context.js';
import { objectiveRatings } from '../../core/exercise/after-action/ratings.js';
import type { Exercise } from '../../core/exercise/exercise.js';
import { afterActionMarkdown } from '../../core/exercise/post-after-action-report.js';
import { seesDetails } from '../../core/incident/permissions.js';
import { quoteBack } from '../../core/text-input.js';
import { sendJson } from '../server.js';

const iso = (at: Date | null) => (at ? at.toISOString() : null);

/** One exercise as `GET /api/exercises` lists it; a private one without its title or ratings (shown only in its own space). */
async function exerciseJson(context: CoreContext, exercise: Exercise) {
  const incident = exercise.incidentId !== null ? await context.store.incidents.get(exercise.incidentId) : undefined;
  const hidden = incident !== undefined && !seesDetails({ platform: '', channelId: '' }, incident);
  const scenario = exercise.authoredId ? context.scenarios?.getAuthored(exercise.authoredId) : undefined;
  // Ratings exist from the report on: before it, each is null.
  const rated = scenario && exercise.aarPostedAt && exercise.incidentId !== null && !hidden ? objectiveRatings(scenario, await context.store.events.forIncident(exercise.incidentId), context.clock.now()) : [];
  return {
    id: exercise.id,
    incident_id: exercise.incidentId,
    title: hidden ? null : exercise.title,
    private: incident?.private ?? false,
    scenario: exercise.authoredId ?? exercise.caseStudyId,
    playbook: exercise.scenarioId,
    started_at: iso(exercise.startedAt),
    completed_at: iso(exercise.completedAt),
    aar_posted_at: iso(exercise.aarPostedAt),
    facilitator: exercise.facilitator,
    objectives: (scenario?.objectives ?? []).map((o) => ({ id: o.id, capability: o.capability, target: o.target, rating: rated.find((r) => r.id === o.id)?.inForce ?? null })),
  };
}

/**
 * `GET /api/exercises[?limit=N]`: exercises, newest first, with their dates, scenario (authored
 * id, or ATLAS case study id), playbook, objectives and the rating in force of each (null before
 * the after-action report). A private exercise is listed without its title and ratings.
 */
export async function sendExerciseList(context: CoreContext, res: ServerResponse, url: URL): Promise<void> {
  const limitText = url.searchParams.get('limit') ?? '100';
  if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) {
    sendJson(res, 400, { error: 'limit is a whole number from 1 to 1000' });
    return;
  }
  const exercises = await context.store.exercises.list(Number(limitText));
  const listed = [];
  // One at a time: the embedded database has one connection.
  for (const exercise of exercises) listed.push(await exerciseJson(context, exercise));
  sendJson(res, 200, listed);
}

/**
 * `GET /api/exercises/:id/aar.md`: the After-Action Report / Improvement Plan as Markdown, the same
 * text `exercise export` replies. 404 for no such exercise; 403 for a private one (`exercise
 * export` in its space gives it); 409 until it has ended, and for an exercise of an ATLAS case
 * study (its review was posted at `exercise end`).
 */
export async function sendAfterActionMarkdown(context: CoreContext, res: ServerResponse, id: number): Promise<void> {
  const result = await afterActionMarkdown(context, id);
  if (!result.ok) {
    sendJson(res, result.reason === 'not_found' ? 404 : result.reason === 'private' ? 403 : 409, { error: result.message });
    return;
  }
  const body = Buffer.from(result.markdown, 'utf8');
  res.writeHead(200, {
    'content-type': 'text/markdown; charset=utf-8',
    'content-length': body.length,
    'content-disposition': `inline; filename="exercise-${id}-aar.md"`,
  });
  res.end(body);
}

/** `GET /api/exercises/*`: only `/api/exercises/:id/aar.md` is there. */
export async function sendExercisePath(context: CoreContext, res: ServerResponse, url: URL): Promise<void> {
  const rest = url.pathname.slice('/api/exercises/'.length);
  const aar = /^(\d{1,9})\/aar\.md$/.exec(rest);
  if (aar) return sendAfterActionMarkdown(context, res, Number(aar[1]));
  sendJson(res, 404, { error: `"${quoteBack(rest)}" is not an exercise path; use /api/exercises or /api/exercises/<id>/aar.md` });
}
