import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cardToBlocks } from '../../src/adapters/slack/render.js';
import { cardBytes, cardToAdaptiveCard, MAX_CARD_BYTES } from '../../src/adapters/teams/render.js';
import type { Card } from '../../src/core/cards/card.js';
import type { Actor } from '../../src/core/context.js';
import type { EventKind, EventPayload } from '../../src/core/events/event-kinds.js';
import { authoredScenarioSchema, type AuthoredScenario } from '../../src/core/exercise/authored-scenario.js';
import type { Exercise } from '../../src/core/exercise/exercise.js';
import { afterActionMarkdown, exportAfterActionReport, postAfterActionReport, rateObjective } from '../../src/core/exercise/post-after-action-report.js';
import { ScenarioCatalog } from '../../src/core/exercise/scenario-catalog.js';
import { declareIncident } from '../../src/core/incident/declare-incident.js';
import type { Incident } from '../../src/core/incident/incident.js';
import { sendExerciseList, sendExercisePath } from '../../src/http/api/exercises-route.js';
import { HttpServer } from '../../src/http/server.js';
import { refuseBlocks } from '../support/block-kit-limits.js';
import { useCoreHarness } from '../support/harness.js';

// Berlin: the corrective actions fall due 30 days after the report's local date, reminders at 09:00 there.
const harness = useCoreHarness({ timeZone: 'Europe/Berlin' });
const context = () => harness.core.context;
const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const fran: Actor = { platform: 'console', userId: 'fran', channelId: 'general' };

const scenario: AuthoredScenario = authoredScenarioSchema.parse({
  id: 'test-invoices',
  version: 1,
  title: 'The support assistant shows invoices to the wrong customer',
  playbook: 'data-leakage',
  duration_minutes: 45,
  basis: { incident: 'ChatGPT conversation titles shown to other users (March 2023)', reference: 'OpenAI, March 20 ChatGPT outage: here is what happened (2023)', summary: 'A cache bug showed some users other users\' data.' },
  objectives: [
    { id: 'triage', capability: 'Detection and triage', target: 'Severity set within 15 minutes of the first report.' },
    { id: 'contain', capability: 'Containment', target: 'The leaking feature disabled within 20 minutes of the proxy alert.' },
    { id: 'comms', capability: 'Stakeholder communication', target: 'Holding statement within 15 minutes of the press call.' },
  ],
  roles: [
    { role: 'commander', required: true },
    { role: 'ml-engineer', required: true },
    { role: 'comms', required: true },
  ],
  opening: 'The support assistant answers customers from their account data.',
  injects: [
    {
      id: 'first-report',
      trigger: { at_minutes: 0 },
      from: 'Dana, support lead',
      to: ['commander'],
      text: 'A customer says the assistant showed them someone else\'s invoice.',
      expected_actions: [{ id: 'set-severity', description: 'Commander sets the severity', objective: 'triage', within_minutes: 15, observe: { event: 'severity_changed' }, role: 'commander' }],
    },
    {
      id: 'proxy-alert',
      trigger: { after: 'first-report', delay_minutes: 10 },
      from: 'Proxy monitoring',
      to: ['commander', 'ml-engineer'],
      text: 'The proxy shows 40 answers with invoice links to other accounts.',
      decision: { prompt: 'Take the assistant offline now?', options: [{ id: 'offline', label: 'Take it offline' }, { id: 'keep', label: 'Keep it up' }], decided_by: 'commander', within_minutes: 10 },
      expected_actions: [
        { id: 'decide-scope', description: 'Commander decides on taking it offline', objective: 'contain', within_minutes: 10, observe: { decision: 'proxy-alert' }, role: 'commander' },
        { id: 'disable-feature', description: 'ML engineer disables the leaking feature', objective: 'contain', within_minutes: 20, observe: { event: 'step_completed', step: 1 }, role: 'ml-engineer' },
      ],
    },
    {
      id: 'press-call',
      trigger: { after: 'proxy-alert', delay_minutes: 5 },
      from: 'A reporter',
      to: ['comms'],
      text: 'A reporter asks whether customer invoices are exposed.',
      expected_actions: [{ id: 'holding-statement', description: 'Comms drafts a holding statement', objective: 'comms', within_minutes: 15, role: 'comms' }],
    },
  ],
});

