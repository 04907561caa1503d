import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseYaml, yamlProblem } from '../src/core/read-yaml.js';
import { projectRoot } from '../src/project-root.js';

function yamlFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

describe('the YAML the bot reads', () => {
  it('reads every shipped playbook, scenario and catalogue exactly as the `yaml` package does', () => {
    const files = yamlFiles(join(projectRoot(), 'playbooks'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(parseYaml(text), file).toEqual(parse(text));
    }
  });

  it('keeps dates, yes and no as text (YAML 1.2 core schema), and refuses a key given twice, saying where', () => {
    expect(parseYaml('due: 2026-01-01\nask: yes\nskip: no\nn: 12')).toEqual({ due: '2026-01-01', ask: 'yes', skip: 'no', n: 12 });
    let problem = '';
    try {
      parseYaml('id: a\ntitle: b\nid: c\n');
    } catch (error) {
      problem = yamlProblem(error);
    }
    expect(problem).toMatch(/duplicated mapping key \(3:1\)/);
    expect(problem).not.toContain('\n');
  });
});
