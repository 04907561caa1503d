import { describe, expect, it } from 'vitest';
import { loadConfig, parseAdminUsers } from '../src/config.js';
import type { Actor, CoreContext } from '../src/core/context.js';
import { handleCardClick } from '../src/core/handle-action.js';
import { handleCommand } from '../src/core/handle-command.js';
import { mayGovern, type Governors } from '../src/core/incident/permissions.js';
import { receiveAlerts } from '../src/core/signals/receive-alerts.js';
import { general, useCoreHarness, type DeclaredIncident } from './support/harness.js';

const harness = useCoreHarness();
const context = () => harness.core.context;
const declare = (text: string, who?: string) => harness.declare(text, who);
const inChannel = (incident: DeclaredIncident['incident'], userId: string): Actor => ({ platform: 'console', userId, channelId: incident.channelId! });

/** Everything a refused action could have touched, to compare before and after. */
async function snapshot(incidentId: number) {
  const { store } = context();
  const [incident, steps, roles, pages, events] = await Promise.all([
    store.incidents.get(incidentId),
    store.steps.list(incidentId),
    store.roles.forIncident(incidentId),
    store.pages.forIncident(incidentId),
    store.events.forIncident(incidentId),
  ]);
  return { incident, steps, roles, pages, events };
}

async function refusals(incidentId: number) {
  return (await context().store.events.forIncident(incidentId)).filter((e) => e.kind === 'action_refused').map((e) => ({ actor: e.actor, ...e.payload }));
}

