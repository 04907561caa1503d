import { playbooksDirectory } from '../app.js';
import { configFromEnvironment } from '../config.js';
import { checkPlaybookDirectory, formatProblems } from '../core/playbook/load-playbooks.js';

/** `npm run playbooks:check [dir]`: validates every playbook file and names each problem's file and field. */
const directory = process.argv[2] ?? playbooksDirectory(configFromEnvironment());
const { playbooks, problems } = await checkPlaybookDirectory(directory);
if (problems.length > 0) {
  process.stderr.write(`${formatProblems(problems)}\n${problems.length} problem(s) in ${directory}\n`);
  process.exit(1);
}
process.stdout.write(`${playbooks.length} playbooks valid: ${playbooks.map((p) => p.id).join(', ')}\n`);
