import type { Actor } from '../context.js';
import { incidentRef } from '../incident/header-card.js';
import type { Incident } from '../incident/incident.js';
import { seesDetails } from '../incident/permissions.js';
import type { PlaybookCatalog } from '../playbook/load-playbooks.js';
import type { TaxonomyCatalog } from '../taxonomy/taxonomy.js';
import type { SimilarCases, SimilarCaseStudy, SimilarIncident } from './find-similar.js';

export const ATLAS_STUDY_URL = 'https://atlas.mitre.org/studies/';

/** "45 min", "3.5 h", "2.1 d". */
export function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 90) return `${minutes} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} d`;
}

/** What became of a past incident, and how long it took to resolve. */
export function outcome(incident: Incident): string {
  const resolvedIn = incident.resolvedAt ? `, resolved in ${duration(incident.resolvedAt.getTime() - incident.detectedAt.getTime())}` : '';
  switch (incident.state) {
    case 'resolved':
      return `resolved in ${duration(incident.resolvedAt!.getTime() - incident.detectedAt.getTime())}`;
    case 'closed':
      return `closed${resolvedIn}`;
    case 'false_positive':
      return 'false positive';
    default:
      return 'still open';
  }
}

function list(items: string[], max = 3): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} (+${items.length - max} more)` : shown;
}

function incidentLine(found: SimilarIncident, viewer: Pick<Actor, 'platform' | 'channelId'>, playbooks: PlaybookCatalog): string {
  const { incident } = found;
  const visible = seesDetails(viewer, incident);
  const name = visible ? `${incidentRef(incident)} ${incident.title}` : `${incidentRef(incident)} (a private incident)`;
  const why: string[] = [];
  if (found.samePlaybook) why.push(`same playbook (${playbooks.get(incident.playbookId)?.name ?? incident.playbookId})`);
  if (found.sharedTags.length) why.push(`shared tags ${list(found.sharedTags)}`);
  // A private incident's words are its title's and summary's: they stay in its own channel.
  if (visible && found.sharedWords.length) why.push(`shared words ${found.sharedWords.map((w) => `"${w}"`).join(', ')}`);
  return `• ${name}: ${outcome(incident)}. Why: ${why.join('; ') || 'similar text'}.`;
}

function caseLine(found: SimilarCaseStudy, taxonomy: TaxonomyCatalog): string {
  const { caseStudy } = found;
  const why: string[] = [];
  if (found.sharedTechniques.length) {
    const named = found.sharedTechniques.map((t) => (taxonomy.get(t) ? taxonomy.label(t, true) : `${t} ${caseStudy.technique_names[t] ?? ''}`.trim()));
    why.push(`techniques ${list(named, 2)}`);
  }
  if (found.sharedWords.length) why.push(`shared words ${found.sharedWords.map((w) => `"${w}"`).join(', ')}`);
  return `• ${caseStudy.id} ${caseStudy.name} (${ATLAS_STUDY_URL}${caseStudy.id}). Why: ${why.join('; ')}.`;
}

/** The similar-cases message: each case on one line with why it is similar; "none" said plainly. */
export function similarCasesText(
  incident: Incident,
  found: SimilarCases,
  viewer: Pick<Actor, 'platform' | 'channelId'>,
  catalogs: { playbooks: PlaybookCatalog; taxonomy: TaxonomyCatalog },
): string {
  const ref = incidentRef(incident);
  if (found.incidents.length === 0 && found.caseStudies.length === 0) {
    return `Similar cases for ${ref}: nothing similar found, neither among this bot's past incidents nor in the public MITRE ATLAS case studies.`;
  }
  const lines = [`Similar cases for ${ref} (\`/incident similar\` shows them again):`];
  lines.push(found.incidents.length ? 'Past incidents:' : 'Past incidents: none similar.');
  lines.push(...found.incidents.map((f) => incidentLine(f, viewer, catalogs.playbooks)));
  lines.push(found.caseStudies.length ? 'Public cases (MITRE ATLAS):' : 'Public cases (MITRE ATLAS): none similar.');
  lines.push(...found.caseStudies.map((f) => caseLine(f, catalogs.taxonomy)));
  return lines.join('\n');
}
