import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCardClick } from '../../src/core/handle-action.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApp, type TestApp } from '../support/paging.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/alerts/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const alertmanager = fixture('alertmanager-firing.json');
const generic = fixture('generic-firing.json');

let database: TestDatabase;
let bot: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  bot = await startTestApp({ database });
});
afterAll(async () => {
  await bot?.close();
  await database?.close();
});

const store = () => bot.app.context.store;
const countIncidents = async () => (await store().incidents.list({ limit: 1000 })).length;

function amAlert(index: number, patch: Record<string, unknown> = {}) {
  const alerts = alertmanager.alerts as Record<string, unknown>[];
  return { ...alerts[index]!, ...patch };
}

describe('POST /hooks/alerts with Alertmanager webhook bodies', () => {
  it('opens each alert as an incident waiting for triage, detected at the alert\'s own time', async () => {
    const printedBefore = bot.printed.length;
    const response = await bot.post('/hooks/alerts', alertmanager);
    expect(response.status).toBe(200);
    expect(response.body.received).toBe(2);
    const [first, second] = response.body.alerts as { outcome: string; incident_id: number }[];
    expect(first!.outcome).toBe('opened');
    expect(second!.outcome).toBe('opened');

    const guardrail = (await store().incidents.get(first!.incident_id))!;
    expect(guardrail).toMatchObject({ state: 'declared', source: 'alert', severity: 'sev1', playbookId: 'prompt-injection', channelId: null, title: 'Guardrail block rate above 5% on support-bot' });
    expect(guardrail.detectedAt.toISOString()).toBe('2026-11-25T08:52:00.123Z');
    const eval2 = (await store().incidents.get(second!.incident_id))!;
    expect(eval2.severity).toBe('sev3'); // severity=warning
    expect(eval2.detectedAt.toISOString()).toBe('2026-11-25T08:40:00.000Z');

    // Shown in the triage channel with both buttons; nobody is paged before someone declares it.
    const shown = bot.printed.slice(printedBefore).join('\n');
    expect(shown).toContain(`[#triage] bot:`);
    expect(shown).toContain(`Alert for triage: INC-${guardrail.id} · Guardrail block rate above 5% on support-bot`);
    expect(shown).toContain('[Declare incident]');
    expect(shown).toContain('[Not a real incident]');
    expect(await store().pages.forIncident(guardrail.id)).toEqual([]);
    const events = await store().events.forIncident(guardrail.id);
    // Nothing else happens before triage: no checklist, no pages, no taxonomy tags (they come with the declaration).
    expect(events.map((e) => e.kind)).toEqual(['alert_received', 'incident_declared']);
    expect(await store().tags.forIncident(guardrail.id)).toEqual([]);
    expect(events[0]!.payload).toMatchObject({ format: 'alertmanager', source: 'alertmanager', labels: { model: 'support-bot-v3' } });
  });

  it('attaches a repeated firing of the same fingerprint to the open alert', async () => {
    const before = await countIncidents();
    const response = await bot.post('/hooks/alerts', { ...alertmanager, alerts: [amAlert(0)] });
    expect(response.status).toBe(200);
    const [result] = response.body.alerts as { outcome: string; incident_id: number }[];
    expect(result!.outcome).toBe('repeated');
    expect(await countIncidents()).toBe(before);
    const alert = (await store().alerts.forIncident(result!.incident_id))!;
    expect(alert.fireCount).toBe(2);
  });

  it('records a resolved status as an event at the alert\'s end time, and a new firing as refired', async () => {
    bot.clock.advance(10 * 60_000);
    const resolved = await bot.post('/hooks/alerts', { ...alertmanager, status: 'resolved', alerts: [amAlert(1, { status: 'resolved', endsAt: '2026-11-25T09:05:00Z' })] });
    expect(resolved.status).toBe(200);
    const [result] = resolved.body.alerts as { outcome: string; incident_id: number }[];
    expect(result!.outcome).toBe('resolved');
    const events = await store().events.forIncident(result!.incident_id);
    const event = events.find((e) => e.kind === 'alert_resolved')!;
    expect(event.occurredAt.toISOString()).toBe('2026-11-25T09:05:00.000Z');
    expect((await store().alerts.forIncident(result!.incident_id))!.status).toBe('resolved');
    // The incident is not closed by the monitor: a person decides.
    expect((await store().incidents.get(result!.incident_id))!.state).toBe('declared');

    const again = await bot.post('/hooks/alerts', { ...alertmanager, alerts: [amAlert(1)] });
    expect((again.body.alerts as { outcome: string; incident_id: number }[])[0]).toMatchObject({ outcome: 'refired', incident_id: result!.incident_id });
  });

  it('takes a batch in request order: new keys open incidents in order, a repeat in the batch attaches, a resolved key with nothing open is ignored', async () => {
    const printedBefore = bot.printed.length;
    const minutesAgo = (m: number) => new Date(bot.clock.now().getTime() - m * 60_000).toISOString();
    const fingerprint = (name: string) => ({ fingerprint: `batch-${name}`, labels: { ...(amAlert(0).labels as object), replica: name } });
    const alerts = [
      amAlert(0, { ...fingerprint('a'), status: 'resolved', endsAt: minutesAgo(2) }),
      amAlert(0, fingerprint('a')),
      amAlert(1, fingerprint('b')),
      amAlert(0, fingerprint('a')),
      amAlert(0, { ...fingerprint('a'), status: 'resolved', endsAt: minutesAgo(1) }),
      amAlert(1, fingerprint('c')),
    ];
    const response = await bot.post('/hooks/alerts', { ...alertmanager, alerts });
    expect(response.status).toBe(200);
    const results = response.body.alerts as { outcome: string; incident_id: number | null }[];
    expect(results.map((r) => r.outcome)).toEqual(['ignored', 'opened', 'opened', 'repeated', 'resolved', 'opened']);
    const [a, b, c] = [results[1]!.incident_id!, results[2]!.incident_id!, results[5]!.incident_id!];
    expect(a).toBeLessThan(b);
    expect(b).toBeLessThan(c);
    expect([results[0]!.incident_id, results[3]!.incident_id, results[4]!.incident_id]).toEqual([null, a, a]);
    const alertA = (await store().alerts.forIncident(a))!;
    expect(alertA).toMatchObject({ dedupKey: 'am:batch-a', status: 'resolved', fireCount: 2 });
    // Its triage card shows what the whole batch did to it, not what the batch first wrote.
    const cardA = bot.printed.slice(printedBefore).find((line) => line.includes(`Alert for triage: INC-${a} `))!;
    expect(cardA).toContain('Fired: 2 times');
    expect(cardA).toContain('Status at source: resolved');
    expect((await store().incidents.get(c))!.title).toBe((await store().incidents.get(b))!.title);
    const events = await store().events.forIncident(a);
    expect(events.filter((e) => e.kind === 'alert_received')).toHaveLength(1);
    expect(events.find((e) => e.kind === 'alert_resolved')!.occurredAt.toISOString()).toBe(minutesAgo(1));
    // Each opened incident's checklist and tags wait until someone declares it.
    for (const id of [a, b, c]) {
      expect(await store().tags.forIncident(id)).toEqual([]);
      expect(await store().steps.list(id)).toEqual([]);
    }
  });

  it('stores labels named __proto__ and constructor as sent, on the alert and its event', async () => {
    const labels = { alertname: 'OddLabels', model: 'support-bot-v3', PROTO: 'kept', constructor: 'also kept' };
    const body = JSON.stringify({ ...alertmanager, alerts: [amAlert(0, { fingerprint: 'odd-label-names', labels })] }).replace('"PROTO"', '"__proto__"');
    const response = await bot.post('/hooks/alerts', body);
    expect(response.status).toBe(200);
    const [opened] = response.body.alerts as { outcome: string; incident_id: number }[];
    const sent = JSON.parse('{"alertname":"OddLabels","model":"support-bot-v3","__proto__":"kept","constructor":"also kept"}') as Record<string, string>;
    expect(Object.keys(sent)).toContain('__proto__');
    expect((await store().alerts.forIncident(opened!.incident_id))?.labels).toEqual(sent);
    expect((await store().events.latest('alert_received', opened!.incident_id))?.payload.labels).toEqual(sent);
  });

  it('answers 400 with the reason for a malformed body and changes nothing', async () => {
    const before = await countIncidents();
    const noFingerprint = await bot.post('/hooks/alerts', { ...alertmanager, alerts: [{ ...amAlert(0), fingerprint: undefined }] });
    expect(noFingerprint.status).toBe(400);
    expect(noFingerprint.body.reason).toMatch(/^alerts\.0\.fingerprint: expected/);
    const badTime = await bot.post('/hooks/alerts', { ...alertmanager, alerts: [amAlert(0, { startsAt: 'yesterday' })] });
    expect(badTime.status).toBe(400);
    expect(badTime.body.reason).toContain('alerts.0.startsAt');
    const wrongVersion = await bot.post('/hooks/alerts', { ...alertmanager, version: '3' });
    expect(wrongVersion.body.reason).toContain('version');
    const notJson = await bot.post('/hooks/alerts', '{"alerts": [');
    expect(notJson.status).toBe(400);
    expect(notJson.body.reason).toContain('not JSON');
    expect(await countIncidents()).toBe(before);
  });

  it('answers 401 without the bearer token or with a wrong one, and changes nothing', async () => {
    const before = await countIncidents();
    const missing = await bot.post('/hooks/alerts', alertmanager, null);
    expect(missing.status).toBe(401);
    expect(missing.body.reason).toContain('Bearer <ALERTS_TOKEN>');
    const wrong = await bot.post('/hooks/alerts', alertmanager, 'not-the-token-0000000000');
    expect(wrong.status).toBe(401);
    expect(await countIncidents()).toBe(before);
  });
});

