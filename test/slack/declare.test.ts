import { describe, expect, it } from 'vitest';
import { BOT_USER, GENERAL } from '../support/fake-slack.js';
import { useSlackHarness } from '../support/slack-harness.js';

const h = useSlackHarness();

const CHANNEL = 'inc-20261125-support-bot-obeys-instructions';

describe('declaring an incident from Slack', () => {
  it('opens a private channel with the declarer and role holders, pins the header, posts the checklist and pages each role', async () => {
    await h.command('oncall security <@USAM> <@ULEE>');
    await h.command('oncall ml-engineer <@UMIA|mia>');
    const { status, replies } = await h.command('declare sev1 prompt-injection Support bot obeys instructions hidden in uploaded PDFs');
    expect(status).toBe(200);

    const create = h.fake.callsTo('conversations.create');
    expect(create.map((c) => c.args)).toEqual([{ name: CHANNEL, is_private: true }]);
    const channel = h.fake.channelNamed(CHANNEL)!;
    expect(channel.isPrivate).toBe(true);
    expect([...channel.members].sort()).toEqual([BOT_USER, 'UALICE', 'UMIA', 'USAM'].sort());
    expect(channel.topic).toBe('INC-1 SEV1: Support bot obeys instructions hidden in uploaded PDFs');

    // The cards; the similar-cases text (posted last, issue 10) is checked below.
    const posted = h.fake.messagesIn(channel.id).filter((m) => !String(m.text ?? '').startsWith('Similar cases for'));
    const [header, ...checklists] = posted;
    expect(header!.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'INC-1 · Support bot obeys instructions hidden in uploaded PDFs' } });
    expect(channel.pins).toEqual(new Set([header!.ts]));
    const buttons = header!.blocks.find((b) => b.block_id === 'actions')!.elements as { action_id: string; value: string }[];
    expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
      ['state:triaged', '1:triaged'],
      ['severity', '1:sev1'],
      ['assign', '1:assign'],
    ]);

    // 25 prompt-injection steps, at most 20 per message and 10 per checkbox element.
    expect(checklists).toHaveLength(2);
    const options = checklists.flatMap((m) =>
      m.blocks.filter((b) => b.type === 'actions' && String(b.block_id).startsWith('checklist:')).flatMap((b) => (b.elements as { options: { value: string }[] }[])[0]!.options),
    );
    expect(options.map((o) => o.value)).toEqual(Array.from({ length: 25 }, (_, i) => `1:${i + 1}`));

    // The header shows the suggested taxonomy tags (issue 10), within Block Kit's limits (the fake refuses more).
    expect(JSON.stringify(header!.blocks)).toContain('AML.T0051 LLM Prompt Injection');
    // Similar cases: one text message after the cards, and nothing similar yet in a new install.
    const similar = h.fake.messagesIn(channel.id).filter((m) => String(m.text ?? '').startsWith('Similar cases for'));
    expect(similar).toHaveLength(1);
    expect(String(similar[0]!.text)).toMatch(/^Similar cases for INC-1 /);

    // Every role holder but the declarer gets a DM with an Acknowledge button.
    const dms = [...h.fake.messages.values()].filter((m) => m.channel.startsWith('D'));
    expect(dms.map((m) => m.channel).sort()).toEqual(['DUMIA', 'DUSAM']);
    const ack = dms[0]!.blocks.find((b) => b.block_id === 'actions')!.elements as { action_id: string; value: string }[];
    expect(ack[0]).toMatchObject({ action_id: 'page:ack', text: { text: 'Acknowledge' } });
    expect(ack[0]!.value).toMatch(/^1:\d+$/);

    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ response_type: 'ephemeral' });
    expect(String(replies[0]!.text)).toContain(`Declared INC-1 (SEV1, private) in <#${channel.id}>.`);

    const incident = (await h.app.context.store.incidents.get(1))!;
    expect(incident).toMatchObject({ platform: 'slack', channelId: channel.id, severity: 'sev1', private: true, declaredBy: 'UALICE' });
    const pages = await h.app.context.store.pages.forIncident(1);
    expect(pages.map((p) => [p.role, p.userId, p.status]).sort()).toEqual([
      ['ml-engineer', 'UMIA', 'sent'],
      ['security', 'USAM', 'sent'],
    ]);
    expect(h.fake.calls.every((c) => c.outcome === 'ok')).toBe(true);
  });

  it('creates one incident when Slack retries the delivery with the same trigger_id', async () => {
    const before = (await h.app.context.store.incidents.list({ limit: 100 })).length;
    const trigger = '9999.retried';
    const first = await h.command('declare sev3 Classifier flags every invoice as fraud', { triggerId: trigger });
    const retry = await h.command('declare sev3 Classifier flags every invoice as fraud', { triggerId: trigger, send: { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } } });
    expect([first.status, retry.status]).toEqual([200, 200]);
    const after = await h.app.context.store.incidents.list({ limit: 100 });
    expect(after.length).toBe(before + 1);
    expect(String(retry.replies[0]!.text)).toMatch(/^Already declared as INC-\d+ in <#C\d{8}>\./);
    expect(h.fake.callsTo('conversations.create').filter((c) => String(c.args.name).includes('classifier-flags'))).toHaveLength(1);
  });

  it('answers an unknown command privately with what to type instead, and changes nothing', async () => {
    const before = h.fake.calls.length;
    const { status, replies } = await h.command('delcare sev1 oops', { channel: GENERAL });
    expect(status).toBe(200);
    expect(replies[0]).toMatchObject({ response_type: 'ephemeral' });
    expect(String(replies[0]!.text)).toContain('unknown command "delcare"');
    expect(h.fake.calls.length).toBe(before);
  });
});
