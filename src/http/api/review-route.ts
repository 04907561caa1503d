import type { ServerResponse } from 'node:http';
import type { CoreContext } from '../../core/context.js';
import { seesDetails } from '../../core/incident/permissions.js';
import { reviewExport } from '../../core/review/export-review.js';
import { sendJson } from '../server.js';

/**
 * `GET /api/incidents/:id/review.md`: the post-incident review as Markdown, the same text
 * `review export` replies. 404 for no such incident; 409 while it cannot be reviewed (not
 * resolved yet, a false positive, an exercise); 403 for a private incident, whose details are shown
 * only in its own channel (`seesDetails`; an API client is not there): `review export` in that
 * channel gives it.
 */
export async function sendReviewMarkdown(context: CoreContext, res: ServerResponse, id: number): Promise<void> {
  const incident = await context.store.incidents.get(id);
  if (!incident) {
    sendJson(res, 404, { error: `no incident ${id}` });
    return;
  }
  if (!seesDetails({ platform: '', channelId: '' }, incident)) {
    sendJson(res, 403, { error: `incident ${id} is private: its review is shown only in its own channel, with \`/incident review export\` there` });
    return;
  }
  const result = await reviewExport(context, incident);
  if (!result.ok) {
    sendJson(res, 409, { error: result.message });
    return;
  }
  const body = Buffer.from(result.markdown, 'utf8');
  res.writeHead(200, {
    'content-type': 'text/markdown; charset=utf-8',
    'content-length': body.length,
    'content-disposition': `inline; filename="incident-${id}-review.md"`,
  });
  res.end(body);
}
