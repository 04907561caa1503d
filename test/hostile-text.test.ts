import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/context.js';
import { CARD_ACTION } from '../src/core/cards/actions.js';
import { decodeCardClick, handleCardClick } from '../src/core/handle-action.js';
import { handleCommand } from '../src/core/handle-command.js';
import { isParseError, parseCommand } from '../src/core/commands/parse-command.js';
import { declareIncident } from '../src/core/incident/declare-incident.js';
import { cleanStrings, cleanText, clip } from '../src/core/text-input.js';
import { createTestCore, type TestCore } from './support/core.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from './support/database.js';
import { startTestApp, type TestApp } from './support/paging.js';

/**
 * Issue 9: text with NUL, other control characters or a lone surrogate used to reach Postgres and
 * fail there (`invalid byte sequence for encoding "UTF8": 0x00` in text columns, `unsupported
 * Unicode escape sequence` and `invalid input syntax for type json` in jsonb), and the person saw
 * "Something went wrong". Generated text from every plane goes through each way in here; nothing
 * throws, nothing is an internal error, and what is stored reads back as the cleaned text.
 */

const INTERNAL = /something went wrong/i;
const UNSTORABLE = /[\u0000-\u0008\u000b-\u001f\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const codePoint = (min: number, max: number) => fc.integer({ min, max }).map((cp) => String.fromCodePoint(cp));
/** One piece of hostile text: a character from any of the 17 planes, a control, a lone surrogate, NUL, a backslash sequence, … */
const piece = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 16 }).chain((plane) => codePoint(plane * 0x10000, plane * 0x10000 + 0xffff)) },
  { weight: 2, arbitrary: codePoint(0, 0x1f) },
  { weight: 1, arbitrary: codePoint(0x7f, 0x9f) },
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('\u0000', '\\u0000', '\\ud800', '\\udc00\\ud800', '\\u', '\\x00', '\\', '\\\\u0000', '\\"', '"', '\r\n', '\r', '\t', '\n', '\u2028', '\ufeff', '\uffff', '\ufffe', '\u200b', '\u201c', '<@U1|a b>', ' because '),
  },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }) },
);
const hostile = fc.string({ unit: piece, minLength: 1, maxLength: 24 });

const general: Actor = { platform: 'console', userId: 'ana', channelId: 'general' };

describe('cleanText', () => {
  it('leaves nothing Postgres refuses, changes clean text not at all, and is idempotent', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const cleaned = cleanText(text);
        expect(cleaned).not.toMatch(UNSTORABLE);
        expect(cleanText(cleaned)).toBe(cleaned);
        if (!UNSTORABLE.test(text) && !text.includes('\r')) expect(cleaned).toBe(text);
        // What a person typed as characters stays: backslash sequences are text, not escapes.
        expect(cleanText('say \\u0000 and \\ud800')).toBe('say \\u0000 and \\ud800');
      }),
      { numRuns: 5_000 },
    );
  });

  it('keeps tab and newline, turns CR LF into LF, a lone surrogate into U+FFFD, and never cuts a pair in half', () => {
    expect(cleanText('a\u0000b\tc\r\nd\re\u001bf\ud800g\udc00h\ud83d\ude00')).toBe('ab\tc\nd\nef\ufffdg\ufffdh\ud83d\ude00');
    expect(cleanStrings({ 'k\u0000': ['v\u0000', 1, null], n: 2 })).toEqual({ k: ['v', 1, null], n: 2 });
    expect(clip('ab\ud83d\ude00', 3)).toBe('ab');
    expect(clip('abc', 3)).toBe('abc');
  });
});

