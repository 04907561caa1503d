import type { Actor, CoreContext } from '../context.js';
import { platformFor } from '../incident/publish-incident.js';
import { publicReply, type Reply } from '../reply.js';
import { buildDigest, LISTED_INCIDENTS, metricsCard, metricsView } from './digest.js';
import type { PeriodSpec } from './period.js';

/**
 * `/incident metrics [period]`: without a period, the weekly digest as of now (with its chart
 * where the platform takes files); with one, that period beside the period before.
 */
export async function showMetrics(context: CoreContext, actor: Actor, spec?: PeriodSpec): Promise<Reply> {
  const now = context.clock.now();
  if (!spec) {
    const platform = platformFor(context, { platform: actor.platform });
    const digest = await buildDigest(context, now, platform);
    if (platform.uploadFile) await platform.uploadFile(actor.channelId, digest.chart);
    return publicReply(digest.card.title, digest.card);
  }
  const view = await metricsView(context, spec, now, 'This period');
  const declared = await context.store.metrics.incidentsDeclared(view.period, LISTED_INCIDENTS);
  const card = metricsCard(`Response metrics: ${view.period.label}`, [view], { incidents: { heading: 'Incidents declared in the period', list: declared.incidents, total: declared.total } }, context.timeZone);
  return publicReply(card.title, card);
}
