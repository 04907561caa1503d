import { describe, expect, it } from 'vitest';
import { useSlackHarness } from '../support/slack-harness.js';

const h = useSlackHarness();

const DECLARE = 'declare sev1 Model leaks its system prompt';

async function nothingHappened(callsBefore: number) {
  expect(await h.app.context.store.incidents.list({ limit: 10 })).toEqual([]);
  expect(h.fake.calls.length).toBe(callsBefore);
  expect(h.fake.responses).toEqual([]);
}

describe('requests not signed by Slack', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it('refuses a bad signature with 401', async () => {
    const before = h.fake.calls.length;
    const { status } = await h.command(DECLARE, { send: { secret: 'not-the-signing-secret' } });
    expect(status).toBe(401);
    await nothingHappened(before);
  });

  it('refuses a timestamp more than five minutes old with 401', async () => {
    const before = h.fake.calls.length;
    const { status } = await h.command(DECLARE, { send: { timestamp: now() - 6 * 60 } });
    expect(status).toBe(401);
    await nothingHappened(before);
  });

  it('refuses a timestamp more than five minutes in the future with 401, though Bolt would accept it', async () => {
    const before = h.fake.calls.length;
    const { status } = await h.command(DECLARE, { send: { timestamp: now() + 6 * 60 } });
    expect(status).toBe(401);
    await nothingHappened(before);
  });

  it('accepts the same request correctly signed within the window', async () => {
    const { status, replies } = await h.command(DECLARE, { send: { timestamp: now() + 60 } });
    expect(status).toBe(200);
    expect(String(replies[0]!.text)).toContain('Declared INC-1');
  });

  it('answers health once ready', async () => {
    const response = await fetch(`${h.baseUrl}/healthz`);
    expect(response.status).toBe(200);
  });
});
