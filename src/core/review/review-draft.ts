import type { CoreContext } from '../context.js';
import { ROLE_IDS, ROLES, type RoleId } from '../domain.js';
import type { EventPayload, StoredEvent } from '../events/event-kinds.js';
import { AppError } from '../errors.js';
import type { ActionItem, ChecklistStep, Incident } from '../incident/incident.js';
import { describeEvent } from '../incident/timeline.js';
import { computeMetrics, UNITS } from '../metrics/compute-metrics.js';
import { DEFINITIONS } from '../metrics/definitions.js';
import { TIME_METRIC_KEYS, type TimeMetric, type TimeMetricKey } from '../metrics/metrics.js';
import { quarterOf, quarterPeriod } from '../metrics/period.js';
import { PHASES } from '../playbook/schema.js';
import { localDate } from './action-items.js';

/** One of this incident's four response times beside the median of its quarter (the metric's own definition). */
export interface ReviewTime {
  key: TimeMetricKey;
  label: string;
  /** What it measures, from the metric's definition (`impact start → detection (declaration)`). */
  span: string;
  /** In the metric's unit; null when the incident never reached its end point. */
  value: number | null;
  quarter: Pick<TimeMetric, 'median' | 'n' | 'unit'>;
}

export interface OutOfOrderStep {
  step: ChecklistStep;
  /** An earlier step of the same phase that was ticked after it. */
  before: ChecklistStep;
}

export interface RoleHistory {
  role: RoleId;
  /** Everyone who held the role, in order, from when. */
  holders: { userId: string; from: Date }[];
}

/** Everything a post-incident review shows, read from the database; the card and the Markdown render it. */
export interface ReviewDraft {
  incident: Incident;
  /** Describable events of the timeline, oldest first (bookkeeping kinds left out). */
  timeline: StoredEvent[];
  decisions: { at: Date; actor: string; text: string; because: string | null }[];
  times: ReviewTime[];
  quarterLabel: string;
  /** Steps of the playbook never ticked, in checklist order; empty without a playbook. */
  unticked: ChecklistStep[];
  outOfOrder: OutOfOrderStep[];
  hasChecklist: boolean;
  roles: RoleHistory[];
  actionItems: ActionItem[];
  /** Today in the bot's time zone (item status). */
  today: string;
  timeZone: string;
  prompts: string[];
}

const LABELS: Record<TimeMetricKey, string> = {
  mttd: 'Time to detect',
  mttt: 'Time to triage',
  mttc: 'Time to contain',
  mttr: 'Time to recover',
};

/** What the definition says the metric measures: the text before its first comma (`detection → contained`). */
function spanOf(key: TimeMetricKey): string {
  return DEFINITIONS[key].how.split(',')[0]!;
}

/** Why `review` cannot run on this incident yet (or at all); undefined when it can. */
export function reviewRefusal(incident: Incident): string | undefined {
  if (incident.isExercise) return 'an exercise is reviewed by its after-action review (`exercise end`), not `review`';
  if (incident.state === 'false_positive') return 'the incident was marked a false positive: there is nothing to review (`reopen` it if it was real)';
  if (incident.state !== 'resolved' && incident.state !== 'closed') {
    return `the review comes after recovery: the incident is ${incident.state}; mark it resolved first with \`/incident resolve [at=<time>]\`, then \`/incident review\``;
  }
  return undefined;
}

/**
 * Steps ticked before an earlier step of the same phase was: the playbook's order within a phase
 * is deliberate (isolate before you investigate); phases themselves run side by side.
 */
export function stepsOutOfOrder(steps: ChecklistStep[]): OutOfOrderStep[] {
  const out: OutOfOrderStep[] = [];
  for (const phase of PHASES) {
    const done = steps.filter((s) => s.phase === phase && s.doneAt).sort((a, b) => a.number - b.number);
    for (const step of done) {
      const later = done.filter((earlier) => earlier.number < step.number && earlier.doneAt!.getTime() > step.doneAt!.getTime());
      if (later.length) out.push({ step, before: later[0]! });
    }
  }
  return out.sort((a, b) => a.step.number - b.step.number);
}

