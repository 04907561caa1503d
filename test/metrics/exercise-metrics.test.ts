import { beforeAll, describe, expect, it } from 'vitest';
import { cardToText } from '../../src/adapters/console/render.js';
import type { Actor, CoreContext } from '../../src/core/context.js';
import type { EventKind, EventPayload } from '../../src/core/events/event-kinds.js';
import { authoredScenarioSchema, type AuthoredScenario } from '../../src/core/exercise/authored-scenario.js';
import { ScenarioCatalog } from '../../src/core/exercise/scenario-catalog.js';
import { declareIncident } from '../../src/core/incident/declare-incident.js';
import { computeMetrics, computeReportedMetrics } from '../../src/core/metrics/compute-metrics.js';
import { buildDigest } from '../../src/core/metrics/digest.js';
import { EXERCISE_DEFINITIONS } from '../../src/core/metrics/definitions.js';
import { exerciseDefinitionTexts } from '../../src/core/metrics/exercise-metrics.js';
import { MINUTE } from '../support/clock.js';
import { useCoreHarness } from '../support/harness.js';

/**
 * Exercise metrics over crafted exercises with known times (UTC). 2026-Q4 holds three completed
 * exercises: E1 and E2 played from authored scenarios, E3 a quick ATLAS one; E0 was completed in
 * Q3 and E4 is still running. Expected figures are worked out by hand beside each event.
 */
const harness = useCoreHarness();
const facilitator: Actor = { platform: 'console', userId: 'ana', channelId: 'general' };

const base = {
  version: 1,
  duration_minutes: 60,
  basis: { incident: 'A crafted incident for the metrics test', reference: 'test/metrics/exercise-metrics.test.ts', summary: 'Nothing happened; the figures are worked out by hand.' },
  opening: 'Monday morning. The on-call engineer opened this exercise.',
};

/** Three required roles (commander, security, ML engineer) and comms optional; capabilities Containment and Decision making. */
const drill: AuthoredScenario = authoredScenarioSchema.parse({
  ...base,
  id: 'metrics-drill',
  title: 'Metrics drill',
  playbook: 'prompt-injection',
  objectives: [
    { id: 'contain', capability: 'Containment', target: 'Model isolated within 10 minutes of the first report.' },
    { id: 'decide', capability: 'Decision making', target: 'Each decision within its limit.' },
  ],
  roles: [
    { role: 'commander', required: true },
    { role: 'security', required: true },
    { role: 'ml-engineer', required: true },
    { role: 'comms', required: false },
  ],
  injects: [
    {
      id: 'first-report',
      trigger: { at_minutes: 0 },
      from: 'Support lead',
      to: ['commander'],
      text: 'Customers report the assistant quoting other people\'s orders.',
      decision: { prompt: 'Take the assistant offline?', options: [{ id: 'offline', label: 'Offline now' }, { id: 'watch', label: 'Watch for an hour' }], within_minutes: 10 },
      expected_actions: [
        { id: 'isolate', description: 'Isolate the model endpoint.', objective: 'contain', within_minutes: 10 },
        { id: 'set-severity', description: 'Set the severity from the exposure.', objective: 'decide', within_minutes: 10 },
      ],
      contingency: { from: 'Support lead', text: 'Two more customers wrote in.' },
    },
    {
      id: 'pressure',
      trigger: { at_minutes: 20 },
      from: 'Head of sales',
      to: ['commander', 'security'],
      text: 'A large customer wants the assistant back today.',
      decision: { prompt: 'Bring it back?', options: [{ id: 'hold', label: 'Keep it off' }, { id: 'back', label: 'Bring it back' }], within_minutes: 5 },
      expected_actions: [
        { id: 'decide-pressure', description: 'Decide on the request and record why.', objective: 'decide', within_minutes: 5, observe: { decision: 'pressure' } },
        { id: 'brief-legal', description: 'Brief legal on the exposure.', objective: 'contain', within_minutes: 15 },
      ],
    },
    {
      id: 'held',
      trigger: { after: 'pressure', delay_minutes: 5, if: { decision: 'pressure', option: 'hold' } },
      from: 'Head of sales',
      to: ['commander'],
      text: 'The customer escalates to our CEO.',
      expected_actions: [{ id: 'answer-ceo', description: 'Answer the CEO with the reasons.', objective: 'decide', within_minutes: 10 }],
    },
  ],
});

