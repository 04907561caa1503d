import { beforeEach, describe, expect, it } from 'vitest';
import { publishIncident } from '../../src/core/incident/publish-incident.js';
import { resumeUnfinishedIncidents } from '../../src/core/incident/resume-incidents.js';
import { BOT_USER } from '../support/fake-slack.js';
import { useSlackHarness } from '../support/slack-harness.js';
import { incidentMessages } from './support.js';

const h = useSlackHarness();
beforeEach(() => h.fake.clearFailures());

async function incidentFrom(reply: Record<string, unknown> | undefined) {
  const id = Number(/INC-(\d+)/.exec(String(reply?.text))?.[1]);
  return (await h.app.context.store.incidents.get(id))!;
}

const texts = (channelId: string) => h.fake.messagesIn(channelId).map((m) => m.text);
const channelsNamed = (prefix: string) => [...h.fake.channels.values()].filter((c) => c.name.startsWith(prefix));
const eventsOf = async (incidentId: number, kind: string) => (await h.app.context.store.events.forIncident(incidentId)).filter((e) => e.kind === kind);

describe('someone on a roster who is not in the workspace any more', () => {
  it('still gets everyone else a channel, names the people Slack refused and pages the next person of their roles', async () => {
    // The roster was right when it was set; then one person left and another was deactivated.
    await h.command('oncall security <@UGHOST> <@USAM>');
    await h.command('oncall ml-engineer <@UDEACT> <@UMIA>');
    h.fake.removeUser('UGHOST');
    h.fake.addUser('UDEACT', { deleted: true });

    const { replies } = await h.command('declare sev1 prompt-injection Agent leaks its system prompt');
    const incident = await incidentFrom(replies[0]);
    const name = 'inc-20261125-agent-leaks-its-system-prompt';

    // One channel, recorded on the incident; everyone Slack could invite is in it.
    expect(channelsNamed(name)).toHaveLength(1);
    const channel = h.fake.channelNamed(name)!;
    expect(incident.channelId).toBe(channel.id);
    expect([...channel.members].sort()).toEqual([BOT_USER, 'UALICE', 'UMIA', 'USAM'].sort());
    expect(h.fake.callsTo('conversations.create').filter((c) => String(c.args.name).startsWith(name)).map((c) => c.outcome)).toEqual(['ok']);
    // Slack refused the first invite for the two of them (force: the others went in), as it does.
    const invites = h.fake.callsTo('conversations.invite').filter((c) => c.args.channel === channel.id);
    expect(invites[0]!.outcome).toBe('user_not_found');

    // The header and checklist are posted; the channel says who could not be invited and why.
    expect(incidentMessages(h, channel.id).header()).toBeDefined();
    const lines = texts(channel.id).join('\n');
    expect(lines).toContain('Could not invite <@UGHOST> to this channel: there is nobody with that id in this workspace (user_not_found)');
    expect(lines).toContain('Could not invite <@UDEACT> to this channel: their account cannot be invited (deactivated, or not allowed in this channel) (cant_invite)');
    expect(lines).toContain('<@UGHOST> was being paged as Security Analyst: paging <@USAM>, next on the Security Analyst roster, instead.');
    expect(lines).toContain('<@UDEACT> was being paged as ML Engineer: paging <@UMIA>, next on the ML Engineer roster, instead.');

    // The next people are paged (a DM each); the two who cannot be reached get none.
    const pages = await h.app.context.store.pages.forIncident(incident.id);
    expect(pages.map((p) => [p.role, p.userId, p.status, p.step]).sort()).toEqual([
      ['ml-engineer', 'UDEACT', 'escalated', 0],
      ['ml-engineer', 'UMIA', 'sent', 1],
      ['security', 'UGHOST', 'escalated', 0],
      ['security', 'USAM', 'sent', 1],
    ]);
    const dms = [...h.fake.messages.values()].filter((m) => m.channel.startsWith('D')).map((m) => m.channel);
    expect(dms).toEqual(expect.arrayContaining(['DUSAM', 'DUMIA']));
    expect(dms).not.toContain('DUGHOST');
    expect(dms).not.toContain('DUDEACT');

    // Every step is recorded, and creating the channel is not reported as failed.
    expect((await eventsOf(incident.id, 'channel_created')).map((e) => e.payload)).toEqual([{ channel_id: channel.id, name, private: true }]);
    expect((await eventsOf(incident.id, 'invite_failed')).map((e) => [e.payload.user, e.payload.reason]).sort()).toEqual([
      ['UDEACT', 'cant_invite'],
      ['UGHOST', 'user_not_found'],
    ]);
    expect((await eventsOf(incident.id, 'members_invited')).map((e) => e.payload)).toEqual([{ channel_id: channel.id, users: ['UALICE'], failed: ['UGHOST', 'UDEACT'] }]);
    expect((await eventsOf(incident.id, 'page_escalated')).map((e) => [e.payload.from, e.payload.to]).sort()).toEqual([
      ['UDEACT', 'UMIA'],
      ['UGHOST', 'USAM'],
    ]);
    expect(await eventsOf(incident.id, 'side_effect_failed')).toEqual([]);

    // The incident works as usual in its channel.
    const status = await h.command('status', { channel: channel.id });
    expect(JSON.stringify(status.replies)).toContain('Agent leaks its system prompt');

    // Running the side effects again invites nobody twice and makes no second channel.
    const before = h.fake.callsTo('conversations.invite').length;
    await publishIncident(h.app.context, incident.id);
    expect(h.fake.callsTo('conversations.invite').length).toBe(before);
    expect(channelsNamed(name)).toHaveLength(1);
  });

  it('when nobody else is on the role\'s roster, says so and does not page the missing person', async () => {
    await h.command('oncall legal <@UGONE2>');
    h.fake.removeUser('UGONE2');
    const { replies } = await h.command('declare sev2 prompt-injection Chatbot quotes internal wiki');
    const incident = await incidentFrom(replies[0]);
    const lines = texts(incident.channelId!).join('\n');
    expect(lines).toContain('Could not invite <@UGONE2>');
    expect(lines).toContain('nobody else is on its roster: give it to someone with `/incident assign legal @person`');
    const pages = (await h.app.context.store.pages.forIncident(incident.id)).filter((p) => p.role === 'legal');
    expect(pages.map((p) => [p.userId, p.status])).toEqual([['UGONE2', 'cancelled']]);
    expect([...h.fake.messages.values()].some((m) => m.channel === 'DUGONE2')).toBe(false);
  });
});

