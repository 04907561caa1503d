import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { playbookSchema } from '../core/playbook/schema.js';
import { projectRoot } from '../project-root.js';

/** `npm run playbooks:schema`: writes the JSON Schema editors use to check playbook YAML as you type. */
export function playbookJsonSchema(): string {
  const schema = z.toJSONSchema(playbookSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'AI incident bot playbook' }, null, 2)}\n`;
}

const target = join(projectRoot(), 'playbooks', 'playbook.schema.json');
await writeFile(target, playbookJsonSchema());
process.stdout.write(`wrote ${target}\n`);