/** Another scenario evaluating containment, for the next exercise. */
const followUp: AuthoredScenario = { ...scenario, id: 'test-rollback', title: 'Roll the assistant back', playbook: 'model-safety-violation', objectives: [{ id: 'rollback', capability: 'Containment', target: 'Rolled back within 10 minutes.' }] };

interface Played {
  incident: Incident;
  exercise: Exercise;
  inChannel: Actor;
  log<K extends EventKind>(minute: number, kind: K, payload: EventPayload<K>, actor?: string): Promise<void>;
}

/** An exercise as `exercise start` makes one: its incident and `exercises` row in one declaration, its roles bound. */
async function start(options: { authoredId?: string | null; private?: boolean } = {}): Promise<Played> {
  harness.core.clock.set(at(0).toISOString());
  let exercise: Exercise | undefined;
  const title = `EXERCISE · ${scenario.title}`;
  const result = await declareIncident(context(), fran, {
    title,
    summary: 'Tabletop exercise',
    playbookId: scenario.playbook,
    isExercise: true,
    source: 'exercise',
    private: options.private ?? false,
    alsoRecord: async (store, incident) => {
      const authoredId = options.authoredId === undefined ? scenario.id : options.authoredId;
      exercise = await store.exercises.create({ scenarioId: scenario.playbook, caseStudyId: authoredId ? null : 'AML.CS0015', authoredId, authoredVersion: authoredId ? 1 : null, title, incidentId: incident.id, facilitator: 'fran', startedAt: at(0) });
      await store.events.append({ incidentId: incident.id, kind: 'exercise_started', payload: { exercise_id: exercise.id, authored_id: scenario.id, version: 1, playbook_id: scenario.playbook, injects_total: 3 }, actor: 'fran', occurredAt: at(0) });
      for (const [role, user] of [['commander', 'kim'], ['ml-engineer', 'lee'], ['comms', 'cat']] as const) {
        await store.roles.assign({ incidentId: incident.id, role, userId: user, assignedAt: at(0) });
        await store.events.append({ incidentId: incident.id, kind: 'role_assigned', payload: { role, user, previous: null }, actor: 'fran', occurredAt: at(0) });
      }
    },
  });
  const incident = result.incident;
  return {
    incident,
    exercise: exercise!,
    inChannel: { ...fran, channelId: incident.channelId! },
    log: async (minute, kind, payload, actor = 'bot') => {
      await context().store.events.append({ incidentId: incident.id, kind, payload, actor, occurredAt: at(minute) } as never);
    },
  };
}

/** What a run writes: kim sets the severity and decides in time, lee ticks step 1 late, cat never acts, comms' statement is marked late. */
async function play(p: Played): Promise<void> {
  const x = { exercise_id: p.exercise.id };
  await p.log(0, 'exercise_inject_delivered', { ...x, inject: 'first-report', trigger: 'schedule' });
  await p.log(4, 'severity_changed', { from: 'sev2', to: 'sev1' }, 'kim');
  await p.log(10, 'exercise_inject_delivered', { ...x, inject: 'proxy-alert', trigger: 'schedule' });
  await p.log(15, 'exercise_inject_delivered', { ...x, inject: 'press-call', trigger: 'schedule' });
  await p.log(18, 'exercise_decided', { ...x, inject: 'proxy-alert', option: 'offline', label: 'Take it offline', reasoning: 'invoices keep leaking', prompted_at: at(10).toISOString(), took_ms: 8 * 60_000, limit_ms: 10 * 60_000, within_limit: true }, 'kim');
  await p.log(38, 'step_ticked', { step: 1, title: 'Disable the leaking feature, data source or endpoint' }, 'lee');
  await p.log(40, 'exercise_action_observed', { ...x, inject: 'press-call', action: 'holding-statement', note: 'drafted, not sent' }, 'fran');
}

