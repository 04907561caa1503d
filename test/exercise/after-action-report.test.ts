import { describe, expect, it } from 'vitest';
import type { EventKind, StoredEvent } from '../../src/core/events/event-kinds.js';
import { validateEvent } from '../../src/core/events/event-kinds.js';
import { aarCard, fitList } from '../../src/core/exercise/aar-card.js';
import { aarMarkdown, cell } from '../../src/core/exercise/aar-markdown.js';
import { addDays, buildAfterActionReport } from '../../src/core/exercise/after-action/build-report.js';
import { stepNamed } from '../../src/core/exercise/after-action/findings.js';
import { proposeRating } from '../../src/core/exercise/after-action/ratings.js';
import type { AfterActionReportInput } from '../../src/core/exercise/after-action/report.js';
import { authoredScenarioSchema, type AuthoredScenario } from '../../src/core/exercise/authored-scenario.js';
import type { Exercise } from '../../src/core/exercise/exercise.js';
import type { ChecklistStep, RoleAssignment } from '../../src/core/incident/incident.js';
import { cardToBlocks } from '../../src/adapters/slack/render.js';
import { cardBytes, cardToAdaptiveCard, MAX_CARD_BYTES } from '../../src/adapters/teams/render.js';
import { refuseBlocks } from '../support/block-kit-limits.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

/** A crafted scenario: four injects, one a branch not taken; four objectives. */
const scenario: AuthoredScenario = authoredScenarioSchema.parse({
  id: 'test-leak',
  version: 2,
  title: 'The support assistant shows one customer another customer\'s invoices',
  playbook: 'data-leakage',
  duration_minutes: 60,
  basis: { incident: 'ChatGPT conversation titles shown to other users (March 2023)', reference: 'OpenAI, March 20 ChatGPT outage: here is what happened (2023)', summary: 'A cache bug showed some users the titles of other users\' conversations.' },
  objectives: [
    { id: 'triage', capability: 'Detection and triage', target: 'Severity set within 15 minutes of the first report.' },
    { id: 'contain', capability: 'Containment', target: 'Scope decision within 10 minutes of the proxy alert; links blocked within 20.' },
    { id: 'comms', capability: 'Stakeholder communication', target: 'Holding statement within 15 minutes of the press call.' },
    { id: 'notify', capability: 'Regulatory notification', target: 'The regulator notified within 30 minutes of the decision to keep the assistant up.' },
  ],
  roles: [
    { role: 'commander', required: true },
    { role: 'security', required: true },
    { role: 'ml-engineer', required: true },
    { role: 'comms', required: true },
    { role: 'legal', required: false },
  ],
  opening: 'Tuesday morning. The support assistant answers customers from their account data.',
  injects: [
    {
      id: 'first-report',
      trigger: { at_minutes: 0 },
      from: 'Dana, support lead',
      to: ['commander', 'security'],
      text: 'A customer says the assistant showed them someone else\'s invoice.',
      expected_actions: [
        { id: 'set-severity', description: 'Commander sets the severity', objective: 'triage', within_minutes: 15, observe: { event: 'severity_changed' }, role: 'commander' },
        { id: 'scope-note', description: 'Security notes the first scope estimate', objective: 'triage', within_minutes: 10, observe: { event: 'note_added' }, role: 'security' },
      ],
    },
    {
      id: 'proxy-alert',
      trigger: { after: 'first-report', delay_minutes: 10 },
      from: 'Proxy monitoring',
      to: ['commander', 'ml-engineer'],
      text: 'The proxy shows 40 answers with invoice links to other accounts in the last hour.',
      decision: { prompt: 'Take the assistant offline now?', options: [{ id: 'offline', label: 'Take it offline' }, { id: 'keep', label: 'Keep it up, filter links' }], decided_by: 'commander', within_minutes: 10 },
      expected_actions: [
        { id: 'decide-scope', description: 'Commander decides on taking it offline', objective: 'contain', within_minutes: 10, observe: { decision: 'proxy-alert' }, role: 'commander' },
        { id: 'block-links', description: 'ML engineer blocks invoice links in answers', objective: 'contain', within_minutes: 20, observe: { event: 'step_completed', step: 3 }, role: 'ml-engineer' },
      ],
      contingency: { from: 'Proxy monitoring', text: 'Another 25 answers with foreign invoice links went out.' },
    },
    {
      id: 'press-call',
      trigger: { after: 'proxy-alert', delay_minutes: 5 },
      from: 'A reporter at a trade paper',
      to: ['comms'],
      text: 'A reporter asks whether customer invoices are exposed.',
      decision: { prompt: 'Publish a statement now?', options: [{ id: 'now', label: 'Publish now' }, { id: 'later', label: 'Wait for the scope' }], decided_by: 'comms', within_minutes: 5 },
      expected_actions: [
        { id: 'holding-statement', description: 'Comms drafts a holding statement', objective: 'comms', within_minutes: 15, role: 'comms' },
        { id: 'notify-users', description: 'Comms lists the customers to notify', objective: 'comms', within_minutes: 20, observe: { event: 'clock_flagged' }, role: 'comms' },
      ],
    },
    {
      id: 'regulator',
      trigger: { after: 'proxy-alert', delay_minutes: 15, if: { decision: 'proxy-alert', option: 'keep' } },
      from: 'Legal counsel',
      to: ['legal'],
      text: 'Counsel asks whether the regulator must hear of this.',
      expected_actions: [{ id: 'notify-dpa', description: 'Legal notifies the data protection authority', objective: 'notify', within_minutes: 30, role: 'legal' }],
    },
  ],
});

