import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_MENTION_NAME, mentionToken, resolveMentions, type TeamsPerson } from '../../src/adapters/teams/mentions.js';
import {
  CHECKLIST_ITEMS_PER_CARD,
  LIMITS,
  MAX_CARD_BYTES,
  cardBytes,
  cardToAdaptiveCard,
  replyToActivity,
  type AdaptiveCard,
  type RenderOptions,
} from '../../src/adapters/teams/render.js';
import type { Card, ChecklistItem } from '../../src/core/cards/card.js';
import { buildChecklistCards } from '../../src/core/checklist/checklist-card.js';
import { buildHeaderCard } from '../../src/core/incident/header-card.js';
import type { ChecklistStep, Incident } from '../../src/core/incident/incident.js';
import { stepsFromPlaybook } from '../../src/core/incident/declare-incident.js';
import { loadPlaybooks } from '../../src/core/playbook/load-playbooks.js';
import { projectRoot } from '../../src/project-root.js';
import { adaptiveCardProblems, expectValidAdaptiveCard } from '../support/adaptive-card.js';

type Json = Record<string, any>;

const ALICE = '11111111-1111-1111-1111-111111111111';
const SAM = '22222222-2222-2222-2222-222222222222';
const people: Record<string, TeamsPerson> = {
  [ALICE]: { id: ALICE, mri: '29:1alice-mri', name: 'Alice Martin' },
  [SAM]: { id: SAM, mri: '29:1sam-mri', name: 'Sam Lee & Co (R&D)' },
};
const options: RenderOptions = { directory: (id) => people[id] };

const playbook = (await loadPlaybooks(join(projectRoot(), 'playbooks'))).byId.get('prompt-injection')!;
const at = new Date('2026-11-25T09:00:00Z');
const incident: Incident = {
  id: 7,
  title: 'Support bot obeys instructions hidden in uploaded PDFs',
  summary: 'It printed **internal** notes; see [the report](javascript:alert(1)) and https://wiki.test/ai_incidents/7',
  severity: 'sev1',
  state: 'declared',
  playbookId: playbook.id,
  playbookReason: 'the title mentions hidden instructions',
  private: true,
  isExercise: false,
  platform: 'teams',
  channelId: '19:abc@thread.tacv2;messageid=1',
  channelName: null,
  originChannelId: null,
  declaredBy: ALICE,
  source: 'chat',
  impactStartedAt: at,
  detectedAt: at,
  declaredAt: at,
  triagedAt: null,
  containedAt: null,
  resolvedAt: null,
  closedAt: null,
  falsePositiveAt: null,
  falsePositiveReason: null,
};

/** The texts a card shows as markdown: every TextBlock's, and each Fact's title and value, in order. */
function texts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (!node || typeof node !== 'object') return [];
  const n = node as Json;
  const own = n.type === 'TextBlock' ? [n.text as string] : n.title !== undefined && n.value !== undefined && !n.type ? [n.title, n.value] : [];
  return [...own, ...Object.entries(n).filter(([k]) => k !== 'msteams').flatMap(([, v]) => texts(v))];
}

function rows(card: AdaptiveCard): Json[] {
  return card.body.filter((b) => b.type === 'ColumnSet') as Json[];
}

function render(card: Card, extra: Partial<RenderOptions> = {}): AdaptiveCard {
  const content = cardToAdaptiveCard(card, { ...options, ...extra });
  expectValidAdaptiveCard(content);
  return content;
}

describe('the adaptivecards validator', () => {
  it('knows Action.Execute (and the refresh) in this version, and reports what clients would not render', () => {
    expect(
      adaptiveCardProblems({
        type: 'AdaptiveCard',
        version: '1.5',
        refresh: { action: { type: 'Action.Execute', verb: 'refresh' }, userIds: [] },
        body: [{ type: 'TextBlock', text: 'x' }],
        actions: [{ type: 'Action.Execute', verb: 'v', title: 'Go' }],
      }),
    ).toEqual([]);
    expect(adaptiveCardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Chart' }], actions: [{ type: 'Action.Nope' }] })).toEqual([
      'Unknown element type "Chart". Fallback will be used if present.',
      'Unknown action type "Action.Nope". Fallback will be used if present.',
    ]);
  });
});

