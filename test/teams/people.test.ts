import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENTS_CHANNEL_ID, USERS } from '../support/bot-framework-activities.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { cardOf, executeData, startTeamsHarness, type TeamsHarness } from '../support/teams-harness.js';

type Json = Record<string, unknown>;

/** Someone in the channel who has never written to the bot; the name has the `&` Teams trips on. */
const LIN = { id: '29:1Lin-Wei-q4Rt7Yu0Io3Pa6Sd9Fg2Hj5Kl8Zx', name: 'Lin Wei & Co', aadObjectId: '4d3c2b1a-9e8f-4a7b-8c6d-5e4f3a2b1c0d' };

describe('Teams: people the bot has not heard from, and cards that did not change', () => {
  let database: TestDatabase;
  let h: TeamsHarness;
  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startTeamsHarness(database);
    h.connector.addMember(INCIDENTS_CHANNEL_ID, LIN);
  });
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });

  let incidentId: number;
  let thread: string;
  let header: string;

  it('assigning someone picked in the form who never wrote to the bot learns them from the channel, pages them and names them', async () => {
    await h.post(h.activities.channelMention('incident declare sev3 model-drift Ranking model calibration is off'));
    const incident = (await h.app.context.store.incidents.list({}))[0]!;
    incidentId = incident.id;
    thread = incident.channelId!;
    header = thread.split('=')[1]!;
    const assign = executeData(cardOf(h.connector.message(header))).find((d) => d.action === 'assign')!;

    const form = await h.post(h.activities.cardAction('incident', assign, { conversationId: thread, replyToId: header }));
    const shown = (form.body as { value: Json }).value;
    expect(JSON.stringify(shown)).toContain('graph.microsoft.com/users');

    const submit = executeData(shown).find((d) => d.action === 'assign')!;
    await h.post(h.activities.cardAction('incident', { ...submit, role: 'comms', person: LIN.aadObjectId }, { conversationId: thread, replyToId: header }));
    await h.teams.drain();

    const roles = await h.app.context.store.roles.forIncident(incidentId);
    expect(roles.find((r) => r.role === 'comms')?.userId).toBe(LIN.aadObjectId);
    const page = (await h.app.context.store.pages.forIncident(incidentId)).find((p) => p.role === 'comms')!;
    expect(page).toMatchObject({ userId: LIN.aadObjectId, status: 'sent' });
    const dm = h.connector.botMessages().find((m) => JSON.stringify(m.activity).includes('You are paged as Communications Lead'))!;
    expect(dm.conversationId).not.toContain('19:');
    // The header names her with a mention Teams matches exactly (the fake refuses a mismatch).
    const headerCard = cardOf(h.connector.message(header));
    expect(JSON.stringify(headerCard)).toContain('<at>Lin Wei & Co</at>');
    expect((headerCard.msteams as { entities: Json[] }).entities).toContainEqual({ type: 'mention', text: '<at>Lin Wei & Co</at>', mentioned: { id: LIN.id, name: 'Lin Wei & Co' } });
  });

  it('a tick updates the checklist message and leaves the unchanged header alone', async () => {
    const checklist = h.connector.messagesIn(INCIDENTS_CHANNEL_ID).find((m) => m.threadConversationId === thread && m.by === 'bot' && executeData(cardOf(m)).some((d) => d.action === 'step'))!;
    const updatesOf = (id: string) => h.connector.callsTo('updateActivity').filter((c) => c.activityId === id && c.status < 400).length;
    const [headerBefore, checklistBefore] = [updatesOf(header), updatesOf(checklist.id)];
    const step = executeData(cardOf(checklist)).find((d) => d.action === 'step')!;
    await h.post(h.activities.cardAction('incident', step, { conversationId: thread, replyToId: checklist.id, user: USERS.grace }));
    await h.teams.drain();
    expect(updatesOf(checklist.id)).toBe(checklistBefore + 1);
    expect(updatesOf(header)).toBe(headerBefore);
  });
});
