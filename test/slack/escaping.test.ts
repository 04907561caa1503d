import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../src/core/cards/card.js';
import {
  LIMITS,
  cardToBlocks,
  decodeSlackText,
  escapeMrkdwn,
  plainText,
  replyToMessage,
  slackChannelMention,
  slackMention,
} from '../../src/adapters/slack/render.js';
import { useSlackHarness } from '../support/slack-harness.js';

/**
 * Issue 9: whatever a person typed reaches Slack mrkdwn escaped exactly once, so `<!channel>`,
 * `<@U…>` and `<https://x|label>` show as typed instead of pinging or linking; only the mentions the
 * bot made (`platform.mention`) are live.
 */

const TRIAGE = 'C0TRIAGE';
const ALERTS_TOKEN = 'alerts-token-0123456789';
const h = useSlackHarness({ env: { TRIAGE_CHANNEL: TRIAGE, ALERTS_TOKEN } });

beforeAll(() => {
  h.fake.addChannel(TRIAGE, 'ai-alerts');
});

type Json = Record<string, unknown>;

/** Every text Slack parses as mrkdwn in a message: its `text` and each `mrkdwn` text object. */
function mrkdwnTexts(message: Json): string[] {
  const found: string[] = typeof message.text === 'string' ? [message.text] : [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const object = value as Json;
      if (object.type === 'mrkdwn' && typeof object.text === 'string') found.push(object.text);
      Object.values(object).forEach(walk);
    }
  };
  walk(message.blocks);
  return found;
}

function plainTexts(message: Json): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const object = value as Json;
      if (object.type === 'plain_text' && typeof object.text === 'string') found.push(object.text);
      Object.values(object).forEach(walk);
    }
  };
  walk(message.blocks);
  return found;
}

/** The `<…>` Slack would act on: mentions, broadcasts, links. */
const liveTokens = (mrkdwn: string): string[] => mrkdwn.match(/<[^<>]*>/g) ?? [];

