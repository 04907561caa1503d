import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../support/fake-slack.js';
import { HOUR } from '../support/clock.js';
import { useSlackHarness } from '../support/slack-harness.js';
import { button, incidentMessages } from '../slack/support.js';

const h = useSlackHarness();

describe('regulatory clocks in Slack', () => {
  it('starts the GDPR clock from the checklist step\'s button and takes the reasons for a late notification in a modal', async () => {
    const { replies } = await h.command('declare sev2 data-leakage Support assistant quotes other customers tickets');
    const incidentId = Number(/INC-(\d+)/.exec(String(replies[0]?.text))?.[1]);
    const channel = (await h.app.context.store.incidents.get(incidentId))!.channelId!;
    const messages = incidentMessages(h, channel);
    const withOffer = messages.checklists().find((m) => JSON.stringify(m.blocks).includes('clock:flag:gdpr-breach'))!;
    expect(JSON.stringify(withOffer.blocks)).toContain('Flag GDPR breach (72 h clock)');

    const flagged = await h.act(withOffer, button(withOffer, 'clock:flag:gdpr-breach'));
    expect(flagged.status).toBe(200);
    expect(String(flagged.replies[0]!.text)).toContain('GDPR notification clock started');
    expect(await h.app.context.store.clocks.forIncident(incidentId)).toMatchObject([{ kind: 'gdpr-breach', startedAt: h.clock.now() }]);
    expect(JSON.stringify(messages.header().blocks)).toContain('GDPR notification due in 3 d, by Sat 09:00');
    expect(messages.checklists().some((m) => JSON.stringify(m.blocks).includes('clock:flag'))).toBe(false);

    h.clock.advance(80 * HOUR);
    const late = await h.command('notified gdpr ref=DPA-77', { channel });
    const reply = late.replies[0]!;
    expect(String(reply.text)).toContain('late, 8 h after the deadline');
    const asked: StoredMessage = { channel, ts: '1700000000.000100', text: String(reply.text), blocks: reply.blocks as StoredMessage['blocks'] };
    await h.act(asked, button(asked, 'clock:late-reasons'), { triggerId: 'trig-reasons' });
    const opened = h.fake.callsTo('views.open').at(-1)!;
    expect(opened.args.trigger_id).toBe('trig-reasons');
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('clock:late-reasons');
    await h.submit({
      id: [...h.fake.views.keys()].at(-1)!,
      callback_id: 'clock:late-reasons',
      private_metadata: view.private_metadata,
      values: { reasons: { value: { type: 'plain_text_input', value: 'Scope confirmed only after the vendor export.' } } },
    });
    expect(await h.app.context.store.clocks.forIncident(incidentId)).toMatchObject([{ notifiedRef: 'DPA-77', lateReasons: 'Scope confirmed only after the vendor export.' }]);
    expect(JSON.stringify(messages.header().blocks)).toContain('reasons for the delay: Scope confirmed only after the vendor export.');
  });
});
