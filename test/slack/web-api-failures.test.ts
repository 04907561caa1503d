import { beforeEach, describe, expect, it } from 'vitest';
import { resumeUnfinishedIncidents } from '../../src/core/incident/resume-incidents.js';
import { retryUnfinishedSideEffects } from '../../src/core/incident/retry-side-effects.js';
import { useSlackHarness } from '../support/slack-harness.js';
import { incidentMessages, tickedValues } from './support.js';

const h = useSlackHarness();
beforeEach(() => h.fake.clearFailures());

async function incidentFrom(reply: Record<string, unknown> | undefined) {
  const id = Number(/INC-(\d+)/.exec(String(reply?.text))?.[1]);
  return (await h.app.context.store.incidents.get(id))!;
}

describe('when the Slack Web API fails', () => {
  it('adds a suffix when the channel name is taken', async () => {
    await h.command('declare sev3 Ranking model drifts');
    const { replies } = await h.command('declare sev3 Ranking model drifts');
    const second = await incidentFrom(replies[0]);
    expect(second.channelName).toBe('inc-20261125-ranking-model-drifts-2');
    const creates = h.fake.callsTo('conversations.create').slice(-2);
    expect(creates.map((c) => [c.args.name, c.outcome])).toEqual([
      ['inc-20261125-ranking-model-drifts', 'name_taken'],
      ['inc-20261125-ranking-model-drifts-2', 'ok'],
    ]);
    expect(String(replies[0]!.text)).toContain(`<#${second.channelId}>`);
  });

  it('waits out a 429 for the Retry-After seconds and then succeeds', async () => {
    h.fake.fail('chat.postMessage', { status: 429, retryAfter: 1 });
    const { replies } = await h.command('declare sev3 Classifier latency doubles');
    const incident = await incidentFrom(replies[0]);
    const posts = h.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === incident.channelId);
    expect(posts[0]!.outcome).toBe('http 429');
    expect(posts[1]!.outcome).toBe('ok');
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(incidentMessages(h, incident.channelId!).header()).toBeDefined();
    const failures = (await h.app.context.store.events.forIncident(incident.id)).filter((e) => e.kind === 'side_effect_failed');
    expect(failures).toEqual([]);
  });

  it('reports a 500 on channel creation to the declarer, records it, and finishes the incident on restart', async () => {
    h.fake.fail('conversations.create', { status: 500 }, 3);
    const { replies } = await h.command('declare sev2 data-leakage Support bot reveals other customers emails');
    expect(replies[0]).toMatchObject({ response_type: 'ephemeral' });
    expect(String(replies[0]!.text)).toContain('Slack answered HTTP 500 to conversations.create');
    const [stuck] = await h.app.context.store.incidents.list({ open: true, limit: 100 }).then((all) => all.filter((i) => i.title.includes('other customers')));
    expect(stuck!.channelId).toBeNull();
    const events = await h.app.context.store.events.forIncident(stuck!.id);
    expect(events.find((e) => e.kind === 'side_effect_failed')?.payload).toMatchObject({ effect: 'create channel', error: 'Slack answered HTTP 500 to conversations.create' });

    await resumeUnfinishedIncidents(h.app.context);
    const finished = (await h.app.context.store.incidents.get(stuck!.id))!;
    expect(finished.channelName).toBe('inc-20261125-support-bot-reveals-other');
    const channel = h.fake.channels.get(finished.channelId!)!;
    expect(channel.pins.size).toBe(1);
    expect(incidentMessages(h, channel.id).checklists().length).toBeGreaterThan(0);
  });

  it('turns a 500 on a card update into an event and a message in the channel, and the next update heals the card', async () => {
    const first = await h.command('declare sev3 Summariser invents citations', { wait: true });
    const incident = await incidentFrom(first.replies[0]);
    h.fake.fail('chat.update', { status: 500 }, 3);
    await h.command('triage', { channel: incident.channelId! });
    const events = await h.app.context.store.events.forIncident(incident.id);
    expect(events.some((e) => e.kind === 'side_effect_failed' && e.payload.error === 'Slack answered HTTP 500 to chat.update')).toBe(true);
    const warning = h.fake.messagesIn(incident.channelId!).find((m) => m.text.startsWith('⚠️ Could not update header card'));
    expect(warning?.text).toContain('Slack answered HTTP 500 to chat.update');
    expect(JSON.stringify(incidentMessages(h, incident.channelId!).header().blocks)).not.toContain('Triaged');

    await h.command('contain', { channel: incident.channelId! });
    expect(JSON.stringify(incidentMessages(h, incident.channelId!).header().blocks)).toContain('Contained');
  });

  it('redraws a card whose update failed at the next side-effect round, with no further change, and counts it unfinished while Slack still fails', async () => {
    const first = await h.command('declare sev3 Ranking model serves stale results', { wait: true });
    const incident = await incidentFrom(first.replies[0]);
    h.fake.fail('chat.update', { status: 500 }, 100);
    await h.command('triage', { channel: incident.channelId! });
    expect(JSON.stringify(incidentMessages(h, incident.channelId!).header().blocks)).not.toContain('Triaged');

    const failing = await retryUnfinishedSideEffects(h.app.context);
    expect(failing).toMatchObject({ finished: 0, unfinished: 1 });
    expect(JSON.stringify(incidentMessages(h, incident.channelId!).header().blocks)).not.toContain('Triaged');

    h.fake.clearFailures();
    const healed = await retryUnfinishedSideEffects(h.app.context);
    expect(healed).toMatchObject({ finished: 1, unfinished: 0 });
    expect(JSON.stringify(incidentMessages(h, incident.channelId!).header().blocks)).toContain('Triaged');
    const updates = h.fake.callsTo('chat.update').length;
    expect(await retryUnfinishedSideEffects(h.app.context)).toMatchObject({ finished: 0, unfinished: 0 });
    expect(h.fake.callsTo('chat.update')).toHaveLength(updates);
  });

  it('posts a card again when someone deleted its message, instead of failing every update, and pins the new header', async () => {
    const first = await h.command('declare sev3 prompt-injection Support bot follows pasted instructions', { wait: true });
    const incident = await incidentFrom(first.replies[0]);
    const channel = incident.channelId!;
    const oldHeader = incidentMessages(h, channel).header();
    const oldChecklist = incidentMessages(h, channel).checklists()[0]!;
    h.fake.deleteMessage(channel, oldHeader.ts);
    h.fake.deleteMessage(channel, oldChecklist.ts);

    await h.command('triage', { channel });
    await h.command('tick 1', { channel });

    const header = incidentMessages(h, channel).header();
    expect(header.ts).not.toBe(oldHeader.ts);
    expect(JSON.stringify(header.blocks)).toContain('Triaged');
    expect([...h.fake.channels.get(channel)!.pins]).toEqual([header.ts]);
    const checklists = incidentMessages(h, channel).checklists();
    expect(checklists.map((m) => m.ts)).not.toContain(oldChecklist.ts);
    expect(tickedValues(checklists)).toEqual([`${incident.id}:1`]);
    // Bound to the new messages; nothing reported as failed.
    const bound = await h.app.context.store.messages.forIncident(incident.id);
    expect(bound.find((m) => m.purpose === 'header')?.ref.ts).toBe(header.ts);
    expect(h.fake.messagesIn(channel).filter((m) => m.text.startsWith('⚠️'))).toEqual([]);
    expect((await h.app.context.store.events.forIncident(incident.id)).filter((e) => e.kind === 'side_effect_failed')).toEqual([]);
    expect(await retryUnfinishedSideEffects(h.app.context)).toMatchObject({ unfinished: 0 });
  });

  it('leaves the cards of an archived channel as they are: no failure recorded, nothing retried by the side-effect round', async () => {
    const first = await h.command('declare sev3 Forecast model drifts after the holiday', { wait: true });
    const incident = await incidentFrom(first.replies[0]);
    const channel = incident.channelId!;
    h.fake.channels.get(channel)!.archived = true;

    // A change made from elsewhere, and a close committed with no render (a crash at close).
    await h.command(`triage INC-${incident.id}`);
    const now = h.app.context.clock.now();
    await h.app.context.store.incidents.update(incident.id, { state: 'closed', resolvedAt: now, closedAt: now });
    await retryUnfinishedSideEffects(h.app.context);

    const updates = h.fake.callsTo('chat.update').filter((c) => c.args.channel === channel);
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((c) => c.outcome === 'is_archived')).toBe(true);
    expect((await h.app.context.store.events.forIncident(incident.id)).filter((e) => e.kind === 'side_effect_failed')).toEqual([]);
    expect(await h.app.context.store.cardPublishing.behind()).not.toContain(incident.id);
    await retryUnfinishedSideEffects(h.app.context);
    expect(h.fake.callsTo('chat.update').filter((c) => c.args.channel === channel)).toHaveLength(updates.length);
  });
});
