import { describe, expect, it } from 'vitest';
import { cardToText } from '../../src/adapters/console/render.js';
import { CARD_ACTION } from '../../src/core/cards/actions.js';
import type { Card } from '../../src/core/cards/card.js';
import { helpText, parseCommand } from '../../src/core/commands/parse-command.js';
import { decodeCardClick, handleCardClick } from '../../src/core/handle-action.js';
import { incidentCards } from '../../src/core/incident/refresh-cards.js';
import { buildDigest } from '../../src/core/metrics/digest.js';
import { HOUR } from '../support/clock.js';
import { general, useCoreHarness, type DeclaredIncident } from '../support/harness.js';

const harness = useCoreHarness();
const playbookIds = ['data-leakage', 'model-safety-violation', 'prompt-injection', 'model-drift'];
const parse = (text: string) => parseCommand(text, { playbookIds });

async function header(declared: DeclaredIncident): Promise<string> {
  const reply = await declared.run('status');
  return cardToText(reply.card!);
}

async function checklist(declared: DeclaredIncident): Promise<Card[]> {
  const { context, chat } = harness.core;
  return (await incidentCards(context, await declared.load(), chat)).checklist;
}

async function click(declared: DeclaredIncident, actionId: string, value: string, inputs: Record<string, unknown> = {}) {
  const decoded = decodeCardClick(actionId, value, inputs);
  if (!decoded || decoded === 'needs-input') return decoded;
  return handleCardClick(harness.core.context, { ...general, channelId: declared.incident.channelId! }, decoded);
}

const events = async (declared: DeclaredIncident, prefix = 'clock_') =>
  (await harness.core.context.store.events.forIncident(declared.incident.id)).filter((e) => e.kind.startsWith(prefix));

