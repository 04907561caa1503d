import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { playbooksDirectory } from '../src/app.js';
import { checkPlaybookDirectory, loadPlaybooks, parsePlaybook } from '../src/core/playbook/load-playbooks.js';
import { matchPlaybook } from '../src/core/playbook/match-playbook.js';
import { fillTemplate } from '../src/core/playbook/fill-template.js';
import { TEMPLATE_PLACEHOLDERS } from '../src/core/playbook/schema.js';
import type { Incident } from '../src/core/incident/incident.js';

const directory = playbooksDirectory({});
const SHIPPED = ['data-leakage', 'model-drift', 'model-safety-violation', 'prompt-injection'];

async function shippedText(id: string): Promise<Record<string, unknown>> {
  return parseYaml(await readFile(join(directory, `${id}.yaml`), 'utf8')) as Record<string, unknown>;
}

describe('the shipped playbooks', () => {
  it('all four validate', async () => {
    const { playbooks, problems } = await checkPlaybookDirectory(directory);
    expect(problems).toEqual([]);
    expect(playbooks.map((p) => p.id).sort()).toEqual(SHIPPED);
  });

  it('each has at least 5 immediate actions and 5 investigation steps, signals, templates and tags', async () => {
    const catalog = await loadPlaybooks(directory);
    for (const playbook of catalog.all()) {
      expect(playbook.steps.filter((s) => s.phase === 'immediate').length, playbook.id).toBeGreaterThanOrEqual(5);
      expect(playbook.steps.filter((s) => s.phase === 'investigation').length, playbook.id).toBeGreaterThanOrEqual(5);
      expect(playbook.detection_signals.length, playbook.id).toBeGreaterThanOrEqual(3);
      expect(playbook.communications.map((c) => c.audience), playbook.id).toEqual(expect.arrayContaining(['users', 'internal']));
      expect(playbook.tags.owasp_llm.length + playbook.tags.mitre_atlas.length + playbook.tags.other.length, playbook.id).toBeGreaterThan(0);
    }
  });

  it('prompt injection and data leakage default to private channels; the others do not', async () => {
    const catalog = await loadPlaybooks(directory);
    expect(catalog.get('prompt-injection')!.private).toBe(true);
    expect(catalog.get('data-leakage')!.private).toBe(true);
    expect(catalog.get('model-drift')!.private).toBe(false);
  });

  it('carries the regulatory clocks: GDPR Art. 33 72 hours; EU AI Act Art. 73 15, 2 and 10 days', async () => {
    const catalog = await loadPlaybooks(directory);
    expect(catalog.get('data-leakage')!.deadlines.map((d) => d.hours)).toContain(72);
    expect(catalog.get('model-safety-violation')!.deadlines.map((d) => d.hours).sort((a, b) => a - b)).toEqual([48, 240, 360]);
    expect(catalog.get('data-leakage')!.communications.map((c) => c.audience)).toContain('regulator');
  });
});

describe('playbook validation', () => {
  it('names the file and the field of each problem', async () => {
    const good = await shippedText('model-drift');
    const broken = structuredClone(good) as { steps: { title: string; role?: string }[]; page: Record<string, unknown> };
    broken.steps[0]!.title = 'x'.repeat(80);
    broken.steps[1]!.role = 'janitor';
    delete broken.page.sev2;
    const result = parsePlaybook('playbooks/model-drift.yaml', stringify(broken));
    expect('problems' in result).toBe(true);
    const problems = 'problems' in result ? result.problems : [];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'playbooks/model-drift.yaml', field: 'steps[0].title', message: expect.stringMatching(/75 characters/) }),
        expect.objectContaining({ field: 'steps[1].role' }),
        expect.objectContaining({ field: 'page.sev2' }),
      ]),
    );
  });

  it('refuses unknown placeholders, unknown keys, bad YAML and an id that differs from the file name', async () => {
    const good = await shippedText('model-drift');
    const withPlaceholder = structuredClone(good) as { communications: { body: string }[] };
    withPlaceholder.communications[0]!.body += ' See {{incident.owner}}.';
    const placeholder = parsePlaybook('model-drift.yaml', stringify(withPlaceholder));
    expect(JSON.stringify(placeholder)).toMatch(/unknown placeholder \{\{incident.owner\}\}/);

    const unknownKey = parsePlaybook('model-drift.yaml', stringify({ ...good, severity: 'sev1' }));
    expect(JSON.stringify(unknownKey)).toMatch(/severity/);

    const yaml = parsePlaybook('model-drift.yaml', 'id: [unclosed');
    expect(yaml).toMatchObject({ problems: [{ file: 'model-drift.yaml', field: '(yaml)' }] });

    const renamed = parsePlaybook('drift.yaml', stringify(good));
    expect(renamed).toMatchObject({ problems: [{ field: 'id', message: expect.stringMatching(/match the file name "drift"/) }] });
  });

  it('refuses to start with a broken playbook in the folder, listing it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'playbooks-'));
    await writeFile(join(folder, 'model-drift.yaml'), stringify(await shippedText('model-drift')));
    await writeFile(join(folder, 'broken.yaml'), stringify({ id: 'broken', name: 'Broken' }));
    await expect(loadPlaybooks(folder)).rejects.toThrow(/broken\.yaml: summary/);
  });
});

