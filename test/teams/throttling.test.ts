import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USERS } from '../support/bot-framework-activities.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import type { ConnectorCall, StoredMessage } from '../support/fake-bot-connector.js';
import { cardOf, executeData, startTeamsHarness, type TeamsHarness } from '../support/teams-harness.js';

type Json = Record<string, unknown>;

describe('Teams throttling: forced 429 and 412 from the connector, and a burst of ticks', () => {
  let database: TestDatabase;
  let h: TeamsHarness;
  let incidentId: number;
  let thread: string;
  let checklist: StoredMessage;

  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startTeamsHarness(database);
    await h.post(h.activities.channelMention('incident declare sev3 prompt-injection Support bot follows instructions hidden in PDFs'));
    const [incident] = await h.app.context.store.incidents.list({ open: true });
    incidentId = incident!.id;
    thread = incident!.channelId!;
    const rootId = thread.split(';messageid=')[1]!;
    checklist = h.connector.messagesIn(thread).find((m) => m.by === 'bot' && m.id !== rootId && executeData(cardOf(m)).some((d) => d.action === 'step'))!;
  });
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });

  const rows = (message: StoredMessage) => executeData(cardOf(message)).filter((d) => d.action === 'step');
  const rowOf = (message: StoredMessage, step: number) => rows(message).find((d) => d.value === `${incidentId}:${step}`)!;
  const updatesOf = (id: string, since = 0) => h.connector.calls.slice(since).filter((c) => c.operation === 'updateActivity' && c.activityId === id);
  const ticksOf = async (step: number) =>
    (await h.app.context.store.events.forIncident(incidentId)).filter((e) => e.kind === 'step_ticked' && (e.payload as { step: number }).step === step);
  const tick = (row: Json, user = USERS.ada) => h.post(h.activities.cardAction('incident', row, { conversationId: thread, replyToId: checklist.id, user }));
  /** Waits until the connector's own rate limits (7 writes a second per conversation) have room again. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 2_100));

  /** Ticks `step` with `forced` failures queued for the checklist's next updates; returns the statuses Teams answered. */
  async function tickThrough(step: number, forced: (match: (call: ConnectorCall) => boolean) => void) {
    const since = h.connector.calls.length;
    forced((call) => call.operation === 'updateActivity' && call.activityId === checklist.id);
    const answer = await tick(rowOf(checklist, step));
    expect(answer.status).toBe(200);
    // Stored once, by Ada.
    expect(await ticksOf(step)).toHaveLength(1);
    expect((await h.app.context.store.steps.list(incidentId)).find((s) => s.number === step)).toMatchObject({ doneBy: USERS.ada.aadObjectId });
    // The refused update was tried again and the message everyone sees is current. The forced
    // failures come first; the connector's own limits may add a 429 with Retry-After, which the
    // SDK waits out. It ends accepted.
    const updates = updatesOf(checklist.id, since).map((u) => u.status);
    expect(updates.at(-1)).toBe(200);
    expect(updates.every((status) => status === 200 || status === 429 || status === 412)).toBe(true);
    expect(rowOf(h.connector.message(checklist.id)!, step).done).toBe(false);
    // The clicker sees it ticked too.
    expect(executeData((answer.body as { value: Json }).value).find((d) => d.value === `${incidentId}:${step}`)?.done).toBe(false);
    return updates;
  }

  it('a 429 without Retry-After on the card update: the tick is stored once and the card ends current', async () => {
    const updates = await tickThrough(1, (match) => h.connector.fail({ status: 429 }, 1, match));
    expect(updates[0]).toBe(429);
  });

  it('two 429s in a row without Retry-After: still one tick, the card still current', async () => {
    const updates = await tickThrough(2, (match) => h.connector.fail({ status: 429 }, 2, match));
    expect(updates.slice(0, 2)).toEqual([429, 429]);
  });

  it('a 412 (precondition failed) on the card update: the tick is stored once and the card ends current', async () => {
    const updates = await tickThrough(3, (match) => h.connector.fail({ status: 412 }, 1, match));
    expect(updates[0]).toBe(412);
  });

  it('an update refused on every retry leaves the tick stored; the next change brings the card up to date', async () => {
    const since = h.connector.calls.length;
    h.connector.fail({ status: 429 }, 3, (call) => call.operation === 'updateActivity' && call.activityId === checklist.id);
    const answer = await tick(rowOf(checklist, 5));
    expect(answer.status).toBe(200);
    expect(await ticksOf(5)).toHaveLength(1);
    expect(updatesOf(checklist.id, since).map((u) => u.status)).toEqual([429, 429, 429]);
    // Teams still shows the card from before; the clicker was shown the newest one.
    expect(rowOf(h.connector.message(checklist.id)!, 5).done).toBe(true);
    expect(executeData((answer.body as { value: Json }).value).find((d) => d.value === `${incidentId}:5`)?.done).toBe(false);

    await tick(rowOf(checklist, 6));
    const healed = h.connector.message(checklist.id)!;
    expect(rowOf(healed, 5).done).toBe(false);
    expect(rowOf(healed, 6).done).toBe(false);
  });

  it('Teams retrying the same invoke does not tick twice', async () => {
    const click = h.activities.cardAction('incident', rowOf(checklist, 7), { conversationId: thread, replyToId: checklist.id });
    await h.post(click);
    await h.post(click);
    expect(await ticksOf(7)).toHaveLength(1);
  });

  it('a burst of 10 ticks on one checklist message coalesces its updates; the final card shows all 10 ticked', async () => {
    await settle();
    const stale = h.connector.message(checklist.id)!;
    const wanted = rows(stale).filter((d) => d.done === true).slice(0, 10);
    expect(wanted).toHaveLength(10);
    const since = h.connector.calls.length;
    const started = Date.now();
    // Ten people click ten rows of the card as they see it, at once.
    const answers = await Promise.all(wanted.map((row, i) => tick(row, i % 2 ? USERS.grace : USERS.ada)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await h.teams.drain();
    const elapsed = Date.now() - started;

    const steps = await h.app.context.store.steps.list(incidentId);
    for (const row of wanted) {
      const number = Number(String(row.value).split(':')[1]);
      expect(steps.find((s) => s.number === number)!.doneAt).not.toBeNull();
      expect(await ticksOf(number)).toHaveLength(1);
    }
    const updates = updatesOf(checklist.id, since);
    const accepted = updates.filter((u) => u.status === 200);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThan(wanted.length);
    // Even counting the connector's own 429s (waited out and tried again), fewer calls than ticks.
    expect(updates.length).toBeLessThan(wanted.length);
    const final = h.connector.message(checklist.id)!;
    for (const row of wanted) expect(rowOf(final, Number(String(row.value).split(':')[1])).done).toBe(false);
    expect(elapsed).toBeLessThan(20_000);
  });
});
