import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { matchPlaybook } from '../playbook/match-playbook.js';
import type { Playbook } from '../playbook/schema.js';
import { checkScenarioDirectory } from './authored-catalog.js';
import type { AuthoredScenario } from './authored-scenario.js';

const caseStudySchema = z.object({
  id: z.string().regex(/^AML\.CS\d{4}$/),
  name: z.string().min(1),
  summary: z.string(),
  case_study_type: z.enum(['incident', 'exercise']),
  target: z.string().nullable().optional(),
  techniques: z.array(z.string()),
  technique_names: z.record(z.string(), z.string()),
  tactics: z.array(z.object({ id: z.string(), name: z.string() })),
  procedure: z.array(z.object({ tactic: z.string(), technique: z.string(), description: z.string() })).min(1),
});

const fileSchema = z.object({ case_studies: z.array(caseStudySchema) });

export type CaseStudy = z.infer<typeof caseStudySchema>;

/** A case study the bot can run: which playbook it practises, and why that one. */
export interface Scenario {
  caseStudy: CaseStudy;
  playbookId: string;
  reason: string;
}

/** Same technique, or a sub-technique of a technique the playbook is tagged with. */
function coversTechnique(tag: string, technique: string): boolean {
  return technique === tag || technique.startsWith(`${tag}.`);
}

/**
 * The playbook a case study exercises: the usual keyword match over its name and summary, else
 * the playbook whose MITRE ATLAS tags cover most of its techniques. Null when neither finds one.
 */
export function playbookForCaseStudy(playbooks: Playbook[], caseStudy: CaseStudy): { playbook: Playbook; reason: string } | null {
  const match = matchPlaybook(playbooks, `${caseStudy.name} ${caseStudy.summary}`);
  if (match.playbook) return { playbook: match.playbook, reason: match.reason };
  let best: { playbook: Playbook; covered: string[] } | null = null;
  for (const playbook of playbooks) {
    const covered = caseStudy.techniques.filter((t) => playbook.tags.mitre_atlas.some((tag) => coversTechnique(tag, t)));
    if (covered.length > (best?.covered.length ?? 0)) best = { playbook, covered };
  }
  return best ? { playbook: best.playbook, reason: `its ATLAS techniques ${best.covered.join(', ')} are in the playbook's tags` } : null;
}

export class ScenarioCatalog {
  readonly scenarios: readonly Scenario[];
  /** Every case study of the file, mapped to a playbook or not (the similar-cases search reads them all). */
  readonly caseStudies: readonly CaseStudy[];
  /** Scenarios written for the bot in HSEEP terms (playbooks/exercises/*.yaml), by id. */
  readonly authored: readonly AuthoredScenario[];

  constructor(caseStudies: CaseStudy[], playbooks: Playbook[], authored: AuthoredScenario[] = []) {
    this.caseStudies = caseStudies;
    this.authored = authored;
    const mapped = caseStudies.flatMap((caseStudy) => {
      const found = playbookForCaseStudy(playbooks, caseStudy);
      return found ? [{ caseStudy, playbookId: found.playbook.id, reason: found.reason }] : [];
    });
    // Real incidents first: they are what the brief means by scenarios drawn from real AI incidents.
    const rank = (s: Scenario) => (s.caseStudy.case_study_type === 'incident' ? 0 : 1);
    this.scenarios = mapped.sort((a, b) => rank(a) - rank(b) || a.caseStudy.id.localeCompare(b.caseStudy.id));
  }

  get(caseStudyId: string): Scenario | undefined {
    return this.scenarios.find((s) => s.caseStudy.id.toLowerCase() === caseStudyId.toLowerCase());
  }

  getAuthored(id: string): AuthoredScenario | undefined {
    return this.authored.find((s) => s.id === id.toLowerCase());
  }

  authoredFor(playbookId: string): AuthoredScenario[] {
    return this.authored.filter((s) => s.playbook === playbookId);
  }

  forPlaybook(playbookId: string): Scenario[] {
    return this.scenarios.filter((s) => s.playbookId === playbookId);
  }
}

/**
 * Reads the case studies file and the authored scenarios beside it; a missing file or directory
 * gives none, a broken one stops start-up with the file and field at fault.
 */
export async function loadScenarios(file: string, playbooks: Playbook[]): Promise<ScenarioCatalog> {
  const { scenarios: authored, problems } = await checkScenarioDirectory(dirname(file), playbooks.map((p) => p.id));
  if (problems.length > 0) {
    throw new AppError('config', problems.map((p) => `${p.file}: ${p.field}: ${p.message}`).join('\n'));
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new ScenarioCatalog([], playbooks, authored);
    throw error;
  }
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('config', `${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return new ScenarioCatalog(parsed.data.case_studies, playbooks, authored);
}
