import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseYaml, yamlProblem } from '../read-yaml.js';
import { authoredScenarioSchema, type AuthoredScenario } from './authored-scenario.js';

export interface ScenarioProblem {
  file: string;
  field: string;
  message: string;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '') || '(top level)';
}

/** Validates one scenario file; problems name the file and the field, as for playbooks. */
export function parseAuthoredScenario(file: string, text: string, playbookIds: readonly string[]): { scenario: AuthoredScenario } | { problems: ScenarioProblem[] } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    return { problems: [{ file, field: '(yaml)', message: yamlProblem(error) }] };
  }
  const result = authoredScenarioSchema.safeParse(raw);
  if (!result.success) return { problems: result.error.issues.map((issue) => ({ file, field: fieldPath(issue.path), message: issue.message })) };
  const scenario = result.data;
  const expectedId = basename(file).replace(/\.ya?ml$/, '');
  const problems: ScenarioProblem[] = [];
  if (scenario.id !== expectedId) problems.push({ file, field: 'id', message: `id "${scenario.id}" must match the file name "${expectedId}"` });
  if (!playbookIds.includes(scenario.playbook)) problems.push({ file, field: 'playbook', message: `no playbook "${scenario.playbook}" (there are ${playbookIds.join(', ')})` });
  return problems.length ? { problems } : { scenario };
}

/** Every `*.yaml` scenario in `directory`; a missing directory holds none. */
export async function checkScenarioDirectory(directory: string, playbookIds: readonly string[]): Promise<{ scenarios: AuthoredScenario[]; problems: ScenarioProblem[] }> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { scenarios: [], problems: [] };
    throw error;
  }
  const scenarios: AuthoredScenario[] = [];
  const problems: ScenarioProblem[] = [];
  for (const name of names) {
    const file = join(directory, name);
    const parsed = parseAuthoredScenario(file, await readFile(file, 'utf8'), playbookIds);
    if ('scenario' in parsed) scenarios.push(parsed.scenario);
    else problems.push(...parsed.problems);
  }
  return { scenarios, problems };
}
