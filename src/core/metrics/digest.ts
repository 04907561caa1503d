import type { Card } from '../cards/card.js';
import type { CoreContext } from '../context.js';
import type { Incident } from '../incident/incident.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { renderWeeklyChart } from './chart.js';
import { clocksDueSection } from '../clocks/clocks-due.js';
import { byTechniqueSection } from '../taxonomy/count-tags.js';
import { overdueActionItemsSection } from '../review/overdue-section.js';
import { computeMetrics } from './compute-metrics.js';
import { exerciseMetricsSection } from './exercise-metrics.js';
import { DEFINITIONS, METRIC_KEYS } from './definitions.js';
import { formatMetric, round1, trend } from './format.js';
import type { MetricValues, WeekPoint } from './metrics.js';
import { lastWeeks, localDateString, previousPeriod, resolvePeriod, type Period, type PeriodSpec } from './period.js';
import { dateFormat } from '../time/date-format.js';

/** One column of a report: a period's figures beside the period before. */
export interface MetricsView {
  name: string;
  period: Period;
  values: MetricValues;
  previous: { period: Period; values: MetricValues };
}

export interface Digest {
  card: Card;
  /** The last 8 weeks, oldest first, as drawn in the chart. */
  weeks: WeekPoint[];
  chart: { filename: string; title: string; data: Buffer; mimeType: string };
}

export const LISTED_INCIDENTS = 15;
export const CHART_WEEKS = 8;

export async function metricsView(context: CoreContext, spec: PeriodSpec, now: Date, name: string): Promise<MetricsView> {
  const tz = context.timeZone;
  const period = resolvePeriod(spec, now, tz);
  const before = previousPeriod(spec, period, now, tz);
  const [values, previous] = await Promise.all([computeMetrics(context.store.metrics, period, tz), computeMetrics(context.store.metrics, before, tz)]);
  return { name, period, values, previous: { period: before, values: previous } };
}

/** How an incident appears in a digest: a private one by number and severity only, never its title. */
export function incidentLine(incident: Incident): string {
  const title = incident.private ? 'private incident' : incident.title;
  return `#${incident.id} ${incident.severity.toUpperCase()} ${title} (${incident.state.replace('_', ' ')})`;
}

function metricSections(views: MetricsView[]): Card['sections'] {
  return METRIC_KEYS.map((key) => {
    const lines = views.map((view) => `${view.name}: ${formatMetric(view.values, key)}; ${trend(view.values, view.previous.values, key)}`);
    return { heading: `${DEFINITIONS[key].name} (${key})`, text: `${lines.join('\n')}\n_how: ${DEFINITIONS[key].how}_` };
  });
}

export function weeksText(weeks: WeekPoint[], timeZone: string): string {
  const day = (d: Date) => dateFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  return weeks
    .map((w) => `week of ${day(w.from)}: ${w.incidents} incident${w.incidents === 1 ? '' : 's'}, MTTR ${w.mttrHours === null ? 'none resolved' : `${round1(w.mttrHours)} h`}`)
    .join('\n');
}

/** The report card for one or more views; the incident list and chart numbers are optional extras. */
export function metricsCard(
  title: string,
  views: MetricsView[],
  extras: { incidents?: { heading: string; list: Incident[]; total: number }; weeks?: WeekPoint[] },
  timeZone: string,
): Card {
  const sections: NonNullable<Card['sections']> = [
    { text: views.map((v) => `${v.name}: ${v.period.label}, compared with ${v.previous.period.label}`).join('\n') },
    ...(metricSections(views) ?? []),
  ];
  if (extras.incidents) {
    const { list, heading, total } = extras.incidents;
    const shown = list.map(incidentLine);
    if (total > list.length) shown.push(`… and ${total - list.length} more`);
    sections.push({ heading, text: shown.length ? shown.join('\n') : 'none' });
  }
  if (extras.weeks) sections.push({ heading: `Last ${extras.weeks.length} weeks (bars: incidents, line: MTTR hours)`, text: weeksText(extras.weeks, timeZone) });
  return {
    title,
    sections,
    context: [`Times in ${timeZone}. Private incidents count in every figure; their titles are never shown here.`],
  };
}

/** The weekly digest as of `now`: last week and the quarter so far, each beside the period before; `platform` is where it goes (owners are mentioned there). */
export async function buildDigest(context: CoreContext, now: Date, platform?: ChatPlatform): Promise<Digest> {
  const tz = context.timeZone;
  const [week, quarter] = await Promise.all([
    metricsView(context, { kind: 'last-week' }, now, 'Last week'),
    metricsView(context, { kind: 'this-quarter' }, now, 'Quarter so far'),
  ]);
  const [declared, weeks] = await Promise.all([
    context.store.metrics.incidentsDeclared(week.period, LISTED_INCIDENTS),
    context.store.metrics.weekly(lastWeeks(now, tz, CHART_WEEKS)),
  ]);
  const card = metricsCard(`Weekly response metrics: ${week.period.label}`, [week, quarter], { incidents: { heading: 'Incidents declared last week', list: declared.incidents, total: declared.total }, weeks }, tz);
  card.sections?.push(await byTechniqueSection(context, quarter.period));
  card.sections?.push(await exerciseMetricsSection(context, quarter.period));
  card.sections?.push(await overdueActionItemsSection(context, now, platform));
  const clocksDue = await clocksDueSection(context, now);
  if (clocksDue) card.sections?.push(clocksDue);
  const data = renderWeeklyChart(weeks);
  const first = weeks[0] ? localDateString(weeks[0].from, tz) : '';
  return { card, weeks, chart: { filename: `metrics-${first}-8-weeks.png`, title: `Incidents and MTTR, last ${CHART_WEEKS} weeks`, data, mimeType: 'image/png' } };
}

/** Where scheduled posts go: the first chat edge that is running. */
/** Posts the digest card and, where the platform takes files, its chart. */
export async function postDigest(context: CoreContext, platform: ChatPlatform, channelId: string, now: Date): Promise<Digest> {
  const digest = await buildDigest(context, now, platform);
  await platform.postCard(channelId, digest.card);
  if (platform.uploadFile) await platform.uploadFile(channelId, digest.chart);
  return digest;
}
