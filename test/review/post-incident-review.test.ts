import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ConsoleChat } from '../../src/adapters/console/console-chat.js';
import { cardToBlocks } from '../../src/adapters/slack/render.js';
import { cardBytes, cardToAdaptiveCard, MAX_CARD_BYTES } from '../../src/adapters/teams/render.js';
import type { Card } from '../../src/core/cards/card.js';
import type { Actor } from '../../src/core/context.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { createLogger } from '../../src/logger.js';
import { refuseBlocks } from '../support/block-kit-limits.js';
import { HOUR, MINUTE, TestClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'review-api-token-0123456789';
let database: TestDatabase;
let app: App;
let base: string;
const clock = new TestClock('2026-11-02T09:00:00Z');
const general: Actor = { platform: 'console', userId: 'ana', channelId: 'general' };

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ API_TOKEN: TOKEN, BOT_TIMEZONE: 'UTC', CHAT: 'none' });
  app = await createApp(config, { logger: createLogger({ level: 'silent' }), clock, database });
  app.addPlatform(new ConsoleChat(() => undefined));
  base = `http://127.0.0.1:${await app.http.listen(0, '127.0.0.1')}`;
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

const get = (path: string, token: string | null = TOKEN) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

async function declare(text: string, who = 'ana') {
  const reply = await handleCommand(app.context, { ...general, userId: who }, `/incident declare ${text}`);
  expect(reply.incidentId, reply.text).toBeDefined();
  const incident = (await app.context.store.incidents.get(reply.incidentId!))!;
  const run = (command: string, userId = who) => handleCommand(app.context, { platform: 'console', userId, channelId: incident.channelId! }, `/incident ${command}`);
  return { incident, run };
}

/** An incident that went through every stage: minutes from impact start to detection, then from detection to each point. */
async function pastIncident(title: string, m: { detect: number; triage: number; contain: number; recoverHours: number }) {
  const start = clock.now();
  const { run } = await declare(`sev3 ${title} started=-${m.detect}m`);
  clock.advance(m.triage * MINUTE);
  await run('triage');
  clock.advance((m.contain - m.triage) * MINUTE);
  await run('contain');
  clock.advance(m.recoverHours * HOUR - m.contain * MINUTE);
  await run('resolve');
  clock.set(new Date(start.getTime() + 6 * HOUR).toISOString());
}

function section(card: Card | undefined, heading: string): string {
  const found = card?.sections?.find((s) => s.heading === heading || s.heading?.startsWith(heading));
  expect(found, `section "${heading}" in ${JSON.stringify(card?.sections?.map((s) => s.heading))}`).toBeDefined();
  return found!.text;
}

function markdownOf(reply: { text: string }): string {
  const match = /```\n([\s\S]*)\n```$/.exec(reply.text);
  expect(match, reply.text).not.toBeNull();
  return match![1]!;
}