const other = (id: string, playbook: string, capability: string): AuthoredScenario => ({
  ...scenario,
  id,
  title: `Other ${id}`,
  playbook,
  objectives: [{ id: 'only', capability, target: `Target of ${id}` }],
});

const exercise: Exercise = {
  id: 7,
  scenarioId: 'data-leakage',
  caseStudyId: null,
  authoredId: 'test-leak',
  authoredVersion: 2,
  title: 'EXERCISE · The support assistant',
  incidentId: 42,
  facilitator: 'fran',
  startedAt: at(0),
  completedAt: at(60),
  injectsRevealed: 0,
  pausedAt: null,
  facilitatorView: null,
  aarPostedAt: null,
};

/** The event log a run of the scenario writes, each payload validated as the store would. */
function runLog(): StoredEvent[] {
  const events: StoredEvent[] = [];
  const add = (minute: number, kind: EventKind, payload: Record<string, unknown>, actor = 'bot') => {
    validateEvent(kind, payload);
    events.push({ id: events.length + 1, incidentId: 42, kind, payload, actor, occurredAt: at(minute), recordedAt: at(minute) });
  };
  const x = { exercise_id: 7 };
  add(0, 'incident_declared', { title: 't', severity: 'sev2', playbook_id: 'data-leakage', playbook_reason: 'named', private: false, impact_started_at: at(0).toISOString(), detected_at: at(0).toISOString(), source: 'exercise' }, 'fran');
  add(0, 'exercise_started', { ...x, authored_id: 'test-leak', version: 2, playbook_id: 'data-leakage', injects_total: 4 }, 'fran');
  add(0, 'role_assigned', { role: 'commander', user: 'kim', previous: null }, 'fran');
  add(0, 'role_assigned', { role: 'security', user: 'sam', previous: null }, 'fran');
  add(0, 'role_assigned', { role: 'comms', user: 'cat', previous: null }, 'fran');
  add(0, 'exercise_inject_delivered', { ...x, inject: 'first-report', trigger: 'schedule' });
  add(5, 'severity_changed', { from: 'sev2', to: 'sev1' }, 'kim');
  add(10, 'exercise_inject_delivered', { ...x, inject: 'proxy-alert', trigger: 'schedule' });
  add(12, 'note_added', { text: 'about 40 accounts' }, 'sam');
  add(14, 'exercise_paused', x, 'fran');
  add(19, 'exercise_resumed', { ...x, paused_ms: 5 * 60_000 }, 'fran');
  add(20, 'exercise_inject_delivered', { ...x, inject: 'press-call', trigger: 'schedule' });
  add(25, 'exercise_decided', { ...x, inject: 'proxy-alert', option: 'offline', label: 'Take it offline', reasoning: 'invoices keep leaking', prompted_at: at(10).toISOString(), took_ms: 10 * 60_000, limit_ms: 10 * 60_000, within_limit: true }, 'kim');
  add(25, 'exercise_inject_skipped', { ...x, inject: 'regulator', reason: 'branch' });
  add(25, 'exercise_decision_overdue', { ...x, inject: 'press-call', limit_ms: 5 * 60_000 });
  add(35, 'exercise_action_missed', { ...x, inject: 'proxy-alert', action: 'block-links', limit_ms: 20 * 60_000, contingency_fired: true });
  add(35, 'exercise_inject_delivered', { ...x, inject: 'proxy-alert', trigger: 'contingency', missed_action: 'block-links' });
  add(45, 'exercise_action_observed', { ...x, inject: 'press-call', action: 'holding-statement', note: null }, 'fran');
  add(60, 'exercise_completed', { ...x, injects_revealed: 3, injects_total: 4 }, 'fran');
  add(62, 'exercise_hot_wash_answer', { ...x, question: 'went_well', text: 'Severity was set fast' }, 'kim');
  add(63, 'exercise_hot_wash_answer', { ...x, question: 'to_change', text: 'Injects came too fast | in the middle' }, 'sam');
  add(64, 'exercise_hot_wash_answer', { ...x, question: 'playbook_gap', text: 'Step 2 should say\nwho blocks links' }, 'kim');
  add(65, 'exercise_hot_wash_answer', { ...x, question: 'playbook_gap', text: 'No step covers a press holding statement' }, 'cat');
  add(70, 'exercise_rated', { ...x, objective: 'triage', rating: 'S', because: null }, 'fran');
  add(71, 'exercise_rated', { ...x, objective: 'triage', rating: 'P', because: 'the late note did not matter' }, 'fran');
  return events;
}

