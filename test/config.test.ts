import { describe, expect, it } from 'vitest';
import { chatEdges, ConfigError, destinations, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ DATA_DIR: './.data', PORT: 3000, LOG_LEVEL: 'info', BOT_TIMEZONE: 'UTC', CHAT: 'auto' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(chatEdges(config)).toEqual(['console']);
  });

  it('names each bad variable and what it expects, without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', BOT_TIMEZONE: 'Mars/Olympus', DATABASE_URL: 'mysql://secret@db', SLACK_BOT_TOKEN: 'xoxp-user-token-secret' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/PORT: expected a port number from 0 to 65535 \(got "eighty"\)/);
    expect(message).toMatch(/BOT_TIMEZONE: expected an IANA time zone name/);
    expect(message).toMatch(/DATABASE_URL: expected a postgres:\/\/ URL/);
    expect(message).toMatch(/SLACK_BOT_TOKEN: expected a bot token starting xoxb-/);
    expect(message).not.toContain('secret');
  });

  it('asks for the Slack secret that completes a Slack setup', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET.*SLACK_APP_TOKEN/);
    expect(chatEdges(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }))).toEqual(['slack']);
  });
});

const APP_ID = '0b7c4a1e-2f55-4f8e-9d6c-1a2b3c4d5e6f';
const TENANT = 'a1b2c3d4-0000-4000-8000-00000000beef';
const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };

describe('chat edges', () => {
  it('auto runs every configured edge, and the console only when none is', () => {
    expect(chatEdges(loadConfig({ ...slack, TEAMS_EMULATOR: '1' }))).toEqual(['slack', 'teams']);
    expect(chatEdges(loadConfig({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'pw', TEAMS_APP_TENANT_ID: TENANT }))).toEqual(['teams']);
    expect(chatEdges(loadConfig({ TEAMS_EMULATOR: '', TEAMS_APP_ID: '' }))).toEqual(['console']);
  });

  it('CHAT takes a comma list, and refuses an edge whose settings are missing', () => {
    expect(chatEdges(loadConfig({ ...slack, TEAMS_EMULATOR: '1', CHAT: 'teams, slack' }))).toEqual(['teams', 'slack']);
    expect(chatEdges(loadConfig({ CHAT: 'none' }))).toEqual([]);
    expect(() => loadConfig({ CHAT: 'slack,irc' })).toThrow(/CHAT: expected auto, none, or a comma list of console, slack, teams/);
    expect(() => loadConfig({ CHAT: 'teams' })).toThrow(/CHAT=teams needs TEAMS_APP_ID .* or TEAMS_EMULATOR=1/);
    expect(() => loadConfig({ CHAT: 'console,slack', ...slack })).toThrow(/console alone/);
  });

  it('a registered Teams bot needs its secret and tenant, and refuses the emulator switch', () => {
    expect(() => loadConfig({ TEAMS_APP_ID: APP_ID })).toThrow(/TEAMS_APP_PASSWORD[\s\S]*TEAMS_APP_TENANT_ID: expected SingleTenant bots need the tenant id/);
    expect(() => loadConfig({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'pw', TEAMS_APP_TENANT_ID: TENANT, TEAMS_EMULATOR: '1' })).toThrow(/TEAMS_EMULATOR: expected TEAMS_EMULATOR=1 is for local use/);
    expect(() => loadConfig({ TEAMS_APP_ID: 'my-bot' })).toThrow(/TEAMS_APP_ID: expected the bot's Microsoft App ID, a GUID/);
    expect(loadConfig({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'pw', TEAMS_APP_TYPE: 'MultiTenant' }).TEAMS_APP_TYPE).toBe('MultiTenant');
  });

  it('gives each edge its own triage and digest channel; an edge without one gets none', () => {
    const config = loadConfig({ ...slack, TEAMS_EMULATOR: '1', TRIAGE_CHANNEL: 'C0TRIAGE', TEAMS_TRIAGE_CHANNEL: '19:triage@thread.tacv2', DIGEST_CHANNEL: 'C0DIGEST' });
    expect(destinations(config, 'triage')).toEqual([
      { platform: 'slack', channelId: 'C0TRIAGE' },
      { platform: 'teams', channelId: '19:triage@thread.tacv2' },
    ]);
    expect(destinations(config, 'digest')).toEqual([{ platform: 'slack', channelId: 'C0DIGEST' }]);
    expect(() => loadConfig({ TEAMS_DIGEST_CHANNEL: 'general' })).toThrow(/TEAMS_DIGEST_CHANNEL: expected a Teams channel id starting 19:/);
  });
});
