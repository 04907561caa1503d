import { describe, expect, it } from 'vitest';
import { runDueExerciseTimers } from '../../src/core/exercise/fire-exercise-timers.js';
import { ScenarioCatalog } from '../../src/core/exercise/scenario-catalog.js';
import type { StoredMessage } from '../support/fake-slack.js';
import { MINUTE } from '../support/clock.js';
import { useSlackHarness } from '../support/slack-harness.js';
import { button } from '../slack/support.js';
import { TEST_SCENARIO } from './test-scenario.js';

const h = useSlackHarness();

const text = (messages: StoredMessage[]) => messages.map((m) => `${m.text}\n${JSON.stringify(m.blocks)}`).join('\n');

describe('an authored exercise in Slack', () => {
  it('posts injects with decision buttons in ex- channel, takes the reasoning in a modal, and keeps the facilitator view in a DM', async () => {
    const context = h.app.context;
    context.scenarios = new ScenarioCatalog([...(context.scenarios?.caseStudies ?? [])], context.playbooks.all(), [TEST_SCENARIO]);
    await h.command('oncall commander <@UCORA|cora>');
    const started = await h.command('exercise start test-invoice-leak force');
    expect(String(started.replies[0]!.text)).toContain('Started without Legal/Compliance');
    const incidentId = Number(/INC-(\d+)/.exec(String(started.replies[0]!.text))?.[1]);
    const incident = (await context.store.incidents.get(incidentId))!;
    const channel = incident.channelId!;
    expect(h.fake.callsTo('conversations.create').at(-1)!.args.name).toMatch(/^ex-\d{8}-exercise-assistant-shows/);

    const inChannel = () => h.fake.messagesIn(channel);
    const inject = inChannel().find((m) => JSON.stringify(m.blocks).includes('exercise:decide:disable'))!;
    expect(JSON.stringify(inject.blocks)).toContain('EXERCISE · Inject 1 of 4');
    // The facilitator's view went to UALICE (who started it) as a DM, with the controller's notes.
    const view = h.fake.messagesIn('DUALICE');
    expect(text(view)).toContain('Facilitator view (only you see this)');
    expect(text(view)).toContain('have the DPO call the commander directly');
    expect(text(inChannel())).not.toContain('have the DPO call the commander directly');

    h.clock.advance(3 * MINUTE);
    await h.act(inject, button(inject, 'exercise:decide:disable'), { triggerId: 'trig-decide', user: 'UCORA' });
    const opened = h.fake.callsTo('views.open').at(-1)!;
    expect(opened.args.trigger_id).toBe('trig-decide');
    const modal = opened.args.view as { callback_id: string; private_metadata: string };
    expect(modal.callback_id).toBe('exercise:decision');
    // The modal names the option as the players saw it on the button, not by its id.
    expect(JSON.stringify(opened.args.view)).toContain('Decision: Disable the assistant');
    expect(JSON.stringify(opened.args.view)).not.toContain('Decision: disable');
    await h.submit(
      {
        id: [...h.fake.views.keys()].at(-1)!,
        callback_id: 'exercise:decision',
        private_metadata: modal.private_metadata,
        values: { reasoning: { value: { type: 'plain_text_input', value: 'Invoices of other tenants are personal data: <!channel> stop it now.' } } },
      },
      'UCORA',
    );
    const decided = (await context.store.events.forIncident(incidentId)).find((e) => e.kind === 'exercise_decided')!;
    expect(decided.payload).toMatchObject({ option: 'disable', took_ms: 3 * MINUTE, within_limit: true });
    expect(decided.actor).toBe('UCORA');
    // The reasoning is shown as typed: escaped once, no live mention.
    const said = inChannel().find((m) => m.text.includes('decision on inject 1'))!;
    expect(said.text).toContain('&lt;!channel&gt;');

    // The branch is due 5 minutes after inject 1: it arrives then, and the facilitator's DM is updated in place.
    h.clock.advance(2 * MINUTE);
    await runDueExerciseTimers(context);
    expect(text(inChannel())).toContain('EXERCISE · Inject 2 of 4');
    expect(h.fake.messagesIn('DUALICE')).toHaveLength(1);
    expect(text(h.fake.messagesIn('DUALICE'))).toContain('Decision: Disable the assistant after 3m');

    // End, then the hot wash's button opens its form; answers are recorded.
    await h.command('exercise end', { channel });
    const hotWash = inChannel().find((m) => JSON.stringify(m.blocks).includes('exercise:hot-wash'))!;
    await h.act(hotWash, button(hotWash, 'exercise:hot-wash'), { triggerId: 'trig-hw' });
    const form = h.fake.callsTo('views.open').at(-1)!.args.view as { callback_id: string; private_metadata: string };
    expect(form.callback_id).toBe('exercise:hot-wash-answers');
    await h.submit({
      id: [...h.fake.views.keys()].at(-1)!,
      callback_id: 'exercise:hot-wash-answers',
      private_metadata: form.private_metadata,
      values: { went_well: { value: { type: 'plain_text_input', value: 'Fast containment' } }, to_change: { value: { type: 'plain_text_input', value: '' } }, playbook_gap: { value: { type: 'plain_text_input', value: '' } } },
    });
    const answers = (await context.store.events.forIncident(incidentId)).filter((e) => e.kind === 'exercise_hot_wash_answer');
    expect(answers.map((a) => a.payload)).toMatchObject([{ question: 'went_well', text: 'Fast containment' }]);
  });
});
