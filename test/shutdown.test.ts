import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USERS, personalConversationId, teamsActivities } from './support/bot-framework-activities.js';
import { startBot } from './support/bot-process.js';
import { FakeBotConnector } from './support/fake-bot-connector.js';

describe('SIGTERM', () => {
  it('stops taking requests, finishes the acknowledged work, and exits 0 within 10 s', async () => {
    const connector = new FakeBotConnector();
    await connector.start();
    connector.addChat(personalConversationId(USERS.ada), { kind: 'personal', members: [USERS.ada] });
    const dataDir = await mkdtemp(join(tmpdir(), 'shutdown-'));
    const bot = await startBot({ TEAMS_EMULATOR: '1', DATA_DIR: dataDir });
    try {
      const message = teamsActivities({ serviceUrl: connector.serviceUrl }).personalMessage('list');
      connector.recordInbound(message);
      const acked = await fetch(`${bot.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
      expect(acked.status).toBe(200);
      // Acknowledged but maybe not yet answered: the signal comes now.
      const signalled = Date.now();
      bot.child.kill('SIGTERM');
      const code = await bot.exited;
      expect(code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      // The acknowledged command was answered before the process went.
      expect(connector.messagesIn(personalConversationId(USERS.ada)).some((m) => m.by === 'bot')).toBe(true);
      expect(bot.output()).toContain('"msg":"stopped"');
      // And nothing listens any more.
      await expect(fetch(`${bot.base}/healthz`)).rejects.toThrow();
    } finally {
      await bot.stop();
      await connector.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
