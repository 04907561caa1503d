import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConsoleSession } from '../src/adapters/console/console-session.js';
import { projectRoot } from '../src/project-root.js';
import { useCoreHarness } from './support/harness.js';
import { MINUTE } from './support/clock.js';

const harness = useCoreHarness();
let session: ConsoleSession;

beforeAll(() => {
  session = new ConsoleSession(harness.core.context, harness.core.chat, (text) => harness.core.printed.push(text), 'ana');
});

/** Types a line and returns what the console printed in answer. */
async function type(line: string): Promise<string> {
  const start = harness.core.printed.length;
  await session.handleLine(line);
  return harness.core.printed.slice(start).join('\n');
}

describe('a console session from declaration to close', () => {
  it('declares, ticks, moves through every state and shows the timeline', async () => {
    expect(await type('/incident oncall security @sam @lee')).toContain('Security Analyst: @sam is primary, then @lee');
    expect(await type('/incident oncall ml-engineer @mia')).toContain('@mia is primary');

    const declared = await type('/incident declare sev1 Support bot obeys instructions hidden in uploaded PDFs');
    expect(declared).toContain('* #inc-20261125-support-bot-obeys-instructions created (private)');
    expect(declared).toContain('== INC-1 · Support bot obeys instructions hidden in uploaded PDFs ==');
    expect(declared).toMatch(/Playbook: .*\(prompt-injection\)/);
    expect(declared).toContain('-- Immediate actions');
    expect(declared).toMatch(/\[ \]  1\. /);
    expect(declared).toContain('[DM to @sam] bot:');
    expect(declared).toContain('You are paged as Security Analyst for INC-1 (SEV1)');
    expect(declared).toContain('[DM to @mia] bot:');
    expect(declared).toMatch(/Playbook: Prompt injection.*, matched on .*"obeys instructions"/);
    expect(declared).toContain('* moved to #inc-20261125-support-bot-obeys-instructions');
    expect(session.channel).toBe('inc-20261125-support-bot-obeys-instructions');

    harness.core.clock.advance(2 * MINUTE);
    const ticked = await type('/incident tick 1');
    expect(ticked).toMatch(/bot \(updated\):[\s\S]*\[x\]  1\. .*\(@ana, 2026-11-25 09:02 UTC\)/);
    expect(ticked).toContain('1 of');

    await type('/as sam');
    harness.core.clock.advance(3 * MINUTE);
    expect(await type('/incident triage')).toContain('bot: Triaged.');
    harness.core.clock.advance(10 * MINUTE);
    expect(await type('/incident contain')).toContain('Contained.');
    expect(await type('/incident note filter blocks the PDF payloads')).toContain('Noted in the timeline');
    expect(await type('/incident decision keep tools read-only because exfiltration path unknown')).toContain('Decision recorded');
    harness.core.clock.advance(45 * MINUTE);
    const resolved = await type('/incident resolve');
    expect(resolved).toContain('Resolved.');
    expect(resolved).toContain('State: Resolved');
    expect(await type('/incident action Add PDF text to the injection filter owner=@sam due=2026-12-15')).toContain('Action item 1');
    // Closing is for the commander, the declarer or an admin: ana declared it (and is commander).
    expect(await type('/incident close')).toContain('only the incident commander and declarer (@ana) or an admin may close INC-1');
    await type('/as ana');
    expect(await type('/incident close')).toContain('Closed.');

    const timeline = await type('/incident timeline');
    const lines = timeline.split('\n');
    expect(lines[0]).toContain('Timeline:');
    const order = ['declared SEV1', 'ticked step 1', 'moved declared → triaged', 'moved triaged → contained', 'note: filter blocks', 'decision: keep tools read-only because exfiltration path unknown', 'moved contained → resolved', 'added action item 1', 'moved resolved → closed'];
    const positions = order.map((text) => lines.findIndex((line) => line.includes(text)));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(timeline).toContain('2026-11-25 09:05 UTC  @sam  moved declared → triaged');

    const incident = (await harness.core.context.store.incidents.list({}))[0]!;
    expect(incident.state).toBe('closed');
    expect(incident.resolvedAt!.getTime() - incident.detectedAt.getTime()).toBe(60 * MINUTE);
  });

  it('answers a mistyped command with the reason and usage, changing nothing', async () => {
    const before = await harness.core.context.store.incidents.list({});
    const answer = await type('/incident sev 9');
    expect(answer).toContain('(only you see this) give a severity from 1 (critical) to 4 (low)');
    expect(answer).toContain('usage: /incident sev <1-4>');
    expect(await harness.core.context.store.incidents.list({})).toEqual(before);
  });

  it('switches user and channel, and lists channels', async () => {
    expect(await type('/join general')).toContain('* joined #general');
    expect(await type('/join nowhere')).toMatch(/^no channel #nowhere; channels: #general, #inc-/);
    expect(session.channel).toBe('general');
    expect(await type('/channels')).toMatch(/#general \(here\)\n#inc-20261125-support-bot-obeys-instructions/);
    expect(await type('/as')).toContain('usage: /as <name>');
    expect(await type('/incident triage')).toContain("works in an incident's channel");
    expect(await type('/teleport')).toContain('unknown console command /teleport');
  });
});

/** Runs the real entry point with no environment but DATA_DIR, types `lines`, and returns what it printed. */
async function runBot(dataDir: string, user: string, lines: string[]): Promise<{ code: number | null; output: string }> {
  const root = projectRoot();
  const child = spawn(join(root, 'node_modules/.bin/tsx'), ['src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: '0', CONSOLE_USER: user },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.write(`${lines.join('\n')}\n`);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

describe('npm start with no environment', () => {
  it('opens the console on the embedded database and runs typed commands', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bot-data-'));
    const { code, output } = await runBot(dataDir, 'ana', ['/incident declare sev2 Recommender drift after the catalogue change', '/incident tick 2', '/incident status', '/quit']);
    expect(output).toContain('You are @ana in #general');
    expect(output).toContain('#inc-');
    expect(output).toMatch(/Declared INC-1 \(SEV2\)/);
    expect(output).toContain('Step 2 ticked');
    expect(output).toContain('State: Declared');
    expect(code).toBe(0);

    // After a restart the incident's channel is still there to join, and its state came back.
    const channel = /\* moved to #(inc-\S+)/.exec(output)![1]!;
    const second = await runBot(dataDir, 'bo', [`/join ${channel}`, '/incident triage', '/quit']);
    expect(second.code).toBe(0);
    expect(second.output).toContain(`* joined #${channel}`);
    expect(second.output).toContain(`[#${channel}] bot: Triaged.`);
  }, 60_000);
});
