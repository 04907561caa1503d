import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidAdaptiveCard } from '../support/adaptive-card.js';
import { INCIDENTS_CHANNEL_ID, USERS, personalConversationId } from '../support/bot-framework-activities.js';
import { HOUR } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { button, buttonIds } from '../slack/support.js';
import { cardOf, executeData } from '../support/teams-harness.js';
import { SLACK_DIGEST, SLACK_TRIAGE, TEAMS_DIGEST, TEAMS_TRIAGE, startTwoEdges, type TwoEdgesHarness } from '../support/two-edges-harness.js';

type Json = Record<string, unknown>;

const generic = JSON.parse(readFileSync(new URL('../fixtures/alerts/generic-firing.json', import.meta.url), 'utf8')) as Json;

const textOf = (value: unknown) => JSON.stringify(value);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('Slack and Teams in one process', () => {
  let database: TestDatabase;
  let h: TwoEdgesHarness;
  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startTwoEdges(database);
    // The app was installed in the team: Teams tells the bot its service URL and tenant.
    await h.teamsPost(h.activities.installedInTeam());
  });
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });

  let teamsIncidentId: number;

  it('runs both edges on one HTTP server, each with its own triage and digest channel', async () => {
    expect([...h.app.context.platforms.keys()].sort()).toEqual(['slack', 'teams']);
    expect(h.app.context.triage?.destinations).toEqual([
      { platform: 'slack', channelId: SLACK_TRIAGE },
      { platform: 'teams', channelId: TEAMS_TRIAGE },
    ]);
    // The same port answers Slack's signed requests and the Bot Framework's activities.
    const slack = await fetch(`${h.baseUrl}/slack/events`, { method: 'POST', body: 'x' });
    expect(slack.status).toBe(401);
    const teams = await h.teamsPost(h.activities.personalMessage('help', { user: USERS.grace }));
    expect(teams.status).toBe(200);
    expect(String(h.connector.messagesIn(personalConversationId(USERS.grace)).find((m) => m.by === 'bot')?.activity.text)).toContain('declare');
  });

  it('an alert reaches both triage channels; "Declare incident" in Teams makes it a Teams incident and both cards say so', async () => {
    // Grace is on call for ML in Teams.
    const grace = { type: 'mention' as const, text: '<at>Grace Hopper</at>', mentioned: { id: USERS.grace.id, name: USERS.grace.name } };
    await h.teamsPost(h.activities.channelMention('incident oncall ml-engineer <at>Grace Hopper</at>', { mentions: [grace] }));
    expect((await h.app.context.store.roles.roster('teams')).get('ml-engineer')).toEqual([USERS.grace.aadObjectId]);

    const response = await h.alert(generic);
    expect(response.status).toBe(200);
    const [result] = response.body.alerts as { outcome: string; incident_id: number }[];
    expect(result!.outcome).toBe('opened');
    teamsIncidentId = result!.incident_id;
    const title = `Alert for triage: INC-${teamsIncidentId} · ${String(generic.title)}`;

    // Slack: a Block Kit card with both buttons in the Slack triage channel.
    const [slackCard] = h.fake.messagesIn(SLACK_TRIAGE);
    expect(slackCard!.text).toBe(title);
    expect(buttonIds(slackCard!)).toEqual(['triage:declare', 'triage:dismiss']);
    expect(button(slackCard!, 'triage:declare').value).toBe(String(teamsIncidentId));

    // Teams: an Adaptive Card posted in the Teams triage channel with the same two buttons.
    const [teamsCard] = h.connector.threadsIn(TEAMS_TRIAGE);
    expect(teamsCard!.by).toBe('bot');
    const posted = cardOf(teamsCard);
    expectValidAdaptiveCard(posted);
    expect(textOf(posted)).toContain(`INC-${teamsIncidentId}`);
    expect(textOf(posted)).toContain('Declare incident');
    const declare = executeData(posted).find((d) => d.action === 'triage:declare')!;
    expect(declare).toEqual({ action: 'triage:declare', value: String(teamsIncidentId) });
    expect(executeData(posted).some((d) => d.action === 'triage:dismiss')).toBe(true);

    // Nobody is paged and no channel exists before someone decides.
    const waiting = (await h.app.context.store.incidents.get(teamsIncidentId))!;
    expect(waiting).toMatchObject({ state: 'declared', channelId: null, source: 'alert' });
    expect(await h.app.context.store.pages.forIncident(teamsIncidentId)).toEqual([]);

    // Ada clicks "Declare incident" on the Teams card.
    const click = h.activities.cardAction('incident', declare, { conversationId: teamsCard!.threadConversationId, replyToId: teamsCard!.id, user: USERS.ada });
    const answer = await h.teamsPost(click);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const shown = (answer.body as { value: Json }).value;
    expect(textOf(shown)).toContain('Declared a real incident by');
    expect(executeData(shown).some((d) => String(d.action).startsWith('triage:'))).toBe(false);

    // Stored as a Teams incident, in a thread of the Teams triage channel.
    const incident = (await h.app.context.store.incidents.get(teamsIncidentId))!;
    expect(incident).toMatchObject({ platform: 'teams', declaredBy: USERS.ada.aadObjectId, state: 'declared', severity: 'sev3', playbookId: 'model-drift' });
    expect(incident.channelId).toMatch(new RegExp(`^${escape(TEAMS_TRIAGE)};messageid=\\d+$`));
    expect((await h.app.context.store.alerts.forIncident(teamsIncidentId))!.triage).toBe('declared');
    const events = (await h.app.context.store.events.forIncident(teamsIncidentId)).map((e) => e.kind);
    expect(events).toEqual(expect.arrayContaining(['alert_received', 'incident_declared', 'alert_declared', 'channel_created']));

    // The thread's root is the header card; the checklist is inside the thread.
    const rootId = incident.channelId!.split('=')[1]!;
    const root = h.connector.message(rootId)!;
    expect(root).toMatchObject({ by: 'bot', conversationId: TEAMS_TRIAGE, threadRootId: rootId });
    const header = cardOf(root);
    expectValidAdaptiveCard(header);
    expect(textOf(header)).toContain(`INC-${teamsIncidentId}`);
    expect(executeData(header).map((d) => d.action)).toEqual(expect.arrayContaining(['state:triaged', 'severity', 'assign']));
    // The similar-cases text (issue 10) is the one bot message without a card.
    const checklist = h.connector.messagesIn(incident.channelId!).filter((m) => m.by === 'bot' && m.id !== rootId && !String(m.activity.text ?? '').startsWith('Similar cases for') && executeData(cardOf(m)).some((d) => d.action === 'step'));
    expect(checklist.length).toBeGreaterThan(0);

    // Nothing was opened in Slack for it.
    expect(h.fake.callsTo('conversations.create')).toEqual([]);

    // Pages go to Teams people: Grace (ML engineer) in her personal chat; Ada declared it and holds command.
    const pages = await h.app.context.store.pages.forIncident(teamsIncidentId);
    expect(pages.map((p) => [p.role, p.userId, p.status])).toEqual([['ml-engineer', USERS.grace.aadObjectId, 'sent']]);
    const roles = await h.app.context.store.roles.forIncident(teamsIncidentId);
    expect(roles.find((r) => r.role === 'commander')?.userId).toBe(USERS.ada.aadObjectId);
    const dm = h.connector.messagesIn(personalConversationId(USERS.grace)).find((m) => m.by === 'bot' && Boolean(m.activity.attachments) && textOf(cardOf(m)).includes(`INC-${teamsIncidentId}`));
    expect(dm).toBeDefined();
    expect(executeData(cardOf(dm)).some((d) => d.action === 'page:ack')).toBe(true);
    expect(h.fake.callsTo('conversations.open')).toEqual([]);

    // Both triage cards now say it was declared, and offer no buttons.
    const slackUpdate = h.fake.callsTo('chat.update').filter((c) => c.args.channel === SLACK_TRIAGE && c.args.ts === slackCard!.ts);
    expect(slackUpdate.length).toBeGreaterThan(0);
    const slackNow = h.fake.messages.get(`${SLACK_TRIAGE}:${slackCard!.ts}`)!;
    expect(textOf(slackNow.blocks)).toContain('Declared a real incident by');
    expect(buttonIds(slackNow)).toEqual([]);
    const teamsNow = h.connector.message(teamsCard!.id)!;
    expect(teamsNow.versions.length).toBeGreaterThan(1);
    const teamsNowCard = cardOf(teamsNow);
    expectValidAdaptiveCard(teamsNowCard);
    expect(textOf(teamsNowCard)).toContain('Declared a real incident by');
    expect(executeData(teamsNowCard)).toEqual([]);
  });

  it('one digest counts the Slack incident and the Teams incident, posted to the Slack and the Teams digest channel', async () => {
    // A Slack incident the same week, resolved after an hour.
    const declared = await h.slackCommand('declare sev2 prompt-injection Support bot obeys instructions hidden in PDFs');
    expect(String(declared.replies[0]?.text)).toContain('Declared INC-');
    const slackIncident = (await h.app.context.store.incidents.list({ open: true })).find((i) => i.platform === 'slack')!;
    expect(slackIncident.channelId).toMatch(/^C\d{8}$/);
    h.clock.advance(HOUR);
    await h.slackCommand('resolve', { channel: slackIncident.channelId! });
    expect((await h.app.context.store.incidents.get(slackIncident.id))!.state).toBe('resolved');
    // And the Teams one is triaged from its thread.
    const teamsIncident = (await h.app.context.store.incidents.get(teamsIncidentId))!;
    await h.teamsPost(h.activities.channelMention('triage', { channelId: TEAMS_TRIAGE, threadRootId: teamsIncident.channelId!.split('=')[1]! }));
    expect((await h.app.context.store.incidents.get(teamsIncidentId))!.state).toBe('triaged');

    // The bot is down over Monday 09:00; the next start makes the missed digest once per edge.
    await h.close({ keepFakes: true });
    const clock = h.clock;
    clock.set('2026-11-30T11:00:00Z');
    h = await startTwoEdges(database, { fake: h.fake, connector: h.connector, clock });
    expect(h.caughtUp).toEqual(expect.arrayContaining(['weekly-digest', 'weekly-digest@teams']));

    const lines = [
      'Weekly response metrics: last week (2026-11-23 – 2026-11-29)',
      // prompt-injection incidents are private by default: counted, never titled.
      `#${slackIncident.id} SEV2 private incident (resolved)`,
      `#${teamsIncidentId} SEV3 ${String(generic.title)} (triaged)`,
      'week of 2026-11-23: 2 incidents, MTTR 1.0 h',
      // incidents_per_quarter: both platforms' incidents in one count
      'Last week: 2026-Q4: 2 (sev1 0, sev2 1, sev3 1, sev4 0)',
      'Last week: 1.0 h mean · median 1.0 h · p90 1.0 h · n 1',
      'Last week: 100.0% (2 of 2)',
    ];
    // Slack: the card in the digest channel (and its chart).
    // (the mid-quarter exercise reminder, also missed, goes to the same channels)
    const isDigest = (text: string) => text.includes('Weekly response metrics');
    const slackDigest = h.fake.messagesIn(SLACK_DIGEST).filter((m) => isDigest(m.text));
    expect(slackDigest).toHaveLength(1);
    const slackText = textOf(slackDigest[0]!.blocks).replace(/\\"/g, '"');
    for (const line of lines) expect(slackText).toContain(line);
    expect(slackText).not.toContain('Support bot obeys');
    expect([...h.fake.files.values()].filter((f) => f.channel === SLACK_DIGEST)).toHaveLength(1);

    // Teams: the same figures as an Adaptive Card, a new post in the Teams digest channel.
    const teamsDigest = h.connector.threadsIn(TEAMS_DIGEST).filter((m) => isDigest(textOf(m.activity)));
    expect(teamsDigest).toHaveLength(1);
    const card = cardOf(teamsDigest[0]);
    expectValidAdaptiveCard(card);
    const teamsText = textOf(card).replace(/\\\\/g, '\\');
    for (const line of lines) expect(teamsText).toContain(line);
    expect(teamsText).not.toContain('Support bot obeys');
    // And its chart: Teams bots attach no files in channels, so the PNG comes inside a card.
    const charts = h.connector.threadsIn(TEAMS_DIGEST).flatMap((m) => (m.activity.attachments ? [cardOf(m)] : [])).filter((c) => textOf(c).includes('data:image/png;base64,'));
    expect(charts).toHaveLength(1);
    expectValidAdaptiveCard(charts[0]!);
    const image = (charts[0]!.body as Json[]).find((e) => e.type === 'Image')!;
    expect(Buffer.from(String(image.url).split(',')[1]!, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('side by side: a Slack and a Teams incident each page their own on-call person, who acknowledges on their platform, and go from declared to closed with the header buttons', async () => {
    await h.slackCommand('oncall ml-engineer <@USAM>');
    await h.slackCommand('declare sev1 prompt-injection Support bot obeys instructions hidden in PDFs');
    const declare = h.activities.channelMention('incident declare sev1 prompt-injection Agent follows instructions from a web page');
    await h.teamsPost(declare);
    const open = await h.app.context.store.incidents.list({ open: true });
    const slackIncident = open.find((i) => i.platform === 'slack' && i.playbookId === 'prompt-injection')!;
    const teamsIncident = open.find((i) => i.platform === 'teams' && i.playbookId === 'prompt-injection')!;
    expect(slackIncident.channelId).toMatch(/^C/);
    expect(teamsIncident.channelId).toMatch(new RegExp(`^${escape(INCIDENTS_CHANNEL_ID)};messageid=`));

    // Each edge pages its own roster: Sam in Slack, Grace in Teams.
    const pageOf = async (incidentId: number) => (await h.app.context.store.pages.forIncident(incidentId)).find((p) => p.role === 'ml-engineer')!;
    expect(await pageOf(slackIncident.id)).toMatchObject({ userId: 'USAM', status: 'sent' });
    expect(await pageOf(teamsIncident.id)).toMatchObject({ userId: USERS.grace.aadObjectId, status: 'sent' });

    const slackDm = h.fake.messagesIn('DUSAM').find((m) => textOf(m.blocks).includes(`INC-${slackIncident.id}`))!;
    await h.slackAct(slackDm, button(slackDm, 'page:ack'), { user: 'USAM' });
    const teamsDm = h.connector.messagesIn(personalConversationId(USERS.grace)).find((m) => m.by === 'bot' && m.activity.attachments && textOf(cardOf(m)).includes(`INC-${teamsIncident.id}`))!;
    const ack = executeData(cardOf(teamsDm)).find((d) => d.action === 'page:ack')!;
    await h.teamsPost(h.activities.cardAction('incident', ack, { conversationId: personalConversationId(USERS.grace), replyToId: teamsDm.id, user: USERS.grace }));
    expect(await pageOf(slackIncident.id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'USAM' });
    expect(await pageOf(teamsIncident.id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: USERS.grace.aadObjectId });

    const teamsHeader = teamsIncident.channelId!.split('=')[1]!;
    for (const state of ['triaged', 'contained', 'resolved', 'closed']) {
      h.clock.advance(HOUR);
      const slackHeader = h.fake.messagesIn(slackIncident.channelId!).find((m) => buttonIds(m).includes('severity') || buttonIds(m).some((id) => id.startsWith('state:')))!;
      await h.slackAct(slackHeader, button(slackHeader, `state:${state}`));
      const data = executeData(cardOf(h.connector.message(teamsHeader))).find((d) => d.action === `state:${state}`)!;
      await h.teamsPost(h.activities.cardAction('incident', data, { conversationId: teamsIncident.channelId!, replyToId: teamsHeader }));
    }
    for (const incident of [slackIncident, teamsIncident]) {
      const now = (await h.app.context.store.incidents.get(incident.id))!;
      expect(now.state).toBe('closed');
      const changes = (await h.app.context.store.events.forIncident(incident.id)).filter((e) => e.kind === 'state_changed');
      expect(changes.map((e) => (e.payload as { to: string }).to)).toEqual(['triaged', 'contained', 'resolved', 'closed']);
    }
  });

  it('nothing was sent to the wrong edge: Slack ids never reach Teams and Teams ids never reach Slack', () => {
    const slackChannels = new Set(h.fake.calls.map((c) => String(c.args.channel ?? c.args.channel_id ?? '')).filter(Boolean));
    for (const channel of slackChannels) expect(channel).not.toMatch(/^19:|^a:/);
    const teamsConversations = new Set(h.connector.calls.map((c) => c.conversationId).filter(Boolean));
    for (const conversation of teamsConversations) expect(conversation).not.toMatch(/^C\d|^D/);
    expect(h.connector.messagesIn(INCIDENTS_CHANNEL_ID).every((m) => !textOf(m.activity).includes('Weekly response metrics'))).toBe(true);
  });
});
