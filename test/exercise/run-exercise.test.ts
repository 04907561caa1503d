import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { playbooksDirectory, scenariosFile } from '../../src/app.js';
import type { Card } from '../../src/core/cards/card.js';
import { chatText } from '../../src/core/exercise/chat-text.js';
import { ScenarioCatalog } from '../../src/core/exercise/scenario-catalog.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { computeMetrics } from '../../src/core/metrics/compute-metrics.js';
import { suggestScenario } from '../../src/core/metrics/exercise-reminder.js';
import { checkPlaybookDirectory } from '../../src/core/playbook/load-playbooks.js';
import { MINUTE } from '../support/clock.js';
import { general, useCoreHarness } from '../support/harness.js';

const harness = useCoreHarness();
const context = () => harness.core.context;
// This file is about the quick scenarios (ATLAS case studies, inject by inject); authored scenarios have their own tests.
beforeAll(() => {
  const ctx = harness.core.context;
  ctx.scenarios = new ScenarioCatalog([...ctx.scenarios!.caseStudies], ctx.playbooks.all());
});
const atlas = JSON.parse(readFileSync(scenariosFile({}), 'utf8')) as {
  case_studies: { id: string; name: string; procedure: { tactic: string; technique: string; description: string }[]; tactics: { id: string; name: string }[]; technique_names: Record<string, string> }[];
};
const study = (id: string) => atlas.case_studies.find((c) => c.id === id)!;
const USAGE = /\nusage: \/incident exercise scenarios \[<playbook-id>\] \| exercise start/;

const anywhere = (text: string, who = general.userId) => handleCommand(context(), { ...general, userId: who }, `/incident ${text}`);

async function start(argument = '', who = general.userId) {
  const reply = await anywhere(`exercise start ${argument}`.trim(), who);
  expect(reply.incidentId, reply.text).toBeDefined();
  const incident = (await context().store.incidents.get(reply.incidentId!))!;
  const run = (command: string, userId = who) => handleCommand(context(), { platform: 'console', userId, channelId: incident.channelId! }, `/incident ${command}`);
  const exercise = async () => (await context().store.exercises.forIncident(incident.id))!;
  return { reply, incident, run, exercise };
}

const cardText = (card: Card | undefined) => [card?.title, card?.subtitle, ...(card?.fields ?? []).map((f) => `${f.label}: ${f.value}`), ...(card?.sections ?? []).map((s) => `${s.heading ?? ''}\n${s.text}`), ...(card?.context ?? [])].join('\n');

async function stateOfTheWorld() {
  const db = harness.database.db;
  const [incidents, events, exercises] = await Promise.all([
    db.selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('exercises').selectAll().orderBy('id').execute(),
  ]);
  return { incidents: Number(incidents.n), events: Number(events.n), exercises };
}