describe('the post-incident review of a crafted incident', () => {
  let incidentId: number;
  let run: Awaited<ReturnType<typeof declare>>['run'];
  let draft: Card;
  const declaredAt = '2026-11-10T10:20:00Z';

  beforeAll(async () => {
    // The quarter around it (2026-Q4): three other incidents, a false positive, and one in Q3 that must not count.
    clock.set('2026-09-15T09:00:00Z');
    await pastIncident('Last quarter drift in the ranking model', { detect: 500, triage: 500, contain: 900, recoverHours: 40 });
    clock.set('2026-11-02T09:00:00Z');
    await pastIncident('Ranking model shows stale results', { detect: 10, triage: 10, contain: 30, recoverHours: 2 });
    await pastIncident('Classifier flags every invoice', { detect: 30, triage: 20, contain: 60, recoverHours: 4 });
    await pastIncident('Recommender repeats the same item', { detect: 40, triage: 30, contain: 90, recoverHours: 6 });
    const noise = await declare('sev3 Spike in refusals that was a test');
    await noise.run('false-positive load test');

    // The crafted one: sev1, impact 20 minutes before detection; ana declares and commands first.
    clock.set(declaredAt);
    const crafted = await declare('sev1 prompt-injection Support bot obeys hidden prompts in PDFs. Attackers embed instructions in uploaded PDFs; the bot followed them and leaked internal ticket notes to three customers over twenty minutes. started=-20m private=no');
    incidentId = crafted.incident.id;
    run = crafted.run;
    expect((await run('review')).text).toBe(
      'the review comes after recovery: the incident is declared; mark it resolved first with `/incident resolve [at=<time>]`, then `/incident review`',
    );
    clock.advance(2 * MINUTE);
    await run('tick 2');
    clock.advance(3 * MINUTE);
    await run('triage');
    await run('decision Disable PDF uploads because the filter cannot ship before tonight');
    clock.advance(5 * MINUTE);
    await run('tick 1');
    await run('assign commander @kim');
    await run('decision Keep the bot online');
    clock.advance(35 * MINUTE);
    await run('contain');
    await run('action Add an input filter for PDF text owner=@lee due=2026-11-20');
    clock.advance(2 * HOUR + 15 * MINUTE);
    await run('resolve');
    const steps = await app.context.store.steps.list(incidentId);
    expect(steps.length).toBeGreaterThan(3);
    const posted = await run('review');
    expect(posted.public).toBe(true);
    expect(posted.text).toBe(`Post-incident review draft for INC-${incidentId}:`);
    draft = posted.card!;
  });

  it('is posted in the channel as a card: summary, impact, durations beside the quarter median', () => {
    expect(draft.title).toBe(`Post-incident review (draft): INC-${incidentId} Support bot obeys hidden prompts in PDFs`);
    expect(section(draft, 'Summary')).toBe('Attackers embed instructions in uploaded PDFs; the bot followed them and leaked internal ticket notes to three customers over twenty minutes.');
    expect(section(draft, 'Impact')).toBe(
      [
        'Severity: SEV1 (critical); now Resolved',
        'Impact started: 2026-11-10 10:00 UTC; detected 2026-11-10 10:20 UTC',
        'Contained: 2026-11-10 11:05 UTC, 1 h 5 min after impact start',
        'Resolved: 2026-11-10 13:20 UTC, 3 h 20 min after impact start',
      ].join('\n'),
    );
    // This incident: detect 20 min, triage 5, contain 45, recover 3 h. With the three others of
    // 2026-Q4 (the Q3 one and the false positive left out) the medians of four are interpolated.
    expect(section(draft, 'Response times beside the 2026-Q4 median')).toBe(
      [
        'Time to detect (impact start → detection (declaration)): 20.0 min · 2026-Q4 median 25.0 min (n 4)',
        'Time to triage (detection → triaged): 5.0 min · 2026-Q4 median 15.0 min (n 4)',
        'Time to contain (detection → contained): 45.0 min · 2026-Q4 median 52.5 min (n 4)',
        'Time to recover (detection → resolved): 3.0 h · 2026-Q4 median 3.5 h (n 4)',
      ].join('\n'),
    );
  });

  it('shows the timeline, the decisions with their reasoning, steps unticked or out of order, role holders, action items and three prompts', async () => {
    const timeline = section(draft, 'Timeline');
    expect(timeline.split('\n')[0]).toBe('2026-11-10 10:20 UTC @ana declared SEV1 "Support bot obeys hidden prompts in PDFs" with playbook prompt-injection');
    expect(timeline).toContain('2026-11-10 10:25 UTC @ana moved declared → triaged');
    expect(timeline).toContain('2026-11-10 13:20 UTC @ana moved contained → resolved');

    expect(section(draft, 'Decisions and reasoning')).toBe(
      ['2026-11-10 10:25 UTC @ana: Disable PDF uploads; because the filter cannot ship before tonight', '2026-11-10 10:30 UTC @ana: Keep the bot online; no reasoning was recorded'].join('\n'),
    );

    const steps = await app.context.store.steps.list(incidentId);
    const [one, two, three] = steps;
    const stepText = section(draft, 'Playbook steps');
    expect(stepText.split('\n')[0]).toBe(`Not ticked: 3. ${three!.title}`);
    expect(stepText).not.toContain(`Not ticked: 1.`);
    expect(stepText).not.toContain(`Not ticked: 2.`);
    // Step 2 was ticked at 10:22, before step 1 of the same phase (10:30); the card cuts the rest of the long list.
    const markdown = markdownOf(await run('review export'));
    expect(markdown).toContain(`- Out of order: 2. ${two!.title} ticked 2026-11-10 10:22 UTC, before 1. ${one!.title} (ticked 2026-11-10 10:30 UTC)`);
    expect(markdown).toContain(`- Not ticked: ${steps.at(-1)!.number}. ${steps.at(-1)!.title}`);
    if (stepText.includes('see review export')) expect(stepText).toMatch(/… \d+ more steps, see review export$/);

    expect(section(draft, 'Who held each role')).toBe(
      [
        'Incident Commander: @ana from 2026-11-10 10:20 UTC, then @kim from 2026-11-10 10:30 UTC',
        'ML Engineer: nobody',
        'Security Analyst: nobody',
        'Communications Lead: nobody',
        'Legal/Compliance: nobody',
      ].join('\n'),
    );
    expect(section(draft, 'Action items')).toBe('1. [open] Add an input filter for PDF text (owner @lee, due 2026-11-20)');
    const prompts = section(draft, 'Contributing factors').split('\n');
    expect(prompts).toHaveLength(3);
    expect(prompts.map((p) => p.slice(0, 3))).toEqual(['1. ', '2. ', '3. ']);
    expect(prompts[2]).toContain('the playbook steps skipped or done out of order below');
  });

  it('serves the same Markdown at GET /api/incidents/:id/review.md behind the token', async () => {
    const exported = markdownOf(await run('review export'));
    expect(exported.startsWith(`# Post-incident review (draft): INC-${incidentId} Support bot obeys hidden prompts in PDFs\n`)).toBe(true);
    expect(exported).toContain('## Response times beside the 2026-Q4 median');
    const response = await get(`/api/incidents/${incidentId}/review.md`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await response.text()).toBe(exported);

    const none = await get(`/api/incidents/${incidentId}/review.md`, null);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'send Authorization: Bearer <API_TOKEN>' });
    const missing = await get('/api/incidents/99999/review.md');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no incident 99999' });
  });

  it('records review_posted, renders within Block Kit limits, and cuts a long timeline on the card but not in the export', async () => {
    const events = await app.context.store.events.forIncident(incidentId);
    const posted = events.filter((e) => e.kind === 'review_posted');
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ actor: 'ana', payload: { state: 'resolved', decisions: 2, action_items: 1, out_of_order_steps: 1 } });
    expect(refuseBlocks(cardToBlocks(draft).blocks)).toBeUndefined();

    for (let i = 1; i <= 120; i++) await run(`note Finding ${i}: the injected text <b>"${'x'.repeat(40)}"</b> & more came from upload ${i}`);
    const long = (await run('review')).card!;
    const timeline = section(long, 'Timeline');
    expect(timeline).toMatch(/\n… \d+ more events, see review export$/);
    expect(refuseBlocks(cardToBlocks(long).blocks)).toBeUndefined();
    const teams = cardToAdaptiveCard(long, { directory: () => undefined });
    expect(cardBytes(teams)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    expect(JSON.stringify(teams)).toContain('more events, see review export');
    // The whole timeline is in the Markdown; a chat reply is cut past 20,000 characters and says where the rest is.
    const markdown = await (await get(`/api/incidents/${incidentId}/review.md`)).text();
    expect(markdown).toContain('note: Finding 120: the injected text <b>');
    expect(markdown.split('\n').filter((l) => l.includes('note: Finding ')).length).toBe(120);
    const chat = markdownOf(await run('review export'));
    expect(chat.length).toBeLessThan(markdown.length);
    expect(chat).toMatch(new RegExp(`\\n… cut here for chat; GET /api/incidents/${incidentId}/review.md has it whole.$`));
    expect(markdown.startsWith(chat.slice(0, 20_000))).toBe(true);
  });

  it('answers 409 before recovery and 403 for a private incident, whose export works only in its own channel', async () => {
    const open = await declare('sev2 Chatbot recommends a competitor');
    const early = await get(`/api/incidents/${open.incident.id}/review.md`);
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: string }).error).toMatch(/mark it resolved first/);

    const secret = await declare('sev2 data-leakage Chatbot shows other customers invoices private=yes');
    await secret.run('resolve');
    const refused = await get(`/api/incidents/${secret.incident.id}/review.md`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: `incident ${secret.incident.id} is private: its review is shown only in its own channel, with \`/incident review export\` there` });
    const inChannel = await secret.run('review export');
    expect(markdownOf(inChannel)).toContain(`# Post-incident review (draft): INC-${secret.incident.id} Chatbot shows other customers invoices`);
    expect((await handleCommand(app.context, general, '/incident review export')).text).toMatch(/works in an incident's channel/);
  });
});

