import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioCatalog } from '../../src/core/exercise/scenario-catalog.js';
import { INCIDENTS_CHANNEL_ID, USERS, personalConversationId } from '../support/bot-framework-activities.js';
import { expectValidAdaptiveCard } from '../support/adaptive-card.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { cardOf, executeData, startTeamsHarness, type TeamsHarness } from '../support/teams-harness.js';
import { CONTROLLER_NOTE, TEST_SCENARIO } from './test-scenario.js';

type Json = Record<string, unknown>;
const textOf = (card: Json) => JSON.stringify(card);

describe('an authored exercise in Teams', () => {
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

  it('posts the inject with its decision buttons in the thread, asks for the reasoning in a card form, and keeps the facilitator view in a personal chat', async () => {
    const context = h.app.context;
    context.scenarios = new ScenarioCatalog([...(context.scenarios?.caseStudies ?? [])], context.playbooks.all(), [TEST_SCENARIO]);
    // The bot learns Ada's personal chat, where the facilitator view goes.
    await h.post(h.activities.personalMessage('help', { user: USERS.ada }));
    await h.post(h.activities.channelMention('incident exercise start test-invoice-leak force'));
    await h.teams.drain();
    const [incident] = await context.store.incidents.list({ open: true });
    expect(incident).toMatchObject({ isExercise: true, platform: 'teams' });
    const thread = incident!.channelId!;

    const inThread = () => h.connector.messagesIn(INCIDENTS_CHANNEL_ID).filter((m) => m.threadConversationId === thread && m.by === 'bot' && Boolean(m.activity.attachments));
    const inject = inThread().find((m) => executeData(cardOf(m)).some((d) => String(d.action).startsWith('exercise:decide:')))!;
    expect(textOf(cardOf(inject))).toContain('EXERCISE · Inject 1 of 4');
    expectValidAdaptiveCard(cardOf(inject));
    for (const m of inThread()) expect(textOf(cardOf(m))).not.toContain(CONTROLLER_NOTE);
    const view = h.connector.messagesIn(personalConversationId(USERS.ada)).filter((m) => m.by === 'bot' && Boolean(m.activity.attachments));
    expect(view.map((m) => textOf(cardOf(m))).join('\n')).toContain(CONTROLLER_NOTE);

    // Ada (the facilitator, commander by default) clicks "Disable": the answer is the reasoning form; submitting it decides.
    const disable = executeData(cardOf(inject)).find((d) => d.action === 'exercise:decide:disable')!;
    const asked = await h.post(h.activities.cardAction('incident', disable, { conversationId: thread, replyToId: inject.id, user: USERS.ada }));
    const form = (asked.body as { value: Json }).value;
    expectValidAdaptiveCard(form);
    expect(textOf(form)).toContain('Why this option?');
    const submit = executeData(form).find((d) => d.action === 'exercise:decision')!;
    await h.post(h.activities.cardAction('incident', { ...submit, reasoning: 'Stop the exposure first.' }, { conversationId: thread, replyToId: inject.id, user: USERS.ada }));
    await h.teams.drain();
    const decided = (await context.store.events.forIncident(incident!.id)).find((e) => e.kind === 'exercise_decided');
    expect(decided?.payload).toMatchObject({ option: 'disable', reasoning: 'Stop the exposure first.', within_limit: true });
    expect(decided?.actor).toBe(USERS.ada.aadObjectId);
  });
});