describe('the clock commands parse', () => {
  it('reads flag, unflag and notified with their options', () => {
    expect(parse('/incident flag gdpr-breach')).toEqual({ kind: 'flag', flag: 'gdpr-breach' });
    expect(parse('/incident flag gdpr-breach aware=-3h')).toMatchObject({ kind: 'flag', flag: 'gdpr-breach', aware: { kind: 'relative', offsetMs: 3 * HOUR } });
    expect(parse('/incident flag ai-act-serious widespread aware=2026-11-25T08:00Z')).toMatchObject({ kind: 'flag', flag: 'ai-act-serious', variant: 'widespread', aware: { kind: 'absolute' } });
    expect(parse('/incident flag ai-act-serious death')).toEqual({ kind: 'flag', flag: 'ai-act-serious', variant: 'death' });
    expect(parse('/incident unflag gdpr-breach no personal data after all')).toEqual({ kind: 'unflag', flag: 'gdpr-breach', reason: 'no personal data after all' });
    expect(parse('/incident notified gdpr')).toEqual({ kind: 'notified', flag: 'gdpr-breach' });
    expect(parse('/incident notified ai-act at=-1h ref="AI office 114" because the causal link=confirmed only on day 16')).toMatchObject({
      kind: 'notified',
      flag: 'ai-act-serious',
      at: { kind: 'relative' },
      ref: 'AI office 114',
      because: 'the causal link=confirmed only on day 16',
    });
    expect(parse('/incident notified gdpr because the DPO was unreachable')).toEqual({ kind: 'notified', flag: 'gdpr-breach', because: 'the DPO was unreachable' });
  });

  it('refuses bad input with what to type instead', () => {
    const cases: [string, RegExp][] = [
      ['/incident flag', /name the flag: `flag gdpr-breach` or `flag ai-act-serious`/],
      ['/incident flag hipaa', /no flag "hipaa"; use gdpr-breach or ai-act-serious/],
      ['/incident flag gdpr-breach widespread', /widespread is for the AI Act clock: `flag ai-act-serious widespread`/],
      ['/incident flag ai-act-serious sometimes', /after ai-act-serious say widespread, death or nothing/],
      ['/incident flag gdpr-breach now', /`flag gdpr-breach` takes only aware=<time>/],
      ['/incident flag gdpr-breach aware=yesterday', /aware="yesterday" is not a time; use an ISO-8601 time/],
      ['/incident flag gdpr-breach aware=2026-11-25T08:00', /has no UTC offset/],
      ['/incident flag gdpr-breach when=-1h', /unknown option when=; it accepts aware=/],
      ['/incident flag gdpr-breach aware=-1h aware=-2h', /aware= is given twice/],
      ['/incident unflag', /name the flag: `unflag gdpr-breach`/],
      ['/incident unflag gdpr', /^$/],
      ['/incident notified', /name the clock: `notified gdpr` or `notified ai-act`/],
      ['/incident notified hipaa', /no clock "hipaa"; say gdpr or ai-act/],
      ['/incident notified gdpr because', /write the reasons for the delay after "because"|unexpected "because"/],
      ['/incident notified gdpr ref=', /ref= takes the authority's reference/],
      ['/incident notified gdpr yesterday', /unexpected "yesterday"/],
      ['/incident notified gdpr at=tomorrow', /at="tomorrow" is not a time/],
    ];
    for (const [text, message] of cases) {
      const parsed = parse(text);
      if (message.source === '^$') {
        expect(parsed, text).toEqual({ kind: 'unflag', flag: 'gdpr-breach' });
        continue;
      }
      expect('error' in parsed ? parsed.error : parsed, text).toMatch(message);
      expect('usage' in parsed && parsed.usage, text).toMatch(/^usage: \/incident (flag|unflag|notified) /);
    }
  });

  it('lists the commands in help, generated from the grammar table', () => {
    const help = helpText();
    expect(help).toContain('/incident flag gdpr-breach [aware=<time>] | flag ai-act-serious [widespread|death] [aware=<time>]');
    expect(help).toContain('/incident unflag gdpr-breach|ai-act-serious [reason]');
    expect(help).toContain('/incident notified gdpr|ai-act [at=<time>] [ref=<text>] [because <reasons for the delay>]');
  });
});

describe('regulatory clocks on an incident', () => {
  it('offers the flag on the playbook step, starts the GDPR clock and shows it on the header instead of the static deadline', async () => {
    const leak = await harness.declare('sev2 data-leakage Support assistant quotes other customers tickets private=no');
    const before = await header(leak);
    expect(before).toContain('Notify the supervisory authority of the personal data breach (GDPR Art. 33, 72 hours): by 2026-11-28 09:00 UTC');
    const cards = await checklist(leak);
    const offers = cards.flatMap((c) => c.actions ?? []);
    expect(offers).toEqual([{ id: `${CARD_ACTION.flag}:gdpr-breach`, label: 'Flag GDPR breach (72 h clock) · step 6', value: `${leak.incident.id}:gdpr-breach` }]);
    const step = await leak.run('step 6');
    expect(step.text).toContain('`/incident flag gdpr-breach aware=<time>`');

    const reply = await leak.run('flag gdpr-breach aware=-2h');
    expect(reply.public).toBe(true);
    expect(reply.text).toContain('GDPR notification clock started (GDPR Art. 33(1): 72 h from awareness at 2026-11-25 07:00 UTC): due by 2026-11-28 07:00 UTC (in 70 h).');
    expect(reply.text).toContain('Nobody holds Legal yet');

    harness.core.clock.advance(29 * HOUR);
    const shown = await header(leak);
    expect(shown).toContain('GDPR notification due in 41 h, by Sat 07:00 (GDPR Art. 33(1): 72 h from awareness at 2026-11-25 07:00 UTC)');
    expect(shown).not.toContain('(GDPR Art. 33, 72 hours): by');
    // Deadlines without a clock show as before.
    expect(shown).toContain('Notify controller customers of the breach (GDPR Art. 33(2), internal 24-hour target): by');
    expect((await checklist(leak)).flatMap((c) => c.actions ?? [])).toEqual([]);
    const stored = await harness.core.context.store.clocks.forIncident(leak.incident.id);
    expect(stored).toMatchObject([{ kind: 'gdpr-breach', variant: 'general', startedAt: new Date('2026-11-25T07:00:00Z'), dueAt: new Date('2026-11-28T07:00:00Z'), notifiedAt: null }]);
    expect((await events(leak)).map((e) => [e.kind, e.payload])).toEqual([
      ['clock_flagged', { clock: 'gdpr-breach', variant: 'general', aware_at: '2026-11-25T07:00:00.000Z', due_at: '2026-11-28T07:00:00.000Z' }],
    ]);

    // Flagging twice, a time in the future, a notification before awareness: refused, nothing changes.
    const twice = await leak.run('flag gdpr-breach');
    expect(twice.text).toContain('the gdpr-breach clock is already running since 2026-11-25 07:00 UTC, due 2026-11-28 07:00 UTC; to start it again with another time or window, `/incident unflag gdpr-breach` first');
    const future = await leak.run('flag ai-act-serious aware=2026-12-30T09:00Z');
    expect(future.text).toContain('aware=2026-12-30 09:00 UTC is in the future; give when you became aware, at the latest now');
    const early = await leak.run('notified gdpr at=2026-11-25T06:00Z');
    expect(early.text).toContain('is before the clock started (2026-11-25 07:00 UTC)');
    const unknown = await leak.run('flag hipaa');
    expect(unknown.text).toContain('no flag "hipaa"');
    expect(await events(leak)).toHaveLength(1);
    expect(await harness.core.context.store.clocks.forIncident(leak.incident.id)).toHaveLength(1);
    harness.core.clock.advance(-29 * HOUR);
  });

  it('starts the AI Act clock from the checklist button, and notified on time stops it', async () => {
    const unsafe = await harness.declare('sev2 model-safety-violation Assistant gave dosage advice that could kill');
    const offer = (await checklist(unsafe)).flatMap((c) => c.actions ?? [])[0]!;
    expect(offer).toMatchObject({ id: `${CARD_ACTION.flag}:ai-act-serious`, value: `${unsafe.incident.id}:ai-act-serious` });
    const reply = await click(unsafe, offer.id, offer.value);
    expect(reply && reply !== 'needs-input' && reply.text).toContain('AI Act report clock started (AI Act Art. 73(2): 15 days from awareness at 2026-11-25 09:00 UTC): due by 2026-12-10 09:00 UTC');
    expect(await header(unsafe)).toContain('AI Act report due in 15 d, by Thu 10 Dec 09:00');
    expect(await header(unsafe)).not.toContain('Report serious incident to the market surveillance authority');

    harness.core.clock.advance(3 * 24 * HOUR);
    const done = await unsafe.run('notified ai-act at=-1h ref=MSA-2026-31');
    expect(done.text).toBe('AI Act report recorded, 2026-11-28 08:00 UTC (ref MSA-2026-31): on time, 12 d 1 h before the deadline. The clock and its reminders stopped.');
    expect(await header(unsafe)).toContain('AI Act report: notified on time, 2026-11-28 08:00 UTC (ref MSA-2026-31)');
    const clock = (await harness.core.context.store.clocks.forIncident(unsafe.incident.id))[0]!;
    expect((await harness.core.context.store.clocks.reminders(clock.id)).map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    const again = await unsafe.run('notified ai-act');
    expect(again.text).toContain('the AI Act report was already recorded, 2026-11-28 08:00 UTC');
    const reflag = await unsafe.run('flag ai-act-serious death');
    expect(reflag.text).toContain('the AI Act report was already made');
    harness.core.clock.advance(-3 * 24 * HOUR);
  });

  it('asks for the reasons for a late notification and records them from the form', async () => {
    const leak = await harness.declare('sev2 data-leakage Embeddings store with customer prompts left public');
    await leak.run('flag gdpr-breach');
    harness.core.clock.advance(77 * HOUR);
    expect(await header(leak)).toContain('⚠️ GDPR notification overdue by 5 h');

    const late = await leak.run('notified gdpr at=-1h ref=DPA-2026-0912');
    expect(late.text).toContain('GDPR notification recorded, 2026-11-28 13:00 UTC (ref DPA-2026-0912): late, 4 h after the deadline (2026-11-28 09:00 UTC).');
    expect(late.text).toContain('Give the reasons for the delay: the button below, or `/incident notified gdpr because <reasons>`.');
    const ask = cardToText(late.card!);
    expect(ask).toContain('GDPR Art. 33(1): a notification after 72 hours must be accompanied by the reasons for the delay.');
    expect(late.card!.actions).toEqual([{ id: CARD_ACTION.lateReasons, label: 'Give the reasons', value: `${leak.incident.id}:gdpr`, style: 'primary' }]);
    expect(await header(leak)).toContain('GDPR notification: notified late, 4 h after the deadline, 2026-11-28 13:00 UTC (ref DPA-2026-0912); reasons for the delay missing');

    // The button opens the free-text form first; submitting it records the reasons.
    expect(decodeCardClick(CARD_ACTION.lateReasons, `${leak.incident.id}:gdpr`, {})).toBe('needs-input');
    const recorded = await click(leak, CARD_ACTION.lateReasons, `${leak.incident.id}:gdpr`, { reasons: 'The exposure was only confirmed after the vendor log export on day 3.' });
    expect(recorded && recorded !== 'needs-input' && recorded.text).toBe('Reasons for the late GDPR notification recorded: The exposure was only confirmed after the vendor log export on day 3.');
    expect(await header(leak)).toContain('reasons for the delay: The exposure was only confirmed after the vendor log export on day 3.');
    const clock = (await harness.core.context.store.clocks.forIncident(leak.incident.id))[0]!;
    expect(clock).toMatchObject({ notifiedAt: new Date('2026-11-28T13:00:00Z'), notifiedRef: 'DPA-2026-0912', lateReasons: 'The exposure was only confirmed after the vendor log export on day 3.' });
    expect((await events(leak)).map((e) => [e.kind, e.payload])).toEqual([
      ['clock_flagged', expect.objectContaining({ clock: 'gdpr-breach' })],
      ['clock_notified', { clock: 'gdpr-breach', notified_at: '2026-11-28T13:00:00.000Z', due_at: '2026-11-28T09:00:00.000Z', late: true, ref: 'DPA-2026-0912', reasons: null }],
      ['clock_late_reasons', { clock: 'gdpr-breach', reasons: 'The exposure was only confirmed after the vendor log export on day 3.' }],
    ]);
    harness.core.clock.advance(-77 * HOUR);
  });

  it('takes the reasons with a late notification in one command', async () => {
    const leak = await harness.declare('sev3 data-leakage Chat logs with emails synced to analytics vendor');
    await leak.run('flag gdpr-breach aware=-4d');
    const late = await leak.run('notified gdpr because the processor told us only on day 3');
    expect(late.text).toContain('late, 24 h after the deadline (2026-11-24 09:00 UTC)');
    expect(late.text).toContain('Reasons for the delay recorded: the processor told us only on day 3');
    expect(late.card).toBeUndefined();
    const notified = (await events(leak)).find((e) => e.kind === 'clock_notified')!;
    expect(notified.payload).toMatchObject({ late: true, reasons: 'the processor told us only on day 3' });
  });

  it('unflag stops the clock and its reminders; the static deadline shows again', async () => {
    const leak = await harness.declare('sev3 data-leakage Test fixtures with synthetic names pushed to a public repo');
    const version = async () => Number((await harness.database.db.selectFrom('incidents').select('card_version').where('id', '=', leak.incident.id).executeTakeFirstOrThrow()).card_version);
    const declaredVersion = await version();
    await leak.run('flag gdpr-breach');
    // The header re-renders on every replica: a clock change moves the incident's card version (trigger, migration 0010).
    const flaggedVersion = await version();
    expect(flaggedVersion).toBeGreaterThan(declaredVersion);
    const stopped = await leak.run('unflag gdpr-breach synthetic data only, no personal data');
    expect(await version()).toBeGreaterThan(flaggedVersion);
    expect(stopped.text).toBe('gdpr-breach unflagged: its clock and reminders stopped (synthetic data only, no personal data).');
    expect(await harness.core.context.store.clocks.forIncident(leak.incident.id)).toEqual([]);
    const shown = await header(leak);
    expect(shown).toContain('Notify the supervisory authority of the personal data breach (GDPR Art. 33, 72 hours): by');
    expect(shown).not.toContain('GDPR notification due');
    expect((await leak.run('unflag gdpr-breach')).text).toContain('no gdpr-breach clock is running on this incident; `/incident flag gdpr-breach` starts one');
    expect((await events(leak)).map((e) => [e.kind, e.payload])).toEqual([
      ['clock_flagged', expect.objectContaining({ clock: 'gdpr-breach' })],
      ['clock_unflagged', { clock: 'gdpr-breach', reason: 'synthetic data only, no personal data' }],
    ]);
    // Flagging again after an unflag starts a new clock.
    expect((await leak.run('flag gdpr-breach')).text).toContain('clock started');
  });

  it('lists the clocks due this week in the weekly digest', async () => {
    const text = cardToText((await buildDigest(harness.core.context, harness.core.clock.now())).card);
    expect(text).toContain('Regulatory clocks due this week');
    expect(text).toMatch(/#\d+ SEV2 Support assistant quotes other customers tickets: GDPR notification due in 70 h, by Sat 07:00/);
    // A private incident (the data-leakage playbook's default) by number only: no title, reference or reasons.
    expect(text).toMatch(/#\d+ SEV2 private incident: GDPR notification: notified late, 4 h after the deadline, 2026-11-28 13:00 UTC; reasons for the delay: given in the incident/);
    expect(text).not.toContain('Embeddings store');
    expect(text).not.toContain('DPA-2026-0912');
    expect(text).not.toContain('vendor log export');
    // Due on 10 December, not this week.
    expect(text).not.toContain('AI Act report');
  });
});