describe('closing a sev1–sev2 incident asks for its review', () => {
  it('closes, and asks for the review when none was posted; not once it was, and never for sev3', async () => {
    const unreviewed = await declare('sev1 Assistant gives dangerous dosage advice');
    await unreviewed.run('resolve');
    const closed = await unreviewed.run('close');
    expect(closed.text).toBe('Closed.\nSEV1 incidents get a post-incident review and none was posted: post the draft with `/incident review` (it works on a closed incident).');
    expect((await app.context.store.incidents.get(unreviewed.incident.id))!.state).toBe('closed');
    // The review is posted after closing; the draft says so.
    expect(section((await unreviewed.run('review')).card, 'Impact')).toContain('now Closed');

    const reviewed = await declare('sev2 Drift in the credit model');
    await reviewed.run('resolve');
    await reviewed.run('review');
    expect((await reviewed.run('close')).text).toBe('Closed.');

    const minor = await declare('sev3 Recommender shows stale items');
    await minor.run('resolve');
    expect((await minor.run('close')).text).toBe('Closed.');
  });

  it('refuses review for a false positive and explains', async () => {
    const noise = await declare('sev2 Alert storm from the canary');
    await noise.run('false-positive canary misconfigured');
    expect((await noise.run('review')).text).toMatch(/^the incident was marked a false positive: there is nothing to review/);
    expect((await noise.run('review later')).text).toMatch(/^say `review` to post the draft, or `review export` for its Markdown/);
  });
});
