import { describe, expect, it } from 'vitest';
import { runDueExerciseTimers } from '../../src/core/exercise/fire-exercise-timers.js';
import { ScenarioCatalog } from '../../src/core/exercise/scenario-catalog.js';
import { decodeCardClick, handleCardClick } from '../../src/core/handle-action.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { computeReportedMetrics } from '../../src/core/metrics/compute-metrics.js';
import { createTestCore } from '../support/core.js';
import { MINUTE } from '../support/clock.js';
import { general, useCoreHarness } from '../support/harness.js';
import { CONTROLLER_NOTE, EVALUATOR_NOTE, SECRET_ACTION, TEST_SCENARIO } from './test-scenario.js';

const harness = useCoreHarness();
const context = () => harness.core.context;

const printedSince = (from: number) => harness.core.printed.slice(from).join('\n');
/** What players see: everything posted in the exercise's channel. */
const channelOutput = (channel: string, from = 0) =>
  harness.core.printed
    .slice(from)
    .filter((p) => p.startsWith(`[#${channel}]`))
    .join('\n');
const directOutput = (user: string, from = 0) =>
  harness.core.printed
    .slice(from)
    .filter((p) => p.startsWith(`[DM to @${user}]`) || p.startsWith(`[#dm-${user}]`))
    .join('\n');

