import { sql, type Kysely } from 'kysely';
import type { Severity } from '../core/domain.js';
import type { Incident } from '../core/incident/incident.js';
import type {
  CompletedAuthoredExercise,
  DurationSample,
  IncidentListFilter,
  MetricsSource,
  OverdueActionItem,
  RawMetrics,
  ScenarioStat,
  TimeMetricKey,
  WeekPoint,
} from '../core/metrics/metrics.js';
import { localDateString, quarterPeriod, quartersIn } from '../core/metrics/period.js';
import { toIncident } from './incident-repository.js';
import type { Database } from './tables.js';

interface Span {
  from: Date;
  to: Date;
}

const DURATIONS: Record<TimeMetricKey, { start: string; end: string }> = {
  mttd: { start: 'impact_started_at', end: 'detected_at' },
  mttt: { start: 'detected_at', end: 'triaged_at' },
  mttc: { start: 'detected_at', end: 'contained_at' },
  mttr: { start: 'detected_at', end: 'resolved_at' },
};

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/**
 * The nine metrics in SQL. The incident row's timestamps are the projection of its state_changed
 * events (written in the same transaction), so the time metrics read them rather than re-folding
 * the event log on every report. Durations come back in seconds; the core scales them.
 */
export class KyselyMetricsSource implements MetricsSource {
  constructor(private readonly db: Kysely<Database>) {}

  async compute(period: Span, timeZone: string): Promise<RawMetrics> {
    const [counts, mttd, mttt, mttc, mttr, quarters, exercises, actions] = await Promise.all([
      this.counts(period),
      this.duration(period, DURATIONS.mttd),
      this.duration(period, DURATIONS.mttt),
      this.duration(period, DURATIONS.mttc),
      this.duration(period, DURATIONS.mttr),
      this.incidentsByQuarter(period, timeZone),
      this.exercisesByQuarter(period, timeZone),
      this.actionItems(period, timeZone),
    ]);
    return { ...counts, durations: { mttd, mttt, mttc, mttr }, incidentsByQuarter: quarters, exercisesByQuarter: exercises, ...actions };
  }

  private async counts(period: Span): Promise<Pick<RawMetrics, 'declared' | 'falsePositives' | 'realIncidents' | 'withPlaybook'>> {
    const result = await sql<{ declared: number; false_positives: number; real_incidents: number; with_playbook: number }>`
      SELECT count(*)::int AS declared,
             count(*) FILTER (WHERE state = 'false_positive')::int AS false_positives,
             count(*) FILTER (WHERE state <> 'false_positive')::int AS real_incidents,
             count(*) FILTER (WHERE state <> 'false_positive' AND playbook_id IS NOT NULL)::int AS with_playbook
      FROM incidents
      WHERE declared_at >= ${period.from} AND declared_at < ${period.to} AND NOT is_exercise`.execute(this.db);
    const row = result.rows[0];
    return {
      declared: Number(row?.declared ?? 0),
      falsePositives: Number(row?.false_positives ?? 0),
      realIncidents: Number(row?.real_incidents ?? 0),
      withPlaybook: Number(row?.with_playbook ?? 0),
    };
  }

  /**
   * One duration in seconds over the period's real incidents that reached its end point. One
   * query each, so Postgres sorts the four in parallel on separate connections; date_part is float
   * arithmetic (extract(epoch …) is numeric, several times slower per row).
   */
  private async duration(period: Span, columns: { start: string; end: string }): Promise<DurationSample> {
    const start = sql.ref(columns.start);
    const end = sql.ref(columns.end);
    const result = await sql<{ n: number; mean: number | null; pct: number[] | null }>`
      SELECT count(*)::int AS n, avg(x) AS mean, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x) AS pct
      FROM (
        SELECT date_part('epoch', ${end} - ${start}) AS x
        FROM incidents
        WHERE declared_at >= ${period.from} AND declared_at < ${period.to} AND NOT is_exercise
          AND state <> 'false_positive' AND ${end} IS NOT NULL
      ) AS reached`.execute(this.db);
    const row = result.rows[0];
    return { n: Number(row?.n ?? 0), mean: num(row?.mean), median: num(row?.pct?.[0]), p90: num(row?.pct?.[1]) };
  }

  /** Quarter bounds come from the core (midnight in the zone), so no row is converted to local time. */
  private quarterBounds(period: Span, timeZone: string) {
    const keys = quartersIn(period, timeZone);
    const quarters = keys.map((key) => {
      const [year, quarter] = key.split('-Q').map(Number) as [number, number];
      return quarterPeriod(year, quarter, timeZone);
    });
    const clamp = (at: Date) => new Date(Math.min(Math.max(at.getTime(), period.from.getTime()), period.to.getTime())).toISOString();
    return { keys, starts: quarters.map((q) => clamp(q.from)), ends: quarters.map((q) => clamp(q.to)) };
  }

