import { beforeAll, describe, expect, it } from 'vitest';
import { useSlackHarness } from '../support/slack-harness.js';
import { button, buttonIds, incidentMessages, tickedValues, toggle } from './support.js';

const h = useSlackHarness();

beforeAll(async () => {
  await h.command('oncall security <@USAM>');
});

async function declare(text: string) {
  const { replies } = await h.command(`declare ${text}`);
  const incidentId = Number(/INC-(\d+)/.exec(String(replies[0]?.text))?.[1]);
  const incident = (await h.app.context.store.incidents.get(incidentId))!;
  const channel = incident.channelId!;
  const inChannel = (command: string, user = 'UALICE') => h.command(command, { channel, user });
  return { incidentId, channel, inChannel, messages: incidentMessages(h, channel), load: async () => (await h.app.context.store.incidents.get(incidentId))! };
}

describe('clicks and commands in an incident channel', () => {
  it('ticks and unticks steps, stores who and when, and re-renders from the database', async () => {
    const { incidentId, messages } = await declare('sev2 prompt-injection Jailbreak prompt spreads on a forum');
    const first = messages.checklists()[0]!;
    const tick = await h.act(first, toggle(first, `${incidentId}:1`), { user: 'USAM' });
    expect(tick.status).toBe(200);
    expect(tick.replies[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(tick.replies[0]!.text)).toMatch(/^Step 1 ticked: /);

    const steps = await h.app.context.store.steps.list(incidentId);
    expect(steps[0]).toMatchObject({ number: 1, doneBy: 'USAM' });
    expect(steps[0]!.doneAt).toEqual(h.clock.now());
    const rerendered = messages.checklists()[0]!;
    expect(tickedValues([rerendered])).toEqual([`${incidentId}:1`]);
    const option = JSON.stringify(rerendered.blocks);
    expect(option).toContain('<@USAM>');

    const untick = await h.act(rerendered, toggle(rerendered, `${incidentId}:1`), { user: 'USAM' });
    expect(String(untick.replies[0]!.text)).toMatch(/^Step 1 unticked/);
    expect((await h.app.context.store.steps.list(incidentId))[0]!.doneAt).toBeNull();
    expect(tickedValues(messages.checklists())).toEqual([]);
    const kinds = (await h.app.context.store.events.forIncident(incidentId)).map((e) => e.kind);
    expect(kinds.filter((k) => k.startsWith('step_'))).toEqual(['step_ticked', 'step_unticked']);
  });

  it('never unticks a step someone else ticked when a person clicks on a stale message', async () => {
    const { incidentId, messages } = await declare('sev2 prompt-injection Hidden instructions in shared docs');
    const stale = messages.checklists()[0]!;
    await h.act(stale, toggle(stale, `${incidentId}:1`), { user: 'USAM' });
    // Bob still sees the message from before Sam's tick: his click shows step 1 unticked.
    await h.act(stale, toggle(stale, `${incidentId}:2`), { user: 'UBOB' });
    const steps = await h.app.context.store.steps.list(incidentId);
    expect(steps.slice(0, 2).map((s) => s.doneBy)).toEqual(['USAM', 'UBOB']);
    expect(tickedValues(messages.checklists())).toEqual([`${incidentId}:1`, `${incidentId}:2`]);
  });

  it('loses no tick when five people click on the same message at once', async () => {
    const { incidentId, messages } = await declare('sev2 prompt-injection Agent follows instructions in emails');
    const shown = messages.checklists()[0]!;
    const people = ['UA', 'UB', 'UC', 'UD', 'UE'];
    await Promise.all(people.map((user, i) => h.act(shown, toggle(shown, `${incidentId}:${i + 1}`), { user })));
    const steps = await h.app.context.store.steps.list(incidentId);
    expect(steps.slice(0, 5).map((s) => s.doneBy)).toEqual(people);
    expect(tickedValues(messages.checklists())).toEqual(people.map((_, i) => `${incidentId}:${i + 1}`));
  });

  it('moves the incident through every header button and shows the next one', async () => {
    const { messages, load } = await declare('sev3 Recommender shows stale items');
    const seen: string[][] = [];
    for (const [actionId, reply] of [
      ['state:triaged', 'Triaged.'],
      ['state:contained', 'Contained.'],
      ['state:resolved', 'Resolved.'],
      ['state:closed', 'Closed.'],
    ] as const) {
      const header = messages.header();
      seen.push(buttonIds(header));
      const click = await h.act(header, button(header, actionId), { user: 'UALICE' });
      expect(click.replies[0]).toMatchObject({ response_type: 'in_channel', text: reply });
    }
    expect(seen.map((ids) => ids[0])).toEqual(['state:triaged', 'state:contained', 'state:resolved', 'state:closed']);
    const closed = await load();
    expect(closed.state).toBe('closed');
    expect(closed.closedAt).toEqual(h.clock.now());
    expect(buttonIds(messages.all()[0]!)).toEqual([]);
  });

  it('changes severity and assigns a role through the header modals', async () => {
    const { incidentId, channel, messages, load } = await declare('sev3 Model drift in churn predictions');
    const header = messages.header();
    await h.act(header, button(header, 'severity'), { triggerId: 'trig-sev' });
    const opened = h.fake.callsTo('views.open').at(-1)!;
    expect(opened.args.trigger_id).toBe('trig-sev');
    const view = opened.args.view as { callback_id: string; private_metadata: string; blocks: { element: { initial_option?: { value: string } } }[] };
    expect(view.callback_id).toBe('severity');
    expect(view.blocks[0]!.element.initial_option?.value).toBe('sev3');
    const viewId = [...h.fake.views.keys()].at(-1)!;
    const changed = await h.submit({
      id: viewId,
      callback_id: 'severity',
      private_metadata: view.private_metadata,
      values: { severity: { value: { type: 'static_select', selected_option: { value: 'sev1', text: { type: 'plain_text', text: 'SEV1' } } } } },
    });
    expect(changed.status).toBe(200);
    expect((await load()).severity).toBe('sev1');
    expect(h.fake.callsTo('chat.postMessage').at(-1)!.args).toMatchObject({ channel, text: 'Severity changed from SEV3 (medium) to SEV1 (critical).' });
    expect(JSON.stringify(messages.header().blocks)).toContain('SEV1 (critical)');

    const fresh = messages.header();
    await h.act(fresh, button(fresh, 'assign'));
    const assignView = h.fake.callsTo('views.open').at(-1)!.args.view as { callback_id: string; private_metadata: string };
    expect(assignView.callback_id).toBe('assign');
    await h.submit({
      id: [...h.fake.views.keys()].at(-1)!,
      callback_id: 'assign',
      private_metadata: assignView.private_metadata,
      values: {
        role: { value: { type: 'static_select', selected_option: { value: 'comms', text: { type: 'plain_text', text: 'Communications Lead' } } } },
        person: { value: { type: 'users_select', selected_user: 'UCARA' } },
      },
    });
    const roles = await h.app.context.store.roles.forIncident(incidentId);
    expect(roles.find((r) => r.role === 'comms')?.userId).toBe('UCARA');
    expect(h.fake.messagesIn('DUCARA')).toHaveLength(1);
    expect(h.fake.channels.get(channel)!.members.has('UCARA')).toBe(true);
    expect(JSON.stringify(messages.header().blocks)).toContain('Communications Lead: <@UCARA>');
  });

  it('assigns, pages, notes, decides, shows the timeline and marks a false positive by command', async () => {
    const { incidentId, channel, inChannel, load } = await declare('sev3 Toxic replies from the support bot');
    expect(h.fake.channels.get(channel)!.members.has('UMIA')).toBe(false);
    const assign = await inChannel('assign ml-engineer <@UMIA|mia>');
    expect(h.fake.channels.get(channel)!.members.has('UMIA')).toBe(true);
    expect(assign.replies[0]).toMatchObject({ response_type: 'in_channel', text: '<@UMIA> is now ML Engineer.' });
    expect(h.fake.messagesIn('DUMIA').length).toBeGreaterThan(0);
    // One person already inside does not keep the others out (Slack fails the whole call without force).
    await h.slack.platform.addMembers(channel, ['UMIA', 'UKIM']);
    expect(h.fake.channels.get(channel)!.members.has('UKIM')).toBe(true);
    expect(h.fake.callsTo('conversations.invite').at(-1)!.args.force).toBe(true);

    const dmsBefore = h.fake.messagesIn('DUSAM').length;
    const page = await inChannel('page security');
    expect(page.replies[0]).toMatchObject({ response_type: 'in_channel', text: 'Paged <@USAM> as Security Analyst.' });
    expect(h.fake.messagesIn('DUSAM')).toHaveLength(dmsBefore + 1);

    const note = await inChannel('note rolled back to model v41');
    expect(note.replies[0]).toMatchObject({ response_type: 'in_channel', text: 'Noted in the timeline: rolled back to model v41' });
    const decision = await inChannel('decision keep the filter on because false blocks are cheap');
    expect(String(decision.replies[0]!.text)).toBe('Decision recorded: keep the filter on, because false blocks are cheap');

    const timeline = await inChannel('timeline');
    expect(timeline.replies[0]).toMatchObject({ response_type: 'ephemeral' });
    const text = String(timeline.replies[0]!.text);
    expect(text).toContain('rolled back to model v41');
    expect(text).toContain('keep the filter on');

    const fp = await inChannel('false-positive the eval set was mislabelled');
    expect(String(fp.replies[0]!.text)).toMatch(/^Marked a false positive: the eval set was mislabelled/);
    const incident = await load();
    expect(incident.state).toBe('false_positive');
    const kinds = (await h.app.context.store.events.forIncident(incidentId)).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['note_added', 'decision_recorded', 'page_sent', 'state_changed']));
  });

  it('acknowledges a page from the Acknowledge button in the DM, and refuses a click by someone else', async () => {
    const dm = h.fake.messagesIn('DUSAM').at(-1)!;
    const ackButton = button(dm, 'page:ack');
    const [incidentId, pageId] = String(ackButton.value).split(':').map(Number);
    const other = await h.act(dm, ackButton, { user: 'UBOB' });
    expect(other.replies[0]).toMatchObject({ response_type: 'ephemeral' });
    expect(String(other.replies[0]!.text)).toContain('went to someone else');

    const click = await h.act(dm, ackButton, { user: 'USAM' });
    expect(click.status).toBe(200);
    const page = (await h.app.context.store.pages.forIncident(incidentId!)).find((p) => p.id === pageId)!;
    expect(page).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'USAM' });
    const events = await h.app.context.store.events.forIncident(incidentId!);
    expect(events.filter((e) => e.kind === 'page_acknowledged').map((e) => e.actor)).toEqual(['USAM']);
  });

  it('posts the metrics digest and uploads its chart to the channel', async () => {
    const { replies } = await h.command('metrics');
    expect(replies[0]).toMatchObject({ response_type: 'in_channel' });
    expect((replies[0]!.blocks as unknown[]).length).toBeGreaterThan(1);
    const uploaded = [...h.fake.files.values()];
    expect(uploaded).toHaveLength(1);
    expect(uploaded[0]).toMatchObject({ channel: 'C0GENERAL', filename: expect.stringMatching(/\.png$/) });
    expect(uploaded[0]!.bytes).toBeGreaterThanOrEqual(uploaded[0]!.length);
    expect(h.fake.callsTo('files.completeUploadExternal')).toHaveLength(1);
  });

  it('answers a command outside an incident channel with what to do instead', async () => {
    const { replies } = await h.command('triage');
    expect(replies[0]).toMatchObject({ response_type: 'ephemeral' });
    expect(String(replies[0]!.text)).toContain('works in an incident');
  });
});