async function end(p: Played): Promise<void> {
  await context().store.exercises.update(p.exercise.id, { completedAt: at(45) });
  await p.log(45, 'exercise_completed', { exercise_id: p.exercise.id, injects_revealed: 3, injects_total: 3 }, 'fran');
  await p.log(47, 'exercise_hot_wash_answer', { exercise_id: p.exercise.id, question: 'went_well', text: 'The decision was quick' }, 'kim');
  await p.log(48, 'exercise_hot_wash_answer', { exercise_id: p.exercise.id, question: 'playbook_gap', text: 'Step 2 does not say | who exports the logs' }, 'lee');
}

const cardText = (card: Card | undefined) => [card?.title, card?.subtitle, ...(card?.fields ?? []).map((f) => `${f.label}: ${f.value}`), ...(card?.sections ?? []).map((s) => `${s.heading ?? ''}\n${s.text}`), ...(card?.context ?? [])].join('\n');
const section = (card: Card, heading: string) => card.sections!.find((s) => s.heading === heading)!.text;

function markdownOf(text: string): string {
  const match = /```\n([\s\S]*)\n```$/.exec(text);
  expect(match, text).not.toBeNull();
  return match![1]!;
}

beforeAll(() => {
  context().scenarios = new ScenarioCatalog([], context().playbooks.all(), [scenario, followUp]);
});

