import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleBot, type BundleResult } from '../src/cli/bundle.js';
import { projectRoot } from '../src/project-root.js';
import { USERS, personalConversationId, teamsActivities } from './support/bot-framework-activities.js';
import { startBot, type RunningBot } from './support/bot-process.js';
import { FakeBotConnector } from './support/fake-bot-connector.js';
import { BOT_USER, FAKE_BOT_TOKEN, FakeSlack, GENERAL } from './support/fake-slack.js';
import { SIGNING_SECRET, postSigned, slashCommandBody } from './support/slack-requests.js';
import { waitFor } from './support/wait-for.js';

/**
 * What `npm start` and the image run is the bundle (src/cli/bundle.ts), not the sources the other
 * tests load through tsx: a library that reads files beside itself or requires by a computed name
 * would work there and fail here. Built into a folder of its own inside the project (the bundle
 * finds package.json, migrations and the unbundled libraries from where it lies).
 */
describe('the bundled bot (dist/bundle/main.js, as npm start and the image run it)', () => {
  const root = projectRoot();
  const outdir = join(root, 'dist', `bundle-test-${process.pid}`);
  const slack = new FakeSlack();
  const connector = new FakeBotConnector();
  let bundle: BundleResult;
  let dataDir: string;
  let bot: RunningBot;

  beforeAll(async () => {
    bundle = await bundleBot({ outdir, force: true });
    await slack.start();
    await connector.start();
    connector.addChat(personalConversationId(USERS.ada), { kind: 'personal', members: [USERS.ada] });
    slack.addUser('UALICE', { name: 'alice' });
    dataDir = await mkdtemp(join(tmpdir(), 'bundle-'));
    bot = await startBot(
      {
        CHAT: 'slack,teams',
        SLACK_BOT_TOKEN: FAKE_BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.url,
        TEAMS_EMULATOR: '1',
        DATA_DIR: dataDir,
      },
      { script: bundle.entry },
    );
  }, 120_000);

  afterAll(async () => {
    await bot?.stop();
    await slack.close();
    await connector.close();
    await rm(outdir, { recursive: true, force: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is ready on the embedded database it created, with its migrations applied', async () => {
    expect(bundle.built).toBe(true);
    expect((await fetch(`${bot.base}/readyz`)).status).toBe(200);
    expect(bot.output()).toContain('Teams edge ready');
  });

  it('declares from a Slack slash command: a channel of its own with the header and the checklist', async () => {
    const body = slashCommandBody({ text: 'declare sev2 Support bot obeys hidden instructions in uploaded PDFs', user: 'UALICE', channel: GENERAL, responseUrl: slack.responseUrl('bundle-declare') });
    const response = await postSigned(`${bot.base}/slack/events`, body);
    expect(response.status).toBe(200);
    const channel = await waitFor('the incident channel', () => [...slack.channels.values()].find((c) => c.creator === BOT_USER && c.id !== GENERAL));
    const cards = await waitFor('the header and the checklist', () => {
      const messages = slack.messagesIn(channel.id);
      return messages.length >= 2 ? messages : undefined;
    });
    const text = JSON.stringify(cards.map((m) => m.blocks));
    expect(text).toContain('Support bot obeys hidden instructions in uploaded PDFs');
    expect(text).toMatch(/checklist/i);
    // Inviting people is a step of its own, after the channel and its cards.
    await waitFor('the declarer invited', () => (channel.members.has('UALICE') ? true : undefined));
  });

  it('answers a Teams personal chat through the Bot Connector (the Teams edge is its own chunk)', async () => {
    const message = teamsActivities({ serviceUrl: connector.serviceUrl }).personalMessage('help');
    connector.recordInbound(message);
    const response = await fetch(`${bot.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    expect(response.status).toBe(200);
    const reply = await waitFor('the Teams reply', () => connector.messagesIn(personalConversationId(USERS.ada)).find((m) => m.by === 'bot')?.activity.text as string | undefined);
    expect(reply).toContain('@IncidentBot declare');
  });

  it('serves Prometheus metrics, counting what it did', async () => {
    // A command is counted once it is handled, which goes on after the declare's cards are posted.
    const counted = /^commands_total\{command="declare",outcome="ok"\} 1$/m;
    const text = await waitFor('the declare counted in /metrics', async () => {
      const body = await (await fetch(`${bot.base}/metrics`)).text();
      return counted.test(body) ? body : undefined;
    });
    expect(text).toMatch(counted);
    expect(text).toMatch(/^chat_api_calls_total\{platform="slack",method="conversations.create"\} 1$/m);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('stops on SIGTERM with exit code 0', async () => {
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.output()).toContain('"msg":"stopped"');
  });
});

describe('bundling (npm start runs it before every start)', () => {
  it('does nothing when no input changed, and builds again when a source did', async () => {
    const root = projectRoot();
    const outdir = join(root, 'dist', `bundle-rebuild-test-${process.pid}`);
    try {
      expect((await bundleBot({ outdir, force: true })).built).toBe(true);
      const meta = join(outdir, 'meta.json');
      const builtAt = (await stat(meta)).mtimeMs;
      expect((await bundleBot({ outdir })).built).toBe(false);
      expect((await stat(meta)).mtimeMs).toBe(builtAt);
      // A source newer than the bundle: the next start builds it again.
      const source = join(root, 'src', 'project-root.ts');
      const later = new Date(builtAt + 1_000);
      const before = await stat(source);
      await utimes(source, later, later);
      try {
        expect((await bundleBot({ outdir })).built).toBe(true);
      } finally {
        await utimes(source, before.atime, before.mtime);
      }
    } finally {
      await rm(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
