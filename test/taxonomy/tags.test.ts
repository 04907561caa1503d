import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardToText } from '../../src/adapters/console/render.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ConsoleChat } from '../../src/adapters/console/console-chat.js';
import type { Actor } from '../../src/core/context.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { helpText } from '../../src/core/commands/parse-command.js';
import { buildDigest } from '../../src/core/metrics/digest.js';
import { suggestTags } from '../../src/core/taxonomy/suggest-tags.js';
import { parseTaxonomy, taxonomyOf, TaxonomyCatalog } from '../../src/core/taxonomy/taxonomy.js';
import { readFile } from 'node:fs/promises';
import { createLogger } from '../../src/logger.js';
import { HOUR, TestClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'test-api-token-0123456789';
const clock = new TestClock('2026-11-20T15:00:00Z');
const general: Actor = { platform: 'console', userId: 'ana', channelId: 'general' };
let database: TestDatabase;
let app: App;
let base: string;
const printed: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ API_TOKEN: TOKEN, BOT_TIMEZONE: 'UTC', CHAT: 'none' });
  app = await createApp(config, { logger: createLogger({ level: 'silent' }), clock, database });
  app.addPlatform(new ConsoleChat((text) => printed.push(text)));
  base = `http://127.0.0.1:${await app.http.listen(0, '127.0.0.1')}`;
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;
const get = async (path: string): Promise<Json> => {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return response.json();
};

async function declare(text: string) {
  const reply = await handleCommand(app.context, general, `/incident declare ${text}`);
  expect(reply.incidentId, reply.text).toBeDefined();
  const incident = (await app.context.store.incidents.get(reply.incidentId!))!;
  const run = (command: string, userId = 'ana') => handleCommand(app.context, { platform: 'console', userId, channelId: incident.channelId! }, `/incident ${command}`);
  const tags = async () => (await app.context.store.tags.forIncident(incident.id)).map((t) => `${t.tag}:${t.source}`);
  const events = async () => (await app.context.store.events.forIncident(incident.id)).filter((e) => e.kind === 'tag_added' || e.kind === 'tag_removed');
  return { incident, run, tags, events };
}