describe('oncall and assign check each person exists', () => {
  it('refuses someone Slack does not know, or a deactivated account, and changes nothing', async () => {
    h.fake.removeUser('UNOBODY');
    h.fake.addUser('UFORMER', { deleted: true });
    await h.command('oncall commander <@UBOB>');
    const rosterBefore = (await h.app.context.store.roles.roster('slack')).get('commander');
    const eventsBefore = (await h.app.context.store.events.forIncident(0)).length;

    const unknown = await h.command('oncall commander <@UNOBODY> <@UKIM>');
    const unknownText = String(unknown.replies[0]!.text);
    expect(unknownText).toContain("I can't find <@UNOBODY> in this workspace");
    expect(unknownText).toContain('Nothing changed');
    expect(unknownText).toContain('/incident oncall commander <@UKIM> @person');

    const deactivated = await h.command('oncall commander <@UFORMER>');
    expect(String(deactivated.replies[0]!.text)).toContain('<@UFORMER> is deactivated');

    const backup = await h.command('oncall commander <@UKIM> backup=<@UFORMER>');
    expect(String(backup.replies[0]!.text)).toContain('<@UFORMER> is deactivated');

    expect((await h.app.context.store.roles.roster('slack')).get('commander')).toEqual(rosterBefore);
    expect((await h.app.context.store.roles.backups('slack')).get('commander')).toBeUndefined();
    expect((await h.app.context.store.events.forIncident(0)).length).toBe(eventsBefore);
    expect(h.fake.callsTo('users.info').map((c) => c.args.user)).toEqual(expect.arrayContaining(['UNOBODY', 'UFORMER']));

    // The same roster with real people is taken.
    const ok = await h.command('oncall commander <@UKIM> <@UBOB>');
    expect(String(ok.replies[0]!.text)).toContain('is primary');
    expect((await h.app.context.store.roles.roster('slack')).get('commander')).toEqual(['UKIM', 'UBOB']);
  });

  it('refuses to assign a role to someone who is not there, and pages nobody', async () => {
    const { replies } = await h.command('declare sev3 Embedding drift on search');
    const incident = await incidentFrom(replies[0]);
    const channel = incident.channelId!;
    const rolesBefore = await h.app.context.store.roles.forIncident(incident.id);
    const pagesBefore = await h.app.context.store.pages.forIncident(incident.id);
    const membersBefore = [...h.fake.channels.get(channel)!.members];

    const unknown = await h.command('assign ml-engineer <@UNOBODY>', { channel });
    expect(String(unknown.replies[0]!.text)).toContain("I can't find <@UNOBODY> in this workspace");
    expect(String(unknown.replies[0]!.text)).toContain('/incident assign ml-engineer @person');
    const deactivated = await h.command('assign ml-engineer <@UFORMER>', { channel });
    expect(String(deactivated.replies[0]!.text)).toContain('<@UFORMER> is deactivated');

    expect(await h.app.context.store.roles.forIncident(incident.id)).toEqual(rolesBefore);
    expect(await h.app.context.store.pages.forIncident(incident.id)).toEqual(pagesBefore);
    expect([...h.fake.channels.get(channel)!.members]).toEqual(membersBefore);
    expect(await eventsOf(incident.id, 'role_assigned')).toHaveLength(rolesBefore.length);

    const ok = await h.command('assign ml-engineer <@UMIA>', { channel });
    expect(String(ok.replies[0]!.text)).toContain('is now ML Engineer');
  });
});