describe('playbook matching', () => {
  it.each([
    ['Support bot obeys instructions hidden in uploaded PDFs', 'prompt-injection'],
    ['Users jailbreak the assistant into ignoring its system prompt', 'prompt-injection'],
    ['Chatbot reveals other customers\' email addresses and phone numbers', 'data-leakage'],
    ['Model outputs training data containing personal data', 'data-leakage'],
    ['Fraud classifier precision dropping week over week, PSI alarm', 'model-drift'],
    ['Assistant generated instructions for making a weapon', 'model-safety-violation'],
  ])('"%s" → %s, with the reason', async (title, expected) => {
    const catalog = await loadPlaybooks(directory);
    const match = matchPlaybook(catalog.all(), title);
    expect(match.playbook?.id).toBe(expected);
    expect(match.reason).toMatch(/^matched "/);
  });

  it('leaves an unrelated title without a playbook', async () => {
    const catalog = await loadPlaybooks(directory);
    const match = matchPlaybook(catalog.all(), 'Office coffee machine is broken');
    expect(match.playbook).toBeNull();
    expect(match.reason).toMatch(/no playbook keyword matched/);
  });

  it('matches whole words only', async () => {
    const catalog = await loadPlaybooks(directory);
    const drift = catalog.get('model-drift')!;
    const keyword = drift.match.keywords.find((k) => !k.includes(' ') && k.length > 3)!;
    expect(matchPlaybook([drift], `the a${keyword} and ${keyword}x`).playbook).toBeNull();
    expect(matchPlaybook([drift], `the ${keyword}s`).playbook?.id).toBe('model-drift');
    expect(matchPlaybook([drift], `the ${keyword} is here`).playbook?.id).toBe('model-drift');
  });
});

describe('communication templates', () => {
  it('fill every placeholder from the incident and the deadline times', async () => {
    const catalog = await loadPlaybooks(directory);
    const playbook = catalog.get('data-leakage')!;
    const incident = {
      id: 7,
      title: 'Support bot shows other users\' invoices',
      summary: '',
      severity: 'sev1',
      state: 'triaged',
      detectedAt: new Date('2026-11-25T10:00:00Z'),
      impactStartedAt: new Date('2026-11-25T08:00:00Z'),
    } as Incident;
    const body = [...TEMPLATE_PLACEHOLDERS.map((p) => `{{${p}}}`), '{{deadline.gdpr_art33}}'].join(' | ');
    const filled = fillTemplate(body, { incident, playbook, commander: '@ana', channel: '#inc-x', now: new Date('2026-11-25T11:00:00Z'), timeZone: 'UTC' });
    expect(filled).not.toContain('{{');
    expect(filled).toContain('INC-7');
    expect(filled).toContain('2026-11-28 10:00 UTC'); // 72 hours after detection
    for (const template of playbook.communications) {
      expect(fillTemplate(template.body, { incident, playbook, commander: '@ana', channel: '#inc-x', now: new Date(), timeZone: 'UTC' })).not.toMatch(/\{\{/);
    }
  });
});