describe('Card → Adaptive Card', () => {
  it('renders the header card of an incident', () => {
    const header = buildHeaderCard({
      incident,
      playbook,
      roles: [
        { incidentId: 7, role: 'commander', userId: ALICE, assignedAt: at },
        { incidentId: 7, role: 'security', userId: SAM, assignedAt: at },
      ],
      mention: mentionToken,
      timeZone: 'UTC',
    });
    const content = render(header);
    expect(content).toMatchObject({ type: 'AdaptiveCard', version: '1.5', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    expect(content.body[0]).toEqual({ type: 'TextBlock', text: 'INC-7 · Support bot obeys instructions hidden in uploaded PDFs', wrap: true, size: 'Large', weight: 'Bolder', style: 'heading' });
    const facts = (content.body.find((b) => b.type === 'FactSet') as Json).facts as Json[];
    expect(facts.find((f) => f.title === 'Roles')).toEqual({
      title: 'Roles',
      value: 'Incident Commander: <at>Alice Martin</at>\n\nSecurity Analyst: <at>Sam Lee & Co (R&D)</at>',
    });
    // User text cannot become formatting or a link; a bare URL stays whole for Teams to link.
    expect(texts(content)).toContain('It printed \\*\\*internal\\*\\* notes; see \\[the report\\](javascript:alert(1)) and https://wiki.test/ai_incidents/7');
    expect(texts(content).at(-1)).toMatch(/^Type `@IncidentBot help` for commands\. Playbook chosen because/);
    expect(content.actions).toMatchInlineSnapshot(`
      [
        {
          "data": {
            "action": "state:triaged",
            "value": "7:triaged",
          },
          "fallback": {
            "data": {
              "action": "state:triaged",
              "value": "7:triaged",
            },
            "title": "Triage",
            "type": "Action.Submit",
          },
          "style": "positive",
          "title": "Triage",
          "type": "Action.Execute",
          "verb": "incident",
        },
        {
          "data": {
            "action": "severity",
            "value": "7:sev1",
          },
          "fallback": {
            "data": {
              "action": "severity",
              "value": "7:sev1",
            },
            "title": "Change severity",
            "type": "Action.Submit",
          },
          "title": "Change severity",
          "type": "Action.Execute",
          "verb": "incident",
        },
        {
          "data": {
            "action": "assign",
            "value": "7:assign",
          },
          "fallback": {
            "data": {
              "action": "assign",
              "value": "7:assign",
            },
            "title": "Assign role",
            "type": "Action.Submit",
          },
          "title": "Assign role",
          "type": "Action.Execute",
          "verb": "incident",
        },
      ]
    `);
    expect(content.msteams).toEqual({
      width: 'Full',
      entities: [
        { type: 'mention', text: '<at>Alice Martin</at>', mentioned: { id: '29:1alice-mri', name: 'Alice Martin' } },
        { type: 'mention', text: '<at>Sam Lee & Co (R&D)</at>', mentioned: { id: '29:1sam-mri', name: 'Sam Lee & Co (R&D)' } },
      ],
    });
  });

  it('renders each checklist step as one row a single click ticks or unticks, showing who ticked it and when', () => {
    const steps: ChecklistStep[] = stepsFromPlaybook(playbook).map((s) => ({ ...s, incidentId: 7, doneAt: null, doneBy: null }));
    steps[0] = { ...steps[0]!, doneAt: new Date('2026-11-25T09:12:00Z'), doneBy: SAM };
    const [first] = buildChecklistCards({ incident, playbook, steps, mention: mentionToken, timeZone: 'UTC', maxItemsPerCard: CHECKLIST_ITEMS_PER_CARD });
    const content = render(first!);
    const [done, undone] = rows(content);
    expect(done).toMatchInlineSnapshot(`
      {
        "columns": [
          {
            "items": [
              {
                "color": "Good",
                "text": "☑ 1.",
                "type": "TextBlock",
              },
            ],
            "type": "Column",
            "width": "auto",
          },
          {
            "items": [
              {
                "text": "Deploy an input filter that blocks the observed payloads",
                "type": "TextBlock",
                "wrap": true,
              },
              {
                "isSubtle": true,
                "size": "Small",
                "spacing": "None",
                "text": "Security Analyst · done 2026-11-25 09:12 UTC · <at>Sam Lee & Co (R&D)</at>",
                "type": "TextBlock",
                "wrap": true,
              },
            ],
            "type": "Column",
            "width": "stretch",
          },
        ],
        "selectAction": {
          "data": {
            "action": "step",
            "done": false,
            "value": "7:1",
          },
          "title": "Untick step 1",
          "type": "Action.Execute",
          "verb": "incident",
        },
        "type": "ColumnSet",
      }
    `);
    expect(undone!.selectAction).toEqual({ type: 'Action.Execute', verb: 'incident', title: 'Tick step 2', data: { action: 'step', value: '7:2', done: true } });
    expect(content.msteams.entities).toEqual([{ type: 'mention', text: '<at>Sam Lee & Co (R&D)</at>', mentioned: { id: '29:1sam-mri', name: 'Sam Lee & Co (R&D)' } }]);
    expect(texts(content).at(-1)).toContain('Tick with a click or `@IncidentBot tick <number>`; `@IncidentBot step <number>` shows how.');
  });

  it('sends the state the clicker wants, so a stale card never unticks a step someone else ticked', () => {
    const step = (done: boolean): Card => ({
      title: 'c',
      checklist: [{ id: 'immediate', heading: 'Immediate actions', items: [{ value: '7:2', number: 2, label: 'Block the sessions', done }] }],
    });
    // Someone ticked step 2 elsewhere; this card was rendered before and still shows it unticked.
    const stale = rows(render(step(false)))[0]!.selectAction.data;
    const fresh = rows(render(step(true)))[0]!.selectAction.data;
    expect(stale).toEqual({ action: 'step', value: '7:2', done: true });
    expect(fresh).toEqual({ action: 'step', value: '7:2', done: false });
  });

  it('renders inputs inside the card under their ids, so a click arrives with their values', () => {
    const content = render({
      title: 'Assign a role · INC-7',
      inputs: [
        { kind: 'choice', id: 'role', label: 'Role', options: [{ value: 'commander', label: 'Incident Commander' }, { value: 'security', label: 'Security Analyst' }], initial: 'security' },
        { kind: 'person', id: 'user', label: 'Person' },
        { kind: 'text', id: 'reason', label: 'Why is it not an incident?', placeholder: 'e.g. a test alert', multiline: true, maxLength: 500, required: true },
      ],
      actions: [{ id: 'assign', label: 'Assign', value: '7:assign', style: 'primary' }],
    });
    expect(content.body.slice(1)).toEqual([
      {
        type: 'Input.ChoiceSet',
        id: 'role',
        label: 'Role',
        style: 'compact',
        choices: [
          { title: 'Incident Commander', value: 'commander' },
          { title: 'Security Analyst', value: 'security' },
        ],
        value: 'security',
      },
      { type: 'Input.ChoiceSet', id: 'user', label: 'Person', choices: [], 'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' } },
      {
        type: 'Input.Text',
        id: 'reason',
        label: 'Why is it not an incident?',
        placeholder: 'e.g. a test alert',
        isMultiline: true,
        maxLength: 500,
        isRequired: true,
        errorMessage: 'Why is it not an incident? is required.',
      },
    ]);
    expect(content.actions).toEqual([
      {
        type: 'Action.Execute',
        verb: 'incident',
        title: 'Assign',
        data: { action: 'assign', value: '7:assign' },
        style: 'positive',
        fallback: { type: 'Action.Submit', title: 'Assign', data: { action: 'assign', value: '7:assign' } },
      },
    ]);
  });

  it('mentions a person whose name has spaces and `&` with text and entity matching exactly, once per person', () => {
    const content = render({ title: `Paged ${mentionToken(SAM)}`, context: [`${mentionToken(SAM)} and ${mentionToken('99999999-unknown')} were told`] });
    const [entity, ...others] = content.msteams.entities;
    expect(others).toEqual([]);
    expect(entity).toEqual({ type: 'mention', text: '<at>Sam Lee & Co (R&D)</at>', mentioned: { id: '29:1sam-mri', name: 'Sam Lee & Co (R&D)' } });
    expect(texts(content)).toEqual(['Paged <at>Sam Lee & Co (R&D)</at>', '<at>Sam Lee & Co (R&D)</at> and 99999999-unknown were told']);
    for (const text of texts(content)) expect(text).toContain(entity!.text);
  });

  it('escapes the name the same way in a text message, which Teams reads as XML', () => {
    const [message] = replyToActivity({ text: `Step 3 ticked by ${mentionToken(SAM)}: check <PII> & **logs**` }, options);
    expect(message).toEqual({
      type: 'message',
      textFormat: 'markdown',
      text: 'Step 3 ticked by <at>Sam Lee &amp; Co (R&amp;D)</at>: check &lt;PII&gt; &amp; \\*\\*logs\\*\\*',
      entities: [{ type: 'mention', text: '<at>Sam Lee &amp; Co (R&amp;D)</at>', mentioned: { id: '29:1sam-mri', name: 'Sam Lee & Co (R&D)' } }],
    });
    expect(message!.text).toContain(message!.entities![0]!.text);
  });

  it('shortens a long name inside the mention and the entity alike, and falls back to the AAD id without an MRI', () => {
    const long = { id: 'aad-1', name: `${'Very Long Display Name '.repeat(5)}` };
    const { text, entities } = resolveMentions(mentionToken('aad-1'), () => long);
    expect(entities[0]!.text).toBe(text);
    expect(entities[0]!.mentioned).toEqual({ id: 'aad-1', name: `${long.name.slice(0, MAX_MENTION_NAME - 1).trimEnd()}…` });
  });

  it('writes the command the Teams way: @IncidentBot instead of /incident, nothing else changed', () => {
    const card: Card = { title: 'Use `/incident tick 3` (see https://wiki.test/incident/3 or /incidents)', context: ['/incident help'] };
    expect(texts(render(card))).toEqual(['Use `@IncidentBot tick 3` (see https://wiki.test/incident/3 or /incidents)', '@IncidentBot help']);
    expect(texts(render(card, { commandPrefix: '@Ops Bot' }))[1]).toBe('@Ops Bot help');
    expect(replyToActivity({ text: 'Try `/incident list`.' }, options)[0]!.text).toBe('Try `@IncidentBot list`.');
  });

  it('keeps the link to an incident thread a link, while a link a person typed stays literal text', () => {
    const thread = '[inc-20261129-drift](https://teams.microsoft.com/l/message/19%3Aabc%40thread.tacv2/1764412345678)';
    const [text] = replyToActivity({ text: `Declared INC-1: ${thread}. Not [a link](javascript:alert(1)).` }, options).map((a) => a.text);
    expect(text).toContain(thread);
    expect(text).toContain('Not \\[a link\\](javascript:alert(1)).');
  });

  it('shortens long texts, never through a mention', () => {
    const content = render({ title: `${'t'.repeat(LIMITS.title - 10)} ${mentionToken(ALICE)}`, fields: [{ label: 'l'.repeat(100), value: 'v' }] });
    expect(texts(content)[0]).toBe(`${'t'.repeat(LIMITS.title - 10)}…`);
    expect(content.msteams.entities).toEqual([]);
    expect(texts(content)[1]).toBe(`${'l'.repeat(LIMITS.factTitle - 1)}…`);
  });

  it('asks Teams to refresh the card for at most 60 users', () => {
    const userIds = Array.from({ length: 80 }, (_, i) => `29:user-${i}`);
    const content = render({ title: 't' }, { refresh: { key: '7:header', userIds } });
    expect(content.refresh).toEqual({
      action: { type: 'Action.Execute', verb: 'refresh', data: { action: 'refresh', value: '7:header' } },
      userIds: userIds.slice(0, 60),
    });
  });

  it('keeps a card under 28 KB by shortening its long texts, not dropping them', () => {
    const content = render({ title: 't', sections: Array.from({ length: 20 }, (_, i) => ({ heading: `Section ${i}`, text: 's'.repeat(5000) })) });
    expect(cardBytes(content)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    expect(texts(content).filter((t) => t.startsWith('ss'))).toHaveLength(20);
  });

  describe('the most steps one card holds', () => {
    // Headings and times are the core's; labels and names are anyone's. Every step is ticked by
    // someone else (one mention entity each) and the card refreshes for 60 users.
    const phases = ['immediate', 'investigation', 'remediation', 'communication', 'review'];
    const worst = (char: string, count: number): { card: Card; options: RenderOptions } => ({
      card: {
        title: char.repeat(300),
        checklist: phases.map((id, g) => ({
          id,
          heading: `${id} (continued)`.padEnd(60, '.'),
          items: Array.from({ length: Math.ceil(count / phases.length) }, (_, i): ChecklistItem => {
            const who = `00000000-0000-0000-${String(g).padStart(4, '0')}-${String(i).padStart(12, '0')}`;
            return { value: `123456:${g * 100 + i + 1}`, number: g * 100 + i + 1, label: char.repeat(300), role: 'communications', done: true, doneBy: mentionToken(who), doneAt: '2026-11-25 09:12 GMT+5:30' };
          }),
        })),
        context: ['c'.repeat(300)],
      },
      options: {
        directory: (id) => ({ id, mri: `29:${id.padEnd(90, 'x')}`, name: char.repeat(300) }),
        refresh: { key: '123456:checklist:1', userIds: Array.from({ length: 60 }, (_, i) => `29:${String(i).padEnd(90, 'u')}`) },
      },
    });
    const label = (content: AdaptiveCard): string => rows(content)[0]!.columns[1].items[0].text;

    it('stays under 28 KB at every limit, with labels and names in full', () => {
      const { card, options: worstOptions } = worst('L', CHECKLIST_ITEMS_PER_CARD);
      const content = render(card, worstOptions);
      expect(rows(content)).toHaveLength(CHECKLIST_ITEMS_PER_CARD);
      expect(content.msteams.entities).toHaveLength(CHECKLIST_ITEMS_PER_CARD);
      expect(label(content)).toHaveLength(LIMITS.stepLabel);
      expect(cardBytes(content)).toMatchInlineSnapshot(`25795`);
      expect(cardBytes(content)).toBeLessThan(MAX_CARD_BYTES - 2000);
    });

    it('stays under 28 KB in 3-byte scripts too, with the labels shortened', () => {
      const { card, options: worstOptions } = worst('漢', CHECKLIST_ITEMS_PER_CARD);
      const content = render(card, worstOptions);
      expect(cardBytes(content)).toBeLessThanOrEqual(MAX_CARD_BYTES);
      expect(label(content)).toMatch(/^漢+…$/);
    });
  });
});

describe('reply → Teams activities', () => {
  it('sends the text and the card as separate messages, so the card can be updated later', () => {
    const card: Card = { title: 'INC-7 · t', actions: [{ id: 'severity', label: 'Change severity', value: '7:sev1' }] };
    const activities = replyToActivity({ text: 'Declared INC-7.', card }, options);
    expect(activities.map((a) => Object.keys(a))).toEqual([
      ['type', 'textFormat', 'text', 'entities'],
      ['type', 'attachments'],
    ]);
    expect(activities[1]!.attachments).toEqual([{ contentType: 'application/vnd.microsoft.card.adaptive', content: cardToAdaptiveCard(card, options) }]);
  });

  it('does not repeat a card title as a text message', () => {
    const card: Card = { title: 'INC-7 · t' };
    expect(replyToActivity({ text: 'INC-7 · t', card }, options)).toHaveLength(1);
    expect(replyToActivity({ text: '', card }, options)).toHaveLength(1);
  });
});
