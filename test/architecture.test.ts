import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/project-root.js';

const root = projectRoot();

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) => {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return Promise.resolve(entry.name.endsWith('.ts') ? [path] : []);
    }),
  );
  return files.flat();
}

function imports(text: string): string[] {
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? '');
}

describe('architecture', () => {
  it('keeps src/core free of chat platforms, databases, schedulers and the environment', async () => {
    const forbidden = /^(@slack\/|botbuilder|@microsoft\/|pg$|pg\/|kysely|@electric-sql\/|node-cron|pino)/;
    const offences: string[] = [];
    for (const file of await sourceFiles(join(root, 'src/core'))) {
      const text = await readFile(file, 'utf8');
      const name = relative(root, file);
      for (const specifier of imports(text)) {
        if (forbidden.test(specifier)) offences.push(`${name} imports ${specifier}`);
        if (specifier.startsWith('.') && /\/(adapters|db|http|scheduler)\//.test(join(file, '..', specifier))) offences.push(`${name} imports ${specifier}`);
      }
      if (/process\.env/.test(text)) offences.push(`${name} reads process.env`);
    }
    expect(offences).toEqual([]);
  });

  it('reads the environment only in config and the composition root', async () => {
    const readers = [];
    for (const file of await sourceFiles(join(root, 'src'))) {
      if (/process\.env/.test(await readFile(file, 'utf8'))) readers.push(relative(root, file));
    }
    expect(readers.filter((f) => !/^src\/(config|main)\.ts$/.test(f))).toEqual([]);
  });

  it('has no forEach(async …), whose failures vanish', async () => {
    const offenders = [];
    for (const file of await sourceFiles(join(root, 'src'))) {
      if (/forEach\(\s*async/.test(await readFile(file, 'utf8'))) offenders.push(relative(root, file));
    }
    expect(offenders).toEqual([]);
  });
});
