import type { CoreContext } from '../context.js';
import { privateReply, type Reply } from '../reply.js';
import { ATLAS_CREDIT } from './exercise-cards.js';
import { scenariosOf } from './exercise-in-channel.js';
import type { Scenario } from './scenario-catalog.js';
import type { AuthoredScenario } from './authored-scenario.js';

const PER_PLAYBOOK = 3;
const FOR_ONE_PLAYBOOK = 10;

function authoredLine(s: AuthoredScenario): string {
  return `• ${s.id}  ${s.title} (${s.injects.length} injects with decision points, ~${s.duration_minutes} min; based on ${s.basis.incident})`;
}

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
    const authored = catalog.authoredFor(id);
    const scenarios = catalog.forPlaybook(id);
    const limit = playbookId ? FOR_ONE_PLAYBOOK : PER_PLAYBOOK;
    if (scenarios.length === 0 && authored.length === 0) {
      blocks.push(`${id}: no scenario exercises this playbook yet.`);
      continue;
    }
    const more = scenarios.length > limit ? `\n  …${scenarios.length - limit} more${playbookId ? '' : `: \`exercise scenarios ${id}\``}` : '';
    const quick = scenarios.length ? `\n  Quick (ATLAS case studies, inject by inject):\n${scenarios.slice(0, limit).map(line).join('\n')}${more}` : '';
    const full = authored.length ? `\n  Full tabletop (timed injects, decisions, hot wash, after-action report):\n${authored.map(authoredLine).join('\n')}` : '';
    blocks.push(`${id} (${context.playbooks.get(id)?.name ?? id}):${full}${quick}`);
  }
  return privateReply(
    [
      'Tabletop exercise scenarios:',
      ...blocks,
      'Start one with `exercise start <scenario-id>` or `exercise start <playbook-id>`; `exercise start` alone picks the weakest area.',
      ATLAS_CREDIT,
    ].join('\n\n'),
  );
}