describe('hostile text through commands, forms and alerts', () => {
  let database: TestDatabase;
  let core: TestCore;
  let bot: TestApp;
  let channel: Actor;

  beforeAll(async () => {
    database = await createTestDatabase();
    core = await createTestCore(database);
    bot = await startTestApp({ database });
    const reply = await handleCommand(core.context, general, '/incident declare sev3 Hostile text target');
    channel = { ...general, channelId: (await core.context.store.incidents.get(reply.incidentId!))!.channelId! };
  });
  afterAll(async () => {
    await bot?.close();
    await database?.close();
  });

  const parsed = (text: string) => parseCommand(cleanText(text), { playbookIds: core.context.playbooks.ids });
  let stored = 0;

  it(`notes and decisions: stored as the cleaned text (${onRealPostgres ? 'Postgres' : 'PGlite'})`, async () => {
    const { store } = core.context;
    const incidentId = (await store.incidents.findByChannel(channel.platform, channel.channelId))!.id;
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (text, because) => {
        const note = await handleCommand(core.context, channel, `/incident note ${text}`);
        expect(note.text).not.toMatch(INTERNAL);
        const expectedNote = parsed(`/incident note ${text}`);
        if (!isParseError(expectedNote) && expectedNote.kind === 'note') {
          expect((await store.events.latest('note_added', incidentId))?.payload).toEqual({ text: expectedNote.text });
          stored++;
        }
        const decision = await handleCommand(core.context, channel, `/incident decision ${text} because ${because}`);
        expect(decision.text).not.toMatch(INTERNAL);
        const expectedDecision = parsed(`/incident decision ${text} because ${because}`);
        if (!isParseError(expectedDecision) && expectedDecision.kind === 'decision') {
          expect((await store.events.latest('decision_recorded', incidentId))?.payload).toEqual({ text: expectedDecision.text, because: expectedDecision.because ?? null });
          stored++;
        }
      }),
      { numRuns: 350 },
    );
  });

  it('declaring by command, by form (card click) and by the Slack modal: titles stored as the cleaned text', async () => {
    const { store } = core.context;
    const check = async (incidentId: number | undefined, title: string, description?: string) => {
      expect(incidentId).toBeDefined();
      const incident = (await store.incidents.get(incidentId!))!;
      expect(incident.title).toBe(title);
      if (description !== undefined) expect(incident.summary).toBe(description);
      expect((await store.events.latest('incident_declared', incidentId))?.payload.title).toBe(title);
      stored++;
    };
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (title, description) => {
        const typed = await handleCommand(core.context, general, `/incident declare sev4 ${title}`);
        expect(typed.text).not.toMatch(INTERNAL);
        const expected = parsed(`/incident declare sev4 ${title}`);
        if (!isParseError(expected) && expected.kind === 'declare') await check(typed.incidentId, expected.title);

        // The declare form: what was typed into its inputs, decoded as every edge decodes it.
        const click = decodeCardClick(CARD_ACTION.declare, '', { title: `Form ${title}`, severity: 'sev4', summary: description });
        expect(click).toMatchObject({ action: 'declare' });
        const formed = await handleCardClick(core.context, general, click as Exclude<typeof click, 'needs-input' | undefined>);
        expect(formed.text).not.toMatch(INTERNAL);
        const typedDescription = description.trim();
        await check(formed.incidentId, clip(cleanText(`Form ${title}`.trim()), 150), typedDescription ? cleanText(typedDescription) : '');

        // Slack's declare modal calls declareIncident directly.
        const modal = await declareIncident(core.context, general, { title: `Modal ${title}`, summary: description, severity: 'sev4', playbookId: null });
        await check(modal.incident.id, cleanText(`Modal ${title}`), cleanText(description));
      }),
      { numRuns: 90 },
    );
  });

  it('POST /hooks/alerts (Alertmanager and generic bodies): never a 500; titles, descriptions and labels stored cleaned', async () => {
    const { store } = bot.app.context;
    let request = 0;
    const alertmanagerAlert = fc.record({ summary: hostile, description: hostile, key: hostile, value: hostile, model: hostile });
    await fc.assert(
      fc.asyncProperty(fc.array(alertmanagerAlert, { minLength: 1, maxLength: 6 }), hostile, hostile, async (alerts, title, description) => {
        request++;
        const body = {
          version: '4',
          status: 'firing',
          alerts: alerts.map((alert, index) => ({
            status: 'firing',
            labels: { alertname: 'Hostile', [alert.key]: alert.value, model: `m ${alert.model}` },
            annotations: { summary: `Summary ${alert.summary}`, description: alert.description },
            startsAt: '2026-11-25T08:00:00Z',
            fingerprint: `fp-${request}-${index}-${alert.key}`,
          })),
        };
        const answer = await bot.post('/hooks/alerts', body);
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const results = answer.body.alerts as { outcome: string; incident_id: number }[];
        for (const [index, alert] of alerts.entries()) {
          expect(results[index]!.outcome).toBe('opened');
          const incident = (await store.incidents.get(results[index]!.incident_id))!;
          expect(incident.title).toBe(clip(cleanText(`Summary ${alert.summary}`), 150));
          expect(incident.summary).toBe(cleanText(alert.description));
          const labels = cleanStrings(body.alerts[index]!.labels);
          expect((await store.alerts.forIncident(incident.id))?.labels).toEqual(labels);
          expect((await store.events.latest('alert_received', incident.id))?.payload.labels).toEqual(labels);
          stored++;
        }

        const generic = { title: `Generic ${title}`, description, source: `src ${title}`, model: description, dedup_key: `key-${request}-${title}` };
        const answered = await bot.post('/hooks/alerts', generic);
        expect(answered.status, JSON.stringify(answered.body)).not.toBe(500);
        if (answered.status === 200) {
          const incident = (await store.incidents.get((answered.body.alerts as { incident_id: number }[])[0]!.incident_id))!;
          expect(incident.title).toBe(cleanText(generic.title).trim());
          expect(incident.summary).toBe(cleanText(description));
          stored++;
        } else {
          expect(answered.body.error).toBe('invalid alert body');
        }
      }),
      { numRuns: 80 },
    );
  });

  it('stored at least 1,000 generated texts and read each back', () => {
    expect(stored).toBeGreaterThanOrEqual(1_000);
  });
});
