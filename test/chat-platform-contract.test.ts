import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleChat } from '../src/adapters/console/console-chat.js';
import { SlackPlatform } from '../src/adapters/slack/platform.js';
import type { Card } from '../src/core/cards/card.js';
import { isAppError } from '../src/core/errors.js';
import type { ChatPlatform } from '../src/core/ports/chat-platform.js';
import { BOT_USER, FAKE_BOT_TOKEN, FakeSlack } from './support/fake-slack.js';

/** What the core relies on from every chat edge; each adapter runs the same checks. */
const fake = new FakeSlack();
beforeAll(() => fake.start());
afterAll(() => fake.close());

const adapters: [string, () => ChatPlatform][] = [
  ['console', () => new ConsoleChat(() => undefined)],
  ['slack', () => new SlackPlatform(new WebClient(FAKE_BOT_TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 } }), BOT_USER)],
];

const card: Card = {
  title: 'INC-1 · Contract',
  fields: [{ label: 'Severity', value: 'SEV2 (high)' }],
  checklist: [{ id: 'immediate', heading: 'Immediate actions', items: [{ value: '1:1', number: 1, label: 'Contain', done: false }] }],
  actions: [{ id: 'state:triaged', label: 'Triage', value: '1:triaged' }],
};

describe.each(adapters)('ChatPlatform contract: %s', (name, make) => {
  it('creates a channel and refuses a taken name with channel_name_taken', async () => {
    const platform = make();
    const channel = await platform.openSpace({ name: `inc-20261125-contract-${name}`, private: true, topic: 'INC-1 SEV2: Contract', members: ['UALICE'], origin: null, firstCard: { title: 'header' } });
    expect(channel.name).toBe(`inc-20261125-contract-${name}`);
    expect(channel.id).toBeTruthy();
    const again = await platform.openSpace({ name: `inc-20261125-contract-${name}`, private: false, topic: '', members: [], origin: null, firstCard: { title: 'header' } }).catch((error: unknown) => error);
    expect(isAppError(again, 'channel_name_taken')).toBe(true);
  });

  it('posts, updates and pins cards, posts text, adds members and sends direct messages', async () => {
    const platform = make();
    const channel = await platform.openSpace({ name: `inc-20261125-posts-${name}`, private: false, topic: 't', members: [], origin: null, firstCard: { title: 'header' } });
    const ref = await platform.postCard(channel.id, card);
    expect(ref.id).toBeTruthy();
    await platform.updateCard(ref, { ...card, title: 'INC-1 · Contract (updated)' });
    await platform.pin?.(ref);
    await platform.addMembers?.(channel.id, ['UBOB']);
    expect((await platform.postText(channel.id, 'hello')).id).toBeTruthy();
    expect((await platform.sendDirect('UBOB', card)).id).toBeTruthy();
    expect(platform.mention('UBOB')).toContain('UBOB');
  });
});