/** Two required roles (commander, comms); capabilities "containment" (other case) and Communication. */
const retest: AuthoredScenario = authoredScenarioSchema.parse({
  ...base,
  id: 'metrics-retest',
  title: 'Metrics re-test',
  playbook: 'data-leakage',
  objectives: [
    { id: 'contain', capability: 'containment', target: 'Leak stopped within 10 minutes.' },
    { id: 'notify', capability: 'Communication', target: 'Users told within the hour.' },
  ],
  roles: [
    { role: 'commander', required: true },
    { role: 'comms', required: true },
    { role: 'legal', required: false },
  ],
  injects: [
    {
      id: 'leak',
      trigger: { at_minutes: 0 },
      from: 'Data protection officer',
      to: ['commander', 'comms'],
      text: 'A chatbot answer contained another user\'s address.',
      decision: { prompt: 'Notify now or after the scope is known?', options: [{ id: 'now', label: 'Now' }, { id: 'later', label: 'After scoping' }], within_minutes: 5 },
      expected_actions: [
        { id: 'quarantine', description: 'Quarantine the retrieval index.', objective: 'contain', within_minutes: 10 },
        { id: 'decide-notify', description: 'Decide when to notify.', objective: 'notify', within_minutes: 5, observe: { decision: 'leak' } },
      ],
      contingency: { from: 'Data protection officer', text: 'A journalist is asking.' },
    },
    {
      id: 'users',
      trigger: { at_minutes: 30 },
      from: 'Support lead',
      to: ['comms'],
      text: 'Users are asking what happened.',
      expected_actions: [{ id: 'notify-users', description: 'Tell the users affected.', objective: 'notify', within_minutes: 15 }],
    },
  ],
});

let context: CoreContext;

async function playExercise(spec: { authoredId: string | null; playbookId: string; startedAt: string; title: string }) {
  harness.core.clock.set(spec.startedAt);
  let exerciseId = 0;
  const declared = await declareIncident(context, facilitator, {
    title: `EXERCISE: ${spec.title}`,
    playbookId: spec.playbookId,
    isExercise: true,
    source: 'exercise',
    alsoRecord: async (store, incident) => {
      const row = await store.exercises.create({
        scenarioId: spec.playbookId,
        caseStudyId: spec.authoredId ? null : 'AML.CS0000',
        authoredId: spec.authoredId,
        authoredVersion: spec.authoredId ? 1 : null,
        title: spec.title,
        incidentId: incident.id,
        facilitator: facilitator.userId,
        startedAt: new Date(spec.startedAt),
      });
      exerciseId = row.id;
    },
  });
  const incidentId = declared.incident.id;
  const at = (minutes: number) => new Date(Date.parse(spec.startedAt) + minutes * MINUTE);
  const log = async <K extends EventKind>(minutes: number, kind: K, payload: Omit<EventPayload<K>, 'exercise_id'>) => {
    await context.store.events.append({ incidentId, kind, payload: { ...payload, exercise_id: exerciseId } as unknown as EventPayload<K>, actor: facilitator.userId, occurredAt: at(minutes) });
  };
  const decide = (minutes: number, inject: string, option: string, tookMinutes: number, limitMinutes: number) =>
    log(minutes, 'exercise_decided', {
      inject,
      option,
      label: option,
      reasoning: 'because',
      prompted_at: at(minutes - tookMinutes).toISOString(),
      took_ms: tookMinutes * MINUTE,
      limit_ms: limitMinutes * MINUTE,
      within_limit: tookMinutes <= limitMinutes,
    });
  const observed = (minutes: number, inject: string, action: string) => log(minutes, 'exercise_action_observed', { inject, action, note: null });
  const complete = async (minutes: number) => {
    await log(minutes, 'exercise_completed', { injects_revealed: 0, injects_total: 0 });
    await context.store.exercises.update(exerciseId, { completedAt: at(minutes) });
  };
  return { incidentId, exerciseId, log, decide, observed, complete, at };
}

