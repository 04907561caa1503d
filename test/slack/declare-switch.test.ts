import { describe, expect, it } from 'vitest';
import { useSlackHarness } from '../support/slack-harness.js';

const h = useSlackHarness();

type Block = { type: string; text?: { text: string }; elements?: { action_id: string; value: string; text: { text: string } }[] };

describe('the declare reply in Slack', () => {
  it('shows what was declared above the switch buttons, and one click changes the playbook', async () => {
    const { replies } = await h.command('declare Something looks off with the bot today');
    const reply = replies[0] as { blocks: Block[]; text: string };
    // Slack shows only the blocks: the reply's own text is the first of them.
    expect(reply.blocks[0]!.text!.text).toMatch(/^Declared INC-\d+ .*\nNo playbook yet: the text is too vague/s);
    const buttons = reply.blocks.find((b) => b.type === 'actions')!.elements!;
    expect(buttons.map((b) => b.text.text)).toHaveLength(4);
    expect(new Set(buttons.map((b) => b.action_id)).size).toBe(4);

    const id = Number(/INC-(\d+)/.exec(reply.blocks[0]!.text!.text)![1]);
    const drift = buttons.find((b) => b.value === `${id}:model-drift`)!;
    const clicked = await h.act({ channel: 'CGENERAL', ts: '1.000', blocks: reply.blocks, text: reply.text } as never, { type: 'button', action_id: drift.action_id, value: drift.value, block_id: 'actions' });
    expect(clicked.status).toBe(200);
    expect(String(clicked.replies[0]?.text)).toMatch(/Playbook changed to/);
    const incident = (await h.app.context.store.incidents.get(id))!;
    expect(incident.playbookId).toBe('model-drift');
    expect((await h.app.context.store.steps.list(id)).length).toBe(h.app.context.playbooks.get('model-drift')!.steps.length);
  });
});