describe('POST /hooks/alerts with the generic body', () => {
  let incidentId: number;

  it('opens an incident with the fields as given', async () => {
    const response = await bot.post('/hooks/alerts', generic);
    expect(response.status).toBe(200);
    const [result] = response.body.alerts as { outcome: string; incident_id: number }[];
    expect(result!.outcome).toBe('opened');
    incidentId = result!.incident_id;
    const incident = (await store().incidents.get(incidentId))!;
    expect(incident).toMatchObject({ severity: 'sev3', playbookId: 'model-drift', source: 'alert', state: 'declared', declaredBy: 'drift-monitor' });
    expect(incident.detectedAt.toISOString()).toBe('2026-11-25T07:30:00.000Z');
    expect((await store().alerts.forIncident(incidentId))!.model).toBe('pricing-v7');
  });

  it('attaches a duplicate dedup_key, then records resolved', async () => {
    const duplicate = await bot.post('/hooks/alerts', generic);
    expect((duplicate.body.alerts as { outcome: string; incident_id: number }[])[0]).toMatchObject({ outcome: 'repeated', incident_id: incidentId });
    const resolved = await bot.post('/hooks/alerts', { ...generic, status: 'resolved' });
    expect((resolved.body.alerts as { outcome: string }[])[0]!.outcome).toBe('resolved');
    expect((await store().events.forIncident(incidentId)).filter((e) => e.kind === 'alert_resolved')).toHaveLength(1);
  });

  it('opens a new alert for each post without a dedup_key', async () => {
    const { dedup_key: _ignored, ...withoutKey } = generic;
    const a = await bot.post('/hooks/alerts', { ...withoutKey, title: 'Toxicity classifier flagged 40 replies' });
    const b = await bot.post('/hooks/alerts', { ...withoutKey, title: 'Toxicity classifier flagged 40 replies' });
    const ids = [a, b].map((r) => (r.body.alerts as { incident_id: number }[])[0]!.incident_id);
    expect(new Set(ids).size).toBe(2);
  });

  it('reads null as "not given" and a number as the severity', async () => {
    const response = await bot.post('/hooks/alerts', { title: 'Drift monitor PSI 0.4 on churn model', description: null, severity: 2, playbook: null, model: null, detected_at: null, dedup_key: 'psi-null-check', source: null, status: null });
    expect(response.status).toBe(200);
    const incidentId = (response.body.alerts as { incident_id: number }[])[0]!.incident_id;
    const incident = (await store().incidents.get(incidentId))!;
    expect(incident).toMatchObject({ severity: 'sev2', summary: '', playbookId: 'model-drift', state: 'declared' });
  });

  it('answers 400 naming the field for a bad body', async () => {
    const before = await countIncidents();
    const cases: [unknown, RegExp][] = [
      [{ ...generic, title: undefined }, /^title: expected/],
      [{ ...generic, severity: 'apocalyptic' }, /^severity: expected sev1 to sev4/],
      [{ ...generic, playbook: 'no-such-playbook' }, /^playbook: expected one of .*model-drift/],
      [{ ...generic, detected_at: '25/11/2026' }, /^detected_at: expected an ISO-8601 time/],
      [{ ...generic, status: 'maybe' }, /^status: expected firing or resolved/],
      [[generic], /^body: expected a JSON object/],
    ];
    for (const [body, reason] of cases) {
      const response = await bot.post('/hooks/alerts', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.reason).toMatch(reason);
    }
    expect(await countIncidents()).toBe(before);
  });
});

