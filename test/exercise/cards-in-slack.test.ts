import { describe, expect, it } from 'vitest';
import { playbooksDirectory, scenariosFile } from '../../src/app.js';
import { cardToBlocks } from '../../src/adapters/slack/render.js';
import { injectCard, reviewCard, scenarioCard } from '../../src/core/exercise/exercise-cards.js';
import { loadScenarios } from '../../src/core/exercise/scenario-catalog.js';
import { loadPlaybooks } from '../../src/core/playbook/load-playbooks.js';
import { blockKitProblems, refuseBlocks } from '../support/block-kit-limits.js';

describe('exercise cards in Slack', () => {
  it('every scenario card and every inject of every scenario fits Block Kit', async () => {
    const playbooks = await loadPlaybooks(playbooksDirectory({}));
    const catalog = await loadScenarios(scenariosFile({}), playbooks.all());
    expect(catalog.scenarios.length).toBeGreaterThan(40);
    for (const scenario of catalog.scenarios) {
      const cards = [
        scenarioCard(scenario, 'Playbook', [{ incidentId: 1, role: 'commander', userId: 'U1', assignedAt: new Date() }], (u) => `<@${u}>`),
        ...scenario.caseStudy.procedure.map((_, index) => injectCard(scenario.caseStudy, index + 1)),
      ];
      for (const card of cards) {
        const { blocks } = cardToBlocks(card);
        expect(blockKitProblems(blocks), `${scenario.caseStudy.id}: ${card.title}`).toEqual([]);
        expect(refuseBlocks(blocks), `${scenario.caseStudy.id}: ${card.title}`).toBeUndefined();
      }
    }
  });

  it('a review with many long decisions and gaps still fits', () => {
    const long = 'x'.repeat(600);
    const card = reviewCard(
      {
        title: `EXERCISE: ${'y'.repeat(140)}`,
        durationMs: 3_600_000,
        injectsRevealed: 18,
        injectsTotal: 18,
        decisions: Array.from({ length: 40 }, (_, i) => ({ text: `${i} ${long}`, because: long, by: 'U1', tookMs: i * 60_000, afterInject: i })),
        gaps: Array.from({ length: 30 }, (_, i) => ({ incidentId: 1, number: i + 1, phase: 'immediate' as const, title: long, detail: null, role: 'security' as const, doneAt: null, doneBy: null })),
        unheldRoles: ['legal', 'comms'],
      },
      (u) => `<@${u}>`,
    );
    const { blocks } = cardToBlocks(card);
    expect(blockKitProblems(blocks)).toEqual([]);
    expect(refuseBlocks(blocks)).toBeUndefined();
  });
});
