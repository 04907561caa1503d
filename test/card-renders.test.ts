import { describe, expect, it } from 'vitest';
import { cardRendersSettled } from '../src/core/incident/refresh-cards.js';
import { retryUnfinishedSideEffects } from '../src/core/incident/retry-side-effects.js';
import { useCoreHarness, type DeclaredIncident } from './support/harness.js';

const harness = useCoreHarness();

/** The checklist cards printed to a channel, oldest first, as the steps each shows ticked. */
function checklistsShown(channelId: string): Set<number>[] {
  return harness.core.printed
    .filter((text) => text.startsWith(`[#${channelId}] bot`) && /^\s*\[[ x]\]\s+\d+\./m.test(text))
    .map((text) => new Set([...text.matchAll(/^\s*\[x\]\s+(\d+)\./gm)].map((m) => Number(m[1]))));
}

async function tickedInStore(incidentId: number): Promise<Set<number>> {
  const steps = await harness.core.context.store.steps.list(incidentId);
  return new Set(steps.filter((s) => s.doneAt).map((s) => s.number));
}

describe('card renders', () => {
  it('shows a lone tick on the checklist card by the time its reply comes', async () => {
    const { incident, run } = await harness.declare('sev3 prompt injection in the support bot');
    const reply = await run('tick 2');
    expect(reply.text).toMatch(/^Step 2 ticked: /);
    expect(checklistsShown(incident.channelId!).at(-1)).toEqual(new Set([2]));
    await run('untick 2');
    expect(checklistsShown(incident.channelId!).at(-1)).toEqual(new Set());
  });

  it('answers a burst of ticks on several incidents at once with fewer card updates than changes, and every card ends on the stored state', async () => {
    const incidents: DeclaredIncident[] = [];
    for (let i = 0; i < 7; i++) incidents.push(await harness.declare(`sev3 prompt injection in assistant ${i}`));
    const shownBefore = new Map(incidents.map((d) => [d.incident.id, checklistsShown(d.incident.channelId!).length]));
    let seed = 11;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const plan = Array.from({ length: 280 }, () => ({ on: incidents[random(incidents.length)]!, step: 1 + random(5), tick: random(3) > 0 }));

    const replies = await Promise.all(plan.map(({ on, step, tick }) => on.run(`${tick ? 'tick' : 'untick'} ${step}`)));
    await cardRendersSettled(harness.core.context);

    expect(replies.filter((r) => !/^Step \d+ (ticked|unticked|was already)/.test(r.text))).toEqual([]);
    const changes = replies.filter((r) => /^Step \d+ (ticked|unticked):/.test(r.text)).length;
    let updates = 0;
    for (const { incident } of incidents) {
      const shown = checklistsShown(incident.channelId!);
      expect(shown.at(-1), `#${incident.channelId}`).toEqual(await tickedInStore(incident.id));
      updates += shown.length - shownBefore.get(incident.id)!;
    }
    expect(changes).toBeGreaterThan(50);
    expect(updates).toBeLessThan(changes);
  });

  it('draws the cards of a change whose render was lost (its process stopped first) at the next side-effect round, and nothing while the cards are current', async () => {
    const { context } = harness.core;
    const { incident, run } = await harness.declare('sev3 prompt injection in the help bot');
    await run('tick 1');
    const drawn = checklistsShown(incident.channelId!).length;
    await retryUnfinishedSideEffects(context);
    expect(checklistsShown(incident.channelId!)).toHaveLength(drawn);

    // What a process leaves that committed a tick and stopped before drawing it.
    const now = context.clock.now();
    expect(await context.store.steps.setDone(incident.id, 3, { at: now, by: 'ana' }, { actor: 'ana', occurredAt: now })).toMatchObject({ outcome: 'changed' });
    expect(checklistsShown(incident.channelId!).at(-1)).toEqual(new Set([1]));
    await retryUnfinishedSideEffects(context);
    expect(checklistsShown(incident.channelId!).at(-1)).toEqual(new Set([1, 3]));
    expect(await context.store.cardPublishing.behind()).not.toContain(incident.id);
  });

  it('draws the header of an incident whose close was committed but never drawn, though it is no longer open', async () => {
    const { context } = harness.core;
    const { incident } = await harness.declare('sev3 prompt injection in the sales bot');
    const headers = () => harness.core.printed.filter((text) => text.startsWith(`[#${incident.channelId}] bot`) && /INC-\d+/.test(text) && !/^\s*\[[ x]\]/m.test(text));
    expect(headers().at(-1)).not.toMatch(/State: Closed/);

    // What a process leaves that committed the close and stopped before drawing it.
    const now = context.clock.now();
    await context.store.incidents.update(incident.id, { state: 'closed', resolvedAt: now, closedAt: now });
    expect(await context.store.cardPublishing.behind()).toContain(incident.id);
    await retryUnfinishedSideEffects(context);
    expect(headers().at(-1)).toMatch(/State: Closed/);
    expect(await context.store.cardPublishing.behind()).not.toContain(incident.id);
  });
});
