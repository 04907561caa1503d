import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseYaml, yamlProblem } from '../read-yaml.js';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import { playbookSchema, type Playbook } from './schema.js';

export interface PlaybookProblem {
  file: string;
  field: string;
  message: string;
}

export class PlaybookCatalog {
  readonly byId: ReadonlyMap<string, Playbook>;

  constructor(playbooks: Playbook[]) {
    this.byId = new Map(playbooks.map((p) => [p.id, p]));
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }

  get(id: string | null | undefined): Playbook | undefined {
    return id ? this.byId.get(id) : undefined;
  }

  all(): Playbook[] {
    return [...this.byId.values()];
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '') || '(top level)';
}

/** Validates one playbook's text; problems name the file and the field. */
export function parsePlaybook(file: string, text: string): { playbook: Playbook } | { problems: PlaybookProblem[] } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    return { problems: [{ file, field: '(yaml)', message: yamlProblem(error) }] };
  }
  const result = playbookSchema.safeParse(raw);
  if (!result.success) {
    return { problems: result.error.issues.map((issue: z.core.$ZodIssue) => ({ file, field: fieldPath(issue.path), message: issue.message })) };
  }
  const expectedId = basename(file).replace(/\.ya?ml$/, '');
  if (result.data.id !== expectedId) {
    return { problems: [{ file, field: 'id', message: `id "${result.data.id}" must match the file name "${expectedId}"` }] };
  }
  return { playbook: result.data };
}

export async function checkPlaybookDirectory(directory: string): Promise<{ playbooks: Playbook[]; problems: PlaybookProblem[] }> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch (error) {
    return { playbooks: [], problems: [{ file: directory, field: '(directory)', message: `cannot read: ${(error as Error).message}` }] };
  }
  const playbooks: Playbook[] = [];
  const problems: PlaybookProblem[] = [];
  for (const name of names) {
    const file = join(directory, name);
    const parsed = parsePlaybook(file, await readFile(file, 'utf8'));
    if ('problems' in parsed) problems.push(...parsed.problems);
    else playbooks.push(parsed.playbook);
  }
  return { playbooks, problems };
}

export function formatProblems(problems: PlaybookProblem[]): string {
  return problems.map((p) => `${p.file}: ${p.field}: ${p.message}`).join('\n');
}

/** Loads every playbook or refuses to start, listing each problem with its file and field. */
export async function loadPlaybooks(directory: string): Promise<PlaybookCatalog> {
  const { playbooks, problems } = await checkPlaybookDirectory(directory);
  if (problems.length > 0) throw new AppError('playbook_invalid', `invalid playbooks:\n${formatProblems(problems)}`);
  return new PlaybookCatalog(playbooks);
}