describe('the after-action report of an authored exercise', () => {
  let played: Played;
  let posted: Card[] = [];
  let server: HttpServer;
  let base: string;

  beforeAll(async () => {
    // The console posts as usual; the spy keeps the report cards it was given.
    const spy = vi.spyOn(harness.core.chat, 'postCard');
    posted = new Proxy([] as Card[], {
      get: (_target, key) => {
        const cards = spy.mock.calls.map((call) => call[1]).filter((card) => card.title.includes('After-Action Report'));
        const value = Reflect.get(cards, key) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(cards) : value;
      },
    });
    server = new HttpServer(() => undefined);
    server.route('GET', '/api/exercises', (_req, res, url) => sendExerciseList(context(), res, url));
    server.route('GET', '/api/exercises/*', (_req, res, url) => sendExercisePath(context(), res, url));
    base = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
    played = await start();
    await play(played);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.close();
  });

  it('is refused before the exercise ends, and for an exercise of an ATLAS case study', async () => {
    await expect(postAfterActionReport(context(), played.inChannel, played.incident.id)).rejects.toThrow(
      'the exercise has not ended: `exercise end` first; the hot wash and then the after-action report follow it',
    );
    await expect(rateObjective(context(), played.inChannel, played.incident.id, 'triage', 'P', null)).rejects.toThrow('ratings are given after the exercise: the exercise has not ended');
    const quick = await start({ authoredId: null });
    await expect(postAfterActionReport(context(), quick.inChannel, quick.incident.id)).rejects.toThrow(
      `INC-${quick.incident.id} played ATLAS case study AML.CS0015: its after-action review was posted at \`exercise end\``,
    );
    expect(await context().store.actionItems.forIncident(played.incident.id)).toEqual([]);
    expect(posted).toEqual([]);
  });

  it('is posted in the exercise space once ended: the corrective actions become action items with reminders, once', async () => {
    await end(played);
    harness.core.clock.set(at(60).toISOString());
    const reply = await postAfterActionReport(context(), fran, played.incident.id);
    expect(reply.public).toBe(true);
    expect(reply.text).toBe(
      `EXERCISE After-Action Report of INC-${played.incident.id} posted in #${played.incident.channelName}: its 4 corrective actions are now action items 1–4, each owner reminded the day before and on the due date.`,
    );
    expect(posted).toHaveLength(1);
    const card = posted[0]!;
    expect(card.title).toBe('EXERCISE · After-Action Report: The support assistant shows invoices to the wrong customer');
    expect(section(card, 'Objectives and ratings (P/S/M/U)').split('\n')).toEqual([
      '• triage (Detection and triage): P (Performed without challenges); proposed, to confirm: 1 of 1 expected actions met, 0 partly met (late), 0 missed: all met → P',
      '• contain (Containment): S (Performed with some challenges); proposed, to confirm: 1 of 2 expected actions met, 1 partly met (late), 0 missed: most met or partly met → S',
      '• comms (Stakeholder communication): S (Performed with some challenges); proposed, to confirm: 0 of 1 expected actions met, 1 partly met (late), 0 missed: most met or partly met → S',
    ]);
    expect(section(card, 'Decisions, reasoning and time taken')).toBe(
      '• Inject 2 (proxy-alert): Take the assistant offline now? → Take it offline (offline), by @kim, because invoices keep leaking; took 8 min, within its 10 min limit',
    );
    expect(section(card, 'Required roles that never acted')).toBe('• Communications Lead: held by @cat, who made no move');
    expect(section(card, 'Areas for improvement (root cause)').split('\n')).toEqual([
      '• Late at inject 2: ML engineer disables the leaking feature took 28 min (limit 20 min) [contain]; root cause: training',
      '• Late at inject 3: Comms drafts a holding statement took 25 min (limit 15 min) [comms]; root cause: training',
      '• The required Communications Lead role made no move during the exercise; root cause: organisation',
      '• Playbook data-leakage step 2: Step 2 does not say | who exports the logs (@lee); root cause: planning',
    ]);
    // 60 minutes after 10:00 UTC is 12:00 in Berlin on 1 December: due 30 days later.
    expect(section(card, 'Improvement Plan').split('\n')).toEqual([
      '1. Practise "ML engineer disables the leaking feature" until it is done within 20 min (took 28 min at inject 2 of test-invoices): owner @lee (ML Engineer), due 2026-12-31; capability: Containment',
      '2. Practise "Comms drafts a holding statement" until it is done within 15 min (took 25 min at inject 3 of test-invoices): owner @cat (Communications Lead), due 2026-12-31; capability: Stakeholder communication',
      "3. Walk through the Communications Lead's part in the Personal or training data leakage playbook with its holder (the role made no move in test-invoices): owner @cat (Communications Lead), due 2026-12-31",
      // Step 2 of the data-leakage playbook belongs to the Security Analyst, whom nobody played: the facilitator owns it.
      '4. Update playbook data-leakage step 2: Step 2 does not say | who exports the logs: owner @fran, due 2026-12-31',
    ]);
    expect(section(card, 'Next exercise')).toBe(
      'test-rollback: Roll the assistant back (model-safety-violation). Why: "contain" (Containment) is the weakest objective, rated S (Performed with some challenges); test-rollback evaluates the same capability in its objective "rollback": Rolled back within 10 minutes..',
    );
    expect(cardText(card)).toContain('GET /api/exercises/');
    expect(refuseBlocks(cardToBlocks(card).blocks)).toBeUndefined();
    expect(cardBytes(cardToAdaptiveCard(card, { directory: () => undefined }))).toBeLessThanOrEqual(MAX_CARD_BYTES);

    const items = await context().store.actionItems.forIncident(played.incident.id);
    expect(items.map((i) => [i.number, i.owner, i.due, i.source, i.createdBy])).toEqual([
      [1, 'lee', '2026-12-31', 'exercise', 'fran'],
      [2, 'cat', '2026-12-31', 'exercise', 'fran'],
      [3, 'cat', '2026-12-31', 'exercise', 'fran'],
      [4, 'fran', '2026-12-31', 'exercise', 'fran'],
    ]);
    expect(items[3]!.text).toBe('Update playbook data-leakage step 2: Step 2 does not say | who exports the logs');
    for (const item of items) {
      const reminders = await context().store.actionItemReminders.forItem(played.incident.id, item.number);
      // 09:00 in Berlin (UTC+1 in December), the day before and on the due date.
      expect(reminders.map((r) => [r.kind, r.dueAt.toISOString(), r.status])).toEqual([
        ['day_before', '2026-12-30T08:00:00.000Z', 'pending'],
        ['due_day', '2026-12-31T08:00:00.000Z', 'pending'],
      ]);
    }
    const events = await context().store.events.forIncident(played.incident.id);
    expect(events.filter((e) => e.kind === 'action_item_added').map((e) => e.payload.owner)).toEqual(['lee', 'cat', 'cat', 'fran']);
    const aar = events.filter((e) => e.kind === 'exercise_aar_posted');
    expect(aar).toHaveLength(1);
    expect(aar[0]!.payload).toEqual({
      exercise_id: played.exercise.id,
      ratings: { triage: 'P', contain: 'S', comms: 'S' },
      corrective_actions: [
        { number: 1, capability: 'Containment' },
        { number: 2, capability: 'Stakeholder communication' },
        { number: 3, capability: null },
        { number: 4, capability: null },
      ],
    });
    expect((await context().store.exercises.get(played.exercise.id))!.aarPostedAt).toEqual(at(60));
  });

  it('posted again shows the report as it is now and creates nothing new', async () => {
    harness.core.clock.set(at(90).toISOString());
    const before = (await context().store.events.forIncident(played.incident.id)).length;
    const reply = await postAfterActionReport(context(), played.inChannel, played.incident.id);
    expect(reply.text).toBe(
      `EXERCISE After-Action Report of INC-${played.incident.id} posted above: posted again with the ratings as they are now; its corrective actions were made action items 1–4 the first time, and nothing new is created.`,
    );
    expect(posted).toHaveLength(2);
    expect(await context().store.actionItems.forIncident(played.incident.id)).toHaveLength(4);
    expect((await context().store.events.forIncident(played.incident.id)).length).toBe(before);
    // The plan shown is the items created, due dates unchanged.
    expect(section(posted[1]!, 'Improvement Plan')).toContain('4. Update playbook data-leakage step 2: Step 2 does not say | who exports the logs: owner @fran, due 2026-12-31');
  });

  it('a rating is the facilitator\'s (or an admin\'s) to confirm or change: it changes the rating in force and the Markdown', async () => {
    await expect(rateObjective(context(), { ...played.inChannel, userId: 'kim' }, played.incident.id, 'comms', 'U', null)).rejects.toThrow('only the facilitator (fran) or an admin may `exercise rate`');
    await expect(rateObjective(context(), played.inChannel, played.incident.id, 'press', 'U', null)).rejects.toThrow('no objective "press" in test-invoices; its objectives are triage, contain, comms');

    const reply = await rateObjective(context(), played.inChannel, played.incident.id, 'comms', 'U', 'nothing reached the reporter');
    expect(reply.text).toBe(
      'EXERCISE: objective comms (Stakeholder communication) is now rated U (Unable to be performed) by @fran because nothing reached the reporter, changing the proposed S (0 of 1 expected actions met, 1 partly met (late), 0 missed: most met or partly met → S). `exercise aar` posts the report again with it.',
    );
    context().admins = [{ userId: 'root' }];
    const confirmed = await rateObjective(context(), { ...played.inChannel, userId: 'root' }, played.incident.id, 'triage', 'P', null);
    expect(confirmed.text).toContain('is now rated P (Performed without challenges) by @root, confirming the proposed rating.');
    context().admins = undefined;
    const rated = (await context().store.events.forIncident(played.incident.id)).filter((e) => e.kind === 'exercise_rated');
    expect(rated.map((e) => [e.actor, e.payload.objective, e.payload.rating, e.payload.because])).toEqual([
      ['fran', 'comms', 'U', 'nothing reached the reporter'],
      ['root', 'triage', 'P', null],
    ]);

    const exported = await exportAfterActionReport(context(), played.inChannel, played.incident.id);
    expect(exported.public).toBeUndefined();
    expect(exported.text.split('\n')[0]).toBe(`EXERCISE After-Action Report / Improvement Plan of INC-${played.incident.id} as Markdown (also GET /api/exercises/${played.exercise.id}/aar.md):`);
    const md = markdownOf(exported.text);
    expect(md).toContain('- Rating: **U** (Unable to be performed), confirmed by @fran 2026-12-01 12:30 GMT+1 because nothing reached the reporter');
    expect(md).toContain('- Proposed from the evidence: S: 0 of 1 expected actions met, 1 partly met (late), 0 missed: most met or partly met → S');
    expect(md).toContain('| 4 | Update playbook data-leakage step 2: Step 2 does not say \\| who exports the logs |   | @fran | 2026-12-31 | open |');
    expect(md).toContain('| Communications Lead | yes | @cat | no |');
    // The weakest objective is now comms at U: no other scenario evaluates communication or practises data-leakage.
    expect(md).toContain('No scenario to propose. Why: "comms" (Stakeholder communication) is the weakest objective, rated U (Unable to be performed); no other authored scenario evaluates Stakeholder communication or practises data-leakage: run test-invoices again');

    // Re-posted, the card shows the confirmed rating.
    await postAfterActionReport(context(), played.inChannel, played.incident.id);
    expect(section(posted.at(-1)!, 'Objectives and ratings (P/S/M/U)')).toContain('• comms (Stakeholder communication): U (Unable to be performed); confirmed by @fran because nothing reached the reporter (proposed S)');
  });

  it('serves the list and the Markdown over HTTP: ratings once the report is out, 404, 409, private', async () => {
    const pending = await start();
    const secret = await start({ private: true });
    await end(secret);

    const list = await fetch(`${base}/api/exercises`);
    expect(list.status).toBe(200);
    const json = (await list.json()) as Record<string, unknown>[];
    const mine = json.find((e) => e.id === played.exercise.id)!;
    expect(mine).toEqual({
      id: played.exercise.id,
      incident_id: played.incident.id,
      title: 'EXERCISE · The support assistant shows invoices to the wrong customer',
      private: false,
      scenario: 'test-invoices',
      playbook: 'data-leakage',
      started_at: '2026-12-01T10:00:00.000Z',
      completed_at: '2026-12-01T10:45:00.000Z',
      aar_posted_at: '2026-12-01T11:00:00.000Z',
      facilitator: 'fran',
      objectives: [
        { id: 'triage', capability: 'Detection and triage', target: 'Severity set within 15 minutes of the first report.', rating: 'P' },
        { id: 'contain', capability: 'Containment', target: 'The leaking feature disabled within 20 minutes of the proxy alert.', rating: 'S' },
        { id: 'comms', capability: 'Stakeholder communication', target: 'Holding statement within 15 minutes of the press call.', rating: 'U' },
      ],
    });
    // Newest first (same start time: the later row first); before its report, no ratings.
    expect(json.slice(0, 2).map((e) => e.id)).toEqual([secret.exercise.id, pending.exercise.id]);
    expect((json[1]!.objectives as { rating: unknown }[]).map((o) => o.rating)).toEqual([null, null, null]);
    expect(json[0]).toMatchObject({ title: null, private: true });
    const quick = json.find((e) => e.scenario === 'AML.CS0015')!;
    expect(quick.objectives).toEqual([]);

    const markdown = await fetch(`${base}/api/exercises/${played.exercise.id}/aar.md`);
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const body = await markdown.text();
    const direct = await afterActionMarkdown(context(), played.exercise.id);
    expect(direct.ok && direct.markdown).toBe(body);
    expect(body).toBe(markdownOf((await exportAfterActionReport(context(), played.inChannel, played.incident.id)).text));
    expect(body.startsWith('# EXERCISE · After-Action Report: The support assistant shows invoices to the wrong customer\n')).toBe(true);

    const missing = await fetch(`${base}/api/exercises/99999/aar.md`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no exercise 99999' });
    const early = await fetch(`${base}/api/exercises/${pending.exercise.id}/aar.md`);
    expect(early.status).toBe(409);
    expect(await early.json()).toEqual({ error: 'the exercise has not ended: `exercise end` first; the hot wash and then the after-action report follow it' });
    const hidden = await fetch(`${base}/api/exercises/${secret.exercise.id}/aar.md`);
    expect(hidden.status).toBe(403);
    const wrong = await fetch(`${base}/api/exercises/abc`);
    expect(wrong.status).toBe(404);
  });
});
