import { describe, expect, it } from 'vitest';
import { chatEdge, ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ DATA_DIR: './.data', PORT: 3000, LOG_LEVEL: 'info', BOT_TIMEZONE: 'UTC', CHAT: 'auto' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(chatEdge(config)).toBe('console');
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
    expect(chatEdge(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }))).toBe('slack');
  });
});