/** Only the bot's own kind of mention (`<@U…>` a person, `<#C…>` a channel) is ever live, never a broadcast or a link. */
function expectOnlyBotMentions(messages: Json[], people: string[]): void {
  for (const message of messages) {
    for (const text of mrkdwnTexts(message)) {
      for (const token of liveTokens(text)) {
        expect(token, `in ${JSON.stringify(text)}`).toMatch(/^<(@U[A-Z0-9]+|#C[A-Z0-9]+)>$/);
        if (token.startsWith('<@')) expect(people, `in ${JSON.stringify(text)}`).toContain(token.slice(2, -1));
      }
    }
  }
}

const stored = (channel: string): Json[] => h.fake.messagesIn(channel) as unknown as Json[];

async function alert(body: Json): Promise<number> {
  const response = await fetch(`${h.baseUrl}/hooks/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERTS_TOKEN}` }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { alerts: { incident_id: number }[] }).alerts[0]!.incident_id;
}

describe('user text in Slack replies and cards (through the Bolt receiver and the fake Web API)', () => {
  let channel = '';

  it('quotes an unknown command or a refused option back as text: no broadcast, no mention', async () => {
    const unknown = await h.command('<!channel> frobnicate');
    expect(unknown.replies[0]!.text).toMatch(/^unknown command "&lt;!channel&gt;"\n/);

    const frobnicate = await h.command('frobnicate <!channel>');
    expect(frobnicate.replies[0]!.text).toMatch(/^unknown command "frobnicate"\n/);

    const refused = await h.command('oncall <!here> <@UEVE>');
    expect(String(refused.replies[0]!.text)).toContain('&lt;!here&gt;');
    // The usage line's placeholders are text too: `<@user>` is no mention.
    const usage = await h.command('assign <https://evil.example|bank> <@UEVE>');
    expect(usage.replies[0]!.text).toBe(
      '"&lt;https://evil.example|bank&gt;" is not a role; use one of commander, ml-engineer, security, comms, legal\nusage: /incident assign &lt;role&gt; &lt;@user&gt;',
    );
    expectOnlyBotMentions([...unknown.replies, ...frobnicate.replies, ...refused.replies, ...usage.replies], []);
  });

  it('shows a declared title with <!here> and <@U…> as typed, in the header, the notification text and the reply', async () => {
    const declared = await h.command('declare sev3 model-drift Drift <!here> after <@U123> shipped & rolled back');
    const incident = (await h.app.context.store.incidents.list({ limit: 10 })).find((i) => i.title.startsWith('Drift <!here>'))!;
    // The core keeps what was typed; only the Slack renderer escapes.
    expect(incident.title).toBe('Drift <!here> after <@U123> shipped & rolled back');
    channel = incident.channelId!;

    expect(declared.replies[0]!.text).toMatch(new RegExp(`^Declared INC-${incident.id} \\(SEV3\\) in <#${channel}>\\.`));
    const header = stored(channel)[0]!;
    // The header block is plain_text: Slack shows it literally, so it is not entity-escaped.
    expect(plainTexts(header)[0]).toBe(`INC-${incident.id} · Drift <!here> after <@U123> shipped & rolled back`);
    // The message text (what notifications show) is mrkdwn: escaped once.
    expect(header.text).toBe(`INC-${incident.id} · Drift &lt;!here&gt; after &lt;@U123&gt; shipped &amp; rolled back`);
    // The bot's own mentions stay live: the commander in the roles field.
    expect(mrkdwnTexts(header).join('\n')).toContain('Incident Commander: <@UALICE>');
    expectOnlyBotMentions([...declared.replies, ...stored(channel)], ['UALICE']);
  });

  it('keeps the bot’s mentions live: assign names the person and the header’s roles follow', async () => {
    const assigned = await h.command('assign ml-engineer <@UMIA|mia>', { channel });
    expect(assigned.replies[0]!.text).toBe('<@UMIA> is now ML Engineer.');
    const header = stored(channel)[0]!;
    expect(mrkdwnTexts(header).join('\n')).toMatch(/Incident Commander: <@UALICE>\nML Engineer: <@UMIA>/);
    expectOnlyBotMentions([...assigned.replies, ...stored(channel), ...stored('DUMIA')], ['UALICE', 'UMIA']);
  });

  it('shows a note with a disguised link, a decision with <!channel> and its reason with <@U…> as text', async () => {
    const note = await h.command('note see <https://evil.example|your bank> and <https://evil.example|bank>', { channel });
    expect(note.replies[0]!.text).toBe('Noted in the timeline: see &lt;https://evil.example|your bank&gt; and &lt;https://evil.example|bank&gt;');

    const decision = await h.command('decision roll back <!channel> because <@UEVE> said so', { channel });
    expect(decision.replies[0]!.text).toBe('Decision recorded: roll back &lt;!channel&gt;, because &lt;@UEVE&gt; said so');

    const timeline = await h.command('timeline', { channel });
    const shown = JSON.stringify(timeline.replies);
    expect(shown).toContain('&lt;https://evil.example|your bank&gt;');
    expect(shown).toContain('&lt;!channel&gt;');
    expect(shown).not.toMatch(/&amp;(lt|gt|amp);/);
    expectOnlyBotMentions([...note.replies, ...decision.replies, ...timeline.replies], ['UALICE', 'UMIA']);
  });

  it('escapes `<`, `>` and `&` exactly once: Slack sends typed `<` as `&lt;` and typed `&lt;` as `&amp;lt;`', async () => {
    // What a person typed:  a < b & c > d      and      &lt; is how you write <
    // What Slack sends:     a &lt; b &amp; c &gt; d   and  &amp;lt; is how you write &lt;
    const typedLess = await h.command('note a &lt; b &amp; c &gt; d', { channel });
    expect(typedLess.replies[0]!.text).toBe('Noted in the timeline: a &lt; b &amp; c &gt; d');
    const typedEntity = await h.command('note &amp;lt; is how you write &lt;', { channel });
    // Slack shows this as "&lt; is how you write <", which is what was typed.
    expect(typedEntity.replies[0]!.text).toBe('Noted in the timeline: &amp;lt; is how you write &lt;');
    const notes = (await h.app.context.store.events.forIncident((await h.app.context.store.incidents.list({ limit: 10 })).find((i) => i.channelId === channel)!.id))
      .filter((e) => e.kind === 'note_added')
      .map((e) => e.payload.text);
    expect(notes).toContain('a < b & c > d');
    expect(notes).toContain('&lt; is how you write <');
  });

  it('shows an alert’s title and description as text on the triage card', async () => {
    const id = await alert({ title: 'Toxicity spike, ask <@U123> <!channel> &lt;now&gt;', dedup_key: 'escaping-1', description: 'Runbook: <https://evil.example|the real runbook> & more' });
    const card = stored(TRIAGE).at(-1)!;
    // JSON bodies are not Slack-escaped: `&lt;` in an alert is four characters, shown as such.
    expect(card.text).toBe(`Alert for triage: INC-${id} · Toxicity spike, ask &lt;@U123&gt; &lt;!channel&gt; &amp;lt;now&amp;gt;`);
    expect(plainTexts(card)[0]).toBe(`Alert for triage: INC-${id} · Toxicity spike, ask <@U123> <!channel> &lt;now&gt;`);
    expect(mrkdwnTexts(card)).toContain('Runbook: &lt;https://evil.example|the real runbook&gt; &amp; more');
    expectOnlyBotMentions(stored(TRIAGE), []);
  });

  it('a declare form title goes through the same escaping (modal values are not escaped by Slack)', async () => {
    await h.submit({
      id: 'V-escaping',
      callback_id: 'declare',
      private_metadata: JSON.stringify({ channelId: 'C0GENERAL' }),
      values: {
        title: { declare_title: { type: 'plain_text_input', value: '<!subteam^S1> paged <@U999> via &lt;x&gt;' } },
        playbook: { value: { type: 'static_select', selected_option: { value: 'auto', text: { type: 'plain_text', text: 'auto' } } } },
      },
    });
    const incident = (await h.app.context.store.incidents.list({ limit: 20 })).find((i) => i.title.startsWith('<!subteam'))!;
    expect(incident.title).toBe('<!subteam^S1> paged <@U999> via &lt;x&gt;');
    const header = stored(incident.channelId!)[0]!;
    expect(header.text).toBe(`INC-${incident.id} · &lt;!subteam^S1&gt; paged &lt;@U999&gt; via &amp;lt;x&amp;gt;`);
    expectOnlyBotMentions(stored(incident.channelId!), ['UALICE']);
  });
});

// ---------------------------------------------------------------------------------------------
// The renderer, for any text: the property behind the cases above.

/** Hostile pieces a person could type or paste, mixed with any code point of any plane. */
const hostile = fc.constantFrom(
  '<', '>', '&', '|', ';', '*', '`', '\n', '<!channel>', '<!here>', '<!everyone>', '<@U1>', '<@U1|bob>', '<#C1>', '<https://evil.example|bank>',
  '&lt;', '&gt;', '&amp;', '&amp;lt;', '&#60;', '&', 'amp;', 'lt;', '\uE000', '\uE001', '\uE000@U1\uE001', '\uE000#C1\uE001',
  `\uE000${'0123456789abcdef'.repeat(2).slice(0, 24)}@U1\uE001`, '\uD83D\uDE80', '\u{10FFFD}', '\uDB80', '\uF8FF',
);
const anyText = (maxLength: number) => fc.string({ unit: fc.oneof(hostile, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength });
/** What the renderer keeps of typed text: all but the two token markers. */
const kept = (s: string) => s.replace(/[\uE000\uE001]/g, '');
const BOT = slackMention('UBOT1');
const ROOM = slackChannelMention('CROOM1', 'inc-1');
const RUNS = { numRuns: 1000 };

/** `&`, `<`, `>` in escaped text only ever start an entity or one of the bot's mentions. */
function expectWellFormed(mrkdwn: string, allowed: string[]): void {
  expect(mrkdwn.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
  for (const token of liveTokens(mrkdwn)) expect(allowed).toContain(token);
  expect(mrkdwn.replace(/<[^<>]*>/g, '')).not.toMatch(/[<>\uE000\uE001]/);
}

/** `shown` is `whole`, or its start cut with "…". */
function expectStartOf(shown: string, whole: string): void {
  if (shown === whole) return;
  expect(shown.endsWith('…'), `${JSON.stringify(shown.slice(-20))} is cut without "…"`).toBe(true);
  expect(whole.startsWith(shown.slice(0, -1)), 'the shown text is not the start of the text').toBe(true);
}

/** Decoding the entities once gives back the text (or its start, when it was shortened). */
const expectDecodesTo = (mrkdwn: string, whole: string): void => expectStartOf(decodeSlackText(mrkdwn), whole);

describe('escapeMrkdwn and the renderer, for arbitrary text', () => {
  it('escapes once: decoding the entities gives back what was typed, and only the bot’s mentions are live', () => {
    fc.assert(
      fc.property(anyText(200), anyText(50), (s, t) => {
        const out = escapeMrkdwn(`${s}${BOT}${t}${ROOM}`);
        expectWellFormed(out, ['<@UBOT1>', '<#CROOM1>']);
        expect(liveTokens(out)).toEqual(['<@UBOT1>', '<#CROOM1>']);
        expect(decodeSlackText(out)).toBe(`${kept(s)}<@UBOT1>${kept(t)}<#CROOM1>`);
      }),
      RUNS,
    );
  });

  it('renders a card whose user text is anything: every mrkdwn text well formed, decoded once to the text, shortened at a safe place', () => {
    fc.assert(
      fc.property(anyText(300), fc.constantFrom(1, 75, 150, 2000, 3000), (s, atLeast) => {
        const long = s.length ? s.repeat(Math.ceil(atLeast / s.length)) : s;
        const card: Card = {
          title: `INC-1 · ${s}`,
          subtitle: `${s}!`,
          fields: [{ label: 'Roles', value: `Commander: ${BOT}` }, { label: 'Note', value: long }],
          sections: [{ heading: 'Decision', text: `${long} by ${BOT} in ${ROOM}` }],
          checklist: [{ id: 'g', heading: 'Steps', items: [{ value: '1:1', number: 1, label: long, done: true, doneBy: BOT, doneAt: '09:12' }] }],
          actions: [{ id: 'a', label: `Do ${s}`, value: '1' }],
          context: [s],
        };
        const message = cardToBlocks(card);
        const blocks = message.blocks as unknown as Json[];
        for (const text of mrkdwnTexts(message as unknown as Json)) expectWellFormed(text, ['<@UBOT1>', '<#CROOM1>']);

        expectDecodesTo(message.text, `INC-1 · ${kept(s)}`);
        expectDecodesTo((blocks[1]!.text as Json).text as string, `*${kept(s)}!*`);
        const fields = (blocks[2]!.fields as Json[]).map((f) => f.text as string);
        expect(fields[0]).toBe('*Roles*\nCommander: <@UBOT1>');
        expectDecodesTo(fields[1]!, `*Note*\n${kept(long)}`);
        expectDecodesTo((blocks[3]!.text as Json).text as string, `*Decision*\n${kept(long)} by <@UBOT1> in <#CROOM1>`);
        // The checklist option keeps who ticked whole, however long the label.
        const option = ((blocks[5]!.elements as Json[])[0]!.options as { text: { text: string } }[])[0]!.text.text;
        expect(option.length).toBeLessThanOrEqual(LIMITS.optionText);
        expect(option.startsWith('*1.* ') && option.endsWith(' · <@UBOT1>')).toBe(true);
        expectDecodesTo(option.slice('*1.* '.length, -' · <@UBOT1>'.length), kept(long));
        const context = blocks.find((b) => b.type === 'context');
        if (kept(s).trim() === '') expect(context).toBeUndefined();
        else expectDecodesTo(((context!.elements as Json[])[0]!.text as string), kept(s));

        // plain_text shows what was typed literally: no entities, no markers, nothing live.
        const [header, ...others] = plainTexts(message as unknown as Json);
        expectStartOf(header!, `INC-1 · ${kept(s)}`);
        expect(header!.length).toBeLessThanOrEqual(LIMITS.headerText);
        expectStartOf(others.find((t) => t.startsWith('Do '))!, `Do ${kept(s)}`);
      }),
      RUNS,
    );
  });

  it('shortens a reply without cutting an entity, a mention or a surrogate pair', () => {
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
    fc.assert(
      fc.property(anyText(60), fc.integer({ min: 1, max: 1000 }), (s, times) => {
        // Text reaches the core cleaned (no lone surrogates; text-input.ts): a cut must not make one.
        const typed = s.replace(loneSurrogate, '').repeat(times);
        const out = (replyToMessage({ text: `${typed} ${BOT} ${typed}` }) as { text: string }).text;
        expect(out.length).toBeLessThanOrEqual(LIMITS.messageText);
        expectWellFormed(out, ['<@UBOT1>']);
        expect(out).not.toMatch(loneSurrogate);
        expectDecodesTo(out, `${kept(typed)} <@UBOT1> ${kept(typed)}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('plain text shows typed markup literally and the bot’s mentions as names, never live', () => {
    fc.assert(
      fc.property(anyText(200), (s) => {
        expect(plainText(`${s} ${BOT} ${ROOM}`)).toBe(`${kept(s)} @UBOT1 #inc-1`);
      }),
      RUNS,
    );
  });

  it('a token is not forged by typing markers: only a mention made by the bot in this process is live', () => {
    expect(escapeMrkdwn('\uE000@U1\uE001 \uE000#C1\uE001')).toBe('@U1 #C1');
    expect(escapeMrkdwn(`${BOT.slice(0, -1)}`)).toBe('@UBOT1');
    expect(slackMention('U1|x> <!channel')).toBe('@U1|x> <!channel');
    expect(escapeMrkdwn(slackMention('U1|x> <!channel'))).toBe('@U1|x&gt; &lt;!channel');
  });
});