describe('triage', () => {
  it('"Declare incident" opens the channel, posts the checklist and pages the roles', async () => {
    await handleCommand(bot.app.context, { platform: 'console', userId: 'ana', channelId: 'general' }, '/incident oncall security @sam @lee backup=@bo');
    const response = await bot.post('/hooks/alerts', { title: 'Prompt injection via uploaded PDFs', severity: 'sev1', playbook: 'prompt-injection', dedup_key: 'pdf-injection', source: 'guardrail' });
    const incidentId = (response.body.alerts as { incident_id: number }[])[0]!.incident_id;
    expect(await store().steps.list(incidentId)).toEqual([]);
    expect(await store().tags.forIncident(incidentId)).toEqual([]);
    const printedBefore = bot.printed.length;
    bot.clock.advance(60_000);
    const declaredAt = bot.clock.now();
    const reply = await handleCardClick(bot.app.context, { platform: 'console', userId: 'kim', channelId: 'triage' }, { action: 'triage-declare', value: String(incidentId) });
    const steps = await store().steps.list(incidentId);
    expect(steps.map((s) => s.title)).toEqual(bot.app.context.playbooks.get('prompt-injection')!.steps.map((s) => s.title));
    const incident = (await store().incidents.get(incidentId))!;
    expect(incident.channelId).toMatch(/^inc-20261125-prompt-injection-via/);
    expect(reply.text).toContain(`Declared INC-${incidentId} (SEV1) from the alert: #${incident.channelName}`);
    expect(reply.channelId).toBe(incident.channelId);
    expect(incident.declaredBy).toBe('kim');
    expect(incident.state).toBe('declared');
    // The taxonomy tags are suggested now, from the playbook and the alert's title, each an event at the declaration.
    const tags = (await store().tags.forIncident(incidentId)).map((t) => t.tag);
    expect(tags).toEqual(expect.arrayContaining(['AML.T0051', 'LLM01']));
    const tagEvents = (await store().events.forIncident(incidentId)).filter((e) => e.kind === 'tag_added');
    expect(tagEvents.map((e) => e.payload.tag).sort()).toEqual([...tags].sort());
    expect(tagEvents.every((e) => e.payload.source === 'suggested' && e.occurredAt.getTime() === declaredAt.getTime())).toBe(true);
    const pages = await store().pages.forIncident(incidentId);
    expect(pages.map((p) => [p.role, p.userId, p.status])).toContainEqual(['security', 'sam', 'sent']);
    const shown = bot.printed.slice(printedBefore).join('\n');
    expect(shown).toContain('[DM to @sam] bot:');
    expect(shown).toContain(`${bot.app.context.playbooks.get('prompt-injection')!.name} checklist · INC-${incidentId}`);
    // The triage card is re-rendered without buttons.
    expect(shown).toContain('[#triage] bot (updated):');
    expect(shown).toContain('Declared a real incident by @kim');
    expect(shown).toContain('AML.T0051');

    const twice = await handleCardClick(bot.app.context, { platform: 'console', userId: 'kim', channelId: 'triage' }, { action: 'triage-declare', value: String(incidentId) });
    expect(twice.text).toContain('already declared');
  });

  it('"Not a real incident" marks it a false positive with a reason, without a channel or pages', async () => {
    const response = await bot.post('/hooks/alerts', { title: 'Canary eval flaked on a timeout', dedup_key: 'canary-timeout' });
    const incidentId = (response.body.alerts as { incident_id: number }[])[0]!.incident_id;
    const reply = await handleCommand(bot.app.context, { platform: 'console', userId: 'kim', channelId: 'triage' }, `/incident alert dismiss ${incidentId} eval runner timed out, model fine`);
    expect(reply.text).toContain('Marked a false positive: eval runner timed out, model fine');
    const incident = (await store().incidents.get(incidentId))!;
    expect(incident).toMatchObject({ state: 'false_positive', falsePositiveReason: 'eval runner timed out, model fine', channelId: null });
    expect(await store().pages.forIncident(incidentId)).toEqual([]);
    // Repeats of a dismissed alert that is still firing attach to it rather than open new triage.
    const repeat = await bot.post('/hooks/alerts', { title: 'Canary eval flaked on a timeout', dedup_key: 'canary-timeout' });
    expect((repeat.body.alerts as { outcome: string; incident_id: number }[])[0]).toMatchObject({ outcome: 'repeated', incident_id: incidentId });
    const declare = await handleCardClick(bot.app.context, { platform: 'console', userId: 'kim', channelId: 'triage' }, { action: 'triage-declare', value: String(incidentId) });
    expect(declare.text).toContain('was marked not a real incident');
  });
});