const roles: RoleAssignment[] = [
  { incidentId: 42, role: 'commander', userId: 'kim', assignedAt: at(0) },
  { incidentId: 42, role: 'security', userId: 'sam', assignedAt: at(0) },
  { incidentId: 42, role: 'comms', userId: 'cat', assignedAt: at(0) },
];

const steps: ChecklistStep[] = [1, 2, 3, 4].map((number) => ({ incidentId: 42, number, phase: 'immediate', title: `Step ${number}`, detail: null, role: number === 2 ? 'security' : 'ml-engineer', doneAt: null, doneBy: null }));

function input(overrides: Partial<AfterActionReportInput> = {}): AfterActionReportInput {
  return {
    scenario,
    exercise,
    events: runLog(),
    roles,
    steps,
    playbookName: 'Data leakage',
    otherScenarios: [scenario, other('drift-notify', 'model-drift', 'regulatory  Notification'), other('leak-two', 'data-leakage', 'Containment')],
    // 03:00 UTC on 2 December is still 1 December in Los Angeles: due dates count from there.
    now: new Date('2026-12-02T03:00:00Z'),
    timeZone: 'America/Los_Angeles',
    ...overrides,
  };
}

describe('the proposed rating rule', () => {
  it('is P when all are met, S when most are met or partly, M when some are, U when none are or none was delivered', () => {
    const e = (met: number, partly: number, missed: number, notDelivered = 0) => proposeRating({ counted: met + partly + missed, met, partly, missed, notDelivered }).rating;
    expect([e(3, 0, 0), e(2, 1, 0), e(1, 1, 1), e(1, 0, 1), e(0, 1, 2), e(0, 0, 2), e(0, 0, 0, 1)]).toEqual(['P', 'S', 'S', 'M', 'M', 'U', 'U']);
    expect(proposeRating({ counted: 2, met: 1, partly: 0, missed: 1, notDelivered: 0 }).because).toBe('1 of 2 expected actions met, 0 partly met (late), 1 missed: some met or partly met → M');
  });
});

