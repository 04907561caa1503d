import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENTS_CHANNEL_ID } from '../support/bot-framework-activities.js';
import { expectValidAdaptiveCard } from '../support/adaptive-card.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTeamsHarness, type TeamsHarness } from '../support/teams-harness.js';

type Json = Record<string, unknown>;

function find(node: unknown, match: (o: Json) => boolean, found: Json[] = []): Json[] {
  if (Array.isArray(node)) node.forEach((n) => find(n, match, found));
  else if (node && typeof node === 'object') {
    if (match(node as Json)) found.push(node as Json);
    Object.values(node).forEach((v) => find(v, match, found));
  }
  return found;
}

describe('Teams: declare with nothing after it', () => {
  let database: TestDatabase;
  let h: TeamsHarness;
  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startTeamsHarness(database);
  });
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });

  it('answers with the declare form; submitting it declares once, and a form without a title changes nothing', async () => {
    const post = h.activities.channelMention('declare');
    await h.post(post);
    const thread = String((post.conversation as Json).id);
    const formMessage = h.connector.messagesIn(INCIDENTS_CHANNEL_ID).find((m) => m.threadConversationId === thread && m.by === 'bot')!;
    const form = (formMessage.activity.attachments as { content: Json }[])[0]!.content;
    expectValidAdaptiveCard(form);
    expect(find(form, (o) => o.type === 'Input.Text').map((o) => o.id)).toEqual(['title', 'summary']);
    expect(find(form, (o) => o.type === 'Input.ChoiceSet').map((o) => o.id)).toEqual(['playbook', 'severity']);
    const submit = find(form, (o) => o.type === 'Action.Execute')[0]!;

    const empty = await h.post(h.activities.cardAction('incident', { ...(submit.data as Json), title: '  ', playbook: 'auto', severity: '', summary: '' }, { conversationId: thread, replyToId: formMessage.id }));
    expect(JSON.stringify(empty.body)).toContain('give the incident a title');
    expect(await h.app.context.store.incidents.list({})).toEqual([]);

    const filled = { ...(submit.data as Json), title: 'Chatbot leaks other customers’ tickets', playbook: 'data-leakage', severity: 'sev1', summary: 'Seen by two users' };
    const click = h.activities.cardAction('incident', filled, { conversationId: thread, replyToId: formMessage.id });
    await h.post(click);
    await h.post(click); // the same invoke again (a retry): declares nothing more
    const incidents = await h.app.context.store.incidents.list({});
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ title: 'Chatbot leaks other customers’ tickets', playbookId: 'data-leakage', severity: 'sev1', summary: 'Seen by two users', platform: 'teams' });
    expect(incidents[0]!.channelId).toMatch(new RegExp(`^${INCIDENTS_CHANNEL_ID.split(';')[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};messageid=`));
  });
});
