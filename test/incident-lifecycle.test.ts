import { describe, expect, it } from 'vitest';
import { handleCommand } from '../src/core/handle-command.js';
import { general, useCoreHarness } from './support/harness.js';
import { MINUTE } from './support/clock.js';

const harness = useCoreHarness();
const declare = (text: string, who?: string) => harness.declare(text, who);

describe('incident lifecycle', () => {
  it('moves forward through every state and stamps each with its time and an event', async () => {
    const { run, load, incident } = await declare('sev2 Recommender serves stale results');
    harness.core.clock.advance(5 * MINUTE);
    expect((await run('triage')).text).toBe('Triaged.');
    harness.core.clock.advance(10 * MINUTE);
    await run('contain');
    harness.core.clock.advance(60 * MINUTE);
    await run('resolve');
    harness.core.clock.advance(MINUTE);
    await run('close');
    const closed = await load();
    expect(closed.state).toBe('closed');
    expect(closed.triagedAt!.getTime() - closed.detectedAt.getTime()).toBe(5 * MINUTE);
    expect(closed.containedAt!.getTime() - closed.detectedAt.getTime()).toBe(15 * MINUTE);
    expect(closed.resolvedAt!.getTime() - closed.detectedAt.getTime()).toBe(75 * MINUTE);
    const changes = (await harness.core.context.store.events.forIncident(incident.id)).filter((e) => e.kind === 'state_changed');
    expect(changes.map((e) => e.payload.to)).toEqual(['triaged', 'contained', 'resolved', 'closed']);
  });

  it('stamps skipped states with the same time when jumping ahead', async () => {
    const { run, load, incident } = await declare('sev3 Classifier drifting on new traffic');
    harness.core.clock.advance(30 * MINUTE);
    const reply = await run('resolve');
    expect(reply.text).toContain('also stamped triaged, contained');
    const resolved = await load();
    expect(resolved.state).toBe('resolved');
    expect(resolved.triagedAt).toEqual(resolved.resolvedAt);
    expect(resolved.containedAt).toEqual(resolved.resolvedAt);
    const change = (await harness.core.context.store.events.forIncident(incident.id)).find((e) => e.kind === 'state_changed')!;
    expect(change.payload).toMatchObject({ from: 'declared', to: 'resolved', skipped: ['triaged', 'contained'] });
  });

  it('accepts a backdated time and records when it happened apart from when it was recorded', async () => {
    const { run, load, incident } = await declare('sev2 Chatbot leaks another customer\'s order history started=-2h detected=-90m');
    const declared = await load();
    expect(harness.core.clock.now().getTime() - declared.impactStartedAt.getTime()).toBe(120 * MINUTE);
    expect(harness.core.clock.now().getTime() - declared.detectedAt.getTime()).toBe(90 * MINUTE);
    await run('triage at=-60m');
    const triaged = await load();
    expect(harness.core.clock.now().getTime() - triaged.triagedAt!.getTime()).toBe(60 * MINUTE);
    const event = (await harness.core.context.store.events.forIncident(incident.id)).find((e) => e.kind === 'state_changed')!;
    expect(event.recordedAt.getTime() - event.occurredAt.getTime()).toBe(60 * MINUTE);
  });

  it('refuses a future time, a time before an earlier state, and moving backwards, changing nothing', async () => {
    const { run, load } = await declare('sev3 Eval score dropped on summarisation detected=-30m');
    const before = await load();
    expect((await run('triage at=-45m')).text).toMatch(/before the incident's previous state/);
    const future = new Date(harness.core.clock.now().getTime() + 10 * MINUTE).toISOString();
    expect((await run(`triage at=${future}`)).text).toMatch(/in the future/);
    expect(await load()).toEqual(before);
    await run('contain');
    expect((await run('triage')).text).toMatch(/cannot go back to triaged.*reopen/);
    expect((await run('contain')).text).toMatch(/already contained/);
    expect((await load()).state).toBe('contained');
  });

  it('reopens a resolved incident as an event and clears the later stamps', async () => {
    const { run, load, incident } = await declare('sev3 Drift alarm on fraud model');
    await run('triage');
    harness.core.clock.advance(MINUTE);
    await run('resolve');
    expect((await run('reopen')).text).toMatch(/triaged again/);
    const reopened = await load();
    expect(reopened.state).toBe('triaged');
    expect(reopened.resolvedAt).toBeNull();
    expect(reopened.triagedAt).not.toBeNull();
    expect((await harness.core.context.store.events.forIncident(incident.id)).some((e) => e.kind === 'incident_reopened')).toBe(true);
    expect((await run('reopen')).text).toMatch(/still open/);
  });

  it('marks a false positive with its reason, and refuses state changes until reopened', async () => {
    const { run, load } = await declare('sev4 Toxicity monitor fired on a test account');
    expect((await run('false-positive synthetic traffic from the load test')).text).toMatch(/false positive/);
    const marked = await load();
    expect(marked.state).toBe('false_positive');
    expect(marked.falsePositiveReason).toBe('synthetic traffic from the load test');
    expect((await run('triage')).text).toMatch(/false positive; use `reopen`/);
    await run('reopen');
    expect((await load()).state).toBe('declared');
  });

  it('changes severity as an event', async () => {
    const { run, load, incident } = await declare('sev3 Support bot gives dangerous medical advice');
    expect((await run('sev 1')).text).toMatch(/SEV3.*SEV1/);
    expect((await load()).severity).toBe('sev1');
    expect((await run('sev 1')).text).toMatch(/already/);
    const events = await harness.core.context.store.events.forIncident(incident.id);
    expect(events.filter((e) => e.kind === 'severity_changed').map((e) => e.payload)).toEqual([{ from: 'sev3', to: 'sev1' }]);
  });

  it('refuses detection before impact start at declaration', async () => {
    const reply = await handleCommand(harness.core.context, general, '/incident declare sev2 Something odd started=-10m detected=-20m');
    expect(reply.text).toMatch(/before started=/);
    expect(reply.incidentId).toBeUndefined();
  });

  it('answers incident commands outside an incident channel with where to go', async () => {
    const reply = await handleCommand(harness.core.context, general, '/incident triage');
    expect(reply.text).toMatch(/works in an incident's channel/);
  });
});
