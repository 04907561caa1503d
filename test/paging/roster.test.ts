import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseCommand } from '../../src/core/commands/parse-command.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { parseEscalationMinutes } from '../../src/core/roles/escalation-policy.js';
import { parseRosterFile } from '../../src/core/roles/roster-file.js';
import { createTestDatabase } from '../support/database.js';
import { general, useCoreHarness } from '../support/harness.js';
import { startTestApp } from '../support/paging.js';

const harness = useCoreHarness();
const parse = (text: string) => parseCommand(text, { playbookIds: ['model-drift'] });

describe('oncall with a backup', () => {
  it('parses backup=, backup=none and a backup alone', () => {
    expect(parse('oncall security @sam @lee backup=@bo')).toEqual({ kind: 'oncall-set', role: 'security', users: ['sam', 'lee'], backup: 'bo' });
    expect(parse('oncall security backup=none')).toEqual({ kind: 'oncall-set', role: 'security', users: [], backup: null });
    expect(parse('oncall security @sam')).toEqual({ kind: 'oncall-set', role: 'security', users: ['sam'] });
    expect(parse('oncall security @sam backup=bo')).toMatchObject({ error: expect.stringContaining('backup=bo is not a person') });
    expect(parse('oncall security @sam standby=@bo')).toMatchObject({ error: expect.stringContaining('unknown option standby=') });
  });

  it('keeps the order when only the backup changes, and shows both', async () => {
    const context = harness.core.context;
    expect((await handleCommand(context, general, '/incident oncall security @sam @lee backup=@bo')).text).toBe('Security Analyst: @sam is primary, then @lee; backup @bo.');
    expect((await handleCommand(context, general, '/incident oncall security backup=@kim')).text).toBe('Security Analyst: @sam is primary, then @lee; backup @kim.');
    expect((await handleCommand(context, general, '/incident oncall')).text).toContain('Security Analyst (security): @sam → @lee · backup @kim');
    expect((await handleCommand(context, general, '/incident oncall security backup=none')).text).toBe('Security Analyst: @sam is primary, then @lee.');
  });
});

describe('configuration', () => {
  it('reads ESCALATION_MINUTES with the documented defaults', () => {
    expect(parseEscalationMinutes('')).toEqual({ sev1: 5, sev2: 15, sev3: 60, sev4: null });
    expect(parseEscalationMinutes('sev1=2,sev4=240')).toEqual({ sev1: 2, sev2: 15, sev3: 60, sev4: 240 });
    expect(parseEscalationMinutes('sev1=0')).toMatchObject({ error: expect.stringContaining('at least 1 minute') });
    expect(loadConfig({}).ESCALATION_MINUTES).toEqual({ sev1: 5, sev2: 15, sev3: 60, sev4: null });
    expect(() => loadConfig({ ESCALATION_MINUTES: 'sev1=soon' })).toThrow(/ESCALATION_MINUTES: expected "sev1=soon" is not severity=minutes/);
    expect(() => loadConfig({ PAGER_WEBHOOK_URL: 'https://hooks.example.com/page' })).toThrow(/PAGER_WEBHOOK_SECRET/);
    expect(() => loadConfig({ PAGERDUTY_ROUTING_KEY: 'short-secret' })).toThrow(/PAGERDUTY_ROUTING_KEY: expected a 32-character/);
    // The key is a secret: a bad one is named, never shown.
    expect(() => loadConfig({ PAGERDUTY_ROUTING_KEY: 'short-secret' })).not.toThrow(/short-secret/);
  });
});

describe('ROSTER_FILE', () => {
  it('refuses a file with an unknown role or a missing order, naming the place', () => {
    expect(() => parseRosterFile('janitor:\n  oncall: [al]\n', 'roster.yaml', 'slack')).toThrow(/roster.yaml: Unrecognized key: "janitor" \(roles are commander/);
    expect(() => parseRosterFile('security:\n  backup: bo\n', 'roster.yaml', 'slack')).toThrow(/roster.yaml: security.oncall/);
    expect(() => parseRosterFile('security:\n  oncall: ["not a person"]\n', 'roster.yaml', 'slack')).toThrow(/"not a person" is not a person/);
    expect(() => parseRosterFile('teams:\n  security:\n    oncall: []\n', 'roster.yaml', 'slack')).toThrow(/roster.yaml \(teams\): security.oncall/);
  });

  it('keeps one roster per platform: a file with platform keys, or the first edge\'s without', () => {
    const teamsPerson = '6e2b1c9a-0000-4000-8000-000000000001';
    expect(parseRosterFile(`slack:\n  commander:\n    oncall: ["<@U1>"]\nteams:\n  commander:\n    oncall: [${teamsPerson}]\n`, 'r.yaml', 'slack')).toEqual({
      slack: { commander: { oncall: ['U1'] } },
      teams: { commander: { oncall: [teamsPerson] } },
    });
    expect(parseRosterFile('commander:\n  oncall: [ana]\n', 'r.yaml', 'teams')).toEqual({ teams: { commander: { oncall: ['ana'] } } });
  });

  it('is applied at start-up, and a second start with the same file records nothing new', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'roster-'));
    const file = join(folder, 'roster.yaml');
    await writeFile(file, 'security:\n  oncall: ["@sam", "<@U024BE7LH>", lee]\n  backup: bo\ncommander:\n  oncall: [ana]\n');
    const database = await createTestDatabase();
    try {
      for (let start = 0; start < 2; start++) {
        const bot = await startTestApp({ database, env: { ROSTER_FILE: file } });
        const shown = await handleCommand(bot.app.context, general, '/incident oncall');
        expect(shown.text).toContain('Security Analyst (security): @sam → @U024BE7LH → @lee · backup @bo');
        expect(shown.text).toContain('Incident Commander (commander): @ana');
        await bot.close();
      }
      const bot = await startTestApp({ database });
      const changes = await database.db.selectFrom('events').select(['kind', 'actor']).where('kind', '=', 'roster_set').execute();
      expect(changes).toEqual([
        { kind: 'roster_set', actor: 'roster-file' },
        { kind: 'roster_set', actor: 'roster-file' },
      ]);
      await bot.close();
    } finally {
      await database.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