describe('the after-action report of a crafted run', () => {
  const report = buildAfterActionReport(input());

  it('rates each objective from its evidence, beside the latest confirmed rating', () => {
    expect(report.objectives.map((o) => [o.id, o.evidence, o.proposed, o.confirmed?.rating ?? null, o.inForce])).toEqual([
      ['triage', { counted: 2, met: 1, partly: 1, missed: 0, notDelivered: 0 }, 'S', 'P', 'P'],
      ['contain', { counted: 2, met: 1, partly: 0, missed: 1, notDelivered: 0 }, 'M', null, 'M'],
      ['comms', { counted: 2, met: 0, partly: 1, missed: 1, notDelivered: 0 }, 'M', null, 'M'],
      ['notify', { counted: 0, met: 0, partly: 0, missed: 0, notDelivered: 1 }, 'U', null, 'U'],
    ]);
    expect(report.objectives[0]!.confirmed).toEqual({ rating: 'P', because: 'the late note did not matter', by: 'fran', at: at(71) });
    expect(report.objectives[3]!.proposedBecause).toBe('none of its 1 expected actions was delivered: none met → U');
  });

  it('times the exercise without its pause and lists decisions, including the one never taken', () => {
    expect(report.playedMs).toBe(55 * 60_000);
    expect(report.pausedMs).toBe(5 * 60_000);
    expect(report.injectsDelivered).toBe(3);
    expect(report.decisions.map((d) => [d.inject, d.taken?.option ?? null, d.taken?.withinLimit ?? null, d.overdue])).toEqual([
      ['proxy-alert', 'offline', true, false],
      ['press-call', null, null, true],
    ]);
    expect(report.actions.map((a) => [a.inject, a.delivered, a.observations.map((o) => `${o.action.id}:${o.outcome}`)])).toEqual([
      ['first-report', true, ['set-severity:met', 'scope-note:partly']],
      ['proxy-alert', true, ['decide-scope:met', 'block-links:missed']],
      ['press-call', true, ['holding-statement:partly', 'notify-users:missed']],
      ['regulator', false, ['notify-dpa:not_delivered']],
    ]);
  });

  it('builds the timeline with times: injects, the skip, the contingency, decisions, the pause, the end', () => {
    expect(report.timeline.map((e) => [e.at.toISOString().slice(11, 16), e.kind, e.text])).toEqual([
      ['10:00', 'started', 'Exercise started: test-leak v2'],
      ['10:00', 'inject', 'Inject 1 (first-report) delivered from Dana, support lead'],
      ['10:10', 'inject', 'Inject 2 (proxy-alert) delivered from Proxy monitoring'],
      ['10:14', 'paused', 'Paused'],
      ['10:19', 'resumed', 'Resumed after 5 min'],
      ['10:20', 'inject', 'Inject 3 (press-call) delivered from A reporter at a trade paper'],
      ['10:25', 'decided', 'Decision at inject 2 (proxy-alert): Take it offline, after 10 min (within its 10 min limit)'],
      ['10:25', 'skipped', 'Inject 4 (regulator) skipped: a branch not taken'],
      ['10:25', 'decision_overdue', 'Decision at inject 3 (press-call) overdue: none within 5 min'],
      ['10:35', 'contingency', 'Contingency of inject 2 (proxy-alert) delivered from Proxy monitoring: block-links was missed'],
      ['11:00', 'ended', 'Exercise ended'],
    ]);
  });

  it('names the required roles that never acted: one nobody held, one whose holder made no move', () => {
    expect(report.rolesNeverActed.map((r) => [r.role, r.holders])).toEqual([
      ['ml-engineer', []],
      ['comms', ['cat']],
    ]);
    expect(report.participants.find((r) => r.role === 'security')).toEqual({ role: 'security', required: true, holders: ['sam'], acted: true });
  });

  it('lists strengths and areas for improvement, each area with its root cause', () => {
    expect(report.strengths.map((s) => [s.kind, s.text, s.objective])).toEqual([
      ['action', 'Commander sets the severity (inject 1, in 5 min, limit 15 min)', 'triage'],
      ['action', 'Commander decides on taking it offline (inject 2, in 10 min, limit 10 min)', 'contain'],
      ['decision', 'Decision at inject 2 in 10 min (limit 10 min): Take it offline, because invoices keep leaking', 'contain'],
      ['hot_wash', 'Severity was set fast', null],
    ]);
    expect(report.areas.map((a) => [a.kind, a.rootCause, a.objective, a.role])).toEqual([
      ['decision_missing', 'training', null, 'comms'],
      ['action_late', 'training', 'triage', 'security'],
      ['action_late', 'training', 'comms', 'comms'],
      ['action_missed', 'training', 'comms', 'comms'],
      ['role_unheld', 'organisation', 'contain', 'ml-engineer'],
      ['role_silent', 'organisation', null, 'comms'],
      ['to_change', 'exercise design', null, null],
      ['playbook_gap', 'planning', null, 'security'],
      ['playbook_gap', 'planning', null, null],
    ]);
    expect(report.areas[4]!.text).toBe('Nobody held the ML Engineer role, so its expected actions had no owner: ML engineer blocks invoice links in answers (inject 2, missed)');
  });

  it('plans a corrective action per area: owner the role holder else the facilitator, due in 30 days in the bot\'s zone, the capability concerned', () => {
    expect(report.plan.map((c) => [c.owner, c.due, c.capability, c.status])).toEqual([
      ['cat', '2026-12-31', null, 'proposed'],
      ['sam', '2026-12-31', 'Detection and triage', 'proposed'],
      ['cat', '2026-12-31', 'Stakeholder communication', 'proposed'],
      ['cat', '2026-12-31', 'Stakeholder communication', 'proposed'],
      ['fran', '2026-12-31', 'Containment', 'proposed'],
      ['cat', '2026-12-31', null, 'proposed'],
      ['fran', '2026-12-31', null, 'proposed'],
      ['sam', '2026-12-31', null, 'proposed'],
      ['fran', '2026-12-31', null, 'proposed'],
    ]);
    expect(report.plan.map((c) => c.text)).toEqual([
      'Prepare the decision "Publish a statement now?": who takes it, on what criteria, within 5 min (not taken at inject 3 of test-leak)',
      'Practise "Security notes the first scope estimate" until it is done within 10 min (took 12 min at inject 1 of test-leak)',
      'Practise "Comms drafts a holding statement" until it is done within 15 min (took 25 min at inject 3 of test-leak)',
      'Train for "Comms lists the customers to notify" within 20 min of the trigger (missed at inject 3 of test-leak)',
      'Name an ML Engineer and a backup in the roster before the next exercise: nobody held the role in test-leak and 1 expected action was missed or late',
      "Walk through the Communications Lead's part in the Data leakage playbook with its holder (the role made no move in test-leak)",
      'Revise the exercise (test-leak v2): Injects came too fast | in the middle',
      'Update playbook data-leakage step 2: Step 2 should say who blocks links',
      'Update playbook data-leakage: No step covers a press holding statement',
    ]);
  });

  it('proposes the next exercise for the weakest objective: same capability first, else the same playbook, else none', () => {
    expect(report.nextExercise).toEqual({
      objective: { id: 'notify', capability: 'Regulatory notification', rating: 'U' },
      scenario: { id: 'drift-notify', title: 'Other drift-notify', playbook: 'model-drift' },
      reason: '"notify" (Regulatory notification) is the weakest objective, rated U (Unable to be performed); drift-notify evaluates the same capability in its objective "only": Target of drift-notify',
    });
    const samePlaybook = buildAfterActionReport(input({ otherScenarios: [other('leak-two', 'data-leakage', 'Containment'), other('drift-x', 'model-drift', 'Containment')] })).nextExercise!;
    expect(samePlaybook.scenario?.id).toBe('leak-two');
    expect(samePlaybook.reason).toContain('no other scenario evaluates Regulatory notification, and leak-two practises the same playbook (data-leakage)');
    const none = buildAfterActionReport(input({ otherScenarios: [scenario] })).nextExercise!;
    expect(none.scenario).toBeNull();
    expect(none.reason).toContain('run test-leak again');
    // Once notify is rated above the rest, the weakest is the first objective rated M.
    const rated = runLog();
    rated.push({ ...rated.at(-1)!, id: 99, payload: { exercise_id: 7, objective: 'notify', rating: 'S', because: null } });
    expect(buildAfterActionReport(input({ events: rated })).nextExercise).toMatchObject({ objective: { id: 'contain', rating: 'M' }, scenario: { id: 'leak-two' } });
  });

  it('shows the plan as posted once the report created its action items', () => {
    const events = runLog();
    events.push({ id: 100, incidentId: 42, kind: 'exercise_aar_posted', payload: { exercise_id: 7, ratings: {}, corrective_actions: [{ number: 3, capability: 'Containment' }] }, actor: 'fran', occurredAt: at(75), recordedAt: at(75) });
    const item = { incidentId: 42, number: 3, text: 'Block links', owner: 'lee', due: '2026-12-01', createdAt: at(75), createdBy: 'fran', doneAt: null, doneBy: null, source: 'exercise' as const };
    const posted = buildAfterActionReport(input({ events, actionItems: [item], now: new Date('2026-12-03T12:00:00Z') }));
    expect(posted.plan).toEqual([{ number: 3, text: 'Block links', owner: 'lee', ownerRole: null, due: '2026-12-01', capability: 'Containment', objective: null, rootCause: null, status: 'overdue' }]);
  });
});

