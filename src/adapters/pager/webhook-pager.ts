import { createHmac } from 'node:crypto';
import type { Clock } from '../../core/time/time-input.js';
import type { PageNotice, Pager, PagerIncidentNotice } from '../../core/ports/pager.js';
import { postJson } from './http.js';

export const SIGNATURE_HEADER = 'x-incident-bot-signature';
export const TIMESTAMP_HEADER = 'x-incident-bot-timestamp';

/** `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`): the receiver recomputes it and compares. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * A generic outgoing webhook: JSON `{ event: page|acknowledge|resolve, … }`, signed so the
 * receiver knows it came from the bot and was not replayed (the timestamp is inside the signature).
 */
export class WebhookPager implements Pager {
  readonly name = 'webhook';

  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly clock: Clock,
  ) {}

  private async send(payload: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    await postJson(this.url, body, { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signWebhook(this.secret, timestamp, body) });
  }

  async page(notice: PageNotice): Promise<void> {
    const { incident, page } = notice;
    await this.send({
      event: 'page',
      dedup_key: notice.dedupKey,
      summary: notice.summary,
      incident: { id: incident.id, title: incident.title, severity: incident.severity, state: incident.state, playbook: incident.playbookId, channel: incident.channelName },
      page: { id: page.id, role: page.role, user: page.userId, step: page.step },
    });
  }

  async acknowledge(notice: PagerIncidentNotice & { by: string }): Promise<void> {
    await this.send({ event: 'acknowledge', dedup_key: notice.dedupKey, incident: { id: notice.incident.id }, role: notice.role, by: notice.by });
  }

  async resolve(notice: PagerIncidentNotice): Promise<void> {
    await this.send({ event: 'resolve', dedup_key: notice.dedupKey, incident: { id: notice.incident.id, state: notice.incident.state }, role: notice.role });
  }
}
