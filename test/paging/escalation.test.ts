import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/context.js';
import { handleCardClick } from '../../src/core/handle-action.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { timeToAcknowledge } from '../../src/core/metrics/mtta.js';
import { runDuePages } from '../../src/core/roles/deliver-pages.js';
import { MINUTE } from '../support/clock.js';
import { general, useCoreHarness } from '../support/harness.js';

const harness = useCoreHarness();
const context = () => harness.core.context;
const tick = () => runDuePages(context());
const rolePages = async (incidentId: number, role: string) => (await context().store.pages.forIncident(incidentId)).filter((p) => p.role === role);
const printedSince = (mark: number) => harness.core.printed.slice(mark).join('\n');

describe('escalation of unacknowledged pages', () => {
  it('pages the next person after the sev1 timeout, then the backup, and stops when someone acknowledges', async () => {
    await handleCommand(context(), general, '/incident oncall security @sam @lee backup=@bo');
    const start = harness.core.clock.now();
    const { incident } = await harness.declare('sev1 prompt-injection Support bot obeys instructions hidden in PDFs');
    const [first] = await rolePages(incident.id, 'security');
    expect(first).toMatchObject({ userId: 'sam', status: 'sent', step: 0 });
    expect(first!.escalateAt!.getTime() - start.getTime()).toBe(5 * MINUTE);

    harness.core.clock.advance(5 * MINUTE - 1000);
    expect((await tick()).escalated).toBe(0);
    expect(await rolePages(incident.id, 'security')).toHaveLength(1);

    let mark = harness.core.printed.length;
    harness.core.clock.advance(1000);
    expect(await tick()).toMatchObject({ escalated: 1, sent: 1 });
    expect((await rolePages(incident.id, 'security')).map((p) => [p.userId, p.status, p.step])).toEqual([
      ['sam', 'escalated', 0],
      ['lee', 'sent', 1],
    ]);
    expect(printedSince(mark)).toContain(`[#${incident.channelId}] bot: @sam did not acknowledge the Security Analyst page in time: paging @lee.`);
    expect(printedSince(mark)).toContain('[DM to @lee] bot:');
    expect(printedSince(mark)).toContain('Escalated: nobody before you acknowledged (step 1).');

    mark = harness.core.printed.length;
    harness.core.clock.advance(5 * MINUTE);
    expect(await tick()).toMatchObject({ escalated: 1, sent: 1 });
    expect(printedSince(mark)).toContain('@lee did not acknowledge the Security Analyst page in time: paging @bo (the backup).');
    const boPage = (await rolePages(incident.id, 'security')).at(-1)!;
    expect(boPage).toMatchObject({ userId: 'bo', status: 'sent', step: 2 });

    harness.core.clock.advance(2 * MINUTE);
    mark = harness.core.printed.length;
    const bo: Actor = { platform: 'console', userId: 'bo', channelId: 'dm-bo' };
    const ack = await handleCardClick(context(), bo, { action: 'page-ack', value: `${incident.id}:${boPage.id}` });
    expect(ack.text).toBe(`Acknowledged: you are Security Analyst for INC-${incident.id}. Join #${incident.channelName}.`);
    expect(printedSince(mark)).toContain('@bo acknowledged the Security Analyst page (2 min after it was sent).');

    // Nothing escalates any more, however long nobody else answers.
    harness.core.clock.advance(3 * 60 * MINUTE);
    expect((await tick()).escalated).toBe(0);
    expect((await rolePages(incident.id, 'security')).map((p) => [p.userId, p.status])).toEqual([
      ['sam', 'escalated'],
      ['lee', 'escalated'],
      ['bo', 'acknowledged'],
    ]);
    const holder = (await context().store.roles.forIncident(incident.id)).find((r) => r.role === 'security');
    expect(holder?.userId).toBe('bo');

    const events = (await context().store.events.forIncident(incident.id)).filter((e) => 'role' in e.payload && e.payload.role === 'security');
    expect(events.map((e) => `${e.kind}:${String(e.payload.user ?? e.payload.to)}`)).toEqual([
      'role_assigned:sam',
      'page_sent:sam',
      'page_escalated:lee',
      'page_sent:lee',
      'page_escalated:bo',
      'page_sent:bo',
      'page_acknowledged:bo',
      'role_assigned:bo',
    ]);
    const escalations = events.filter((e) => e.kind === 'page_escalated');
    expect(escalations.map((e) => e.occurredAt.getTime() - start.getTime())).toEqual([5 * MINUTE, 10 * MINUTE]);

    // Time to acknowledge: first page of the role → acknowledgement, escalations included.
    const mtta = await timeToAcknowledge(context().store, { from: start, to: new Date(start.getTime() + 1000) });
    expect(mtta.security).toEqual({ mean: 12, median: 12, p90: 12, n: 1, unit: 'minutes' });
    expect(mtta.legal).toEqual({ mean: null, median: null, p90: null, n: 0, unit: 'minutes' });
  });

  it('never escalates a sev4 page', async () => {
    await handleCommand(context(), general, '/incident oncall ml-engineer @mia @max');
    const { incident } = await harness.declare('sev4 model-drift Slow drift on the ranking model');
    const [page] = await rolePages(incident.id, 'ml-engineer');
    expect(page).toMatchObject({ userId: 'mia', status: 'sent', escalateAt: null });
    harness.core.clock.advance(24 * 60 * MINUTE);
    expect((await tick()).escalated).toBe(0);
    expect(await rolePages(incident.id, 'ml-engineer')).toHaveLength(1);
  });

  it('stops escalating when the incident is resolved', async () => {
    await handleCommand(context(), general, '/incident oncall ml-engineer @mia @max');
    const { incident, run } = await harness.declare('sev2 model-drift Fraud model recall fell overnight');
    expect((await rolePages(incident.id, 'ml-engineer'))[0]!.escalateAt).not.toBeNull();
    harness.core.clock.advance(5 * MINUTE);
    await run('resolve');
    harness.core.clock.advance(15 * MINUTE);
    expect((await tick()).escalated).toBe(0);
    expect((await rolePages(incident.id, 'ml-engineer')).map((p) => p.userId)).toEqual(['mia']);
  });

  it('re-pages a lone on-call person each round and says so in the channel when every round went unanswered', async () => {
    await handleCommand(context(), general, '/incident oncall legal @lou');
    await handleCommand(context(), general, '/incident oncall legal backup=none');
    const { incident } = await harness.declare('sev1 data-leakage Chatbot leaked another customer\'s address');
    expect((await rolePages(incident.id, 'legal')).map((p) => p.userId)).toEqual(['lou']);
    for (let round = 1; round <= 2; round++) {
      harness.core.clock.advance(5 * MINUTE);
      await tick();
      expect(await rolePages(incident.id, 'legal')).toHaveLength(round + 1);
    }
    const mark = harness.core.printed.length;
    harness.core.clock.advance(5 * MINUTE);
    await tick();
    expect(await rolePages(incident.id, 'legal')).toHaveLength(3);
    expect(printedSince(mark)).toContain('Nobody acknowledged the Legal/Compliance page after 3 tries; the bot stopped escalating.');
    expect((await rolePages(incident.id, 'legal')).map((p) => [p.userId, p.step])).toEqual([
      ['lou', 0],
      ['lou', 1],
      ['lou', 2],
    ]);
    const exhausted = (await context().store.events.forIncident(incident.id)).filter((e) => e.kind === 'escalation_exhausted');
    expect(exhausted).toHaveLength(1);
  });
});

