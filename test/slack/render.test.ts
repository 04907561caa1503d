import { describe, expect, it } from 'vitest';
import type { Card, ChecklistItem } from '../../src/core/cards/card.js';
import { declareModal, formModal } from '../../src/adapters/slack/modals.js';
import { assignForm, severityForm } from '../../src/core/cards/forms.js';
import { CHECKLIST_ITEMS_PER_MESSAGE, cardToBlocks, escapeMrkdwn, slackChannelMention, slackMention } from '../../src/adapters/slack/render.js';
import { blockKitProblems, refuseBlocks } from '../support/block-kit-limits.js';

const header: Card = {
  title: 'INC-7 · Support bot obeys instructions hidden in uploaded PDFs',
  subtitle: 'SEV1 (critical) · Declared · private',
  fields: [
    { label: 'Severity', value: 'SEV1 (critical)' },
    { label: 'State', value: 'Declared' },
    { label: 'Playbook', value: 'Prompt injection (prompt-injection)' },
    { label: 'Roles', value: `Incident Commander: ${slackMention('UALICE')}\nSecurity Analyst: ${slackMention('USAM')}` },
  ],
  sections: [{ heading: 'Deadlines', text: 'Notify the DPO: by 2026-11-25 12:00 UTC (if personal data <PII> was exposed & logged)' }],
  actions: [
    { id: 'state:triaged', label: 'Triage', value: '7:triaged', style: 'primary' },
    { id: 'severity', label: 'Change severity', value: '7:sev1' },
    { id: 'assign', label: 'Assign role', value: '7:assign' },
  ],
  context: ['Type `/incident help` for commands.'],
};

function item(number: number, overrides: Partial<ChecklistItem> = {}): ChecklistItem {
  return { value: `7:${number}`, number, label: `Step ${number}`, done: false, ...overrides };
}

const checklist: Card = {
  title: 'Prompt injection checklist · INC-7 (1/2)',
  checklist: [
    {
      id: 'immediate',
      heading: 'Immediate actions',
      items: [
        item(1, { label: 'Deploy an input filter that blocks the observed payloads', role: 'security', done: true, doneBy: slackMention('USAM'), doneAt: '2026-11-25 09:12 UTC' }),
        item(2, { label: 'Block attacker sessions, accounts, API keys and source IPs', role: 'security' }),
        item(3, { label: 'Switch the model to a safe fallback while the filter is checked & tuned', role: 'ml-engineer' }),
      ],
    },
  ],
  context: ['1 of 25 steps done. Tick with a click or `/incident tick <number>`.'],
};

describe('Card → Block Kit', () => {
  it('renders the header card', () => {
    const message = cardToBlocks(header);
    expect(blockKitProblems(message.blocks)).toEqual([]);
    expect(message).toMatchSnapshot();
  });

  it('renders a checklist as checkboxes with the ticked ones preselected', () => {
    const message = cardToBlocks(checklist);
    expect(refuseBlocks(message.blocks)).toBeUndefined();
    expect(message).toMatchSnapshot();
  });

  it('renders the modals', () => {
    expect(formModal(severityForm(7, 'sev2'), { channelId: 'C1', incidentId: 7 })).toMatchSnapshot();
    expect(formModal(assignForm(7), { channelId: 'C1', incidentId: 7 })).toMatchSnapshot();
    const modal = declareModal([], { channelId: 'C1' });
    expect(blockKitProblems(modal.blocks, 100)).toEqual([]);
  });

  it('escapes all text once, Slack markup included; only the mentions the bot made are live', () => {
    expect(escapeMrkdwn(`a < b & c > d, ask ${slackMention('U1')} in ${slackChannelMention('C9', 'inc-9')}; typed: <@U2|sam> <#C8> <!here> <https://x.test/a?b=1|x> &lt;`)).toBe(
      'a &lt; b &amp; c &gt; d, ask <@U1> in <#C9>; typed: &lt;@U2|sam&gt; &lt;#C8&gt; &lt;!here&gt; &lt;https://x.test/a?b=1|x&gt; &amp;lt;',
    );
  });

  it('shortens long step labels to the option limit and keeps who ticked whole', () => {
    const long = 'Preserve the full prompt and completion logs, the retrieval context and the model version for every affected session';
    const message = cardToBlocks({ title: 't', checklist: [{ id: 'investigation', heading: 'Investigation', items: [item(12, { label: long, done: true, doneBy: slackMention('U0123456789'), role: 'ml-engineer' })] }] });
    const option = (message.blocks[2] as { elements: { options: { text: { text: string }; description: { text: string } }[] }[] }).elements[0]!.options[0]!;
    expect(option.text.text.length).toBeLessThanOrEqual(75);
    expect(option.text.text).toMatch(/^\*12\.\* Preserve the full prompt.*… · <@U0123456789>$/);
    expect(option.description.text).toBe('done · ML Engineer');
  });

  it('keeps the most steps one message may hold under every Block Kit limit, even at their longest and all ticked', () => {
    // Titles, headings and the context line are the core's (phase titles, a step count); the steps are the playbook's.
    const phases = ['immediate', 'investigation', 'remediation', 'communication', 'review'];
    const worst = (count: number): Card => ({
      title: 'x'.repeat(300),
      checklist: phases.map((id, g) => ({
        id,
        heading: `${id} (continued)`.padEnd(60, '.'),
        items: Array.from({ length: count / phases.length }, (_, i) =>
          item(g * 100 + i + 1, { value: `123456:${g * 100 + i + 1}`, label: 'L'.repeat(300), role: 'ml-engineer', done: true, doneBy: slackMention('U0123456789AB'), doneAt: '2026-11-25 09:12 Europe/Berlin' }),
        ),
      })),
      context: ['c'.repeat(300)],
    });
    expect(refuseBlocks(cardToBlocks(worst(CHECKLIST_ITEMS_PER_MESSAGE)).blocks)).toBeUndefined();
    // Twice as many would be refused as too long: the split across messages is what keeps it valid.
    expect(refuseBlocks(cardToBlocks(worst(CHECKLIST_ITEMS_PER_MESSAGE * 2)).blocks)).toEqual({ error: 'msg_blocks_too_long' });
  });
});