function roleHistory(events: StoredEvent[]): RoleHistory[] {
  const held = new Map<RoleId, { userId: string; from: Date }[]>();
  for (const event of events) {
    if (event.kind !== 'role_assigned') continue;
    const { role, user } = event.payload as EventPayload<'role_assigned'>;
    const list = held.get(role) ?? [];
    if (list.at(-1)?.userId !== user) list.push({ userId: user, from: event.occurredAt });
    held.set(role, list);
  }
  return ROLE_IDS.map((role) => ({ role, holders: held.get(role) ?? [] }));
}

function prompts(times: ReviewTime[], unticked: number, outOfOrder: number): string[] {
  const slower = (key: TimeMetricKey) => {
    const t = times.find((x) => x.key === key)!;
    return t.value !== null && t.quarter.median !== null && t.value > t.quarter.median;
  };
  return [
    `Detection: what let the problem reach users before we knew${slower('mttd') ? ' (detection took longer than the quarter\'s median)' : ''}, and which signal or monitor would have caught it sooner?`,
    'Safeguards: which control (input filter, evaluation gate, staged rollout, rate limit, human review) should have stopped or limited this, and why did it not?',
    `Response: where did we lose time: unclear ownership, missing access or runbooks, a decision waiting on someone${unticked || outOfOrder ? ', the playbook steps skipped or done out of order below' : ''}?`,
  ];
}

/** Reads everything the review shows for `incident`; the quarter's medians come from the metrics' own SQL. */
export async function buildReviewDraft(context: CoreContext, incident: Incident): Promise<ReviewDraft> {
  const refused = reviewRefusal(incident);
  if (refused) throw new AppError('invalid_transition', refused);
  const tz = context.timeZone;
  const q = quarterOf(incident.declaredAt, tz);
  const quarter = quarterPeriod(q.year, q.quarter, tz);
  const [events, steps, actionItems, durations, metrics] = await Promise.all([
    context.store.events.forIncident(incident.id),
    context.store.steps.list(incident.id),
    context.store.actionItems.forIncident(incident.id),
    context.store.metrics.incidentDurations(incident.id),
    computeMetrics(context.store.metrics, quarter, tz),
  ]);
  const times: ReviewTime[] = TIME_METRIC_KEYS.map((key) => {
    const seconds = durations[key];
    return {
      key,
      label: LABELS[key],
      span: spanOf(key),
      value: seconds === null ? null : seconds / UNITS[key].seconds,
      quarter: { median: metrics[key].median, n: metrics[key].n, unit: metrics[key].unit },
    };
  });
  const unticked = steps.filter((s) => !s.doneAt);
  const outOfOrder = stepsOutOfOrder(steps);
  return {
    incident,
    timeline: events.filter((e) => describeEvent(e, (u) => u) !== null),
    decisions: events.flatMap((e) => {
      if (e.kind !== 'decision_recorded') return [];
      const { text, because } = e.payload as EventPayload<'decision_recorded'>;
      return [{ at: e.occurredAt, actor: e.actor, text, because }];
    }),
    times,
    quarterLabel: quarter.label,
    unticked,
    outOfOrder,
    hasChecklist: steps.length > 0,
    roles: roleHistory(events),
    actionItems,
    today: localDate(context.clock.now(), tz),
    timeZone: tz,
    prompts: prompts(times, unticked.length, outOfOrder.length),
  };
}

/** `3 h 5 min`, `12 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** A figure in its metric's unit: `42.0 min`, `3.5 h`. */
export function formatFigure(value: number, unit: TimeMetric['unit']): string {
  return `${(Math.round(value * 10) / 10).toFixed(1)} ${unit === 'hours' ? 'h' : 'min'}`;
}

export function roleName(role: RoleId): string {
  return ROLES[role].name;
}