describe('acknowledging', () => {
  it('keeps one chain per role: paging a role again replaces the older chain', async () => {
    await handleCommand(context(), general, '/incident oncall legal @lou @len');
    const { incident, run } = await harness.declare('sev1 data-leakage Training data exposed in a public bucket');
    expect((await run('page legal')).text).toBe('Paged @lou as Legal/Compliance.');
    harness.core.clock.advance(5 * MINUTE);
    await tick();
    expect((await rolePages(incident.id, 'legal')).map((p) => [p.userId, p.step])).toEqual([
      ['lou', 0],
      ['lou', 0],
      ['len', 1],
    ]);
  });

  it('refuses someone else\'s page, acks your own with `ack` in the channel or `ack <page>` anywhere, once', async () => {
    await handleCommand(context(), general, '/incident oncall comms @cat @cid');
    const { incident, run } = await harness.declare('sev2 Chatbot produced a defamatory answer about a public figure');
    expect((await run('page comms')).text).toBe('Paged @cat as Communications Lead.');
    const page = (await rolePages(incident.id, 'comms')).at(-1)!;
    expect(page.userId).toBe('cat');

    const stranger = await handleCommand(context(), { platform: 'console', userId: 'zed', channelId: 'general' }, `/incident ack ${page.id}`);
    expect(stranger.text).toContain('went to someone else');
    const nothing = await run('ack', 'zed');
    expect(nothing.text).toContain(`you have no unacknowledged page in INC-${incident.id}`);
    const missing = await handleCommand(context(), general, '/incident ack 99999');
    expect(missing.text).toContain('there is no page 99999');
    const outside = await handleCommand(context(), general, '/incident ack');
    expect(outside.text).toContain('`ack` alone works in an incident channel');

    const ack = await run('ack', 'cat');
    expect(ack.text).toContain(`Acknowledged: you are Communications Lead for INC-${incident.id}`);
    const again = await handleCommand(context(), { platform: 'console', userId: 'cat', channelId: 'dm-cat' }, `/incident ack ${page.id}`);
    expect(again.text).toContain(`You already acknowledged page ${page.id}`);
    const acks = (await context().store.events.forIncident(incident.id)).filter((e) => e.kind === 'page_acknowledged');
    expect(acks).toHaveLength(1);
    const timeline = await run('timeline');
    expect(timeline.text).toMatch(/@cat {2}acknowledged the Communications Lead page/);
  });

  it('refuses a button value the bot did not make', async () => {
    const reply = await handleCardClick(context(), general, { action: 'page-ack', value: 'nonsense' });
    expect(reply.text).toContain('is not one the bot made');
  });
});

describe('a page whose incident was resolved before it went out', () => {
  it('is cancelled as an event, and nobody is paged', async () => {
    const { incident, run } = await harness.declare('sev2 model-drift Ranking quality decline in EU');
    await run('resolve');
    await context().store.pages.create({ incidentId: incident.id, role: 'ml-engineer', userId: 'zoe', createdAt: harness.core.clock.now() });
    const mark = harness.core.printed.length;
    await tick();
    expect((await rolePages(incident.id, 'ml-engineer')).filter((p) => p.userId === 'zoe').map((p) => p.status)).toEqual(['cancelled']);
    expect(printedSince(mark)).not.toContain('[DM to @zoe]');
    const cancelled = (await context().store.events.forIncident(incident.id)).find((e) => e.kind === 'page_cancelled');
    expect(cancelled?.payload).toMatchObject({ role: 'ml-engineer', user: 'zoe', reason: 'the incident is resolved' });
    expect((await run('timeline')).text).toContain('did not page @zoe as ML Engineer: the incident is resolved');
  });
});
