import { describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/handle-command.js';
import { general, useCoreHarness } from '../support/harness.js';

const harness = useCoreHarness();
const context = () => harness.core.context;
const anywhere = (text: string) => handleCommand(context(), general, `/incident ${text}`);

describe('an exercise pages nobody', () => {
  it('gives the roles to the roster without paging, refuses `page`, and `assign` pages nobody; a real incident still pages', async () => {
    await anywhere('oncall commander @cat');
    await anywhere('oncall security @sam');
    await anywhere('oncall legal @lee');
    const started = await anywhere('exercise start AML.CS0020');
    const incident = (await context().store.incidents.get(started.incidentId!))!;
    const run = (command: string) => handleCommand(context(), { ...general, channelId: incident.channelId! }, `/incident ${command}`);

    const roles = await context().store.roles.forIncident(incident.id);
    expect(roles.find((r) => r.role === 'commander')?.userId).toBe('cat');
    expect(roles.find((r) => r.role === 'security')?.userId).toBe('sam');
    expect(await context().store.pages.forIncident(incident.id)).toEqual([]);
    expect(harness.core.printed.join('\n')).not.toContain('[DM to');
    expect(harness.core.printed.join('\n')).toContain('Played by @sam.');

    const before = (await context().store.events.forIncident(incident.id)).length;
    const paged = await run('page security');
    expect(paged.text).toMatch(/^this is a tabletop exercise: nobody is paged for real/);
    expect((await context().store.events.forIncident(incident.id)).length).toBe(before);

    expect((await run('assign comms @jo')).text).toBe('EXERCISE · @jo is now Communications Lead.');
    await run('sev 1');
    expect(await context().store.pages.forIncident(incident.id)).toEqual([]);
    expect(harness.core.printed.join('\n')).not.toContain('[DM to');

    // The same roster pages for a real incident: the exercise is what stops it.
    const real = await anywhere('declare sev1 prompt-injection Support bot obeys hidden instructions');
    const pages = await context().store.pages.forIncident(real.incidentId!);
    expect(pages.map((p) => p.userId).sort()).toEqual(expect.arrayContaining(['cat', 'sam']));
    expect(harness.core.printed.join('\n')).toContain('[DM to @sam]');
  });
});