describe('taxonomy tags', () => {
  it('are suggested at declare from the playbook and the text, in the declaration\'s transaction', async () => {
    const { incident, tags, events } = await declare('sev2 prompt-injection Web page told the agent to send the api key to a pastebin');
    const stored = await tags();
    // The playbook's defaults (OWASP ids made canonical: LLM01:2025 → LLM01) …
    for (const id of ['AML.T0051', 'AML.T0051.001', 'AML.T0054', 'LLM01', 'LLM06', 'LLM07']) expect(stored).toContain(`${id}:suggested`);
    // … and what the text says: "api key" → Unsecured Credentials and Sensitive Information Disclosure.
    expect(stored).toContain('AML.T0055:suggested');
    expect(stored).toContain('LLM02:suggested');
    const added = await events();
    expect(added.map((e) => e.payload)).toContainEqual({ tag: 'AML.T0055', source: 'suggested' });
    expect(added).toHaveLength(stored.length);
    expect(added.every((e) => e.occurredAt.getTime() === incident.declaredAt.getTime())).toBe(true);
  });

  it('are suggested from text alone when there is no playbook', () => {
    const catalog = taxonomyOf(app.context);
    const ids = suggestTags(catalog, 'The support assistant leaked another customer\'s PII after a role-play jailbreak', undefined).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['AML.T0057', 'AML.T0054', 'LLM02', 'LLM01']));
    expect(ids).not.toContain('AML.T0031');
    expect(suggestTags(catalog, 'Coffee machine on floor three is broken', undefined)).toEqual([]);
  });

  it('are added and removed with tag/untag, ids case-insensitive, each an event', async () => {
    const { run, tags, events } = await declare('sev3 model-drift Recall on the fraud model slid 9% since the retrain');
    const before = (await events()).length;
    const added = await run('tag aml.t0051.001');
    expect(added.public).toBe(true);
    expect(added.text).toMatch(/^Tagged AML\.T0051\.001 LLM Prompt Injection: Indirect on INC-\d+\./);
    expect(await tags()).toContain('AML.T0051.001:manual');
    expect((await run('tag LLM09:2025')).text).toContain('Tagged LLM09 Misinformation');
    expect((await run('untag aml.t0020')).text).toContain('Removed tag AML.T0020 Poison Training Data');
    expect(await tags()).not.toContain('AML.T0020:suggested');
    const log = (await events()).slice(before);
    expect(log.map((e) => [e.kind, e.payload, e.actor])).toEqual([
      ['tag_added', { tag: 'AML.T0051.001', source: 'manual' }, 'ana'],
      ['tag_added', { tag: 'LLM09', source: 'manual' }, 'ana'],
      ['tag_removed', { tag: 'AML.T0020', source: 'manual' }, 'ana'],
    ]);
  });

  it('refuses bad ids and repeats with a clear message, writing nothing', async () => {
    const { run, tags, events, incident } = await declare('sev3 model-drift Calibration drifted on the churn model');
    const tagsBefore = await tags();
    const eventsBefore = (await events()).length;
    const version = async () => (await database.db.selectFrom('incidents').select('card_version').where('id', '=', incident.id).executeTakeFirstOrThrow()).card_version;
    const versionBefore = await version();

    const malformed = await run('tag prompt-injection');
    expect(malformed.public).toBeFalsy();
    expect(malformed.text).toContain('"prompt-injection" is not a tag id; use a MITRE ATLAS technique like AML.T0051 or AML.T0051.001, or an OWASP LLM Top 10 (2025) id from LLM01 to LLM10');
    expect(malformed.text).toMatch(/Closest known: /);
    const unknown = await run('tag AML.T0052.999');
    expect(unknown.text).toMatch(/^AML\.T0052\.999 is not in the bot's taxonomy .*Closest known: AML\.T0052/);
    expect((await run('tag LLM11')).text).toContain('is not a tag id');
    expect((await run('tag')).text).toContain('give one tag id');
    expect((await run('tag AML.T0020')).text).toMatch(/^INC-\d+ is already tagged AML\.T0020 Poison Training Data; nothing changed\./);
    expect((await run('untag LLM10')).text).toMatch(/^INC-\d+ is not tagged LLM10 Unbounded Consumption; nothing changed\./);

    expect(await tags()).toEqual(tagsBefore);
    expect((await events()).length).toBe(eventsBefore);
    expect(await version()).toBe(versionBefore);
    expect(helpText()).toContain('tag <tag-id>');
    expect(helpText()).toContain('untag <tag-id>');
    expect(helpText()).toContain('similar');
  });

  it('show on the header card, id and short name, re-rendered when they change', async () => {
    const { run, incident } = await declare('sev3 data-leakage Support assistant quoted other customers tickets');
    const status = await run('status');
    const tagsField = status.card!.fields!.find((f) => f.label === 'Tags')!;
    expect(tagsField.value).toContain('AML.T0057 LLM Data Leakage');
    expect(tagsField.value).toContain('LLM02 Sensitive Information Disclosure');
    expect(tagsField.value).toContain('AML.T0024.000 Infer Training Data Membership');
    const version = async () => Number((await database.db.selectFrom('incidents').select('card_version').where('id', '=', incident.id).executeTakeFirstOrThrow()).card_version);
    const before = await version();
    await run('tag LLM09');
    // The tag row's trigger bumps the card version in the same transaction, and the bound header is updated.
    expect(await version()).toBeGreaterThan(before);
    const updated = printed.filter((line) => line.startsWith(`[#${incident.channelId}] bot (updated):`) && line.includes(`INC-${incident.id} `));
    expect(updated.at(-1)).toContain('LLM09 Misinformation');
    await run('untag AML.T0025');
    const after = (await run('status')).card!.fields!.find((f) => f.label === 'Tags')!.value;
    expect(after).toContain('LLM09 Misinformation');
    expect(after).not.toContain('AML.T0025');
    expect(cardToText((await run('status')).card!)).toContain('Tags');
  });

  it('gain the new playbook\'s defaults on a playbook change, keeping tags people added', async () => {
    const { run, tags } = await declare('sev3 model-drift Answers degraded after the vendor model update');
    await run('tag LLM09');
    await run('untag AML.T0020');
    expect((await run('playbook model-safety-violation')).text).toContain('Playbook changed');
    const now = await tags();
    expect(now).toContain('LLM09:manual');
    for (const id of ['AML.T0054', 'AML.T0048', 'LLM05']) expect(now).toContain(`${id}:suggested`);
    // The drift defaults stay (nothing is taken away), and what someone removed is not put back by the change.
    expect(now).toContain('AML.T0031:suggested');
    expect(now).not.toContain('AML.T0020:suggested');
  });

  it('are returned by the API, counted in /api/metrics and in the digest', async () => {
    const { incident, run } = await declare('sev2 prompt-injection Email with hidden instructions made the agent forward invoices');
    await run('tag AML.T0086');
    const one = await get(`/api/incidents/${incident.id}`);
    expect(one.tags).toEqual(expect.arrayContaining(['AML.T0051', 'AML.T0086', 'LLM01']));
    expect(one.tags).toEqual([...one.tags].sort());
    const list: Json[] = await get('/api/incidents');
    expect(list.find((i: Json) => i.id === incident.id).tags).toEqual(one.tags);
    expect(list.every((i: Json) => Array.isArray(i.tags))).toBe(true);

    const all = (await app.context.store.metrics.listIncidents({ limit: 100 })).filter((i) => !i.isExercise);
    const expected: Record<string, number> = {};
    for (const i of all) for (const t of await app.context.store.tags.forIncident(i.id)) expected[t.tag] = (expected[t.tag] ?? 0) + 1;
    const metrics = await get('/api/metrics?from=2026-10-01&to=2026-12-31');
    expect(metrics.incidents_by_tag).toEqual(expected);
    expect(metrics.incidents_by_tag['AML.T0086']).toBeGreaterThanOrEqual(1);
    expect(metrics.definitions.incidents_by_tag).toMatch(/taxonomy tag/);
    const empty = await get('/api/metrics?from=2026-01-01&to=2026-03-01');
    expect(empty.incidents_by_tag).toEqual({});

    clock.advance(2 * HOUR);
    const text = cardToText((await buildDigest(app.context, clock.now())).card);
    expect(text).toContain('This quarter by technique (2026-Q4 so far)');
    expect(text).toContain(`AML.T0051 LLM Prompt Injection: ${expected['AML.T0051']}`);
    // Most incidents first, then by id.
    const top = Object.entries(expected).sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]!;
    const section = text.slice(text.indexOf('This quarter by technique')).split('\n');
    expect(section[1]).toContain(`${taxonomyOf(app.context).label(top[0], true)}: ${top[1]}`);
  });

  it('come from a catalogue that names every playbook tag with ATLAS\'s own names, validated at load', async () => {
    const catalog = taxonomyOf(app.context);
    for (const playbook of app.context.playbooks.all()) {
      for (const raw of [...playbook.tags.mitre_atlas, ...playbook.tags.owasp_llm]) expect(catalog.get(TaxonomyCatalog.canonical(raw)!), `${playbook.id}: ${raw}`).toBeDefined();
    }
    const studies = JSON.parse(await readFile('playbooks/exercises/atlas-case-studies.json', 'utf8')) as { case_studies: { technique_names: Record<string, string> }[] };
    const names = Object.assign({}, ...studies.case_studies.map((c) => c.technique_names)) as Record<string, string>;
    for (const tag of catalog.tags) if (names[tag.id]) expect(tag.name, tag.id).toBe(names[tag.id]);
    expect(catalog.tags.filter((t) => t.framework === 'owasp').map((t) => t.id)).toEqual(['LLM01', 'LLM02', 'LLM03', 'LLM04', 'LLM05', 'LLM06', 'LLM07', 'LLM08', 'LLM09', 'LLM10']);
    expect(() => parseTaxonomy('broken.yaml', 'atlas:\n  - id: AML.X1\n    name: Broken\nowasp: []\n')).toThrow(/^broken\.yaml: atlas\.0\.id: an ATLAS technique id like AML\.T0051/);
  });

  it('normalise ids people type', () => {
    expect(TaxonomyCatalog.canonical(' aml.t0051.000 ')).toBe('AML.T0051.000');
    expect(TaxonomyCatalog.canonical('T0054')).toBe('AML.T0054');
    expect(TaxonomyCatalog.canonical('llm1')).toBe('LLM01');
    expect(TaxonomyCatalog.canonical('LLM10:2025')).toBe('LLM10');
    expect(TaxonomyCatalog.canonical('LLM11')).toBeUndefined();
    expect(TaxonomyCatalog.canonical('AML.T51')).toBeUndefined();
  });
});
