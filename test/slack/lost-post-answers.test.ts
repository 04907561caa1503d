import { beforeEach, describe, expect, it } from 'vitest';
import { publishIncident } from '../../src/core/incident/publish-incident.js';
import { useSlackHarness } from '../support/slack-harness.js';
import { incidentMessages } from './support.js';

// The harness's client retries like production's (web-api retries 5xx and timeouts).
const h = useSlackHarness();
beforeEach(() => h.fake.clearFailures());

const incidentOf = async (replies: Record<string, unknown>[]) => (await h.app.context.store.incidents.get(Number(/INC-(\d+)/.exec(JSON.stringify(replies))?.[1])))!;
const headerPosts = (channel: string) => h.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && JSON.stringify(c.args.blocks ?? []).includes('"severity"'));

describe('a card Slack posted whose answer was lost', () => {
  it.each([
    ['a 500', { status: 500 } as const],
    ['a dropped connection', 'drop' as const],
  ])('after %s is not posted again by the client: the retry finds it and binds it', async (_what, answer) => {
    h.fake.failAfterPerforming('chat.postMessage', answer);
    const { replies } = await h.command('declare sev3 prompt-injection Reviewer agent follows hidden page text');
    let incident = await incidentOf(replies);
    // web-api did not send the post again: Slack has the header once, and the bot has not bound it.
    expect(headerPosts(incident.channelId!)).toHaveLength(1);
    expect((await h.app.context.store.messages.forIncident(incident.id)).some((m) => m.purpose === 'header')).toBe(false);
    expect(incidentMessages(h, incident.channelId!).all().filter((m) => JSON.stringify(m.blocks).includes('"severity"'))).toHaveLength(1);

    // The side-effect retry (or the next change) asks Slack for the card before posting one.
    incident = (await publishIncident(h.app.context, incident.id))!;
    const headers = incidentMessages(h, incident.channelId!).all().filter((m) => JSON.stringify(m.blocks).includes('"severity"'));
    expect(headers).toHaveLength(1);
    const bound = (await h.app.context.store.messages.forIncident(incident.id)).find((m) => m.purpose === 'header')!;
    expect(bound.ref.ts).toBe(headers[0]!.ts);
    expect(headerPosts(incident.channelId!)).toHaveLength(1);
  });

  it('a post Slack refused with a 429 waits for Retry-After and goes once', async () => {
    h.fake.fail('chat.postMessage', { status: 429, retryAfter: 1 });
    const { replies } = await h.command('declare sev3 prompt-injection Browser agent obeys a comment in a ticket');
    const incident = await incidentOf(replies);
    expect(String(replies[0]?.text)).not.toMatch(/Not finished yet/);
    const headers = incidentMessages(h, incident.channelId!).all().filter((m) => JSON.stringify(m.blocks).includes('"severity"'));
    expect(headers).toHaveLength(1);
    expect(h.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === incident.channelId).map((c) => c.outcome).slice(0, 2)).toEqual(['http 429', 'ok']);
  });
});
