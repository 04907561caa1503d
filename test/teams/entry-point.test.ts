import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type RunningBot } from '../support/bot-process.js';
import { USERS, personalConversationId, teamsActivities } from '../support/bot-framework-activities.js';
import { FakeBotConnector } from '../support/fake-bot-connector.js';

describe('the bot started with Teams settings only', () => {
  let connector: FakeBotConnector;
  let dataDir: string;
  let bot: RunningBot;
  beforeAll(async () => {
    connector = new FakeBotConnector();
    await connector.start();
    connector.addChat(personalConversationId(USERS.ada), { kind: 'personal', members: [USERS.ada] });
    dataDir = await mkdtemp(join(tmpdir(), 'teams-entry-'));
    bot = await startBot({ TEAMS_EMULATOR: '1', DATA_DIR: dataDir });
  }, 90_000);
  afterAll(async () => {
    await bot?.stop();
    await connector?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is healthy, runs Teams and not the console, and answers a personal chat message through the connector', async () => {
    expect((await fetch(`${bot.base}/healthz`)).status).toBe(200);
    expect(bot.output()).toContain('Teams edge ready');
    const message = teamsActivities({ serviceUrl: connector.serviceUrl }).personalMessage('help');
    connector.recordInbound(message);
    const response = await fetch(`${bot.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    expect(response.status).toBe(200);
    const deadline = Date.now() + 15_000;
    let reply: string | undefined;
    while (!reply && Date.now() < deadline) {
      reply = connector.messagesIn(personalConversationId(USERS.ada)).find((m) => m.by === 'bot')?.activity.text as string | undefined;
      if (!reply) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(reply).toContain('Commands anywhere');
    // Commands are written as people type them in Teams, not as Slack's slash command.
    expect(reply).toContain('@IncidentBot declare');
    expect(reply).not.toContain('/incident');
  });
});

describe('the bot started without Teams settings', () => {
  it('answers 401 on /api/messages and the log says what to set', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'teams-off-'));
    const bot = await startBot({ CHAT: 'none', DATA_DIR: dataDir });
    try {
      const message = teamsActivities({ serviceUrl: 'http://127.0.0.1:9/' }).personalMessage('declare sev1 anything');
      const response = await fetch(`${bot.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
      expect(response.status).toBe(401);
      for (let i = 0; i < 50 && !bot.output().includes('refused a Teams request'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(bot.output()).toMatch(/Teams is not configured \(set TEAMS_APP_ID, or TEAMS_EMULATOR=1 for local use\)/);
    } finally {
      await bot.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
