import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { startTeams, teamsSettings, type TeamsEdge } from '../../src/adapters/teams/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { expectValidAdaptiveCard } from '../support/adaptive-card.js';
import { PlaygroundUnavailableError, startPlayground, type Playground, type PlaygroundMessage } from '../support/agents-playground.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { executeData } from '../support/teams-harness.js';

/**
 * End to end with a real Teams client: our bot as it runs in production (createApp, the Teams edge
 * on our HTTP server, botbuilder's CloudAdapter, emulator mode: no token) driven by the Microsoft 365
 * Agents Playground, Microsoft's offline Teams emulator, which plays the users and the Bot Connector.
 * Everything is asserted as the playground shows it (its websocket stream, or its log for another
 * user's personal chat) and as the bot stored it. Skipped only when the playground cannot start.
 */

type Json = Record<string, unknown>;
const CARD = 'application/vnd.microsoft.card.adaptive';

let database: TestDatabase | undefined;
let app: App | undefined;
let teams: TeamsEdge | undefined;
let pg: Playground | undefined;
let unavailable: string | undefined;
/** What the bot logged at warn and above: a turn that failed, a reply Teams refused. */
const botProblems: string[] = [];
const botLog = new Writable({
  write(chunk: Buffer, _encoding, done) {
    botProblems.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ CHAT: 'none', TEAMS_EMULATOR: '1', LOG_LEVEL: 'silent' });
  const logger = createLogger({ level: 'warn', destination: botLog });
  app = await createApp(config, { logger, database });
  teams = await startTeams(app, { ...teamsSettings(config), emulator: true }, logger);
  const port = await app.http.listen(0, '127.0.0.1');
  app.http.ready = true;
  try {
    pg = await startPlayground({ botEndpoint: `http://127.0.0.1:${port}/api/messages`, log: (line) => console.warn(line) });
  } catch (error) {
    if (!(error instanceof PlaygroundUnavailableError)) throw error;
    unavailable = error.message;
    console.warn(`agents playground: skipping the end-to-end test, ${error.message}`);
  }
});

afterAll(async () => {
  await pg?.stop();
  await teams?.stop();
  await app?.close();
  await database?.close();
});

// Nothing went wrong on either side: no warning or error from the bot, and every call the bot made
// to the playground's Bot Connector and every activity the playground sent the bot succeeded.
afterEach(() => {
  if (!pg) return;
  expect(botProblems).toEqual([]);
  const failed = pg.logs.filter((l) => (l.response?.statusCode ?? 200) >= 400).map((l) => `${l.from} → ${l.to} ${l.activityName}: ${l.response?.statusCode} ${JSON.stringify(l.response?.body).slice(0, 300)}`);
  expect(failed).toEqual([]);
});

/** The playground is a dev dependency that runs offline: not starting is a failure, never a skip. */
function playground(): Playground {
  if (!pg) throw new Error(`the Microsoft 365 Agents Playground could not start here: ${unavailable ?? 'not started'}`);
  return pg;
}

const cardOf = (m: PlaygroundMessage | undefined): Json | undefined =>
  m?.attachments.find((a) => a.contentType === CARD)?.content as Json | undefined;
const cardText = (m: PlaygroundMessage | undefined) => JSON.stringify(cardOf(m) ?? {});
const fromBot = (p: Playground, m: PlaygroundMessage) => m.from === p.ids.bot;
const stepsOf = (card: Json | undefined) => executeData(card).filter((d) => d.action === 'step');

// Shared by the steps below, in order: the first incident and its thread in the playground.
let incidentId: number;
let thread: string;
let header: PlaygroundMessage;
let checklist: PlaygroundMessage;