describe('starting an exercise', () => {
  it('without a scenario picks one for the weakest area the quarterly reminder names', async () => {
    // A real data leak that took five hours to contain makes data-leakage the weakest area.
    const leak = await harness.declare('sev2 data-leakage Chatbot shows other customers invoices');
    harness.core.clock.advance(300 * MINUTE);
    await leak.run('contain');
    const suggestion = await suggestScenario(context(), context().clock.now());
    expect(suggestion?.playbookId).toBe('data-leakage');

    const { reply, incident, exercise } = await start();
    // The first data-leakage scenario: a real incident (ranked before exercises) the matcher maps to data-leakage.
    const expected = context().scenarios!.forPlaybook('data-leakage')[0]!.caseStudy;
    expect(expected.case_study_type).toBe('incident');
    expect(incident).toMatchObject({ isExercise: true, playbookId: 'data-leakage', title: `EXERCISE: ${expected.name}` });
    expect(reply.text).toContain('the weakest area is data-leakage: slowest to contain');
    expect(reply.text).toContain('nobody is paged');
    expect(await exercise()).toMatchObject({ scenarioId: 'data-leakage', caseStudyId: expected.id, facilitator: 'ana', completedAt: null, injectsRevealed: 0 });
    expect((await context().store.steps.list(incident.id)).length).toBe(context().playbooks.get('data-leakage')!.steps.length);

    const printed = harness.core.printed.join('\n');
    expect(printed).toContain(`Tabletop exercise: ${expected.name}`);
    expect(printed).toContain(`${expected.id} (a real incident)`);
    for (const role of ['Incident Commander', 'ML Engineer', 'Security Analyst', 'Communications Lead', 'Legal/Compliance']) expect(printed).toContain(role);
    expect(printed).toContain('`exercise inject` reveals the next development');
    const events = await context().store.events.forIncident(incident.id);
    expect(events.find((e) => e.kind === 'exercise_started')?.payload).toMatchObject({ case_study_id: expected.id, playbook_id: 'data-leakage', injects_total: expected.procedure.length });
  });

  it('with a scenario id or a playbook id plays that one', async () => {
    const named = await start('aml.cs0020');
    expect(named.incident).toMatchObject({ playbookId: 'prompt-injection', title: 'EXERCISE: Indirect Prompt Injection Threats: Bing Chat Data Pirate' });
    expect((await named.exercise()).caseStudyId).toBe('AML.CS0020');

    const byPlaybook = await start('model-drift');
    expect(byPlaybook.incident.playbookId).toBe('model-drift');
    const drift = context().scenarios!.forPlaybook('model-drift');
    const scenario = drift[0]!;
    // Real incidents come first; no ATLAS incident reads as drift, so the first is an exercise.
    expect(scenario.caseStudy.case_study_type).toBe(drift.some((s) => s.caseStudy.case_study_type === 'incident') ? 'incident' : 'exercise');
    expect((await byPlaybook.exercise()).caseStudyId).toBe(scenario.caseStudy.id);
    // The playbook's scenarios take turns: the next start plays one not played yet.
    const again = await start('model-drift');
    expect((await again.exercise()).caseStudyId).toBe(context().scenarios!.forPlaybook('model-drift')[1]!.caseStudy.id);
  });
});

describe('injects', () => {
  it('are revealed in procedure order, and after the last one there are no more', async () => {
    const { run, incident, exercise } = await start('AML.CS0015');
    const steps = study('AML.CS0015').procedure;
    for (const [index, step] of steps.entries()) {
      const reply = await run('exercise inject');
      const tactic = study('AML.CS0015').tactics.find((t) => t.id === step.tactic)!.name;
      expect(reply.public).toBe(true);
      expect(reply.card?.title).toBe(`Inject ${index + 1} of ${steps.length}: ${tactic}`);
      expect(reply.card?.subtitle).toBe(`${study('AML.CS0015').technique_names[step.technique]} (${step.technique})`);
      expect(reply.card?.sections?.[0]?.text).toBe(chatText(step.description));
      expect(reply.card?.context?.[0]).toMatch(index === steps.length - 1 ? /That was the last inject: there are no more/ : /`exercise inject` for the next/);
    }
    const before = await stateOfTheWorld();
    const extra = await run('exercise inject');
    expect(extra.text).toBe(`There are no more injects: all ${steps.length} have been revealed. Record your decisions, then \`exercise end\` for the after-action review.`);
    expect(await stateOfTheWorld()).toEqual(before);
    expect((await exercise()).injectsRevealed).toBe(steps.length);
    const injects = (await context().store.events.forIncident(incident.id)).filter((e) => e.kind === 'exercise_inject');
    expect(injects.map((e) => e.payload.number)).toEqual([1, 2, 3]);
    expect((await run('timeline')).text).toContain('revealed inject 1 of 3:');
  });
});

