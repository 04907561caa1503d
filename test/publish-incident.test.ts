import { describe, expect, it } from 'vitest';
import { handleCommand } from '../src/core/handle-command.js';
import { stepsFromPlaybook } from '../src/core/incident/declare-incident.js';
import { resumeUnfinishedIncidents } from '../src/core/incident/resume-incidents.js';
import { buildChecklistCards } from '../src/core/checklist/checklist-card.js';
import { cardToText } from '../src/adapters/console/render.js';
import { general, useCoreHarness } from './support/harness.js';

const harness = useCoreHarness();


describe('publishing an incident', () => {
  it('adds a suffix when the channel name is taken', async () => {
    await harness.core.chat.openSpace({ name: 'inc-20261125-drift-on-pricing-model', private: false, topic: 'someone else', members: [], origin: null, firstCard: { title: 'header' } });
    const reply = await handleCommand(harness.core.context, general, '/incident declare sev3 Drift on pricing model');
    const incident = (await harness.core.context.store.incidents.get(reply.incidentId!))!;
    expect(incident.channelName).toBe(`inc-20261125-drift-on-pricing-model-${incident.id}`);
    expect(reply.text).toContain(`#inc-20261125-drift-on-pricing-model-${incident.id}`);
  });

  it('finishes the channel, cards and pages a stopped process left undone', async () => {
    await handleCommand(harness.core.context, general, '/incident oncall ml-engineer @mia');
    // What the database holds when a process stops right after the declaration committed.
    const now = harness.core.clock.now();
    const playbook = harness.core.context.playbooks.get('model-drift')!;
    const incident = await harness.core.context.store.transaction(async (store) => {
      const created = await store.incidents.create({
        title: 'Recall fell on the fraud model',
        summary: '',
        severity: 'sev2',
        playbookId: playbook.id,
        playbookReason: 'named',
        private: false,
        isExercise: false,
        platform: 'console',
        declaredBy: 'ana',
        source: 'manual',
        impactStartedAt: now,
        detectedAt: now,
        declaredAt: now,
      });
      await store.steps.replace(created.id, stepsFromPlaybook(playbook));
      await store.roles.assign({ incidentId: created.id, role: 'ml-engineer', userId: 'mia', assignedAt: now });
      await store.pages.create({ incidentId: created.id, role: 'ml-engineer', userId: 'mia', createdAt: now });
      return created;
    });
    const printedBefore = harness.core.printed.length;

    expect(await resumeUnfinishedIncidents(harness.core.context)).toBe(1);
    const finished = (await harness.core.context.store.incidents.get(incident.id))!;
    expect(finished.channelName).toBe('inc-20261125-recall-fell-on-the-fraud-model');
    const messages = await harness.core.context.store.messages.forIncident(incident.id);
    expect(messages.map((m) => m.purpose).sort()).toEqual(['checklist', 'header']);
    expect((await harness.core.context.store.pages.forIncident(incident.id)).map((p) => p.status)).toEqual(['sent']);
    expect(harness.core.printed.slice(printedBefore).join('\n')).toContain('[DM to @mia]');

    // A second run finds nothing left to do.
    expect(await resumeUnfinishedIncidents(harness.core.context)).toBe(0);
  });
});

describe('checklist cards', () => {
  it('split long checklists across cards without losing or reordering a step', async () => {
    const playbook = harness.core.context.playbooks.get('prompt-injection')!;
    const reply = await handleCommand(harness.core.context, general, '/incident declare sev3 prompt-injection Injection via support tickets');
    const incident = (await harness.core.context.store.incidents.get(reply.incidentId!))!;
    const steps = await harness.core.context.store.steps.list(incident.id);
    const cards = buildChecklistCards({ incident, playbook, steps, mention: (u) => `@${u}`, timeZone: 'UTC', maxItemsPerCard: 10 });
    expect(cards.length).toBe(Math.ceil(steps.length / 10));
    const items = cards.flatMap((c) => (c.checklist ?? []).flatMap((g) => g.items));
    expect(items.map((i) => i.number)).toEqual(steps.map((s) => s.number));
    for (const card of cards) expect((card.checklist ?? []).reduce((n, g) => n + g.items.length, 0)).toBeLessThanOrEqual(10);
    expect(cards[0]!.title).toMatch(/\(1\/\d\)$/);
    expect(cards.flatMap((c) => c.checklist!.map((g) => g.heading))).toContain('Investigation (continued)');
  });

  it('render as text with ticks, owners and who ticked', async () => {
    const reply = await handleCommand(harness.core.context, general, '/incident declare sev3 model-drift Drift snapshot');
    const incident = (await harness.core.context.store.incidents.get(reply.incidentId!))!;
    await handleCommand(harness.core.context, { ...general, channelId: incident.channelId! }, '/incident tick 1');
    const playbook = harness.core.context.playbooks.get('model-drift')!;
    const steps = await harness.core.context.store.steps.list(incident.id);
    const [card] = buildChecklistCards({ incident: { ...incident, id: 1 }, playbook, steps, mention: (u) => `@${u}`, timeZone: 'UTC' });
    expect(cardToText(card!)).toMatchSnapshot();
  });
});
