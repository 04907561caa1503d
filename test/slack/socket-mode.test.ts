import { describe, expect, it } from 'vitest';
import { GENERAL } from '../support/fake-slack.js';
import { useSlackHarness } from '../support/slack-harness.js';
import { blockActions } from '../support/slack-requests.js';
import { incidentMessages, toggle } from './support.js';

const h = useSlackHarness({ socketMode: true });

describe('Socket Mode', () => {
  it('connects with the app token through SLACK_API_URL and serves no HTTP events endpoint', async () => {
    expect(h.slack.mode).toBe('socket');
    expect(h.fake.callsTo('apps.connections.open').map((c) => c.outcome)).toEqual(['ok']);
    expect(h.fake.socketClients).toBe(1);
    const response = await fetch(h.eventsUrl, { method: 'POST', body: 'x=1' });
    expect(response.status).toBe(404);
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
  });

  it('acks a slash command envelope, then declares; a checkbox click over the socket ticks the step', async () => {
    const ack = await h.fake.sendEnvelope('slash_commands', {
      token: 'legacy',
      team_id: 'T0TEAM',
      channel_id: GENERAL,
      user_id: 'UALICE',
      command: '/incident',
      text: 'declare sev2 model-drift Churn model drifts after the holiday',
      api_app_id: 'A0APP',
      response_url: h.fake.responseUrl('socket-1'),
      trigger_id: 'socket.trigger.1',
    });
    expect(ack.envelope_id).toMatch(/^env-/);
    await h.slack.drain();
    const reply = h.fake.responses.find((r) => r.id === 'socket-1')!.body;
    expect(String(reply.text)).toMatch(/Declared INC-1 \(SEV2\) in <#C\d{8}>\./);
    const incident = (await h.app.context.store.incidents.get(1))!;
    const checklist = incidentMessages(h, incident.channelId!).checklists()[0]!;

    await h.fake.sendEnvelope(
      'interactive',
      blockActions({ user: 'UMIA', channel: incident.channelId!, message: checklist, action: toggle(checklist, '1:1'), responseUrl: h.fake.responseUrl('socket-2') }),
    );
    await h.slack.drain();
    expect((await h.app.context.store.steps.list(1))[0]).toMatchObject({ doneBy: 'UMIA' });
  });
});