describe('ending an exercise', () => {
  it('times each decision from the latest inject and reports gaps and roles nobody held', async () => {
    const { run, incident } = await start('AML.CS0015');
    await run('decision open a bridge call because it is practice');
    await run('exercise inject');
    harness.core.clock.advance(7 * MINUTE);
    await run('decision pin torch to the last good build because the nightly dependency is compromised');
    harness.core.clock.advance(3 * MINUTE);
    await run('exercise inject');
    harness.core.clock.advance(12 * MINUTE);
    await run('decision rotate the build credentials', 'bo');
    await run('tick 1');

    const review = await run('exercise end');
    expect(review.public).toBe(true);
    const text = cardText(review.card);
    expect(review.card?.title).toBe('After-action review: EXERCISE: Compromised PyTorch Dependency Chain');
    expect(text).toContain('Duration: 22m');
    expect(text).toContain('Injects revealed: 2 of 3');
    expect(text).toContain('• open a bridge call: because it is practice (@ana, before any inject)');
    expect(text).toContain('• pin torch to the last good build: because the nightly dependency is compromised (@ana, took 7m after inject 1)');
    expect(text).toContain('• rotate the build credentials: no reasoning recorded (@bo, took 12m after inject 2)');
    expect(text).toContain('The slowest decision took 12m: "rotate the build credentials"');
    const steps = await context().store.steps.list(incident.id);
    expect(text).toContain(`Checklist gaps: ${steps.length - 1}`);
    expect(text).not.toContain(`• 1. ${steps[0]!.title}`);
    expect(text).toContain(`• 2. ${steps[1]!.title}`);
    expect(text).toMatch(/roles nobody held\n• ML Engineer\n• Security Analyst\n• Communications Lead\n• Legal\/Compliance/);
    expect(text).toContain('`action <text> owner=@person due=YYYY-MM-DD`');
  });

  it('records completed_at, closes the incident, counts in exercise_frequency and nowhere else', async () => {
    const quarter = { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') };
    const before = await computeMetrics(context().store.metrics, quarter, 'UTC');
    const { run, incident, exercise } = await start('prompt-injection');
    harness.core.clock.advance(30 * MINUTE);
    const ended = await run('exercise end');
    expect(ended.text).toBe('EXERCISE · Exercise ended and closed. After-action review:');
    expect((await exercise()).completedAt).toEqual(context().clock.now());
    expect((await context().store.incidents.get(incident.id))!.state).toBe('closed');
    const events = await context().store.events.forIncident(incident.id);
    expect(events.find((e) => e.kind === 'exercise_completed')?.payload).toMatchObject({ injects_revealed: 0 });
    expect(events.some((e) => e.kind === 'state_changed' && e.payload.to === 'closed')).toBe(true);

    const after = await computeMetrics(context().store.metrics, quarter, 'UTC');
    expect(after.exercise_frequency['2026-Q4']).toBe((before.exercise_frequency['2026-Q4'] ?? 0) + 1);
    expect(after.incidents_per_quarter).toEqual(before.incidents_per_quarter);
    expect(after.mttr).toEqual(before.mttr);
    expect(after.playbook_coverage).toEqual(before.playbook_coverage);
  });
});

describe('scenarios', () => {
  it('lists a handful per playbook, real incidents first, or one playbook\'s', async () => {
    const all = (await anywhere('exercise scenarios')).text;
    for (const id of context().playbooks.ids) expect(all).toContain(`${id} (`);
    expect(all).toContain('• AML.CS0015  Compromised PyTorch Dependency Chain (real incident, 3 injects)');
    expect(all).toContain('MITRE ATLAS (Apache-2.0');
    const one = (await anywhere('exercise scenarios prompt-injection')).text;
    const ids = [...one.matchAll(/• (AML\.CS\d{4})/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) expect(context().scenarios!.get(id)?.playbookId).toBe('prompt-injection');
    expect(one).not.toContain('data-leakage (');
    expect(one.indexOf('real incident')).toBeLessThan(one.indexOf('research demo'));
  });

  it('strips the raw HTML of summaries and injects before they reach the chat', async () => {
    expect(study('AML.CS0026').procedure[3]!.description).toContain('<span');
    const { run } = await start('AML.CS0026');
    const printed = harness.core.printed.join('\n');
    const card = printed.slice(printed.lastIndexOf('Tabletop exercise: Financial Transaction Hijacking'));
    expect(card).toContain('manipulated Microsoft 365 Copilot.[1] The attack');
    expect(card).not.toMatch(/<\/?(span|div|sup|br)\b|style=/);
    for (let n = 0; n < 4; n += 1) {
      const inject = await run('exercise inject');
      expect(cardText(inject.card)).not.toMatch(/<\/?(span|div|sup|br)\b|style=/);
    }
  });

  it('chat text keeps the words and links, drops tags, scripts and escapes, keeps non-HTML angle brackets', () => {
    expect(chatText('Hi <span style="color: red">there</span><br/>[docs](https://x.test/a "t") &amp; more[<sup>\\[1\\]</sup>][1]\n\n[1]: https://ref.test "Ref"')).toBe(
      'Hi there\ndocs (https://x.test/a) & more[1]\n\n[1] https://ref.test',
    );
    expect(chatText('run <script>alert(1)</script>`q <PROMPT>` and <<< >>>')).toBe('run `q <PROMPT>` and <<< >>>');
  });

  it('leave the playbook loader alone: it reads only the YAML files beside them', async () => {
    const { playbooks, problems } = await checkPlaybookDirectory(playbooksDirectory({}));
    expect(problems).toEqual([]);
    expect(playbooks.map((p) => p.id).sort()).toEqual(['data-leakage', 'model-drift', 'model-safety-violation', 'prompt-injection']);
  });
});

describe('refusals: one line of reason, the usage, and nothing changes', () => {
  it('refuses bad arguments and commands outside an exercise channel', async () => {
    const real = await harness.declare('sev3 model-drift PSI alarm on the churn model');
    const cases: [string, 'general' | 'real', RegExp][] = [
      ['exercise', 'general', /^say what to do: scenarios, start, pause, resume, next, skip, decide, observed, note, end, hotwash, aar, rate, export \(or inject for an ATLAS case study\)$/],
      ['exercise dance', 'general', /^no exercise command "dance"/],
      ['exercise scenarios nope', 'general', /^"nope" is not a playbook/],
      ['exercise start tomorrow', 'general', /^no scenario tomorrow; `exercise scenarios` lists them$/],
      ['exercise start AML.CS0020 now', 'general', /^`exercise start` takes one scenario or playbook, then optionally force; "now" is extra$/],
      ['exercise start in/out', 'general', /^"in\/out" is neither a scenario id/],
      ['exercise pause', 'general', /^`exercise pause` works in a tabletop exercise's channel/],
      ['exercise next', 'real', /^`exercise next` works in a tabletop exercise's channel/],
      ['exercise decide isolate', 'general', /^give your reasoning: `exercise decide isolate because <reasoning>`$/],
      ['exercise rate contain X', 'general', /^rate one objective: `exercise rate <objective> P\|S\|M\|U/],
      ['exercise hotwash maybe ok', 'general', /^say which question/],
      ['exercise start AML.CS9999', 'general', /^no scenario AML\.CS9999; `exercise scenarios` lists them$/],
      ['exercise inject', 'general', /^`exercise inject` works in a tabletop exercise's channel/],
      ['exercise end', 'general', /^`exercise end` works in a tabletop exercise's channel/],
      ['exercise inject', 'real', /^`exercise inject` works in a tabletop exercise's channel/],
      ['exercise end', 'real', /^`exercise end` works in a tabletop exercise's channel/],
      ['exercise inject twice', 'real', /^`exercise inject` takes nothing after it$/],
    ];
    for (const [command, where, reason] of cases) {
      const before = await stateOfTheWorld();
      const reply = where === 'general' ? await anywhere(command) : await real.run(command);
      const [first, ...rest] = reply.text.split('\n');
      expect(first, command).toMatch(reason);
      expect(`\n${rest.join('\n')}`, command).toMatch(USAGE);
      expect(reply.public, command).toBeFalsy();
      expect(await stateOfTheWorld(), command).toEqual(before);
    }
    expect((await real.load()).state).toBe('declared');
  });

  it('refuses to end an exercise twice or inject after the end', async () => {
    const { run } = await start('AML.CS0015');
    await run('exercise end');
    const before = await stateOfTheWorld();
    for (const [command, reason] of [
      ['exercise end', /^this exercise already ended at .*; its review is in the channel$/],
      ['exercise inject', /^this exercise has ended; start another with `exercise start`$/],
    ] as const) {
      const reply = await run(command);
      expect(reply.text.split('\n')[0], command).toMatch(reason);
      expect(reply.text, command).toMatch(USAGE);
    }
    expect(await stateOfTheWorld()).toEqual(before);
  });
});
