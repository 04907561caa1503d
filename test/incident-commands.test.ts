import { describe, expect, it } from 'vitest';
import { handleCommand } from '../src/core/handle-command.js';
import { general, useCoreHarness } from './support/harness.js';
import { HOUR } from './support/clock.js';

const harness = useCoreHarness();
const declare = (text: string, who?: string) => harness.declare(text, who);

describe('declaring', () => {
  it('leaves an unmatched incident without a playbook, says so, and lets the user pick one', async () => {
    const { reply, incident, run } = await declare('sev3 Office coffee machine is broken');
    expect(incident.playbookId).toBeNull();
    expect(reply.text).toMatch(/No playbook: this does not read as an AI-system incident .*"coffee machine".*If it is one, pick it below or with `\/incident playbook <id>`/);
    expect(reply.card?.actions).toHaveLength(harness.core.context.playbooks.ids.length);
    expect(await harness.core.context.store.steps.list(incident.id)).toEqual([]);
    expect((await run('tick 1')).text).toMatch(/no checklist; pick a playbook/);

    const changed = await run('playbook model-drift');
    expect(changed.text).toMatch(/Playbook changed to .*checklist is posted/);
    const after = (await harness.core.context.store.incidents.get(incident.id))!;
    expect(after.playbookId).toBe('model-drift');
    expect((await harness.core.context.store.steps.list(incident.id)).length).toBe(harness.core.context.playbooks.get('model-drift')!.steps.length);
    const events = await harness.core.context.store.events.forIncident(incident.id);
    expect(events.find((e) => e.kind === 'playbook_changed')?.payload).toMatchObject({ from: null, to: 'model-drift' });
  });

  it('uses the playbook default severity and privacy unless the user says otherwise', async () => {
    const leak = await declare('Chatbot shows other customers\' invoices');
    expect(leak.incident).toMatchObject({ playbookId: 'data-leakage', private: true, severity: harness.core.context.playbooks.get('data-leakage')!.default_severity });
    const status = await leak.run('status');
    expect(status.card?.sections?.find((s) => s.heading === 'Deadlines')?.text).toContain(
      'GDPR Art. 33, 72 hours): by 2026-11-28 09:00 UTC, if we are the controller and personal data was exposed, unless the breach is unlikely to result in a risk to the rights and freedoms of natural persons (document that decision)\n',
    );
    const open = await declare('sev4 Chatbot shows another user\'s invoice private=no');
    expect(open.incident).toMatchObject({ playbookId: 'data-leakage', private: false, severity: 'sev4' });
  });

  it('makes the declarer commander when nobody is on call, and names the unstaffed roles', async () => {
    const { reply, incident } = await declare('sev1 Assistant gives dangerous medical advice');
    const roles = await harness.core.context.store.roles.forIncident(incident.id);
    expect(roles.find((r) => r.role === 'commander')?.userId).toBe('ana');
    expect(reply.text).toMatch(/Nobody is on call for .*Legal\/Compliance/);
  });
});

describe('roles and pages', () => {
  it('assigns a role, pages the new holder, and pages a role from the roster', async () => {
    await handleCommand(harness.core.context, general, '/incident oncall legal @lee @kim');
    const { incident, run } = await declare('sev2 Drift in the credit model');
    expect((await run('assign comms <@U777|Jo Bloggs>')).text).toBe('@U777 is now Communications Lead.');
    expect((await run('assign comms <@U777>')).text).toMatch(/already hold/);
    const paged = await run('page legal');
    expect(paged.text).toBe('Paged @lee as Legal/Compliance.');
    const pages = await harness.core.context.store.pages.forIncident(incident.id);
    expect(pages.map((p) => [p.role, p.userId, p.status])).toEqual(expect.arrayContaining([['comms', 'U777', expect.any(String)], ['legal', 'lee', expect.any(String)]]));
    expect(pages.every((p) => p.status !== 'pending')).toBe(true);
    expect(harness.core.printed.join('\n')).toContain('[DM to @lee] bot:');
    expect((await run('page security')).text).toMatch(/nobody holds Security Analyst and nobody is on call/);
  });

  it('shows the roster', async () => {
    await handleCommand(harness.core.context, general, '/incident oncall security @sam @lee');
    const shown = await handleCommand(harness.core.context, general, '/incident oncall');
    expect(shown.text).toContain('Security Analyst (security): @sam → @lee');
    expect(shown.text).toContain('Communications Lead (comms): nobody; set with `/incident oncall comms @person`');
  });

  it('pages the roles a higher severity needs', async () => {
    await handleCommand(harness.core.context, general, '/incident oncall comms @cat');
    const { incident, run } = await declare('sev4 Support bot obeys instructions hidden in PDFs');
    const playbook = harness.core.context.playbooks.get('prompt-injection')!;
    expect(playbook.page.sev4).not.toContain('comms');
    expect(playbook.page.sev1).toContain('comms');
    await run('sev 1');
    const pages = await harness.core.context.store.pages.forIncident(incident.id);
    expect(pages.some((p) => p.role === 'comms' && p.userId === 'cat')).toBe(true);
  });
});