describe('who may close, reopen, change severity or playbook, or mark a false positive', () => {
  it('lets the declarer close and reopen', async () => {
    const { incident, run, load } = await declare('sev3 Recommender ranks stale items first', 'ana');
    expect((await run('close', 'ana')).text).toMatch(/^Closed/);
    expect((await load()).state).toBe('closed');
    expect((await run('reopen', 'ana')).text).toMatch(/^Reopened/);
    expect(await refusals(incident.id)).toEqual([]);
  });

  it('lets the incident commander close when someone else declared it', async () => {
    const { run, load } = await declare('sev3 Ranking model drifts after retrain', 'ana');
    expect((await run('assign commander @kim', 'ana')).text).toBe('@kim is now Incident Commander.');
    expect((await run('sev 2', 'kim')).text).toBe('Severity changed from SEV3 (medium) to SEV2 (high).');
    expect((await run('close', 'kim')).text).toMatch(/^Closed/);
    expect((await load()).state).toBe('closed');
  });

  it('lets admins act, named as platform:id or as a bare id', async () => {
    const config = loadConfig({ CHAT: 'none', ADMIN_USERS: 'console:root, boss ,slack:UADMIN' });
    expect(config.ADMIN_USERS).toEqual([{ platform: 'console', userId: 'root' }, { userId: 'boss' }, { platform: 'slack', userId: 'UADMIN' }]);
    const withAdmins: CoreContext = { ...context(), admins: config.ADMIN_USERS };
    const { incident, load } = await declare('sev3 Summariser invents meeting attendees', 'ana');
    const as = (userId: string, text: string) => handleCommand(withAdmins, inChannel(incident, userId), `/incident ${text}`);

    expect((await as('root', 'sev 2')).text).toMatch(/^Severity changed/);
    expect((await as('boss', 'playbook model-drift')).text).toMatch(/^Playbook changed/);
    expect((await as('boss', 'close')).text).toMatch(/^Closed/);
    expect((await as('root', 'reopen')).text).toMatch(/^Reopened/);
    // `slack:UADMIN` is an admin on Slack only: the same id on the console is nobody special.
    expect((await as('UADMIN', 'false-positive test')).text).toBe(`only the incident commander and declarer (@ana) or an admin may mark INC-${incident.id} a false positive`);
    expect((await as('boss', 'false-positive a drill')).text).toMatch(/^Marked a false positive/);
    expect(await load()).toMatchObject({ severity: 'sev2', playbookId: 'model-drift', state: 'false_positive' });
    expect(await refusals(incident.id)).toEqual([{ actor: 'UADMIN', action: 'false_positive', platform: 'console' }]);
  });

  it('refuses anyone else with who may, changes nothing and records the refusal', async () => {
    const { incident, run } = await declare('sev3 prompt-injection Support bot obeys hidden text', 'ana');
    await run('assign commander @kim', 'ana');
    await run('resolve', 'ana');
    const before = await snapshot(incident.id);
    const ref = `INC-${incident.id}`;
    const who = 'only the incident commander (@kim), the declarer (@ana) or an admin may';
    expect((await run('close', 'zed')).text).toBe(`${who} close ${ref}`);
    expect((await run('sev 1', 'zed')).text).toBe(`${who} change the severity of ${ref}`);
    expect((await run('false-positive not real', 'zed')).text).toBe(`${who} mark ${ref} a false positive`);
    expect((await run('playbook none', 'zed')).text).toBe(`${who} change the playbook of ${ref}`);

    const after = await snapshot(incident.id);
    expect({ ...after, events: after.events.filter((e) => e.kind !== 'action_refused') }).toEqual(before);
    expect(await refusals(incident.id)).toEqual([
      { actor: 'zed', action: 'close', platform: 'console' },
      { actor: 'zed', action: 'severity', platform: 'console', to: 'sev1' },
      { actor: 'zed', action: 'false_positive', platform: 'console' },
      { actor: 'zed', action: 'playbook', platform: 'console', to: 'none' },
    ]);

    await run('close', 'kim');
    expect((await run('reopen', 'zed')).text).toBe(`${who} reopen ${ref}`);
    expect((await snapshot(incident.id)).incident?.state).toBe('closed');
    const timeline = (await run('timeline', 'zed')).text;
    expect(timeline).toContain('@zed  was refused: closing the incident, which only the commander, the declarer or an admin may do');
    expect(timeline).toContain('@zed  was refused: reopening the incident');
  });

  it('leaves forward progress, ticks, notes and roles open to everyone in the channel', async () => {
    const { incident, run, load } = await declare('sev3 prompt-injection Agent follows instructions in e-mails', 'ana');
    expect((await run('triage', 'zed')).text).toMatch(/^Triaged/);
    expect((await run('contain', 'yan')).text).toMatch(/^Contained/);
    expect((await run('tick 1', 'zed')).text).toMatch(/^Step 1 ticked/);
    expect((await run('note blocked the sender', 'yan')).text).toBe('Noted in the timeline: blocked the sender');
    expect((await run('assign security @yan', 'zed')).text).toBe('@yan is now Security Analyst.');
    expect((await run('resolve', 'zed')).text).toMatch(/^Resolved/);
    expect((await load()).state).toBe('resolved');
    expect(await refusals(incident.id)).toEqual([]);
  });

  it('applies the same rule to the header buttons', async () => {
    const { incident, run, load } = await declare('sev3 Chatbot quotes a retired price list', 'ana');
    await run('resolve', 'ana');
    const zed = inChannel(incident, 'zed');
    const close = await handleCardClick(context(), zed, { action: 'state', value: `${incident.id}:closed` });
    expect(close.text).toBe(`only the incident commander and declarer (@ana) or an admin may close INC-${incident.id}`);
    const severity = await handleCardClick(context(), zed, { action: 'severity', incidentId: incident.id, severity: 'sev1' });
    expect(severity.text).toBe(`only the incident commander and declarer (@ana) or an admin may change the severity of INC-${incident.id}`);
    expect(await load()).toMatchObject({ state: 'resolved', severity: 'sev3' });
    expect(await refusals(incident.id)).toEqual([
      { actor: 'zed', action: 'close', platform: 'console' },
      { actor: 'zed', action: 'severity', platform: 'console', to: 'sev1' },
    ]);

    const ana = inChannel(incident, 'ana');
    expect((await handleCardClick(context(), ana, { action: 'severity', incidentId: incident.id, severity: 'sev2' })).text).toMatch(/^Severity changed/);
    expect((await handleCardClick(context(), ana, { action: 'state', value: `${incident.id}:closed` })).text).toMatch(/^Closed/);
    expect(await load()).toMatchObject({ state: 'closed', severity: 'sev2' });
  });

  it('counts an exercise\'s facilitator as its declarer', async () => {
    const started = await handleCommand(context(), { ...general, userId: 'fay' }, '/incident exercise start AML.CS0020');
    expect(started.incidentId, started.text).toBeDefined();
    const incident = (await context().store.incidents.get(started.incidentId!))!;
    const refused = await handleCommand(context(), inChannel(incident, 'zed'), '/incident exercise end');
    expect(refused.text).toBe(`only the incident commander and facilitator (@fay) or an admin may close INC-${incident.id}`);
    expect((await context().store.exercises.forIncident(incident.id))?.completedAt).toBeNull();
    expect((await handleCommand(context(), inChannel(incident, 'fay'), '/incident exercise end')).text).toMatch(/^EXERCISE · Exercise ended and closed/);
    expect((await context().store.incidents.get(incident.id))?.state).toBe('closed');
  });

  it('makes whoever declares an alert its declarer, and leaves dismissing an undeclared alert to triage', async () => {
    const signal = (key: string, title: string) => ({ format: 'generic' as const, source: 'grafana', dedupKey: key, status: 'firing' as const, title, description: '', labels: {} });
    const [declared, dismissed] = await receiveAlerts(context(), [signal('perm-1', 'Refusal rate jumped on the support bot'), signal('perm-2', 'Toxicity score above threshold')]);
    const triage: Actor = { platform: 'console', userId: 'kim', channelId: 'triage' };
    expect((await handleCommand(context(), triage, `/incident alert declare ${declared!.incidentId}`)).text).toMatch(/^Declared/);
    expect((await handleCommand(context(), { ...triage, userId: 'zed' }, `/incident alert dismiss ${dismissed!.incidentId} duplicate`)).text).toMatch(/^Marked a false positive/);

    const incident = (await context().store.incidents.get(declared!.incidentId!))!;
    expect(incident.declaredBy).toBe('kim');
    expect((await handleCommand(context(), inChannel(incident, 'zed'), '/incident close')).text).toBe(`only the incident commander and declarer (@kim) or an admin may close INC-${incident.id}`);
    expect((await handleCommand(context(), inChannel(incident, 'kim'), '/incident close')).text).toMatch(/^Closed/);
  });
});

