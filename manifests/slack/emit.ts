import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { slackManifest } from './manifest.js';

/** The YAML Slack's "Create app from manifest" takes; committed so people can paste it. */
export function manifestYaml(): string {
  return `# Generated from manifests/slack/manifest.ts by \`npm run manifest:slack\`; edit that file, not this one.\n${stringify(slackManifest, { lineWidth: 0 })}`;
}

export const MANIFEST_YAML_PATH = fileURLToPath(new URL('./manifest.yaml', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(MANIFEST_YAML_PATH, manifestYaml());
  process.stdout.write(`wrote ${MANIFEST_YAML_PATH}\n`);
}
