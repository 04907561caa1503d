import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAppError } from '../../src/adapters/slack/errors.js';
import { FAKE_BOT_TOKEN, FakeSlack } from '../support/fake-slack.js';

/** toAppError on the errors the real web-api client raises against the fake Web API. */
const fake = new FakeSlack();
beforeAll(() => fake.start());
afterAll(() => fake.close());

async function failure(setup: () => void, client = new WebClient(FAKE_BOT_TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR })) {
  setup();
  return client.chat.postMessage({ channel: 'C0GENERAL', text: 'x' }).then(
    () => undefined,
    (error: unknown) => toAppError(error, 'chat.postMessage'),
  );
}

describe('toAppError', () => {
  it('maps name_taken to channel_name_taken and other Slack errors to platform_error naming the method', async () => {
    expect(await failure(() => fake.fail('chat.postMessage', { error: 'name_taken' }))).toMatchObject({ code: 'channel_name_taken' });
    expect(await failure(() => fake.fail('chat.postMessage', { error: 'channel_not_found' }))).toMatchObject({
      code: 'platform_error',
      message: 'Slack answered "channel_not_found" to chat.postMessage',
    });
    const badToken = new WebClient('xoxb-wrong', { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
    expect(await failure(() => undefined, badToken)).toMatchObject({ code: 'platform_error', message: 'Slack answered "invalid_auth" to chat.postMessage' });
  });

  it('maps HTTP 500 to platform_error and a rate limit that outlasts the retries to rate_limited', async () => {
    expect(await failure(() => fake.fail('chat.postMessage', { status: 500 }))).toMatchObject({ code: 'platform_error', message: 'Slack answered HTTP 500 to chat.postMessage' });
    expect(await failure(() => fake.fail('chat.postMessage', { status: 429, retryAfter: 0 }))).toMatchObject({ code: 'rate_limited' });
    const rejecting = new WebClient(FAKE_BOT_TOKEN, { slackApiUrl: fake.url, rejectRateLimitedCalls: true, logLevel: LogLevel.ERROR });
    expect(await failure(() => fake.fail('chat.postMessage', { status: 429, retryAfter: 7 }), rejecting)).toMatchObject({
      code: 'rate_limited',
      message: 'Slack rate-limited chat.postMessage (retry after 7 s)',
    });
  });

  it('keeps errors that do not come from Slack internal, so only a reference is shown', () => {
    expect(toAppError(new Error('connection terminated'), 'declare')).toMatchObject({ code: 'internal' });
  });
});
