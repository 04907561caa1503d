import { describe, expect, it } from 'vitest';
import { GENERAL } from '../support/fake-slack.js';
import { useSlackHarness } from '../support/slack-harness.js';
import { triggerId, viewSubmission } from '../support/slack-requests.js';

const h = useSlackHarness();

interface ViewJson {
  callback_id: string;
  private_metadata: string;
  blocks: { block_id: string; element: { initial_option?: { value: string }; initial_value?: string } }[];
}

const select = (value: string) => ({ value: { type: 'static_select', selected_option: { value, text: { type: 'plain_text', text: value } } } });

describe('the declare modal', () => {
  it('opens on `/incident declare`, preselects the playbook matched from the title, and declares once on a double submit', async () => {
    const { status, replies } = await h.command('declare', { triggerId: 'trig-modal' });
    expect(status).toBe(200);
    expect(replies).toEqual([]);
    const open = h.fake.callsTo('views.open').at(-1)!;
    expect(open.args.trigger_id).toBe('trig-modal');
    const view = open.args.view as ViewJson;
    expect(view.callback_id).toBe('declare');
    expect(view.blocks.map((b) => b.block_id)).toEqual(['title', 'playbook', 'severity', 'summary', 'started', 'private']);
    expect(view.blocks[1]!.element.initial_option?.value).toBe('auto');
    const viewId = [...h.fake.views.keys()].at(-1)!;

    // Enter in the title field: the modal is updated with the matching playbook selected.
    const title = 'Users leak PII through the support chat';
    await h.interact({
      type: 'block_actions',
      user: { id: 'UALICE', team_id: 'T0TEAM' },
      api_app_id: 'A0APP',
      token: 'legacy-verification-token',
      container: { type: 'view', view_id: viewId },
      trigger_id: triggerId(),
      team: { id: 'T0TEAM', domain: 'acme' },
      view: { id: viewId, hash: 'h1', callback_id: 'declare', private_metadata: view.private_metadata, type: 'modal', state: { values: {} }, blocks: [] },
      actions: [{ type: 'plain_text_input', action_id: 'declare_title', block_id: 'title', value: title, action_ts: '1' }],
    });
    const updated = h.fake.callsTo('views.update').at(-1)!.args.view as ViewJson;
    expect(updated.blocks[1]!.element.initial_option?.value).toBe('data-leakage');
    expect(updated.blocks[0]!.element.initial_value).toBe(title);

    const values = {
      title: { declare_title: { type: 'plain_text_input', value: title } },
      playbook: select('data-leakage'),
      severity: select('sev2'),
      summary: { value: { type: 'plain_text_input', value: 'Seen by two customers' } },
      started: { value: { type: 'datetimepicker', selected_date_time: Math.floor(Date.parse('2026-11-25T08:30:00Z') / 1000) } },
      private: { value: { type: 'radio_buttons', selected_option: { value: 'no', text: { type: 'plain_text', text: 'Public' } } } },
    };
    const form = { id: viewId, callback_id: 'declare', private_metadata: view.private_metadata, values };
    const [first, second] = await Promise.all([h.submit(form), h.submit(form)]);
    expect([first.status, second.status]).toEqual([200, 200]);

    const incidents = await h.app.context.store.incidents.list({ limit: 10 });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      title,
      playbookId: 'data-leakage',
      severity: 'sev2',
      private: false,
      summary: 'Seen by two customers',
      impactStartedAt: new Date('2026-11-25T08:30:00Z'),
    });
    expect(h.fake.channels.get(incidents[0]!.channelId!)!.isPrivate).toBe(false);
    const told = h.fake.ephemerals.filter((e) => e.user === 'UALICE' && e.channel === GENERAL).map((e) => String(e.text));
    expect(told.filter((t) => t.startsWith(`Declared INC-1 (SEV2) in <#${incidents[0]!.channelId}>.`))).toHaveLength(1);
    expect(told.filter((t) => t.startsWith('Already declared as INC-1'))).toHaveLength(1);
  });

  it('tells the declarer in a DM when the form was opened in a channel the bot is not in', async () => {
    h.fake.addChannel('C0RANDOM', 'random', { botIsMember: false });
    const response = await h.interact(
      viewSubmission({
        user: 'UBOB',
        view: {
          id: 'V-random',
          callback_id: 'declare',
          private_metadata: JSON.stringify({ channelId: 'C0RANDOM' }),
          values: { title: { declare_title: { type: 'plain_text_input', value: 'Fraud model drifts on new merchants' } }, playbook: select('auto') },
        },
      }),
    );
    expect(response.status).toBe(200);
    expect(h.fake.callsTo('chat.postEphemeral').at(-1)!.outcome).toBe('not_in_channel');
    const dm = h.fake.messagesIn('DUBOB').at(-1)!;
    expect(dm.text).toMatch(/^Declared INC-\d+ \(SEV3\) in <#C\d{8}>\./);
    expect(dm.text).toMatch(/Playbook: Model drift/);
  });

  it('keeps the modal open with a reason when impact starts in the future', async () => {
    const response = await h.interact(
      viewSubmission({
        user: 'UALICE',
        view: {
          id: 'V-future',
          callback_id: 'declare',
          private_metadata: JSON.stringify({ channelId: GENERAL }),
          values: {
            title: { declare_title: { type: 'plain_text_input', value: 'Drift in fraud scores' } },
            playbook: select('auto'),
            started: { value: { type: 'datetimepicker', selected_date_time: Math.floor(h.clock.now().getTime() / 1000) + 3600 } },
          },
        },
      }),
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ response_action: 'errors', errors: { started: expect.stringContaining('future') } });
    expect(await h.app.context.store.incidents.list({ limit: 10 })).toHaveLength(2);
  });
});
