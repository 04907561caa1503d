import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeMetrics } from '../../src/core/metrics/compute-metrics.js';
import { resolvePeriod } from '../../src/core/metrics/period.js';
import { KyselyMetricsSource } from '../../src/db/metrics-queries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * A crafted data set with hand-computed expectations. Times are UTC instants; the report's zone is
 * America/New_York, where 2026-Q4 is [2026-10-01T04:00Z, 2027-01-01T05:00Z).
 */
let database: TestDatabase;
let source: KyselyMetricsSource;
const NY = 'America/New_York';

interface Row {
  title: string;
  severity: 'sev1' | 'sev2' | 'sev3' | 'sev4';
  playbook?: string;
  private?: boolean;
  exercise?: boolean;
  falsePositive?: boolean;
  impact: string;
  detected: string;
  triaged?: string;
  contained?: string;
  resolved?: string;
}

async function insertIncident(row: Row): Promise<number> {
  const state = row.falsePositive ? 'false_positive' : row.resolved ? 'resolved' : row.contained ? 'contained' : row.triaged ? 'triaged' : 'declared';
  const inserted = await database.db
    .insertInto('incidents')
    .values({
      title: row.title,
      severity: row.severity,
      state,
      playbook_id: row.playbook ?? null,
      private: row.private ?? false,
      is_exercise: row.exercise ?? false,
      platform: 'console',
      channel_id: null,
      channel_name: null,
      declared_by: 'alice',
      impact_started_at: row.impact,
      detected_at: row.detected,
      declared_at: row.detected,
      triaged_at: row.triaged ?? null,
      contained_at: row.contained ?? null,
      resolved_at: row.resolved ?? null,
      false_positive_at: row.falsePositive ? row.triaged ?? row.detected : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

async function insertActionItem(incidentId: number, number: number, due: string, doneAt: string | null): Promise<void> {
  await database.db
    .insertInto('action_items')
    .values({ incident_id: incidentId, number, text: `item ${number}`, owner: 'bob', due_on: due, created_at: '2026-09-01T00:00:00Z', created_by: 'alice', done_at: doneAt, done_by: doneAt ? 'bob' : null })
    .execute();
}

beforeAll(async () => {
  database = await createTestDatabase();
  source = new KyselyMetricsSource(database.db);
  // A: private sev1, d 30 min, t 10, c 40, r 2 h.
  const a = await insertIncident({
    title: 'Secret A',
    severity: 'sev1',
    playbook: 'prompt-injection',
    private: true,
    impact: '2026-10-05T11:30:00Z',
    detected: '2026-10-05T12:00:00Z',
    triaged: '2026-10-05T12:10:00Z',
    contained: '2026-10-05T12:40:00Z',
    resolved: '2026-10-05T14:00:00Z',
  });
  // B: no playbook, d 60, t 20, never contained.
  await insertIncident({ title: 'B', severity: 'sev2', impact: '2026-10-10T08:00:00Z', detected: '2026-10-10T09:00:00Z', triaged: '2026-10-10T09:20:00Z' });
  // C: skipped states, all stamped 6 h after detection: t = c = 360 min, r = 6 h, d 0.
  await insertIncident({
    title: 'C',
    severity: 'sev2',
    playbook: 'data-leakage',
    impact: '2026-11-02T10:00:00Z',
    detected: '2026-11-02T10:00:00Z',
    triaged: '2026-11-02T16:00:00Z',
    contained: '2026-11-02T16:00:00Z',
    resolved: '2026-11-02T16:00:00Z',
  });
  // D: a false positive (counts only in the false-positive rate).
  await insertIncident({ title: 'D', severity: 'sev3', playbook: 'model-drift', falsePositive: true, impact: '2026-11-03T10:00:00Z', detected: '2026-11-03T10:00:00Z', triaged: '2026-11-03T10:10:00Z' });
  // E: an exercise (counts nowhere but exercise_frequency, through the exercises table).
  const e = await insertIncident({
    title: 'E',
    severity: 'sev1',
    playbook: 'model-drift',
    exercise: true,
    impact: '2026-11-04T10:00:00Z',
    detected: '2026-11-04T10:00:00Z',
    triaged: '2026-11-04T10:01:00Z',
    contained: '2026-11-04T10:02:00Z',
    resolved: '2026-11-04T10:03:00Z',
  });
  // F: 2026-09-30 22:00 in New York (Q3 there), already Q4 in UTC and in Tokyo.
  await insertIncident({ title: 'F', severity: 'sev1', impact: '2026-10-01T02:00:00Z', detected: '2026-10-01T02:00:00Z', triaged: '2026-10-01T02:05:00Z' });
  // G: 2026-12-31 22:00 in New York (Q4 there), 2027-Q1 in UTC; d 60.
  await insertIncident({ title: 'G', severity: 'sev4', playbook: 'model-safety-violation', impact: '2027-01-01T02:00:00Z', detected: '2027-01-01T03:00:00Z' });

  // Action items: due dates are New York calendar days.
  await insertActionItem(a, 1, '2026-10-15', '2026-10-16T03:00:00Z'); // 23:00 on the 15th in New York: on time
  await insertActionItem(a, 2, '2026-10-20', '2026-10-22T15:00:00Z'); // late
  await insertActionItem(a, 3, '2026-11-01', null); // never done
  await insertActionItem(a, 4, '2026-09-30', '2026-09-29T12:00:00Z'); // due before the period
  await insertActionItem(a, 5, '2026-12-31', '2026-12-30T12:00:00Z'); // on time

  await database.db
    .insertInto('exercises')
    .values([
      { scenario_id: 'prompt-injection', title: 'X1', incident_id: e, facilitator: 'alice', started_at: '2026-10-20T13:00:00Z', completed_at: '2026-10-20T15:00:00Z' },
      { scenario_id: 'data-leakage', title: 'X2', incident_id: null, facilitator: 'alice', started_at: '2026-10-01T01:00:00Z', completed_at: '2026-10-01T03:00:00Z' },
      { scenario_id: 'model-drift', title: 'X3', incident_id: null, facilitator: 'alice', started_at: '2026-11-20T13:00:00Z', completed_at: null },
    ])
    .execute();
});
afterAll(async () => database?.close());

const q4 = () => resolvePeriod({ kind: 'quarter', year: 2026, quarter: 4 }, new Date('2027-02-01T00:00:00Z'), NY);

describe('the nine metrics over a crafted set (America/New_York)', () => {
  it('computes time metrics over incidents that reached each end point, leaving out false positives and exercises', async () => {
    const metrics = await computeMetrics(source, q4(), NY);
    expect(metrics.mttd).toEqual({ mean: 37.5, median: 45, p90: 60, n: 4, unit: 'minutes' });
    expect(metrics.mttt.n).toBe(3);
    expect(metrics.mttt.mean).toBeCloseTo(130, 9);
    expect(metrics.mttt.median).toBeCloseTo(20, 9);
    expect(metrics.mttt.p90).toBeCloseTo(292, 9);
    expect(metrics.mttc).toEqual({ mean: 200, median: 200, p90: expect.closeTo(328, 9), n: 2, unit: 'minutes' });
    expect(metrics.mttr).toEqual({ mean: 4, median: 4, p90: expect.closeTo(5.6, 9), n: 2, unit: 'hours' });
  });

  it('counts incidents per quarter by severity in the bot\'s zone, private ones included', async () => {
    const metrics = await computeMetrics(source, q4(), NY);
    expect(metrics.incidents_per_quarter).toEqual({ '2026-Q4': { sev1: 1, sev2: 2, sev3: 0, sev4: 1, total: 4 } });
  });

  it('computes the rates with their numerators and denominators', async () => {
    const metrics = await computeMetrics(source, q4(), NY);
    expect(metrics.false_positive_rate).toEqual({ value: 20, numerator: 1, denominator: 5, unit: 'percent' });
    expect(metrics.playbook_coverage).toEqual({ value: 75, numerator: 3, denominator: 4, unit: 'percent' });
    expect(metrics.action_item_completion).toEqual({ value: 50, numerator: 2, denominator: 4, unit: 'percent' });
  });

  it('counts completed exercises per quarter of completion', async () => {
    const metrics = await computeMetrics(source, q4(), NY);
    expect(metrics.exercise_frequency).toEqual({ '2026-Q4': 1 });
    const q3 = await computeMetrics(source, resolvePeriod({ kind: 'quarter', year: 2026, quarter: 3 }, new Date('2027-01-01T00:00:00Z'), NY), NY);
    expect(q3.exercise_frequency).toEqual({ '2026-Q3': 1 });
  });

  it('places quarter boundaries in the configured zone, not UTC', async () => {
    const now = new Date('2027-02-01T00:00:00Z');
    const newYork = await computeMetrics(source, resolvePeriod({ kind: 'quarter', year: 2026, quarter: 3 }, now, NY), NY);
    expect(newYork.incidents_per_quarter['2026-Q3']).toEqual({ sev1: 1, sev2: 0, sev3: 0, sev4: 0, total: 1 });
    const tokyo = await computeMetrics(source, resolvePeriod({ kind: 'quarter', year: 2026, quarter: 3 }, now, 'Asia/Tokyo'), 'Asia/Tokyo');
    expect(tokyo.incidents_per_quarter['2026-Q3']!.total).toBe(0);
    const tokyoQ4 = await computeMetrics(source, resolvePeriod({ kind: 'quarter', year: 2026, quarter: 4 }, now, 'Asia/Tokyo'), 'Asia/Tokyo');
    // Tokyo's Q4 gains F (already October there) and loses G (2027-01-01 12:00 there).
    expect(tokyoQ4.incidents_per_quarter['2026-Q4']).toEqual({ sev1: 2, sev2: 2, sev3: 0, sev4: 0, total: 4 });
  });

  it('splits a period spanning quarters into each quarter', async () => {
    const span = resolvePeriod({ kind: 'range', from: '2026-09-01', to: '2027-03-31' }, new Date('2027-04-01T00:00:00Z'), NY);
    const metrics = await computeMetrics(source, span, NY);
    expect(Object.keys(metrics.incidents_per_quarter)).toEqual(['2026-Q3', '2026-Q4', '2027-Q1']);
    expect(metrics.incidents_per_quarter['2027-Q1']!.total).toBe(0);
    expect(metrics.exercise_frequency).toEqual({ '2026-Q3': 1, '2026-Q4': 1, '2027-Q1': 0 });
  });

  it('answers nulls and zeros for a period with no data', async () => {
    const metrics = await computeMetrics(source, resolvePeriod({ kind: 'quarter', year: 2025, quarter: 1 }, new Date(), NY), NY);
    for (const key of ['mttd', 'mttt', 'mttc'] as const) expect(metrics[key]).toEqual({ mean: null, median: null, p90: null, n: 0, unit: 'minutes' });
    expect(metrics.mttr).toEqual({ mean: null, median: null, p90: null, n: 0, unit: 'hours' });
    expect(metrics.false_positive_rate).toEqual({ value: null, numerator: 0, denominator: 0, unit: 'percent' });
    expect(metrics.incidents_per_quarter).toEqual({ '2025-Q1': { sev1: 0, sev2: 0, sev3: 0, sev4: 0, total: 0 } });
    expect(metrics.exercise_frequency).toEqual({ '2025-Q1': 0 });
  });

  it('lists the newest incidents declared in a period with the total, exercises left out', async () => {
    const { incidents, total } = await source.incidentsDeclared(q4(), 2);
    expect(total).toBe(5); // A, B, C, D, G
    expect(incidents.map((i) => i.title)).toEqual(['G', 'D']);
  });

  it('counts weekly incidents and MTTR for the chart', async () => {
    const weeks = [
      { from: new Date('2026-10-05T04:00:00Z'), to: new Date('2026-10-12T04:00:00Z') },
      { from: new Date('2026-10-12T04:00:00Z'), to: new Date('2026-10-19T04:00:00Z') },
      { from: new Date('2026-11-02T05:00:00Z'), to: new Date('2026-11-09T05:00:00Z') },
    ];
    const points = await source.weekly(weeks);
    expect(points.map((p) => [p.incidents, p.mttrHours])).toEqual([
      [2, 2], // A (2 h) and B (unresolved)
      [0, null],
      [1, 6], // C; D is a false positive, E an exercise
    ]);
  });
});
