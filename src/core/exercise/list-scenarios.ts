import type { CoreContext } from '../context.js';
import { privateReply, type Reply } from '../reply.js';
import { ATLAS_CREDIT } from './exercise-cards.js';
import { scenariosOf } from './exercise-in-channel.js';
import type { Scenario } from './scenario-catalog.js';

const PER_PLAYBOOK = 3;
const FOR_ONE_PLAYBOOK = 10;

function line(s: Scenario): string {
  const kind = s.caseStudy.case_study_type === 'incident' ? 'real incident' : 'research demo';
  return `• ${s.caseStudy.id}  ${s.caseStudy.name} (${kind}, ${s.caseStudy.procedure.length} injects)`;
}

/** A handful of scenarios per playbook, real incidents first; one playbook's when it is named. */
export function listScenarios(context: CoreContext, playbookId?: string): Reply {
  const catalog = scenariosOf(context);
  const ids = playbookId ? [playbookId] : context.playbooks.ids;
  const blocks: string[] = [];
  for (const id of ids) {
    const scenarios = catalog.forPlaybook(id);
    const limit = playbookId ? FOR_ONE_PLAYBOOK : PER_PLAYBOOK;
    if (scenarios.length === 0) {
      blocks.push(`${id}: no scenario exercises this playbook yet.`);
      continue;
    }
    const more = scenarios.length > limit ? `\n  …${scenarios.length - limit} more${playbookId ? '' : `: \`exercise scenarios ${id}\``}` : '';
    blocks.push(`${id} (${context.playbooks.get(id)?.name ?? id}):\n${scenarios.slice(0, limit).map(line).join('\n')}${more}`);
  }
  return privateReply(
    [
      'Tabletop exercise scenarios, from MITRE ATLAS case studies:',
      ...blocks,
      'Start one with `exercise start <scenario-id>` or `exercise start <playbook-id>`; `exercise start` alone picks the weakest area.',
      ATLAS_CREDIT,
    ].join('\n\n'),
  );
}