  private async incidentsByQuarter(period: Span, timeZone: string): Promise<RawMetrics['incidentsByQuarter']> {
    const q = this.quarterBounds(period, timeZone);
    if (q.keys.length === 0) return [];
    const result = await sql<{ quarter: string; severity: Severity; count: number }>`
      SELECT b.quarter, i.severity, count(*)::int AS count
      FROM unnest(${q.keys}::text[], ${q.starts}::timestamptz[], ${q.ends}::timestamptz[]) AS b(quarter, s, e)
      JOIN incidents AS i ON i.declared_at >= b.s AND i.declared_at < b.e
      WHERE NOT i.is_exercise AND i.state <> 'false_positive'
      GROUP BY 1, 2 ORDER BY 1, 2`.execute(this.db);
    return result.rows;
  }

  private async exercisesByQuarter(period: Span, timeZone: string): Promise<RawMetrics['exercisesByQuarter']> {
    const q = this.quarterBounds(period, timeZone);
    if (q.keys.length === 0) return [];
    const result = await sql<{ quarter: string; count: number }>`
      SELECT b.quarter, count(*)::int AS count
      FROM unnest(${q.keys}::text[], ${q.starts}::timestamptz[], ${q.ends}::timestamptz[]) AS b(quarter, s, e)
      JOIN exercises AS x ON x.completed_at >= b.s AND x.completed_at < b.e
      GROUP BY 1 ORDER BY 1`.execute(this.db);
    return result.rows;
  }

  private async actionItems(period: Span, timeZone: string): Promise<Pick<RawMetrics, 'actionItemsDue' | 'actionItemsOnTime'>> {
    const { due, onTime } = await this.itemsDue(period, timeZone, 'incident');
    return { actionItemsDue: due, actionItemsOnTime: onTime };
  }

  /** Action items of one source due in the period, and those done on or before their due day. */
  private async itemsDue(period: Span, timeZone: string, source: 'incident' | 'exercise'): Promise<{ due: number; onTime: number }> {
    // Due dates are calendar days in the bot's time zone; the period's ends become days there too.
    const result = await sql<{ due: number; on_time: number }>`
      SELECT count(*)::int AS due,
             count(*) FILTER (WHERE done_at IS NOT NULL AND (done_at AT TIME ZONE ${timeZone})::date <= due_on)::int AS on_time
      FROM action_items
      WHERE source = ${source}
        AND due_on >= ${localDateString(period.from, timeZone)}::date AND due_on < ${localDateString(period.to, timeZone)}::date`.execute(this.db);
    const row = result.rows[0];
    return { due: Number(row?.due ?? 0), onTime: Number(row?.on_time ?? 0) };
  }

  async improvementPlanItems(period: Span, timeZone: string): Promise<{ due: number; onTime: number }> {
    return this.itemsDue(period, timeZone, 'exercise');
  }

