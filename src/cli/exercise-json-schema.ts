import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { authoredScenarioSchema } from '../core/exercise/authored-scenario.js';
import { projectRoot } from '../project-root.js';

/**
 * `npm run exercises:schema`: writes the JSON Schema editors use to check tabletop scenario YAML
 * (`playbooks/exercises/*.yaml`) as you type. The cross-field checks (`scenarioProblems`: inject
 * references, leaks of controller text, live payloads) cannot be expressed in JSON Schema; the
 * test suite and start-up run them.
 */
export function scenarioJsonSchema(): string {
  const schema = z.toJSONSchema(authoredScenarioSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'AI incident bot tabletop exercise scenario' }, null, 2)}\n`;
}

async function main(): Promise<void> {
  const target = join(projectRoot(), 'playbooks', 'exercises', 'scenario.schema.json');
  await writeFile(target, scenarioJsonSchema());
  process.stdout.write(`wrote ${target}\n`);
}

// Written only when run as a script: the test imports scenarioJsonSchema() to compare with the committed file.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