describe('Teams end to end through the Microsoft 365 Agents Playground', () => {
  test('a user @mentions the bot in the channel to declare: a new thread with the header card at its root, the checklist in it, a reply linking to it', async (ctx) => {
    const p = playground();
    await ctx.annotate(`playground start-up ${p.startupMs} ms`);
    const sent = await p.say(p.me.id, 'incident declare sev2 model-drift Fraud model recall fell 9% this week', 'channel');
    expect(sent.via).toBe('ui');

    // What the user sees: a new post in the channel, started by the bot, with the header card.
    header = await p.waitFor((ms) =>
      ms.find((m) => fromBot(p, m) && m.conversationId.startsWith(`${p.ids.channel};messageid=`) && m.conversationId !== sent.conversationId && cardText(m).includes('INC-')),
    );
    thread = header.conversationId;
    expect(thread).toBe(`${p.ids.channel};messageid=${header.id}`); // the header is the thread's root
    expect(header.seen).toBe('stream');
    const headerCard = cardOf(header)!;
    expect(headerCard).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(JSON.stringify(headerCard)).toMatch(/INC-1\b/);
    expect(JSON.stringify(headerCard)).toMatch(/SEV2/i);
    expectValidAdaptiveCard(headerCard);

    // The bot's last word: a short reply under the declaring post (the thread and its cards come first).
    const reply = await p.waitFor((ms) => ms.find((m) => fromBot(p, m) && m.conversationId === sent.conversationId && (m.text ?? '').includes('INC-1')));
    await teams!.drain();

    // What is stored.
    const [incident] = await app!.context.store.incidents.list({ open: true });
    expect(incident).toMatchObject({ platform: 'teams', severity: 'sev2', playbookId: 'model-drift', channelId: thread, declaredBy: p.me.aadObjectId });
    incidentId = incident!.id;
    expect(incidentId).toBe(1);

    // The checklist card(s) inside that thread hold every step of the playbook, in order, each once.
    const cards = p.messages(thread).filter((m) => fromBot(p, m) && m.id !== header.id && stepsOf(cardOf(m)).length > 0);
    expect(cards.length).toBeGreaterThan(0);
    cards.forEach((m) => expectValidAdaptiveCard(cardOf(m)!));
    checklist = cards[0]!;
    const steps = await app!.context.store.steps.list(incidentId);
    expect(steps.length).toBeGreaterThan(0);
    expect(cards.flatMap((m) => stepsOf(cardOf(m))).map((r) => r.value)).toEqual(steps.map((s) => `${incidentId}:${s.number}`));

    // The reply links the new thread: a markdown link (not escaped into literal brackets) named by its slug, to its root message.
    expect(reply.textFormat).toBe('markdown');
    expect(reply.text).toMatch(/(?<!\\)\[inc-\d{8}-fraud-model-recall-fell-9-this\]\(/);
    expect(reply.text).toContain(`](https://teams.microsoft.com/l/message/${encodeURIComponent(p.ids.channel)}/${header.id})`);
  });

  test('another user ticks a checklist row: the invoke answers the updated card, the playground shows it, the tick is stored with their AAD id', async (ctx) => {
    const p = playground();
    expect(checklist, 'needs the declared incident').toBeDefined();
    const megan = p.users[1]!;
    const row = stepsOf(cardOf(checklist))[0]!;
    expect(row).toMatchObject({ action: 'step', done: true });
    const before = checklist.version;

    const answer = await p.click(megan.id, checklist, { verb: 'incident', data: row });
    expect(answer.type).toBe(CARD);
    const shownByInvoke = answer.value as Json;
    expect(stepsOf(shownByInvoke).find((d) => d.value === row.value)?.done).toBe(false); // now an untick
    expect(JSON.stringify(shownByInvoke)).toContain('☑ 1.');

    // The playground shows the checklist message at a higher version with the step ticked, also
    // after the bot's own update of the message (for everyone) has come through.
    await teams!.drain();
    const shown = await p.waitFor((ms) => ms.find((m) => m.id === checklist.id && m.version > before && cardText(m).includes('☑ 1.')));
    expect(stepsOf(cardOf(shown)).find((d) => d.value === row.value)?.done).toBe(false);
    expect(cardText(shown)).toContain(megan.name);

    const steps = await app!.context.store.steps.list(incidentId);
    const ticked = steps.find((s) => `${incidentId}:${s.number}` === row.value);
    expect(ticked).toMatchObject({ doneBy: megan.aadObjectId });
    expect(steps.filter((s) => s.doneBy)).toHaveLength(1);
    expect(ticked!.doneAt).toBeInstanceOf(Date);
  });

  test("a third user clicks the header's Triage button: the incident is triaged and the header says so", async (ctx) => {
    const p = playground();
    expect(header, 'needs the declared incident').toBeDefined();
    const adele = p.users[2]!;
    const current = p.messages(thread).find((m) => m.id === header.id)!; // as the playground shows it now
    expect(cardText(current)).toContain('Declared');
    const triage = executeData(cardOf(current)).find((d) => d.action === 'state:triaged');
    expect(triage).toBeDefined();

    const answer = await p.click(adele.id, current, { verb: 'incident', data: triage!, title: 'Triage' });
    expect(answer.type).toBe(CARD);
    expect(JSON.stringify(answer.value)).toContain('Triaged');

    await teams!.drain();
    expect((await app!.context.store.incidents.get(incidentId))!.state).toBe('triaged');
    const shown = await p.waitFor((ms) => ms.find((m) => m.id === header.id && cardText(m).includes('Triaged')));
    expect(executeData(cardOf(shown)).some((d) => d.action === 'state:triaged')).toBe(false);
  });

  test('a page reaches the on-call person in their personal chat; Acknowledge there records it and the card says who', async (ctx) => {
    const p = playground();
    const lynne = p.users[5]!;

    // Someone puts Lynne on call, @mentioning her the way the client does.
    const oncall = await p.say(p.me.id, `incident oncall ml-engineer ${p.atText(lynne.id)}`, 'channel', { mentions: [lynne.id] });
    await p.waitFor((ms) => ms.find((m) => fromBot(p, m) && m.conversationId === oncall.conversationId));
    await teams!.drain();
    expect((await app!.context.store.roles.roster('teams')).get('ml-engineer')).toEqual([lynne.aadObjectId]);

    await p.say(p.me.id, 'incident declare sev1 prompt-injection Support bot obeys instructions hidden in PDFs', 'channel');
    const page = await p.waitFor((ms) => ms.find((m) => fromBot(p, m) && cardText(m).includes('You are paged')), 15_000);
    // Lynne's 1:1 chat with the bot, which the UI (signed in as Alex) does not stream: read from the playground's log.
    expect(page.seen).toBe('log');
    expect(page.conversationId).toBe(await p.personalChat(lynne.id));
    expect(cardText(page)).toContain('INC-2');
    await teams!.drain();
    const incident = (await app!.context.store.incidents.list({ open: true })).find((i) => i.playbookId === 'prompt-injection')!;
    const stored = (await app!.context.store.pages.forIncident(incident.id)).find((x) => x.role === 'ml-engineer')!;
    expect(stored).toMatchObject({ userId: lynne.aadObjectId, status: 'sent' });

    const ack = executeData(cardOf(page)).find((d) => d.action === 'page:ack');
    expect(ack).toBeDefined();
    const answer = await p.click(lynne.id, page, { verb: 'incident', data: ack!, title: 'Acknowledge' });
    expect(answer.type).toBe(CARD);
    // A card mention: `<at>Name</at>` in the text plus its msteams entity, which Teams renders as her name.
    expect(JSON.stringify(answer.value)).toContain(`Acknowledged by ${p.atText(lynne.id)}`);
    expect((answer.value as { msteams?: { entities?: unknown[] } }).msteams?.entities).toContainEqual({
      type: 'mention',
      text: p.atText(lynne.id),
      mentioned: { id: lynne.id, name: lynne.name },
    });
    expect(executeData(answer.value).some((d) => d.action === 'page:ack')).toBe(false);

    await teams!.drain();
    const shown = await p.waitFor((ms) => ms.find((m) => m.id === page.id && cardText(m).includes('Acknowledged by')));
    expect(cardText(shown)).toContain(`Acknowledged by ${p.atText(lynne.id)}`);
    // Rendered by the Teams edge, the acknowledged card links the thread with a markdown link (not escaped brackets).
    expect(cardText(shown)).toMatch(/Join \[inc-\d{8}-support-bot-obeys-instructions\]\(https:\/\/teams\.microsoft\.com\/l\/message\/[^)]+\) and acknowledge/);
    const acknowledged = (await app!.context.store.pages.forIncident(incident.id)).find((x) => x.id === stored.id)!;
    expect(acknowledged).toMatchObject({ status: 'acknowledged', acknowledgedBy: lynne.aadObjectId });
  });
});