describe('a channel Slack created whose answer never arrived', () => {
  it('is adopted when web-api retries the create and Slack answers name_taken', async () => {
    h.fake.failAfterPerforming('conversations.create', { status: 500 });
    const { replies } = await h.command('declare sev3 Reranker returns stale results');
    const incident = await incidentFrom(replies[0]);
    const name = 'inc-20261125-reranker-returns-stale-results';
    expect(h.fake.callsTo('conversations.create').filter((c) => String(c.args.name).startsWith(name)).map((c) => c.outcome)).toEqual([
      'performed, http 500',
      'name_taken',
    ]);
    expect(channelsNamed(name)).toHaveLength(1);
    const channel = h.fake.channelNamed(name)!;
    expect(incident.channelId).toBe(channel.id);
    expect(channel.topic).toBe(`INC-${incident.id} SEV3: Reranker returns stale results`);
    expect(channel.members.has('UALICE')).toBe(true);
    expect(incidentMessages(h, channel.id).header()).toBeDefined();
    expect((await eventsOf(incident.id, 'channel_created')).map((e) => e.payload)).toEqual([{ channel_id: channel.id, name, private: false, adopted: true }]);
    expect(await eventsOf(incident.id, 'side_effect_failed')).toEqual([]);
  });

  it('is adopted on the next attempt when every try of the create failed after Slack made it', async () => {
    // Slack makes the channel, then the bot never hears back (500, then 500s for the retries).
    h.fake.failAfterPerforming('conversations.create', { status: 500 });
    h.fake.fail('conversations.create', { status: 500 }, 2);
    // Enough channels that finding it takes more than one page of conversations.list.
    for (let i = 0; i < 230; i++) h.fake.addChannel(`CFILL${String(i).padStart(4, '0')}`, `team-chatter-${i}`);
    const { replies } = await h.command('declare sev3 Tokenizer splits emoji wrongly');
    const id = Number(/INC-(\d+)/.exec(JSON.stringify(replies))?.[1]);
    const name = 'inc-20261125-tokenizer-splits-emoji-wrongly';
    expect((await h.app.context.store.incidents.get(id))!.channelId).toBeNull();
    expect(channelsNamed(name)).toHaveLength(1);

    // The retry (here the restart's resume; the periodic retry does the same) adopts it.
    h.fake.clearFailures();
    await publishIncident(h.app.context, id);
    const incident = (await h.app.context.store.incidents.get(id))!;
    expect(channelsNamed(name)).toHaveLength(1);
    expect(incident.channelId).toBe(h.fake.channelNamed(name)!.id);
    expect(incident.channelName).toBe(name);
    const lists = h.fake.callsTo('conversations.list');
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(lists.at(-1)!.args.cursor).toBeTruthy();
    expect(String(lists.at(-1)!.args.types)).toBe('public_channel,private_channel');
    expect(incidentMessages(h, incident.channelId!).header()).toBeDefined();
    expect(h.fake.channelNamed(name)!.members.has('UALICE')).toBe(true);
    expect((await eventsOf(id, 'channel_created')).map((e) => e.payload.adopted)).toEqual([true]);
    expect((await eventsOf(id, 'space_requested')).map((e) => e.payload.name)).toEqual([name]);

    // And a restart finds nothing more to do: still one channel.
    await resumeUnfinishedIncidents(h.app.context);
    expect(channelsNamed(name)).toHaveLength(1);
  });

  it('is adopted when the connection dropped after Slack made it', async () => {
    h.fake.failAfterPerforming('conversations.create', 'drop');
    const { replies } = await h.command('declare sev3 Guardrail blocks every refund question');
    const name = 'inc-20261125-guardrail-blocks-every-refund';
    expect(h.fake.callsTo('conversations.create').filter((c) => c.args.name === name)[0]!.outcome).toBe('performed, connection dropped');
    const id = Number(/INC-(\d+)/.exec(JSON.stringify(replies))?.[1]);
    let incident = (await h.app.context.store.incidents.get(id))!;
    if (!incident.channelId) incident = (await publishIncident(h.app.context, id))!;
    expect(channelsNamed(name)).toHaveLength(1);
    expect(incident.channelId).toBe(h.fake.channelNamed(name)!.id);
  });

  it('never adopts a channel of that name someone made by hand', async () => {
    h.fake.addChannel('CHANDMADE', 'inc-20261125-feature-store-serves-nulls', { creator: 'UKIM' });
    const { replies } = await h.command('declare sev3 Feature store serves nulls');
    const incident = await incidentFrom(replies[0]);
    expect(incident.channelName).toBe(`inc-20261125-feature-store-serves-nulls-${incident.id}`);
    expect(incident.channelId).not.toBe('CHANDMADE');
    expect(h.fake.channels.get('CHANDMADE')!.topic).toBe('');
    expect(h.fake.messagesIn('CHANDMADE')).toEqual([]);
  });
});
