import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CoreContext } from '../../core/context.js';
import { computeReportedMetrics } from '../../core/metrics/compute-metrics.js';
import { exerciseDefinitionTexts } from '../../core/metrics/exercise-metrics.js';
import { DEFINITIONS } from '../../core/metrics/definitions.js';
import { MTTA_DEFINITION } from '../../core/metrics/mtta.js';
import { FIRST_YEAR, LAST_YEAR, MAX_PERIOD_YEARS, SPAN_HINT, quarterOf, quarterStart, zonedTime } from '../../core/metrics/period.js';
import { wallClockExists } from '../../core/time/time-input.js';
import { quoteBack } from '../../core/text-input.js';
import { sendJson, type HttpServer, type RouteHandler } from '../server.js';
import { sendReviewMarkdown } from './review-route.js';
import { sendExerciseList, sendExercisePath } from './exercises-route.js';
import { clockJson, eventJson, incidentJson } from './incident-json.js';
import { INCIDENTS_BY_TAG_DEFINITION, incidentsByTag } from '../../core/taxonomy/count-tags.js';

export interface ApiOptions {
  /** The bearer token; without it every API request is refused. */
  token: string | undefined;
  /**
   * Mean time to acknowledge per role, from paging (issue 4). When given, `/api/metrics` adds it
   * under `mtta` beside the nine metrics.
   */
  mtta?: (period: { from: Date; to: Date }) => Promise<unknown>;
}

function authorised(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function guarded(options: ApiOptions, handler: RouteHandler): RouteHandler {
  return async (req, res, url) => {
    if (!authorised(req, options.token)) {
      res.setHeader('www-authenticate', 'Bearer');
      sendJson(res, 401, { error: options.token ? 'send Authorization: Bearer <API_TOKEN>' : 'the API is off: set API_TOKEN to enable it' });
      return;
    }
    await handler(req, res, url);
  };
}

/** An ISO-8601 time, or a date taken as midnight in the bot's zone. */
function parseInstant(value: string | null, timeZone: string): Date | undefined | { error: string } {
  if (value === null || value === '') return undefined;
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (date && wallClockExists(value)) return zonedTime(Number(date[1]), Number(date[2]), Number(date[3]), timeZone);
  // A value quoted back in the reason is shortened and printable (one line, whatever was sent).
  const shown = quoteBack(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value)) || !wallClockExists(value)) return { error: `"${shown}" is not an ISO-8601 time; use e.g. 2026-10-01T00:00:00Z or 2026-10-01` };
  // Without an offset Date would read the time in the server's own zone, not BOT_TIMEZONE.
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return { error: `"${shown}" has no UTC offset; add one, e.g. ${shown}Z or ${shown}+01:00 (or give a bare date)` };
  return new Date(value);
}

function span(url: URL, context: CoreContext, defaults: { from?: Date; to?: Date }, res: ServerResponse): { from?: Date; to?: Date } | null {
  const from = parseInstant(url.searchParams.get('from'), context.timeZone);
  const to = parseInstant(url.searchParams.get('to'), context.timeZone);
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (value && 'error' in value) {
      sendJson(res, 400, { error: `${name}: ${value.error}` });
      return null;
    }
  }
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    const year = value instanceof Date ? value.getUTCFullYear() : undefined;
    if (year !== undefined && (year < FIRST_YEAR || year > LAST_YEAR)) {
      sendJson(res, 400, { error: `${name}: give a time between ${FIRST_YEAR} and ${LAST_YEAR}` });
      return null;
    }
  }
  const result = { from: (from as Date | undefined) ?? defaults.from, to: (to as Date | undefined) ?? defaults.to };
  if (result.from && result.to && result.from >= result.to) {
    sendJson(res, 400, { error: 'from must be before to' });
    return null;
  }
  return result;
}

/** `GET /api/metrics`, `GET /api/incidents`, `GET /api/incidents/:id`, `GET /api/exercises`, `GET /api/exercises/:id/aar.md`, each behind the bearer token. */
export function registerApiRoutes(http: HttpServer, context: CoreContext, options: ApiOptions): void {
  http.route(
    'GET',
    '/api/metrics',
    guarded(options, async (_req, res, url) => {
      const now = context.clock.now();
      const q = quarterOf(now, context.timeZone);
      const period = span(url, context, { from: quarterStart(q.year, q.quarter, context.timeZone), to: now }, res);
      if (!period) return;
      const range = { from: period.from!, to: period.to! };
      if (range.to.getTime() - range.from.getTime() > (MAX_PERIOD_YEARS * 365 + 3) * 86_400_000) {
        sendJson(res, 400, { error: SPAN_HINT });
        return;
      }
      const metrics = await computeReportedMetrics(context, range);
      const mtta = options.mtta ? { mtta: await options.mtta(range) } : {};
      const byTag = await incidentsByTag(context.store, range);
      sendJson(res, 200, {
        period: { from: range.from.toISOString(), to: range.to.toISOString(), time_zone: context.timeZone },
        ...metrics,
        ...mtta,
        incidents_by_tag: byTag,
        definitions: {
          ...Object.fromEntries(Object.entries(DEFINITIONS).map(([key, d]) => [key, d.how])),
          incidents_by_tag: INCIDENTS_BY_TAG_DEFINITION,
          exercise_metrics: exerciseDefinitionTexts(),
          ...(options.mtta ? { mtta: MTTA_DEFINITION } : {}),
        },
      });
    }),
  );

  http.route(
    'GET',
    '/api/incidents',
    guarded(options, async (_req, res, url) => {
      const period = span(url, context, {}, res);
      if (!period) return;
      const limitText = url.searchParams.get('limit') ?? '100';
      if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) {
        sendJson(res, 400, { error: 'limit is a whole number from 1 to 1000' });
        return;
      }
      const incidents = await context.store.metrics.listIncidents({ ...period, limit: Number(limitText) });
      const tags = await context.store.tags.forIncidents(incidents.map((i) => i.id));
      sendJson(res, 200, incidents.map((incident) => ({ ...incidentJson(incident), tags: tags.get(incident.id) ?? [] })));
    }),
  );

  http.route('GET', '/api/exercises', guarded(options, (_req, res, url) => sendExerciseList(context, res, url)));
  http.route('GET', '/api/exercises/*', guarded(options, (_req, res, url) => sendExercisePath(context, res, url)));

  http.route(
    'GET',
    '/api/incidents/*',
    guarded(options, async (_req, res, url) => {
      const id = url.pathname.slice('/api/incidents/'.length);
      const review = /^(\d{1,9})\/review\.md$/.exec(id);
      if (review) return sendReviewMarkdown(context, res, Number(review[1]));
      if (!/^\d{1,9}$/.test(id)) {
        sendJson(res, 400, { error: `"${quoteBack(id)}" is not an incident id; ids are whole numbers, e.g. /api/incidents/12` });
        return;
      }
      const incident = await context.store.incidents.get(Number(id));
      if (!incident) {
        sendJson(res, 404, { error: `no incident ${id}` });
        return;
      }
      const [events, tags, clocks] = await Promise.all([
        context.store.events.forIncident(incident.id),
        context.store.tags.forIncident(incident.id),
        context.store.clocks.forIncident(incident.id),
      ]);
      const now = context.clock.now();
      sendJson(res, 200, { ...incidentJson(incident), tags: tags.map((t) => t.tag), clocks: clocks.map((c) => clockJson(c, now)), timeline: events.map(eventJson) });
    }),
  );
}
