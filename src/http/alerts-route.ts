import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { CoreContext } from '../core/context.js';
import { parseAlertBody } from '../core/signals/alert-body.js';
import { AlertIntake } from '../core/signals/alert-intake.js';
import { readBody, sendJson, type HttpServer } from './server.js';

const MAX_BODY_BYTES = 1_000_000;

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * `POST /hooks/alerts`: Alertmanager (version 4) or the generic JSON body, behind
 * `Authorization: Bearer <ALERTS_TOKEN>`. 401 without the token, 400 with the reason for a bad
 * body, 200 with what happened to each alert.
 */
export function registerAlertsRoute(http: HttpServer, context: CoreContext, options: { token: string | undefined }): void {
  const intake = new AlertIntake(context);
  http.route('POST', '/hooks/alerts', async (req, res) => {
    if (!options.token) {
      sendJson(res, 503, { error: 'alert intake is off: set ALERTS_TOKEN to enable it' });
      return;
    }
    if (!bearerMatches(req, options.token)) {
      res.setHeader('www-authenticate', 'Bearer');
      sendJson(res, 401, { error: 'unauthorized', reason: 'send Authorization: Bearer <ALERTS_TOKEN>' });
      return;
    }
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw === undefined) return;
    if (raw === 'too-large') {
      sendJson(res, 413, { error: 'invalid alert body', reason: `the body is larger than ${MAX_BODY_BYTES} bytes` });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      sendJson(res, 400, { error: 'invalid alert body', reason: 'the body is not JSON; send an Alertmanager webhook body or the generic JSON body (see README "Alerts")' });
      return;
    }
    const parsed = parseAlertBody(body, context.playbooks.ids);
    if ('error' in parsed) {
      sendJson(res, 400, { error: 'invalid alert body', reason: parsed.error });
      return;
    }
    const results = await intake.receive(parsed.signals);
    sendJson(res, 200, {
      received: results.length,
      alerts: results.map((r) => ({ outcome: r.outcome, incident_id: r.incidentId, alert_id: r.alertId })),
    });
  });
}