async function exerciseItem(incidentId: number, due: string, doneAt: string | null, source: 'incident' | 'exercise' = 'exercise') {
  const item = await context.store.actionItems.add({ incidentId, text: `fix by ${due}`, owner: 'bob', due, createdAt: new Date('2026-09-01T00:00:00Z'), createdBy: 'ana', source });
  if (doneAt) await context.store.actionItems.complete(incidentId, item.number, new Date(doneAt), 'bob');
}

const Q4 = { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') };

beforeAll(async () => {
  context = { ...harness.core.context, scenarios: new ScenarioCatalog([], harness.core.context.playbooks.all(), [drill, retest]) };

  // E5, August: its scenario is no longer loaded; what its events say still counts.
  const e5 = await playExercise({ authoredId: 'retired-scenario', playbookId: 'model-drift', startedAt: '2026-08-12T10:00:00Z', title: 'E5' });
  await e5.log(0, 'exercise_started', { authored_id: 'retired-scenario', playbook_id: 'model-drift', injects_total: 2, required_roles_unfilled: ['legal'] });
  await e5.log(0, 'exercise_inject_delivered', { inject: 'first', trigger: 'schedule' });
  await e5.decide(3, 'first', 'roll-back', 3, 5);
  await e5.log(12, 'exercise_inject_delivered', { inject: 'first', trigger: 'contingency', missed_action: 'gone' });
  await e5.complete(30);

  // E0, Q3: its after-action report lists four corrective actions.
  const e0 = await playExercise({ authoredId: 'metrics-drill', playbookId: 'prompt-injection', startedAt: '2026-09-10T14:00:00Z', title: 'E0' });
  await e0.log(0, 'exercise_started', { authored_id: 'metrics-drill', playbook_id: 'prompt-injection', injects_total: 3 });
  await e0.decide(5, 'first-report', 'offline', 5, 10); // Q3: in no Q4 figure
  await e0.complete(60);
  await e0.log(90, 'exercise_aar_posted', {
    ratings: {},
    corrective_actions: [
      { number: 1, capability: 'Containment' }, // first re-tested by E1 (Q4): verified in Q4
      { number: 2, capability: 'Decision making' }, // E1: verified in Q4
      { number: 3, capability: null }, // nothing to re-test
      { number: 4, capability: 'Forensics' }, // no later exercise evaluates it
    ],
  });
  await exerciseItem(e0.incidentId, '2026-09-20', '2026-09-19T12:00:00Z'); // due in Q3

  // E1, Q4: security unfilled at the start (comms is not required): 2 of 3 required roles.
  const e1 = await playExercise({ authoredId: 'metrics-drill', playbookId: 'prompt-injection', startedAt: '2026-10-05T14:00:00Z', title: 'E1' });
  await e1.log(0, 'exercise_started', { authored_id: 'metrics-drill', playbook_id: 'prompt-injection', injects_total: 3, required_roles_unfilled: ['security', 'comms'] });
  await e1.log(0, 'exercise_inject_delivered', { inject: 'first-report', trigger: 'schedule' });
  await e1.decide(4, 'first-report', 'offline', 4, 10); // 4 min, within
  await e1.observed(6, 'first-report', 'isolate'); // 6 min of 10: met
  await e1.log(10, 'exercise_inject_delivered', { inject: 'first-report', trigger: 'contingency', missed_action: 'set-severity' }); // contingency 1
  await e1.observed(14, 'first-report', 'set-severity'); // 14 min of 10: partly met
  await e1.log(20, 'exercise_inject_delivered', { inject: 'pressure', trigger: 'schedule' });
  await e1.decide(28, 'pressure', 'back', 8, 5); // 8 min, over its 5: decide-pressure partly met; brief-legal never seen: missed
  await e1.log(28, 'exercise_inject_skipped', { inject: 'held', reason: 'branch' }); // answer-ceo: not delivered, left out
  await e1.complete(60);
  await e1.log(90, 'exercise_aar_posted', {
    ratings: {},
    corrective_actions: [
      { number: 1, capability: 'Decision making' }, // E2 does not evaluate it
      { number: 2, capability: 'COMMUNICATION' }, // E2's "Communication", case ignored: verified
    ],
  });
  await exerciseItem(e1.incidentId, '2026-10-20', '2026-10-19T12:00:00Z'); // on time
  await exerciseItem(e1.incidentId, '2026-11-01', '2026-11-03T12:00:00Z'); // late
  await exerciseItem(e1.incidentId, '2026-11-25', null); // never done
  await exerciseItem(e1.incidentId, '2027-01-10', null); // due after the period

  // E2, Q4: every required role filled (2 of 2); both actions of the delivered inject met; the second inject never came.
  const e2 = await playExercise({ authoredId: 'metrics-retest', playbookId: 'data-leakage', startedAt: '2026-11-02T10:00:00Z', title: 'E2' });
  await e2.log(0, 'exercise_started', { authored_id: 'metrics-retest', playbook_id: 'data-leakage', injects_total: 2 });
  await e2.log(0, 'exercise_inject_delivered', { inject: 'leak', trigger: 'schedule' });
  await e2.decide(2, 'leak', 'now', 2, 5); // 2 min, within; decide-notify met
  await e2.observed(5, 'leak', 'quarantine'); // met
  await e2.log(20, 'exercise_inject_skipped', { inject: 'users', reason: 'ended' });
  await e2.complete(20);

  // E3, Q4: a quick ATLAS exercise: completed, nothing else to measure.
  const e3 = await playExercise({ authoredId: null, playbookId: 'model-drift', startedAt: '2026-11-10T09:00:00Z', title: 'E3' });
  await e3.complete(45);

  // E4: still running, so in no figure.
  const e4 = await playExercise({ authoredId: 'metrics-retest', playbookId: 'data-leakage', startedAt: '2026-11-20T09:00:00Z', title: 'E4' });
  await e4.log(0, 'exercise_started', { authored_id: 'metrics-retest', playbook_id: 'data-leakage', injects_total: 2, required_roles_unfilled: ['commander'] });
  await e4.log(0, 'exercise_inject_delivered', { inject: 'leak', trigger: 'schedule' });
  await e4.decide(30, 'leak', 'later', 30, 5);
  await exerciseItem(e4.incidentId, '2026-11-21', '2026-11-21T09:00:00Z'); // an exercise item, on time
  // That makes improvement-plan items due in Q4: 2026-10-20 (on time), 2026-11-01 (late), 2026-11-25 (open), 2026-11-21 (on time) = 2 of 4.

  // One real incident with one post-incident action item done on time.
  harness.core.clock.set('2026-11-03T09:00:00Z');
  const real = await declareIncident(context, facilitator, { title: 'Hidden prompt in uploaded PDFs', severity: 'sev2', playbookId: 'prompt-injection' });
  await exerciseItem(real.incident.id, '2026-11-05', '2026-11-04T12:00:00Z', 'incident');
});

describe('exercise metrics', () => {
  it('measures the exercises completed in the period, into exercise_metrics of the metrics JSON', async () => {
    const reported = await computeReportedMetrics(context, Q4);
    expect(reported.exercise_metrics).toEqual({
      exercises_completed: 3, // E1, E2, E3
      time_to_decision: {
        median_minutes: 4, // 2, 4, 8
        p90_minutes: 7.2, // 4 + 0.8 × (8 − 4)
        within_limit_pct: (2 / 3) * 100,
        decisions: 3,
      },
      expected_actions_met_pct: 50, // E1: isolate met, set-severity partly, decide-pressure partly, brief-legal missed; E2: both met: 3 of 6
      required_role_coverage_pct: 80, // E1 2 of 3, E2 2 of 2
      contingencies_fired: 1,
      improvement_plan_completion_pct: 50, // 2 of 4
      corrective_actions_verified: 3, // E0 #1 and #2 by E1, E1 #2 by E2
    });
    // As JSON: no NaN, nothing undefined.
    expect(JSON.parse(JSON.stringify(reported.exercise_metrics))).toEqual(reported.exercise_metrics);
    expect(Object.keys(exerciseDefinitionTexts())).toEqual(Object.keys(reported.exercise_metrics));
  });

  it('leaves the incident metrics as they were: exercises stay out of them', async () => {
    const reported = await computeReportedMetrics(context, Q4);
    const incidents = await computeMetrics(context.store.metrics, Q4, context.timeZone);
    const { exercise_metrics: _, ...rest } = reported;
    expect(rest).toEqual(incidents);
    expect(incidents.incidents_per_quarter).toEqual({ '2026-Q4': { sev1: 0, sev2: 1, sev3: 0, sev4: 0, total: 1 } });
    expect(incidents.exercise_frequency).toEqual({ '2026-Q4': 3 });
    expect(incidents.action_item_completion).toEqual({ value: 100, numerator: 1, denominator: 1, unit: 'percent' });
    expect(incidents.mttd.n).toBe(1);
  });

  it('counts a corrective action verified once, in the period of its first re-test', async () => {
    // November holds E2 (and E3): E0's Containment action was first re-tested by E1 in October.
    const november = (await computeReportedMetrics(context, { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') })).exercise_metrics;
    expect(november).toEqual({
      exercises_completed: 2,
      time_to_decision: { median_minutes: 2, p90_minutes: 2, within_limit_pct: 100, decisions: 1 },
      expected_actions_met_pct: 100,
      required_role_coverage_pct: 100,
      contingencies_fired: 0,
      improvement_plan_completion_pct: (1 / 3) * 100, // 2026-11-01 late, 2026-11-21 on time, 2026-11-25 open
      corrective_actions_verified: 1,
    });
  });

  it('gives null where there is nothing to measure, never NaN', async () => {
    const july = (await computeReportedMetrics(context, { from: new Date('2026-07-01T00:00:00Z'), to: new Date('2026-08-01T00:00:00Z') })).exercise_metrics;
    expect(july).toEqual({
      exercises_completed: 0,
      time_to_decision: { median_minutes: null, p90_minutes: null, within_limit_pct: null, decisions: 0 },
      expected_actions_met_pct: null,
      required_role_coverage_pct: null,
      contingencies_fired: 0,
      improvement_plan_completion_pct: null,
      corrective_actions_verified: 0,
    });
  });

  it('leaves an exercise whose scenario is no longer loaded out of what only the scenario can say', async () => {
    const august = (await computeReportedMetrics(context, { from: new Date('2026-08-01T00:00:00Z'), to: new Date('2026-09-01T00:00:00Z') })).exercise_metrics;
    expect(august).toEqual({
      exercises_completed: 1,
      time_to_decision: { median_minutes: 3, p90_minutes: 3, within_limit_pct: 100, decisions: 1 },
      expected_actions_met_pct: null,
      required_role_coverage_pct: null,
      contingencies_fired: 1,
      improvement_plan_completion_pct: null,
      corrective_actions_verified: 0,
    });
  });

  it('prints "Tabletop exercises this quarter" in the weekly digest, each figure with how it is computed', async () => {
    harness.core.clock.set('2026-12-07T14:00:00Z');
    const text = cardToText((await buildDigest(context, context.clock.now())).card);
    const section = text.slice(text.indexOf('-- Tabletop exercises this quarter')).split('\n-- ')[0];
    const figures: [keyof typeof EXERCISE_DEFINITIONS, string][] = [
      ['exercises_completed', '3'],
      ['time_to_decision', 'median 4.0 min · p90 7.2 min · 66.7% within limit (2 of 3)'],
      ['expected_actions_met_pct', '50.0% (3 of 6)'],
      ['required_role_coverage_pct', '80.0% (4 of 5)'],
      ['contingencies_fired', '1'],
      ['improvement_plan_completion_pct', '50.0% (2 of 4)'],
      ['corrective_actions_verified', '3'],
    ];
    expect(section).toBe(
      ['-- Tabletop exercises this quarter (2026-Q4 so far)', ...figures.map(([key, figure]) => `${EXERCISE_DEFINITIONS[key].name} (${key}): ${figure}\n_how: ${EXERCISE_DEFINITIONS[key].how}_`)].join('\n'),
    );
    expect(section).toContain('Expected actions met (expected_actions_met_pct): 50.0% (3 of 6)\n_how: expected actions seen within their time limit / expected actions of the injects delivered; partly met (seen after the limit) and missed count as not met');
  });
});
