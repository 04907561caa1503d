import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useSlackHarness } from '../support/slack-harness.js';
import { interactionBody, postSigned } from '../support/slack-requests.js';
import { checkboxBlocks, incidentMessages } from './support.js';

/** Payloads in the shape Slack sends them (test/fixtures/slack), with ids of this run filled in. */
const fixture = (name: string) => readFileSync(new URL(`../fixtures/slack/${name}`, import.meta.url), 'utf8');

const h = useSlackHarness();

async function send(body: string): Promise<number> {
  const response = await postSigned(h.eventsUrl, body);
  await response.text();
  await h.slack.drain();
  return response.status;
}

describe('recorded Slack payloads', () => {
  it('runs a slash command, a checkbox click and a modal submission as Slack sends them', async () => {
    const command = fixture('slash-command.txt').trim().replace('RESPONSE_URL', encodeURIComponent(h.fake.responseUrl('fixture-1')));
    expect(await send(command)).toBe(200);
    const reply = h.fake.responses.find((r) => r.id === 'fixture-1')!.body;
    expect(String(reply.text)).toMatch(/^Declared INC-1 \(SEV2\) in <#C\d{8}>\./);
    const incident = (await h.app.context.store.incidents.get(1))!;
    expect(incident).toMatchObject({ title: 'Pricing model drifts after the <@U0SAM> rollout', playbookId: 'model-drift', declaredBy: 'U2147483697' });

    const message = incidentMessages(h, incident.channelId!).checklists()[0]!;
    const [block] = checkboxBlocks(message);
    const click = JSON.parse(fixture('block-actions-checkboxes.json')) as Record<string, unknown>;
    const filled = JSON.stringify(click)
      .replaceAll('"CHANNEL_ID"', JSON.stringify(incident.channelId))
      .replaceAll('"MESSAGE_TS"', JSON.stringify(message.ts))
      .replace('"MESSAGE_BLOCKS"', JSON.stringify(message.blocks))
      .replace('"ACTION_ID"', JSON.stringify(block!.element.action_id))
      .replace('"BLOCK_ID"', JSON.stringify(block!.blockId))
      .replace('"SELECTED_OPTIONS"', JSON.stringify([block!.element.options[0]]))
      .replace('"RESPONSE_URL"', JSON.stringify(h.fake.responseUrl('fixture-2')));
    expect(await send(interactionBody(JSON.parse(filled) as Record<string, unknown>))).toBe(200);
    expect((await h.app.context.store.steps.list(1))[0]).toMatchObject({ doneBy: 'U2147483697' });

    const submission = fixture('view-submission-severity.json')
      .replaceAll('"VIEW_ID"', '"V0FIXTURE"')
      .replace('"PRIVATE_METADATA"', JSON.stringify(JSON.stringify({ channelId: incident.channelId, incidentId: 1 })));
    expect(await send(interactionBody(JSON.parse(submission) as Record<string, unknown>))).toBe(200);
    expect((await h.app.context.store.incidents.get(1))!.severity).toBe('sev1');
  });
});
