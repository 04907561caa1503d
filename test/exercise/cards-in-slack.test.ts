import { describe, expect, it } from 'vitest';
import { playbooksDirectory, scenariosFile } from '../../src/app.js';
import { cardToBlocks } from '../../src/adapters/slack/render.js';
import { injectCard, reviewCard, scenarioCard } from '../../src/core/exercise/exercise-cards.js';
import { loadScenarios } from '../../src/core/exercise/scenario-catalog.js';
import { loadPlaybooks } from '../../src/core/playbook/load-playbooks.js';
import { blockKitProblems, refuseBlocks } from '../support/block-kit-limits.js';
import { contingencyCard, hotWashCard, injectCard as authoredInjectCard, openingCard } from '../../src/core/exercise/authored-cards.js';
import { playerView } from '../../src/core/exercise/authored-scenario.js';
import type { Exercise } from '../../src/core/exercise/exercise.js';
import { facilitatorCard } from '../../src/core/exercise/facilitator-view.js';
import type { StoredEvent } from '../../src/core/events/event-kinds.js';
import type { Incident } from '../../src/core/incident/incident.js';

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

  it('every card of every authored scenario fits Block Kit: the opening, each inject with its decision buttons, the forms and the facilitator view', async () => {
    const playbooks = await loadPlaybooks(playbooksDirectory({}));
    const catalog = await loadScenarios(scenariosFile({}), playbooks.all());
    expect(catalog.authored.length).toBeGreaterThanOrEqual(8);
    const roles = [{ incidentId: 1, role: 'commander' as const, userId: 'U1', assignedAt: new Date() }];
    const now = new Date('2026-11-25T09:00:00Z');
    for (const scenario of catalog.authored) {
      const incident = { id: 1, platform: 'slack', channelId: 'C1' } as Incident;
      const exercise = { id: 1, authoredId: scenario.id, facilitator: 'U1', pausedAt: null, completedAt: null } as Exercise;
      // Every inject delivered at once: the facilitator view at its fullest.
      const events: StoredEvent[] = scenario.injects.map((inject, i) => ({ id: i + 1, incidentId: 1, kind: 'exercise_inject_delivered', payload: { exercise_id: 1, inject: inject.id, trigger: 'schedule' }, actor: 'bot', occurredAt: now, recordedAt: now }));
      const cards = [
        openingCard(scenario, 'Playbook', roles, (u) => `<@${u}>`, 'U1'),
        ...scenario.injects.map((inject, i) => authoredInjectCard(1, playerView(inject), i + 1, scenario.injects.length, '<@U1> (Incident Commander)')),
        ...scenario.injects.flatMap((inject) => (inject.contingency ? [contingencyCard(inject.contingency.from, inject.contingency.text, 'Legal')] : [])),
        hotWashCard(1, scenario.hot_wash_minutes, now, 'UTC'),
        facilitatorCard({ scenario, exercise, incident }, events, [], now, 'UTC'),
      ];
      for (const card of cards) {
        const { blocks } = cardToBlocks(card);
        expect(blockKitProblems(blocks), `${scenario.id}: ${card.title}`).toEqual([]);
        expect(refuseBlocks(blocks), `${scenario.id}: ${card.title}`).toBeUndefined();
        const actionIds = (card.actions ?? []).map((a) => a.id);
        expect(new Set(actionIds).size, `${scenario.id}: ${card.title} action ids`).toBe(actionIds.length);
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
