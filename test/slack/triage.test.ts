import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useSlackHarness } from '../support/slack-harness.js';
import { button, buttonIds, incidentMessages } from './support.js';

const TRIAGE = 'C0TRIAGE';
const ALERTS_TOKEN = 'alerts-token-0123456789';
const generic = JSON.parse(readFileSync(new URL('../fixtures/alerts/generic-firing.json', import.meta.url), 'utf8')) as Record<string, unknown>;

const h = useSlackHarness({ env: { TRIAGE_CHANNEL: TRIAGE, ALERTS_TOKEN: ALERTS_TOKEN } });

beforeAll(() => {
  h.fake.addChannel(TRIAGE, 'ai-alerts');
});

async function alert(body: Record<string, unknown>): Promise<number> {
  const response = await fetch(`${h.baseUrl}/hooks/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERTS_TOKEN}` }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  const result = (await response.json()) as { alerts: { incident_id: number }[] };
  return result.alerts[0]!.incident_id;
}

describe('alerts waiting for triage in Slack', () => {
  it('posts the triage card in the triage channel, and "Declare incident" opens the incident channel', async () => {
    const incidentId = await alert(generic);
    const card = h.fake.messagesIn(TRIAGE).at(-1)!;
    expect(card.text).toBe(`Alert for triage: INC-${incidentId} · Drift monitor: PSI 0.31 on the pricing model's input features`);
    expect(buttonIds(card)).toEqual(['triage:declare', 'triage:dismiss']);

    const click = await h.act(card, button(card, 'triage:declare'), { user: 'UALICE' });
    expect(click.replies[0]).toMatchObject({ response_type: 'in_channel' });
    expect(String(click.replies[0]!.text)).toMatch(new RegExp(`Declared INC-${incidentId} \\(SEV3\\) from the alert: <#C\\d{8}>\\.`));
    const incident = (await h.app.context.store.incidents.get(incidentId))!;
    expect(incidentMessages(h, incident.channelId!).header()).toBeDefined();
    expect(buttonIds(h.fake.messagesIn(TRIAGE).at(-1)!)).toEqual([]);
  });

  it('"Not a real incident" marks the alert a false positive without a channel', async () => {
    const incidentId = await alert({ ...generic, title: 'Toxicity classifier spike on the chat model', dedup_key: 'tox-1', playbook: 'model-safety-violation' });
    const card = h.fake.messagesIn(TRIAGE).at(-1)!;
    await h.act(card, button(card, 'triage:dismiss'), { user: 'UALICE' });
    // The click asks why before anything changes.
    expect((await h.app.context.store.incidents.get(incidentId))!.state).toBe('declared');
    const form = h.fake.callsTo('views.open').at(-1)!.args.view as { callback_id: string; private_metadata: string };
    expect(form.callback_id).toBe('triage:dismiss');
    await h.submit({
      id: [...h.fake.views.keys()].at(-1)!,
      callback_id: 'triage:dismiss',
      private_metadata: form.private_metadata,
      values: { reason: { value: { type: 'plain_text_input', value: 'synthetic traffic from the nightly load test' } } },
    });
    const incident = (await h.app.context.store.incidents.get(incidentId))!;
    expect(incident).toMatchObject({ state: 'false_positive', channelId: null, falsePositiveReason: 'synthetic traffic from the nightly load test' });
  });
});
