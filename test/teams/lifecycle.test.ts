import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidAdaptiveCard } from '../support/adaptive-card.js';
import { INCIDENTS_CHANNEL_ID, USERS, personalConversationId } from '../support/bot-framework-activities.js';
import { MINUTE } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { cardOf, executeData, startTeamsHarness, type TeamsHarness } from '../support/teams-harness.js';

type Json = Record<string, unknown>;

const API_TOKEN = 'teams-lifecycle-api-token-0123';
const env = { API_TOKEN };
const textOf = (value: unknown) => JSON.stringify(value);

/** Every element of a card of one type (Input.ChoiceSet …), anywhere in its body. */
function elements(node: unknown, type: string, found: Json[] = []): Json[] {
  if (Array.isArray(node)) node.forEach((n) => elements(n, type, found));
  else if (node && typeof node === 'object') {
    const o = node as Json;
    if (o.type === type) found.push(o);
    Object.values(o).forEach((v) => elements(v, type, found));
  }
  return found;
}

describe('Teams: an incident from declaration to close, an exercise, the API and a restart', () => {
  let database: TestDatabase;
  let h: TeamsHarness;
  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startTeamsHarness(database, { env });
  });
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });

  let incidentId: number;
  let thread: string;
  let rootId: string;
  const store = () => h.app.context.store;
  const header = () => cardOf(h.connector.message(rootId));
  const checklistMessages = () =>
    h.connector.messagesIn(thread).filter((m) => m.by === 'bot' && m.id !== rootId && m.activity.attachments && executeData(cardOf(m)).some((d) => d.action === 'step'));
  /** A click on the header card (the thread's root) as Ada sees it now. */
  const clickHeader = (data: Json, user = USERS.ada) => h.post(h.activities.cardAction('incident', data, { conversationId: thread, replyToId: rootId, user }));
  const headerButton = (action: string) => {
    const data = executeData(header()).find((d) => d.action === action);
    if (!data) throw new Error(`no ${action} button on the header: ${executeData(header()).map((d) => d.action).join(', ')}`);
    return data;
  };
  const shownBy = (answer: { body: unknown }) => (answer.body as { value: Json }).value;

  it('declares in a channel: a thread whose root is the header card', async () => {
    // Grace talked to the bot once, so it knows her personal chat.
    await h.post(h.activities.personalMessage('help', { user: USERS.grace }));
    await h.post(h.activities.channelMention('incident declare sev2 model-drift Fraud model recall fell 9% this week'));
    const [incident] = await store().incidents.list({ open: true });
    expect(incident).toMatchObject({ platform: 'teams', state: 'declared', severity: 'sev2' });
    incidentId = incident!.id;
    thread = incident!.channelId!;
    rootId = thread.split(';messageid=')[1]!;
    expect(h.connector.message(rootId)).toMatchObject({ by: 'bot', conversationId: INCIDENTS_CHANNEL_ID, threadRootId: rootId });
    expectValidAdaptiveCard(header());
    expect(executeData(header()).map((d) => d.action)).toEqual(['state:triaged', 'severity', 'assign']);
  });

  it('a tick is stored with who and when', async () => {
    h.clock.advance(2 * MINUTE);
    const message = checklistMessages()[0]!;
    const row = executeData(cardOf(message)).find((d) => d.action === 'step')!;
    const answer = await h.post(h.activities.cardAction('incident', row, { conversationId: thread, replyToId: message.id }));
    expect(answer.status).toBe(200);
    const [step] = await store().steps.list(incidentId);
    expect(step).toMatchObject({ number: 1, doneBy: USERS.ada.aadObjectId, doneAt: h.clock.now() });
    const event = (await store().events.forIncident(incidentId)).find((e) => e.kind === 'step_ticked')!;
    expect(event).toMatchObject({ actor: USERS.ada.aadObjectId, occurredAt: h.clock.now(), payload: { step: 1 } });
    expect(executeData(cardOf(h.connector.message(message.id))).find((d) => d.value === row.value)?.done).toBe(false);
  });

  /** Clicks the header's next-state button; checks the stored state, its time and its event. */
  async function advanceWithHeader(action: string, state: string, stamp: 'triagedAt' | 'containedAt' | 'resolvedAt' | 'closedAt', label: string) {
    h.clock.advance(7 * MINUTE);
    const at = h.clock.now();
    const before = (await store().events.forIncident(incidentId)).length;
    const answer = await clickHeader(headerButton(action));
    expect(answer.status).toBe(200);
    const incident = (await store().incidents.get(incidentId))!;
    expect(incident.state).toBe(state);
    expect(incident[stamp]).toEqual(at);
    const added = (await store().events.forIncident(incidentId)).slice(before);
    expect(added.filter((e) => e.kind === 'state_changed').map((e) => [e.payload, e.occurredAt, e.actor])).toEqual([
      [expect.objectContaining({ to: state }), at, USERS.ada.aadObjectId],
    ]);
    // Everyone sees it on the header; the clicker's view is the same card.
    expect(textOf(header())).toContain(label);
    expect(textOf(shownBy(answer))).toContain(label);
    expect(h.connector.message(rootId)!.versions.length).toBeGreaterThan(1);
  }

  it('the header\'s buttons triage the incident, each state change an event with its time', async () => {
    await advanceWithHeader('state:triaged', 'triaged', 'triagedAt', 'Triaged');
    expect(executeData(header()).map((d) => d.action)).toEqual(['state:contained', 'severity', 'assign']);
  });

  it('"Change severity" answers with a form (a choice of severities); submitting sev1 changes it', async () => {
    const opened = await clickHeader(headerButton('severity'));
    const form = shownBy(opened);
    expectValidAdaptiveCard(form);
    const [choice] = elements(form, 'Input.ChoiceSet');
    expect(choice).toMatchObject({ id: 'severity', value: 'sev2' });
    expect((choice!.choices as { value: string }[]).map((c) => c.value)).toEqual(['sev1', 'sev2', 'sev3', 'sev4']);
    // Nothing changes until the form is submitted.
    expect((await store().incidents.get(incidentId))!.severity).toBe('sev2');
    const [submit] = executeData(form);
    expect(submit).toMatchObject({ action: 'severity' });

    h.clock.advance(MINUTE);
    const answer = await clickHeader({ ...submit, severity: 'sev1' });
    expect(answer.status).toBe(200);
    expect((await store().incidents.get(incidentId))!.severity).toBe('sev1');
    const event = (await store().events.forIncident(incidentId)).find((e) => e.kind === 'severity_changed')!;
    expect(event).toMatchObject({ payload: { from: 'sev2', to: 'sev1' }, occurredAt: h.clock.now(), actor: USERS.ada.aadObjectId });
    // The answer is the header again, now SEV1, with its buttons.
    expect(textOf(shownBy(answer))).toContain('SEV1');
    expect(executeData(shownBy(answer)).map((d) => d.action)).toEqual(['state:contained', 'severity', 'assign']);
    expect(textOf(header())).toContain('SEV1');
  });

  it('"Assign role" answers with a form (role and people picker); submitting gives Grace the role and pages her', async () => {
    const opened = await clickHeader(headerButton('assign'));
    const form = shownBy(opened);
    expectValidAdaptiveCard(form);
    const inputs = elements(form, 'Input.ChoiceSet');
    expect(inputs.map((i) => i.id)).toEqual(['role', 'person']);
    expect(inputs[1]).toMatchObject({ 'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' } });
    const [submit] = executeData(form);

    const before = h.connector.messagesIn(personalConversationId(USERS.grace)).length;
    const answer = await clickHeader({ ...submit, role: 'comms', person: USERS.grace.aadObjectId });
    expect(answer.status).toBe(200);
    const roles = await store().roles.forIncident(incidentId);
    expect(roles.find((r) => r.role === 'comms')?.userId).toBe(USERS.grace.aadObjectId);
    const event = (await store().events.forIncident(incidentId)).find((e) => e.kind === 'role_assigned' && (e.payload as { role: string }).role === 'comms')!;
    expect(event).toMatchObject({ actor: USERS.ada.aadObjectId, payload: { user: USERS.grace.aadObjectId } });
    const page = (await store().pages.forIncident(incidentId)).find((p) => p.role === 'comms')!;
    expect(page).toMatchObject({ userId: USERS.grace.aadObjectId, status: 'sent' });
    expect(h.connector.messagesIn(personalConversationId(USERS.grace)).length).toBeGreaterThan(before);
    // The header names her, as a mention Teams resolves.
    const entities = (header().msteams as { entities: { mentioned: { id: string } }[] }).entities;
    expect(entities.map((e) => e.mentioned.id)).toContain(USERS.grace.id);
  });

  it('contains the incident from the header', async () => {
    await advanceWithHeader('state:contained', 'contained', 'containedAt', 'Contained');
  });

  let exerciseId: number;
  let exerciseThread: string;

  it('runs an exercise in a Teams thread that pages nobody', async () => {
    const scenarios = h.activities.channelMention('incident exercise scenarios');
    await h.post(scenarios);
    const listed = h.connector.messagesIn(String((scenarios.conversation as Json).id)).find((m) => m.by === 'bot');
    expect(String(listed?.activity.text)).toContain('AML.CS');

    const pagesBefore = (await Promise.all((await store().incidents.list({ limit: 100 })).map((i) => store().pages.forIncident(i.id)))).flat().length;
    const dmsBefore = h.connector.messagesIn(personalConversationId(USERS.grace)).length + h.connector.messagesIn(personalConversationId(USERS.ada)).length;
    const callsBefore = h.connector.calls.length;
    // A quick scenario (an ATLAS case study played inject by inject); authored ones have their own Teams test.
    const atlasId = h.app.context.scenarios!.forPlaybook('model-drift')[0]!.caseStudy.id;
    const start = h.activities.channelMention(`incident exercise start ${atlasId}`);
    await h.post(start);
    const exercise = (await store().incidents.list({ open: true })).find((i) => i.isExercise)!;
    expect(exercise).toMatchObject({ platform: 'teams', playbookId: 'model-drift', isExercise: true });
    exerciseId = exercise.id;
    exerciseThread = exercise.channelId!;
    expect(exerciseThread).toMatch(/;messageid=\d+$/);
    expect(exerciseThread).not.toBe(thread);
    const exerciseRoot = h.connector.message(exerciseThread.split(';messageid=')[1]!)!;
    expect(textOf(cardOf(exerciseRoot))).toContain('EXERCISE');
    // The reply where it was started links to the thread.
    const reply = h.connector.messagesIn(String((start.conversation as Json).id)).filter((m) => m.by === 'bot').map((m) => textOf(m.activity)).join('\n');
    expect(reply).toContain('nobody is paged');
    expect(reply).toContain('https://teams.microsoft.com/l/message/');

    // Commands in the exercise's thread: an inject.
    await h.post(h.activities.channelMention('exercise inject', { threadRootId: exerciseRoot.id }));
    expect((await store().exercises.forIncident(exerciseId))!.injectsRevealed).toBe(1);
    expect(h.connector.messagesIn(exerciseThread).some((m) => m.by === 'bot' && textOf(m.activity).includes('Inject 1 of'))).toBe(true);

    // Nobody was paged: no page rows, no new personal-chat messages.
    expect(await store().pages.forIncident(exerciseId)).toEqual([]);
    const pagesAfter = (await Promise.all((await store().incidents.list({ limit: 100 })).map((i) => store().pages.forIncident(i.id)))).flat().length;
    expect(pagesAfter).toBe(pagesBefore);
    expect(h.connector.messagesIn(personalConversationId(USERS.grace)).length + h.connector.messagesIn(personalConversationId(USERS.ada)).length).toBe(dmsBefore);
    const opened = h.connector.calls.slice(callsBefore).filter((c) => c.operation === 'createConversation');
    expect(opened.map((c) => (c.body as Json).isGroup)).toEqual([true]); // the exercise's thread, no personal chat
    expect(h.connector.calls.slice(callsBefore).some((c) => c.conversationId?.startsWith('a:'))).toBe(false);
  });

  it('GET /api/incidents shows the Teams incident with its thread as the channel', async () => {
    const response = await fetch(`${h.baseUrl}/api/incidents`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(response.status).toBe(200);
    const list = (await response.json()) as Json[];
    const shown = list.find((i) => i.id === incidentId)!;
    expect(shown).toMatchObject({ platform: 'teams', channel: thread, state: 'contained', severity: 'sev1' });
    expect(String(shown.channel)).toContain(';messageid=');
    const one = await fetch(`${h.baseUrl}/api/incidents/${incidentId}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(await one.json()).toMatchObject({ platform: 'teams', channel: thread });
  });

  it('after a restart on the same database the bot still sends to the thread and an old card still works', async () => {
    const checklistId = checklistMessages()[0]!.id;
    const oldRow = executeData(cardOf(h.connector.message(checklistId))).filter((d) => d.action === 'step')[1]!;
    const connector = h.connector;
    const clock = h.clock;
    await h.close({ keepConnector: true });
    h = await startTeamsHarness(database, { env, connector, clock });

    // Before Teams sends anything, the bot can reach the thread: the address came from Postgres.
    const teams = h.app.context.platforms.get('teams')!;
    const sent = await teams.postText(thread, 'Back after a restart.');
    expect(h.connector.message(sent.id)).toMatchObject({ by: 'bot', conversationId: INCIDENTS_CHANNEL_ID, threadRootId: rootId });
    expect(h.connector.message(sent.id)!.activity.text).toBe('Back after a restart.');

    // Ada clicks step 2 on the checklist card posted before the restart.
    h.clock.advance(MINUTE);
    const answer = await h.post(h.activities.cardAction('incident', oldRow, { conversationId: thread, replyToId: checklistId }));
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(executeData(shownBy(answer)).find((d) => d.value === oldRow.value)?.done).toBe(false);
    const steps = await store().steps.list(incidentId);
    expect(steps.find((s) => s.number === 2)).toMatchObject({ doneBy: USERS.ada.aadObjectId, doneAt: h.clock.now() });
    expect(executeData(cardOf(h.connector.message(checklistId))).find((d) => d.value === oldRow.value)?.done).toBe(false);
  });

  it('resolves and closes from the header after the restart; a closed incident offers no buttons', async () => {
    await advanceWithHeader('state:resolved', 'resolved', 'resolvedAt', 'Resolved');
    await advanceWithHeader('state:closed', 'closed', 'closedAt', 'Closed');
    expect(executeData(header())).toEqual([]);
    const states = (await store().events.forIncident(incidentId)).filter((e) => e.kind === 'state_changed').map((e) => (e.payload as { to: string }).to);
    expect(states).toEqual(['triaged', 'contained', 'resolved', 'closed']);
    const incident = (await store().incidents.get(incidentId))!;
    const stamps = [incident.declaredAt, incident.triagedAt, incident.containedAt, incident.resolvedAt, incident.closedAt].map((d) => d!.getTime());
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });
});
