import { describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/context.js';
import { handleCommand } from '../src/core/handle-command.js';
import { incidentLine } from '../src/core/metrics/digest.js';
import { reminderCard, suggestScenario } from '../src/core/metrics/exercise-reminder.js';
import { general, useCoreHarness } from './support/harness.js';

const harness = useCoreHarness();
const context = () => harness.core.context;
const TITLE = 'Payroll export visible to the HR chatbot';
const STEP_1 = 'Disable the leaking feature, data source or endpoint'; // the data-leakage checklist's first step

async function declarePrivate() {
  const secret = await harness.declare(`sev2 data-leakage ${TITLE} private=yes`, 'ana');
  expect(secret.incident.private).toBe(true);
  const open = await harness.declare('sev3 model-drift Churn model scores drift upward', 'ana');
  expect(open.incident.private).toBe(false);
  await secret.run('note the export job is paused');
  return { secret, open };
}

const as = (actor: Actor, text: string) => handleCommand(context(), actor, `/incident ${text}`).then((r) => `${r.text}\n${JSON.stringify(r.card ?? '')}`);

describe('a private incident outside its channel', () => {
  it('is only its number in `list`, even for its declarer and in another incident\'s channel', async () => {
    const { secret, open } = await declarePrivate();
    const ref = `INC-${secret.incident.id}`;
    for (const actor of [general, { ...general, userId: 'zed' }, { ...general, channelId: open.incident.channelId! }]) {
      const listing = await as(actor, 'list');
      expect(listing).toMatch(new RegExp(`${ref} \\(private\\) SEV2 \\(high\\) · Declared · `));
      expect(listing).not.toContain(TITLE);
      expect(listing).not.toContain(secret.incident.channelName!);
      expect(listing).toContain('Churn model scores drift upward');
    }
    // Same channel id on another platform is another place.
    expect(await as({ platform: 'slack', userId: 'U1', channelId: secret.incident.channelId! }, 'list')).not.toContain(TITLE);
  });

  it('shows no title, timeline or checklist through `status`, `timeline` or `step` from elsewhere', async () => {
    const { open } = await declarePrivate();
    for (const command of ['status', 'timeline', 'step 1']) {
      const fromGeneral = await as(general, command);
      expect(fromGeneral).toMatch(/works in an incident's channel/);
      expect(fromGeneral).not.toContain(TITLE);
      const fromOther = await as({ ...general, channelId: open.incident.channelId! }, command);
      expect(fromOther).not.toContain(TITLE);
      expect(fromOther).not.toContain('the export job is paused');
      expect(fromOther).not.toContain(STEP_1);
    }
  });

  it('stays out of the digest and the exercise reminder', async () => {
    const { secret } = await declarePrivate();
    expect(incidentLine(await secret.load())).toBe(`#${secret.incident.id} SEV2 private incident (declared)`);
    const reminder = reminderCard('start', '2026-Q4', await suggestScenario(context(), context().clock.now()));
    expect(JSON.stringify(reminder)).not.toContain(TITLE);
  });
});

describe('a private incident in its own channel', () => {
  it('shows its title in `list`, `status` and `timeline`, and its checklist in `step`', async () => {
    const { secret } = await declarePrivate();
    expect(await secret.run('list', 'zed').then((r) => r.text)).toContain(`INC-${secret.incident.id} SEV2 (high) · Declared · 0m old · ${TITLE}`);
    expect(await secret.run('status', 'zed').then((r) => r.text)).toContain(TITLE);
    const timeline = (await secret.run('timeline', 'zed')).text;
    expect(timeline).toContain(TITLE);
    expect(timeline).toContain('note: the export job is paused');
    expect((await secret.run('step 1', 'zed')).text).toContain(STEP_1);
  });
});
