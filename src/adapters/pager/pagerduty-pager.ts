import type { Severity } from '../../core/domain.js';
import type { PageNotice, Pager, PagerIncidentNotice } from '../../core/ports/pager.js';
import { postJson } from './http.js';

const PD_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = { sev1: 'critical', sev2: 'error', sev3: 'warning', sev4: 'info' };

/**
 * PagerDuty Events API v2: one alert per incident and role (`dedup_key`), triggered on each page
 * (repeats collapse into it), acknowledged when someone acknowledges in chat, resolved when the
 * incident resolves.
 */
export class PagerDutyPager implements Pager {
  readonly name = 'pagerduty';
  private readonly url: string;

  constructor(
    private readonly routingKey: string,
    baseUrl = 'https://events.pagerduty.com',
  ) {
    this.url = `${baseUrl.replace(/\/$/, '')}/v2/enqueue`;
  }

  private async send(event: Record<string, unknown>): Promise<void> {
    await postJson(this.url, JSON.stringify({ routing_key: this.routingKey, ...event }), {});
  }

  async page(notice: PageNotice): Promise<void> {
    const { incident, page } = notice;
    await this.send({
      event_action: 'trigger',
      dedup_key: notice.dedupKey,
      payload: {
        summary: notice.summary.slice(0, 1024),
        source: 'ai-incident-bot',
        severity: PD_SEVERITY[incident.severity],
        component: incident.playbookId ?? undefined,
        group: page.role,
        class: 'ai-incident',
        custom_details: { incident_id: incident.id, role: page.role, paged_user: page.userId, step: page.step, channel: incident.channelName },
      },
    });
  }

  async acknowledge(notice: PagerIncidentNotice): Promise<void> {
    await this.send({ event_action: 'acknowledge', dedup_key: notice.dedupKey });
  }

  async resolve(notice: PagerIncidentNotice): Promise<void> {
    await this.send({ event_action: 'resolve', dedup_key: notice.dedupKey });
  }
}
