import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [area…]`: runs every bench/<area>.ts (or the areas named) in turn, in one process,
 * so each prints its figures beside the baseline it measured in the same run.
 */
const here = dirname(fileURLToPath(import.meta.url));
const helpers = new Set(['run.ts', 'stats.ts']);
const wanted = process.argv.slice(2);
const areas = (await readdir(here))
  .filter((f) => f.endsWith('.ts') && !helpers.has(f) && !f.startsWith('support'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((area) => wanted.length === 0 || wanted.includes(area))
  .sort();

for (const area of areas) {
  console.log(`\n# bench: ${area}`);
  const module = (await import(join(here, `${area}.ts`))) as { default?: () => Promise<void> };
  if (typeof module.default !== 'function') {
    console.log(`(bench/${area}.ts has no default export to run)`);
    continue;
  }
  await module.default();
}
process.exit(0);