async function counts() {
  const db = harness.database.db;
  const [incidents, timers] = await Promise.all([
    db.selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('exercise_timers').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { incidents: Number(incidents.n), timers: Number(timers.n) };
}

describe('an authored tabletop exercise, end to end', () => {
  it('runs the MSEL on time, branches on a decision, fires a contingency, survives a restart and ends in a hot wash and an after-action report', async () => {
    const ctx = context();
    ctx.scenarios = new ScenarioCatalog([...(ctx.scenarios?.caseStudies ?? [])], ctx.playbooks.all(), [TEST_SCENARIO]);
    const start = harness.core.clock.now();
    const at = (minutes: number) => harness.core.clock.set(new Date(start.getTime() + minutes * MINUTE).toISOString());

    const listed = await handleCommand(ctx, general, '/incident exercise scenarios data-leakage');
    expect(listed.text).toContain('Full tabletop (timed injects, decisions, hot wash, after-action report):\n• test-invoice-leak  Assistant shows customers each other’s invoices (4 injects');

    // A required role with nobody on the roster refuses the start and changes nothing.
    const before = await counts();
    const refused = await handleCommand(ctx, general, '/incident exercise start test-invoice-leak');
    expect(refused.text).toContain('needs someone for Legal');
    expect(refused.text).toContain('exercise start test-invoice-leak force');
    expect(await counts()).toEqual(before);

    await handleCommand(ctx, general, '/incident oncall legal @lee');
    await handleCommand(ctx, general, '/incident oncall commander @cora');
    const mark = harness.core.printed.length;
    const started = await handleCommand(ctx, general, '/incident exercise start test-invoice-leak');
    expect(started.text).toMatch(/^EXERCISE: tabletop exercise INC-\d+ started/);
    expect(started.text).toContain('@cora as Incident Commander');
    expect(started.text).toContain('@lee as Legal');
    const incident = (await ctx.store.incidents.get(started.incidentId!))!;
    expect(incident.channelId).toMatch(/^ex-20261125-exercise-assistant-shows/);
    const channel = incident.channelId!;
    const run = (text: string, who = 'ana') => handleCommand(ctx, { platform: 'console', userId: who, channelId: channel }, `/incident ${text}`);

    // The opening: ground rules, objectives, the basis with its reference, roles; then inject 1 at minute 0 with its decision buttons.
    const opening = channelOutput(channel, mark);
    expect(opening).toContain('EXERCISE · Assistant shows customers');
    expect(opening).toContain('Ground rules');
    expect(opening).toContain('Containment: containment decision within 15 minutes of inject 1');
    expect(opening).toContain('Reference: https://openai.com/index/march-20-chatgpt-outage/');
    expect(opening).toContain('EXERCISE · Inject 1 of 4');
    expect(opening).toContain('From Priya, support lead, to @cora (Incident Commander)');
    expect(opening).toContain('`disable`: Disable the assistant');
    // Players were told privately, marked EXERCISE; nobody was paged.
    expect(directOutput('lee', mark)).toContain('EXERCISE · You play Legal');
    expect(await ctx.store.pages.forIncident(incident.id)).toEqual([]);
    // The facilitator's view is a direct message with the MSEL and the controller's notes.
    const view = directOutput('ana', mark);
    expect(view).toContain('Facilitator view (only you see this)');
    expect(view).toContain(CONTROLLER_NOTE);
    expect(view).toContain(SECRET_ACTION);

    // Minute 4: the commander raises the severity (an expected action met in time).
    at(4);
    // Every message in the exercise's space says EXERCISE: the checklist, and the answers to commands.
    expect(opening).toContain('EXERCISE · Personal or training data leakage checklist');
    expect((await run('sev sev1', 'cora')).text).toMatch(/^EXERCISE · .*SEV1/);
    // Minute 6: someone who is not the commander cannot take the commander's decision.
    at(6);
    const notYours = await run('exercise decide disable because it leaks', 'lee');
    expect(notYours.text).toContain('the Incident Commander decides this one');
    const noReason = await run('exercise decide disable', 'cora');
    expect(noReason.text).toContain('give your reasoning');
    // The decision by button: the click opens the reasoning form first, then records it.
    expect(decodeCardClick('exercise:decide:disable', `${incident.id}:first-reports:disable`, {})).toBe('needs-input');
    const click = decodeCardClick('exercise:decision', `${incident.id}:first-reports:disable`, { reasoning: 'Cross-tenant exposure of invoices is personal data; stop it first.' });
    const decided = await handleCardClick(ctx, { platform: 'console', userId: 'cora', channelId: channel }, click as Exclude<typeof click, 'needs-input' | undefined>);
    expect(decided.text).toContain('decision on inject 1: Disable the assistant. Taken after 6m, within the 15m limit.');
    // The branch for "disable" was due at minute 5: it goes out at once; the "monitor" branch is skipped.
    expect(channelOutput(channel, mark)).toContain('EXERCISE · Inject 2 of 4');
    expect(channelOutput(channel, mark)).not.toContain('Twelve more customers');
    const again = await run('exercise decide monitor because changed my mind', 'cora');
    expect(again.text).toContain('no decision is open right now');

    // Minute 7: paused for 10 minutes; nothing fires while paused, and limits move back.
    at(7);
    expect((await run('exercise pause', 'cora')).text).toContain('only the facilitator');
    expect((await run('exercise pause')).text).toContain('paused');
    at(30);
    expect((await runDueExerciseTimers(ctx)).fired).toBe(0);
    expect((await run('exercise resume')).text).toContain('resumed after 23m');

    // A restart in the middle: a second core on the same database neither repeats nor loses a timer.
    const restarted = await createTestCore(harness.database);
    restarted.context.scenarios = ctx.scenarios;
    restarted.clock.set(harness.core.clock.now().toISOString());
    expect((await runDueExerciseTimers(restarted.context)).fired).toBe(0);

    // flag-gdpr's limit was minute 6 + 20, pushed back by the 23-minute pause: minute 49. Missed: the contingency goes out once.
    at(48);
    await runDueExerciseTimers(ctx);
    expect(channelOutput(channel, mark)).not.toContain('The DPO asks why');
    restarted.clock.set(new Date(start.getTime() + 50 * MINUTE).toISOString());
    at(50);
    const [here, there] = await Promise.all([runDueExerciseTimers(ctx), runDueExerciseTimers(restarted.context)]);
    expect(here.fired + there.fired).toBeGreaterThanOrEqual(1);
    const inChannel = () => [...harness.core.printed, ...restarted.printed].filter((p) => p.startsWith(`[#${channel}]`));
    const contingencies = inChannel().filter((p) => p.includes('The DPO asks why the breach register has no entry yet.'));
    expect(contingencies).toHaveLength(1);
    // The journalist inject was due at minute 30 + 23: it has not come yet; at 53 it comes, once.
    at(53);
    restarted.clock.set(harness.core.clock.now().toISOString());
    await Promise.all([runDueExerciseTimers(ctx), runDueExerciseTimers(restarted.context)]);
    expect(inChannel().filter((p) => p.includes('A trade journalist asks'))).toHaveLength(1);
    at(55);
    await run('note Holding line agreed with legal: we are investigating and will update customers directly.', 'lee');
    expect((await run('exercise note Legal briefed comms before any statement: good', 'lee')).text).toContain('only the facilitator');
    expect((await run('exercise note Legal briefed comms before any statement: good')).text).toContain('Evaluator note recorded');
    expect(channelOutput(channel)).not.toContain('Legal briefed comms');

    // Players never saw the facilitator's material.
    const players = channelOutput(channel) + restarted.printed.filter((p) => p.startsWith(`[#${channel}]`)).join('\n');
    for (const secret of [CONTROLLER_NOTE, EVALUATOR_NOTE, SECRET_ACTION, 'Facilitator view']) expect(players).not.toContain(secret);

    // The events say what happened, in order, each once.
    const events = await ctx.store.events.forIncident(incident.id);
    const kinds = events.filter((e) => e.kind.startsWith('exercise_')).map((e) => `${e.kind}:${String(e.payload.action ?? e.payload.inject ?? '')}`);
    expect(kinds).toEqual([
      'exercise_started:',
      'exercise_inject_delivered:first-reports',
      'exercise_decided:first-reports',
      'exercise_inject_skipped:more-leaks',
      'exercise_inject_delivered:logs-confirm',
      'exercise_paused:',
      'exercise_resumed:',
      'exercise_action_missed:flag-gdpr',
      'exercise_inject_delivered:logs-confirm',
      'exercise_inject_delivered:journalist',
      'exercise_evaluator_note:',
    ]);
    const decision = events.find((e) => e.kind === 'exercise_decided')!;
    expect(decision.payload).toMatchObject({ option: 'disable', took_ms: 6 * MINUTE, limit_ms: 15 * MINUTE, within_limit: true });
    expect(decision.actor).toBe('cora');

    // End: the exercise counts as completed now; the hot wash opens and the report follows it.
    at(58);
    const ended = await run('exercise end');
    expect(ended.text).toContain('ended and closed: it counts as completed now');
    expect((await ctx.store.exercises.forIncident(incident.id))!.completedAt).toEqual(harness.core.clock.now());
    expect(channelOutput(channel, mark)).toContain('EXERCISE · Hot wash');
    await run('exercise hotwash well Legal was in the loop from the first minute', 'lee');
    await run('exercise hotwash missing Step 6 should come before the purge: we nearly lost evidence', 'cora');
    const form = decodeCardClick('exercise:hot-wash-answers', String(incident.id), { to_change: 'Give the DPO a seat from the start' });
    await handleCardClick(ctx, { platform: 'console', userId: 'cora', channelId: channel }, form as Exclude<typeof form, 'needs-input' | undefined>);
    const answers = (await ctx.store.events.forIncident(incident.id)).filter((e) => e.kind === 'exercise_hot_wash_answer').map((e) => e.payload.question);
    expect(answers).toEqual(['went_well', 'playbook_gap', 'to_change']);
    at(74);
    await runDueExerciseTimers(ctx);
    const report = printedSince(mark);
    expect(report).toContain('After-Action');
    const items = await ctx.store.actionItems.forIncident(incident.id);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.source === 'exercise')).toBe(true);
    expect(items.some((i) => /step 6/i.test(i.text))).toBe(true);
    // The report: ratings proposed from the evidence, strengths, areas with root causes, the improvement plan.
    const aar = channelOutput(channel, mark);
    expect(aar).toContain('EXERCISE · After-Action Report');
    expect(aar).toContain('contain (Containment): P (Performed without challenges); proposed');
    expect(aar).toContain('notify (Regulatory notification): M (Performed with major challenges); proposed');
    expect(aar).toContain('Missed at inject 2: Legal starts the GDPR breach clock (limit 20 min) [notify]; root cause: training');
    expect(aar).toContain('root cause: planning');
    expect(aar).toContain('Evaluator notes');
    expect(aar).toContain('Legal briefed comms before any statement: good (@ana)');
    expect(items.map((i) => [i.text.slice(0, 40), i.owner, i.due])).toEqual([
      ['Train for "Legal starts the GDPR breach ', 'lee', '2026-12-25'],
      ['Update playbook data-leakage step 6: Ste', 'lee', '2026-12-25'],
      ['Revise the exercise (test-invoice-leak v', 'ana', '2026-12-25'],
    ]);
    // The exercise metrics of this one exercise.
    expect((await computeReportedMetrics(ctx, { from: start, to: harness.core.clock.now() })).exercise_metrics).toEqual({
      exercises_completed: 1,
      time_to_decision: { median_minutes: 6, p90_minutes: 6, within_limit_pct: 100, decisions: 1 },
      expected_actions_met_pct: (2 / 3) * 100,
      required_role_coverage_pct: 100,
      contingencies_fired: 1,
      improvement_plan_completion_pct: null,
      corrective_actions_verified: 0,
    });
  });
});