describe('the rule itself', () => {
  const incident = { platform: 'slack' };
  const governors: Governors = { commander: 'UKIM', declarer: 'UANA', declarerTitle: 'declarer', inTriage: false };
  const slack = (userId: string) => ({ platform: 'slack', userId });

  it('counts the commander and declarer on the incident\'s platform only, and admins as configured', () => {
    expect(mayGovern({}, slack('UKIM'), incident, governors)).toBe(true);
    expect(mayGovern({}, slack('UANA'), incident, governors)).toBe(true);
    expect(mayGovern({}, slack('UZED'), incident, governors)).toBe(false);
    expect(mayGovern({}, { platform: 'teams', userId: 'UANA' }, incident, governors)).toBe(false);
    expect(mayGovern({ admins: [{ platform: 'slack', userId: 'UZED' }] }, slack('UZED'), incident, governors)).toBe(true);
    expect(mayGovern({ admins: [{ platform: 'teams', userId: 'UZED' }] }, slack('UZED'), incident, governors)).toBe(false);
    expect(mayGovern({ admins: [{ userId: 'UZED' }] }, slack('UZED'), incident, governors)).toBe(true);
    expect(mayGovern({}, slack('UZED'), incident, { ...governors, inTriage: true })).toBe(true);
  });

  it('reads ADMIN_USERS as platform:id or bare ids and refuses what names no platform', () => {
    expect(parseAdminUsers('')).toEqual({ value: [] });
    expect(parseAdminUsers('slack:U024BE7LH,teams:6e2b1c4d-0000-4000-8000-000000000000, 29:1abc ,alice')).toEqual({
      value: [{ platform: 'slack', userId: 'U024BE7LH' }, { platform: 'teams', userId: '6e2b1c4d-0000-4000-8000-000000000000' }, { userId: '29:1abc' }, { userId: 'alice' }],
    });
    expect(parseAdminUsers('slak:U1')).toMatchObject({ error: expect.stringContaining('"slak:" names no platform') });
    expect(parseAdminUsers('slack:')).toMatchObject({ error: expect.stringContaining('"slack:" is not one') });
    expect(parseAdminUsers('<@U024BE7LH>')).toMatchObject({ error: expect.stringContaining('no <@…> mention syntax') });
    expect(() => loadConfig({ CHAT: 'none', ADMIN_USERS: 'slak:U1' })).toThrow(/ADMIN_USERS: expected a comma list of user ids/);
  });
});