describe('rendering', () => {
  const report = buildAfterActionReport(input());

  it('the card is marked EXERCISE and fits Block Kit', () => {
    const card = aarCard(report, (u) => `@${u}`);
    expect(card.title).toBe("EXERCISE · After-Action Report: The support assistant shows one customer another customer's invoices");
    expect(refuseBlocks(cardToBlocks(card).blocks)).toBeUndefined();
    expect(card.sections!.find((s) => s.heading === 'Objectives and ratings (P/S/M/U)')!.text.split('\n')[0]).toBe(
      '• triage (Detection and triage): P (Performed without challenges); confirmed by @fran because the late note did not matter (proposed S)',
    );
  });

  it('stays within Slack and Teams limits however long the lists and texts are', () => {
    const long = (text: string) => `${text} ${'<&> "quoted" '.repeat(40)}`;
    const many = <T>(items: T[], n: number) => Array.from({ length: n }, () => items).flat();
    const huge = {
      ...report,
      objectives: many(report.objectives.map((o) => ({ ...o, capability: long(o.capability), proposedBecause: long(o.proposedBecause) })), 2),
      decisions: many(report.decisions.map((d) => ({ ...d, prompt: long(d.prompt) })), 20),
      actions: many(report.actions, 20),
      strengths: many(report.strengths.map((x) => ({ ...x, text: long(x.text) })), 20),
      areas: many(report.areas.map((a) => ({ ...a, text: long(a.text) })), 20),
      plan: many(report.plan.map((c) => ({ ...c, text: long(c.text) })), 20),
      timeline: many(report.timeline, 30),
      rolesNeverActed: many(report.rolesNeverActed, 10),
    };
    const card = aarCard(huge, (u) => `@${u}`);
    expect(refuseBlocks(cardToBlocks(card).blocks)).toBeUndefined();
    expect(cardBytes(cardToAdaptiveCard(card, { directory: () => undefined }))).toBeLessThanOrEqual(MAX_CARD_BYTES);
    for (const s of card.sections!) expect(s.text.length).toBeLessThan(3000);
    expect(card.sections!.find((s) => s.heading === 'Improvement Plan')!.text).toMatch(/\n…and \d+ more$/);
  });

  it('cuts long lists with "…and N more"', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(80)}`);
    const text = fitList(lines, 1000, 'none');
    expect(text).toMatch(/\n…and \d+ more$/);
    expect(text.length).toBeLessThanOrEqual(1000);
    expect(fitList([], 100, 'none')).toBe('none');
  });

  it('the Markdown has the AAR/IP headings, a plan table with escaped pipes, and the hot wash answers', () => {
    const md = aarMarkdown(report);
    const headings = md.split('\n').filter((l) => /^#{1,2} /.test(l));
    expect(headings).toEqual([
      "# EXERCISE · After-Action Report: The support assistant shows one customer another customer's invoices",
      '## Exercise overview',
      '## Analysis of capabilities',
      '## Timeline',
      '## Decisions',
      '## Strengths',
      '## Areas for improvement',
      '## Improvement Plan',
      '## Evaluator notes',
      '## Hot wash answers',
      '## Next exercise',
    ]);
    expect(md).toContain('- Dates: started 2026-12-01 02:00 PST; ended 2026-12-01 03:00 PST; played 55 min, paused 5 min (planned 60 min)');
    expect(md).toContain('| # | Corrective action | Capability | Owner | Due | Status |');
    expect(md).toContain('| 7 | Revise the exercise (test-leak v2): Injects came too fast \\| in the middle |   | @fran | 2026-12-31 | proposed |');
    expect(md).toContain('| 2 | Practise "Security notes the first scope estimate" until it is done within 10 min (took 12 min at inject 1 of test-leak) | Detection and triage | @sam | 2026-12-31 | proposed |');
    expect(md).toContain('### triage: Detection and triage');
    expect(md).toContain('- Rating: **P** (Performed without challenges), confirmed by @fran 2026-12-01 03:11 PST because the late note did not matter');
    expect(md).toContain('  - Inject 1 (first-report): scope-note: Security notes the first scope estimate: partly met (late) in 12 min (limit 10 min, Security Analyst)');
    expect(md).toContain('- Communications Lead: held by @cat, who made no move');
    expect(md).toContain('### Which playbook step was missing or wrong?\n\n- Step 2 should say who blocks links (@kim, 2026-12-01 03:04 PST)');
    expect(md.endsWith('\n')).toBe(true);
    expect(cell('a | b\nc')).toBe('a \\| b c');
  });
});

describe('helpers', () => {
  it('finds the step a hot wash answer names, and adds calendar days', () => {
    expect(['step 4 is wrong', 'Step #12 lacks an owner', 'see #3', 'no step number here', 'issue#5'].map(stepNamed)).toEqual([4, 12, 3, null, null]);
    expect(addDays('2026-12-31', 30)).toBe('2027-01-30');
    expect(addDays('2027-02-20', 30)).toBe('2027-03-22');
  });
});