  async completedAuthoredExercises(period: Span): Promise<CompletedAuthoredExercise[]> {
    const rows = await this.db
      .selectFrom('exercises')
      .select(['id', 'incident_id', 'authored_id', 'started_at', 'completed_at'])
      .where('authored_id', 'is not', null)
      .where('incident_id', 'is not', null)
      .where('completed_at', '>=', period.from)
      .where('completed_at', '<', period.to)
      .orderBy('completed_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      exerciseId: row.id,
      incidentId: row.incident_id!,
      authoredId: row.authored_id!,
      startedAt: new Date(row.started_at),
      completedAt: new Date(row.completed_at!),
    }));
  }

  async weekly(weeks: Span[]): Promise<WeekPoint[]> {
    if (weeks.length === 0) return [];
    const result = await sql<{ i: string; incidents: number; mttr_seconds: number | null }>`
      SELECT w.i, count(inc.id)::int AS incidents, avg(date_part('epoch', inc.resolved_at - inc.detected_at)) AS mttr_seconds
      FROM unnest(${weeks.map((w) => w.from.toISOString())}::timestamptz[], ${weeks.map((w) => w.to.toISOString())}::timestamptz[])
           WITH ORDINALITY AS w(s, e, i)
      LEFT JOIN incidents inc
        ON inc.declared_at >= w.s AND inc.declared_at < w.e AND NOT inc.is_exercise AND inc.state <> 'false_positive'
      GROUP BY w.i ORDER BY w.i`.execute(this.db);
    return result.rows.map((row, index) => {
      const week = weeks[index]!;
      const seconds = num(row.mttr_seconds);
      return { from: week.from, to: week.to, incidents: Number(row.incidents), mttrHours: seconds === null ? null : seconds / 3600 };
    });
  }

  async scenarioStats(period: Span): Promise<ScenarioStat[]> {
    const [incidents, exercises] = await Promise.all([
      sql<{ playbook_id: string; incidents: number; median: number | null }>`
        SELECT playbook_id, count(*)::int AS incidents,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', contained_at - detected_at)) AS median
        FROM incidents
        WHERE declared_at >= ${period.from} AND declared_at < ${period.to} AND NOT is_exercise
          AND state <> 'false_positive' AND playbook_id IS NOT NULL
        GROUP BY playbook_id`.execute(this.db),
      sql<{ scenario_id: string; last: Date }>`
        SELECT scenario_id, max(completed_at) AS last FROM exercises WHERE completed_at IS NOT NULL GROUP BY scenario_id`.execute(this.db),
    ]);
    const stats = new Map<string, ScenarioStat>();
    for (const row of incidents.rows) {
      stats.set(row.playbook_id, { playbookId: row.playbook_id, incidents: row.incidents, medianContainSeconds: num(row.median), lastExerciseAt: null });
    }
    for (const row of exercises.rows) {
      const stat = stats.get(row.scenario_id) ?? { playbookId: row.scenario_id, incidents: 0, medianContainSeconds: null, lastExerciseAt: null };
      stats.set(row.scenario_id, { ...stat, lastExerciseAt: new Date(row.last) });
    }
    return [...stats.values()];
  }

  async exercisesCompleted(period: Span): Promise<number> {
    const row = await this.db
      .selectFrom('exercises')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('completed_at', '>=', period.from)
      .where('completed_at', '<', period.to)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  async incidentsDeclared(period: Span, limit: number): Promise<{ incidents: Incident[]; total: number }> {
    const rows = await this.db
      .selectFrom('incidents')
      .selectAll()
      .where('declared_at', '>=', period.from)
      .where('declared_at', '<', period.to)
      .where('is_exercise', '=', false)
      .orderBy('declared_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    const count = await this.db
      .selectFrom('incidents')
      .select((eb) => eb.fn.countAll<string>().as('total'))
      .where('declared_at', '>=', period.from)
      .where('declared_at', '<', period.to)
      .where('is_exercise', '=', false)
      .executeTakeFirst();
    return { incidents: rows.map(toIncident), total: Number(count?.total ?? 0) };
  }

  async listIncidents(filter: IncidentListFilter): Promise<Incident[]> {
    let query = this.db.selectFrom('incidents').selectAll();
    if (filter.from) query = query.where('declared_at', '>=', filter.from);
    if (filter.to) query = query.where('declared_at', '<', filter.to);
    const rows = await query.orderBy('declared_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map(toIncident);
  }

  async overdueActionItems(today: string): Promise<OverdueActionItem[]> {
    const rows = await this.db
      .selectFrom('action_items as a')
      .innerJoin('incidents as i', 'i.id', 'a.incident_id')
      .select(['a.incident_id', 'i.platform', 'i.channel_id', 'i.private', 'a.number', 'a.text', 'a.owner', 'a.source', sql<string>`a.due_on::text`.as('due')])
      .where('a.done_at', 'is', null)
      .where(sql<boolean>`a.due_on < ${today}::date`)
      .orderBy('a.owner')
      .orderBy('a.due_on')
      .orderBy('a.incident_id')
      .orderBy('a.number')
      .execute();
    return rows.map((r) => ({
      incidentId: r.incident_id,
      incidentPlatform: r.platform,
      incidentChannelId: r.channel_id,
      number: r.number,
      text: r.text,
      owner: r.owner,
      due: r.due,
      incidentPrivate: r.private,
      source: r.source as OverdueActionItem['source'],
    }));
  }

  async incidentDurations(incidentId: number): Promise<Record<TimeMetricKey, number | null>> {
    const keys = Object.keys(DURATIONS) as TimeMetricKey[];
    const columns = keys.map((key) => sql`date_part('epoch', ${sql.ref(DURATIONS[key].end)} - ${sql.ref(DURATIONS[key].start)})`.as(key));
    const row = await this.db.selectFrom('incidents').select(columns).where('id', '=', incidentId).executeTakeFirst();
    const values = (row ?? {}) as Record<string, unknown>;
    return Object.fromEntries(keys.map((key) => [key, num(values[key])])) as Record<TimeMetricKey, number | null>;
  }
}
