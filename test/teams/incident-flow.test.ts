import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENTS_CHANNEL_ID, USERS, personalConversationId } from '../support/bot-framework-activities.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { expectValidAdaptiveCard } from '../support/adaptive-card.js';
import { cardOf, executeData, startTeamsHarness, type TeamsHarness } from '../support/teams-harness.js';

type Json = Record<string, unknown>;

const textOf = (card: Json) => JSON.stringify(card);

describe('Teams: an incident end to end through the real CloudAdapter', () => {
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

  let incidentId: number;
  let thread: string;

  it('declaring in a channel starts a thread: header card as its root, the checklist inside, a reply linking to it', async () => {
    const post = h.activities.channelMention('incident declare sev2 model-drift Fraud model recall fell 9% this week');
    const started = Date.now();
    const answer = await h.post(post, { wait: false });
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(15_000);
    await h.teams.drain();

    const [incident] = await h.app.context.store.incidents.list({ open: true });
    expect(incident).toMatchObject({ platform: 'teams', severity: 'sev2', playbookId: 'model-drift', declaredBy: USERS.ada.aadObjectId });
    incidentId = incident!.id;
    thread = incident!.channelId!;
    expect(thread).toMatch(new RegExp(`^${INCIDENTS_CHANNEL_ID.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};messageid=\\d+$`));

    const root = h.connector.message(thread.split('=')[1]!)!;
    expect(root.by).toBe('bot');
    const header = cardOf(root);
    expect(header).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(textOf(header)).toContain(`INC-${incidentId}`);
    expectValidAdaptiveCard(header);

    const inThread = h.connector.messagesIn(INCIDENTS_CHANNEL_ID).filter((m) => m.threadConversationId === thread && m.by === 'bot' && m.id !== root.id);
    // Besides the cards, one text message: the similar cases (issue 10), posted last.
    const similar = inThread.filter((m) => String(m.activity.text ?? '').startsWith('Similar cases for'));
    expect(similar).toHaveLength(1);
    const checklist = inThread.filter((m) => !similar.includes(m) && executeData(cardOf(m)).some((d) => d.action === 'step'));
    expect(checklist.length).toBeGreaterThan(0);
    checklist.forEach((m) => expectValidAdaptiveCard(cardOf(m)));

    const declaringThread = String((post.conversation as Json).id);
    const reply = h.connector.messagesIn(INCIDENTS_CHANNEL_ID).find((m) => m.threadConversationId === declaringThread && m.by === 'bot');
    expect(String(reply?.activity.text)).toContain(`INC-${incidentId}`);
    expect(String(reply?.activity.text)).toContain('https://teams.microsoft.com/l/message/');
  });

  it('a tick is one click: stored with who and when, the card updated for everyone, and a stale card never unticks it', async () => {
    const checklistMessage = h.connector
      .messagesIn(INCIDENTS_CHANNEL_ID)
      .find((m) => m.threadConversationId === thread && m.by === 'bot' && executeData(cardOf(m)).some((d) => d.action === 'step'))!;
    const firstStep = executeData(cardOf(checklistMessage)).find((d) => d.action === 'step')!;
    expect(firstStep.done).toBe(true);

    const click = h.activities.cardAction('incident', firstStep, { conversationId: thread, replyToId: checklistMessage.id, user: USERS.ada });
    const started = Date.now();
    const answer = await h.post(click);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const shown = (answer.body as { value: Json }).value;
    expect(executeData(shown).find((d) => d.value === firstStep.value)?.done).toBe(false);

    const [step] = await h.app.context.store.steps.list(incidentId);
    expect(step).toMatchObject({ doneBy: USERS.ada.aadObjectId });
    expect(step!.doneAt).toBeInstanceOf(Date);
    // Everyone sees it: the message itself was updated, not only the clicker's view.
    const updated = h.connector.message(checklistMessage.id)!;
    expect(updated.versions.length).toBeGreaterThan(1);
    expect(executeData(cardOf(updated)).find((d) => d.value === firstStep.value)?.done).toBe(false);

    // Grace still sees the old card and clicks the same row: it asks for "done" again, a no-op.
    await h.post(h.activities.cardAction('incident', firstStep, { conversationId: thread, replyToId: checklistMessage.id, user: USERS.grace }));
    const [still] = await h.app.context.store.steps.list(incidentId);
    expect(still).toMatchObject({ doneBy: USERS.ada.aadObjectId });
  });

  it('commands work in the thread, with or without the word incident', async () => {
    const root = thread.split('=')[1]!;
    await h.post(h.activities.channelMention('triage', { threadRootId: root }));
    expect((await h.app.context.store.incidents.get(incidentId))!.state).toBe('triaged');
    await h.post(h.activities.channelMention('incident note rollback of the feature pipeline started', { threadRootId: root }));
    const events = await h.app.context.store.events.forIncident(incidentId);
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['incident_declared', 'step_ticked', 'state_changed', 'note_added']));
    // The header, the thread's root, shows the new state.
    expect(textOf(cardOf(h.connector.message(root)))).toContain('Triaged');
  });

  it('pages the on-call person in their personal chat; Acknowledge records it and the page card says who and when', async () => {
    const grace = { type: 'mention' as const, text: '<at>Grace Hopper</at>', mentioned: { id: USERS.grace.id, name: USERS.grace.name } };
    await h.post(h.activities.personalMessage('help', { user: USERS.grace }));
    await h.post(h.activities.channelMention('incident oncall ml-engineer <at>Grace Hopper</at>', { mentions: [grace] }));
    expect((await h.app.context.store.roles.roster('teams')).get('ml-engineer')).toEqual([USERS.grace.aadObjectId]);

    await h.post(h.activities.channelMention('incident declare sev1 prompt-injection Support bot obeys instructions hidden in PDFs'));
    const incident = (await h.app.context.store.incidents.list({ open: true })).find((i) => i.playbookId === 'prompt-injection')!;
    const pages = await h.app.context.store.pages.forIncident(incident.id);
    const page = pages.find((p) => p.role === 'ml-engineer')!;
    expect(page).toMatchObject({ userId: USERS.grace.aadObjectId, status: 'sent' });

    const dm = h.connector.messagesIn(personalConversationId(USERS.grace)).find((m) => m.by === 'bot' && Boolean(m.activity.attachments) && textOf(cardOf(m)).includes('You are paged'))!;
    const ack = executeData(cardOf(dm)).find((d) => d.action === 'page:ack')!;
    const answer = await h.post(h.activities.cardAction('incident', ack, { conversationId: personalConversationId(USERS.grace), replyToId: dm.id, user: USERS.grace }));
    const shown = (answer.body as { value: Json }).value;
    expect(textOf(shown)).toContain('Acknowledged by');
    expect(executeData(shown).some((d) => d.action === 'page:ack')).toBe(false);
    expect(textOf(cardOf(h.connector.message(dm.id)))).toContain('Acknowledged by');
    const acknowledged = (await h.app.context.store.pages.forIncident(incident.id)).find((p) => p.id === page.id)!;
    expect(acknowledged).toMatchObject({ status: 'acknowledged', acknowledgedBy: USERS.grace.aadObjectId });
  });

  it('answers an unknown command with what to type, in the thread it came from', async () => {
    const post = h.activities.channelMention('incident frobnicate now');
    await h.post(post);
    const reply = h.connector.messagesIn(INCIDENTS_CHANNEL_ID).find((m) => m.threadConversationId === (post.conversation as Json).id && m.by === 'bot');
    expect(String(reply?.activity.text)).toContain('unknown command');
    expect(String(reply?.activity.text)).toContain('help');
  });
});