describe('notes, decisions, action items', () => {
  it('records notes and decisions with reasoning in the timeline', async () => {
    const { run } = await declare('sev3 PSI alarm on the churn model');
    await run('note checked the feature store', 'bo');
    expect((await run('decision retrain on last 30 days')).text).toMatch(/Add the reasoning next time/);
    await run('decision roll back to v7 because v8 drifted on new users');
    const timeline = (await run('timeline')).text;
    expect(timeline).toMatch(/@bo  note: checked the feature store/);
    expect(timeline).toContain('decision: roll back to v7 because v8 drifted on new users');
  });

  it('adds, lists, filters and completes action items, late ones marked', async () => {
    const { run } = await declare('sev3 Drift after catalogue change');
    await run('action Add drift monitor on new categories owner=@bo due=2026-11-26');
    await run('action Write the post-incident review owner=@ana due=2026-12-20');
    expect((await run('actions mine')).text).toBe('2. [open] Write the post-incident review (owner @ana, due 2026-12-20)');
    harness.core.clock.advance(48 * HOUR);
    expect((await run('actions overdue')).text).toBe('1. [OVERDUE] Add drift monitor on new categories (owner @bo, due 2026-11-26)');
    expect((await run('action done 1')).text).toMatch(/done \(after its due date\)/);
    expect((await run('action done 1')).text).toMatch(/already done/);
    expect((await run('action done 9')).text).toMatch(/no action item 9/);
    expect((await run('action done 2')).text).toBe('Action item 2 done: Write the post-incident review');
    expect((await run('actions')).text).toMatch(/1\. \[done 2026-11-27 .*\n2\. \[done/);
    harness.core.clock.advance(-48 * HOUR);
  });
});

describe('ticking', () => {
  it('records who ticked and when, unticks as an event, and refuses a step that does not exist', async () => {
    const { incident, run } = await declare('sev2 Model drift on search ranking');
    expect((await run('tick 2', 'bo')).text).toMatch(/^Step 2 ticked: /);
    expect((await run('tick 2', 'bo')).text).toBe('Step 2 was already ticked.');
    let step = (await harness.core.context.store.steps.list(incident.id)).find((s) => s.number === 2)!;
    expect(step.doneBy).toBe('bo');
    expect(step.doneAt).toEqual(harness.core.clock.now());
    await run('untick 2');
    step = (await harness.core.context.store.steps.list(incident.id)).find((s) => s.number === 2)!;
    expect(step.doneAt).toBeNull();
    const kinds = (await harness.core.context.store.events.forIncident(incident.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'step_ticked' || k === 'step_unticked')).toEqual(['step_ticked', 'step_unticked']);
    expect((await run('untick 2')).text).toBe('Step 2 was already unticked.');
    const stepCount = harness.core.context.playbooks.get('model-drift')!.steps.length;
    const eventsBefore = (await harness.core.context.store.events.forIncident(incident.id)).length;
    expect((await run('tick 99')).text).toContain(`there is no step 99; steps are numbered 1 to ${stepCount}`);
    expect((await run('untick 40')).text).toContain(`there is no step 40; steps are numbered 1 to ${stepCount}`);
    expect((await harness.core.context.store.events.forIncident(incident.id)).length).toBe(eventsBefore);
    expect((await run('step 99')).text).toMatch(/no step 99; steps are numbered 1 to \d+/);
    const playbookStep = harness.core.context.playbooks.get('model-drift')!.steps[0]!;
    const shown = (await run('step 1')).text;
    expect(shown.split('\n')[0]).toBe(`Step 1 (Immediate actions, ML Engineer): ${playbookStep.title}`);
    expect(shown).toContain(playbookStep.detail!.trim());
    expect(shown).toContain('Not done yet: `/incident tick 1` when it is.');
    await run('tick 1', 'bo');
    expect((await run('step 1')).text).toMatch(/Ticked by @bo at 2026-11-2\d \d\d:\d\d UTC\.$/);
  });

  it('loses no tick when many people tick at once', async () => {
    const { incident, run } = await declare('sev2 Drift across all regions');
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => run(`tick ${n}`, `user${n}`)));
    const done = (await harness.core.context.store.steps.list(incident.id)).filter((s) => s.doneAt).map((s) => [s.number, s.doneBy]);
    expect(done).toEqual([1, 2, 3, 4, 5, 6].map((n) => [n, `user${n}`]));
  });
});

describe('list', () => {
  it('shows open incidents worst first and hides private titles outside their channel', async () => {
    const { incident, run } = await declare('sev1 Bot leaks another user\'s chat history', 'kim');
    const listing = (await handleCommand(harness.core.context, { ...general, userId: 'zed' }, '/incident list')).text;
    expect(listing).toMatch(/^\d+ open incidents:\nINC-\d+ (\(private\) )?SEV1/);
    expect(listing).toContain(`INC-${incident.id} (private) SEV1`);
    expect(listing).not.toContain('leaks another user');
    // Not even its declarer sees the title outside the incident's channel (issue 9); inside it, everyone does.
    const declarer = (await handleCommand(harness.core.context, { ...general, userId: 'kim' }, '/incident list')).text;
    expect(declarer).not.toContain('leaks another user');
    expect((await run('list', 'zed')).text).toContain("Bot leaks another user's chat history");
  });
});
