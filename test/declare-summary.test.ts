import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ConsoleChat } from '../src/adapters/console/console-chat.js';
import { CARD_ACTION } from '../src/core/cards/actions.js';
import type { Actor } from '../src/core/context.js';
import { decodeCardClick, handleCardClick, type CardClick } from '../src/core/handle-action.js';
import { handleCommand } from '../src/core/handle-command.js';
import { createLogger } from '../src/logger.js';
import { TestClock } from './support/clock.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

const TOKEN = 'test-api-token-0123456789';
let database: TestDatabase;
let app: App;
let base: string;
const printed: string[] = [];
const general: Actor = { platform: 'console', userId: 'ana', channelId: 'general' };

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ API_TOKEN: TOKEN, CHAT: 'none' });
  app = await createApp(config, { logger: createLogger({ level: 'silent' }), clock: new TestClock('2026-11-20T15:00:00Z'), database });
  app.addPlatform(new ConsoleChat((text) => printed.push(text)));
  base = `http://127.0.0.1:${await app.http.listen(0, '127.0.0.1')}`;
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
const api = async (path: string): Promise<any> => (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();

function click(actionId: string, value: string): CardClick {
  const decoded = decodeCardClick(actionId, value);
  if (!decoded || decoded === 'needs-input') throw new Error(`${actionId} did not decode`);
  return decoded;
}

describe('declaring with a long text', () => {
  const rest =
    'Names, order numbers and delivery addresses from other accounts show up in its answers since the 10:40 deploy of the retrieval change. Two customers wrote in.';

  it('keeps the first sentence as the title and the rest as the summary: stored, on the header, in the API', async () => {
    printed.length = 0;
    const reply = await handleCommand(app.context, general, `/incident declare The support assistant started quoting other customers' tickets. ${rest}`);
    const incident = (await app.context.store.incidents.get(reply.incidentId!))!;
    expect(incident).toMatchObject({ title: "The support assistant started quoting other customers' tickets", summary: rest });
    expect(printed.join('\n')).toContain(rest);
    const json = await api(`/api/incidents/${incident.id}`);
    expect(json).toMatchObject({ title: incident.title, summary: rest });
  });

  it('names the choice, the runner-up and the deciding words, and switches to the runner-up in one click', async () => {
    const reply = await handleCommand(app.context, general, '/incident declare Role-play jailbreak got the assistant to give weapon instructions');
    const incident = (await app.context.store.incidents.get(reply.incidentId!))!;
    expect(incident.playbookId).toBe('model-safety-violation');
    expect(reply.text).toMatch(/Playbook: Model safety violation.*, matched on "[^"]+"(, "[^"]+")*; runner-up: /);
    const runnerUp = /runner-up: ([^.]+)\./.exec(reply.text)![1]!;
    const button = reply.card?.actions?.[0];
    expect(button).toMatchObject({ id: expect.stringMatching(new RegExp(`^${CARD_ACTION.playbook}:`)), label: `Use ${runnerUp}` });

    const switched = await handleCardClick(app.context, { ...general, channelId: incident.channelId! }, click(button!.id, button!.value));
    expect(switched.text).toMatch(new RegExp(`Playbook changed to ${runnerUp}`));
    const after = (await app.context.store.incidents.get(incident.id))!;
    expect(app.context.playbooks.get(after.playbookId)?.name).toBe(runnerUp);
    const events = await app.context.store.events.forIncident(incident.id);
    expect(events.map((e) => e.kind)).toContain('playbook_changed');
  });

  it('says when a text is too vague to match and offers every playbook', async () => {
    const reply = await handleCommand(app.context, general, '/incident declare Something looks off with the bot today');
    const incident = (await app.context.store.incidents.get(reply.incidentId!))!;
    expect(incident.playbookId).toBeNull();
    expect(reply.text).toMatch(/too vague/);
    expect(reply.card?.actions?.map((a) => a.value).sort()).toEqual(app.context.playbooks.ids.map((id) => `${incident.id}:${id}`).sort());
  });

  it('gives no switch when the playbook was named, and a nonsense button value changes nothing', async () => {
    const reply = await handleCommand(app.context, general, '/incident declare sev3 model-drift Recall slid on the fraud model');
    expect(reply.card).toBeUndefined();
    const incident = (await app.context.store.incidents.get(reply.incidentId!))!;
    const refused = await handleCardClick(app.context, { ...general, channelId: incident.channelId! }, click(CARD_ACTION.playbook, `${incident.id}:no-such-playbook`));
    expect(refused.text).toMatch(/no playbook "no-such-playbook"/);
    expect((await app.context.store.incidents.get(incident.id))!.playbookId).toBe('model-drift');
  });
});
