import { describe, expect, it } from 'vitest';
import { handleCardClick } from '../../src/core/handle-action.js';
import { handleCommand } from '../../src/core/handle-command.js';
import { general, useCoreHarness } from '../support/harness.js';

const harness = useCoreHarness();
const context = () => harness.core.context;
const anywhere = (text: string) => handleCommand(context(), general, `/incident ${text}`);

describe('the EXERCISE mark on what the bot answers in an exercise space', () => {
  it('marks public answers to card clicks there as it marks answers to typed commands, and nothing in a real incident', async () => {
    await anywhere('oncall commander @cat');
    const started = await anywhere('exercise start AML.CS0020');
    const exercise = (await context().store.incidents.get(started.incidentId!))!;
    const inExercise = { ...general, channelId: exercise.channelId!, userId: 'cat' };

    const clicked = await handleCardClick(context(), inExercise, { action: 'severity', incidentId: exercise.id, severity: 'sev1' });
    expect(clicked).toMatchObject({ public: true });
    expect(clicked.text).toMatch(/^EXERCISE · Severity changed from .+ to SEV1/);
    const contained = await handleCardClick(context(), inExercise, { action: 'state', value: `${exercise.id}:triaged` });
    expect(contained.text.startsWith('EXERCISE · ')).toBe(true);
    // Marked once, never twice.
    expect((await handleCommand(context(), inExercise, '/incident sev 3')).text).toMatch(/^EXERCISE · Severity changed/);

    const real = await anywhere('declare sev3 prompt-injection Support bot obeys hidden instructions');
    const inReal = { ...general, channelId: real.channelId!, userId: 'cat' };
    const realClick = await handleCardClick(context(), inReal, { action: 'severity', incidentId: real.incidentId!, severity: 'sev2' });
    expect(realClick.text).toMatch(/^Severity changed/);
    // The declare answer in the general channel is not an exercise message either.
    expect(real.text.startsWith('EXERCISE')).toBe(false);
  });
});
