import type { CoreContext } from '../context.js';
import type { CaseStudy } from '../exercise/scenario-catalog.js';
import type { Incident } from '../incident/incident.js';
import { cosine, documentTerms, stemWords, TfIdf } from './text-similarity.js';

/** How many past incidents the search reads (the newest, one query) and how many of each kind it shows. */
export const PAST_INCIDENTS_READ = 500;
export const SHOWN = 3;

/** Weights: the same playbook and shared tags weigh most, then words in common. */
const WEIGHT = { playbook: 1.5, tags: 2, text: 3 } as const;
/** Below this nothing is called similar (a shared tag between different playbooks alone is not enough). */
const MIN_INCIDENT_SCORE = 0.9;
const MIN_CASE_SCORE = 0.6;

export interface SimilarIncident {
  incident: Incident;
  score: number;
  samePlaybook: boolean;
  sharedTags: string[];
  sharedWords: string[];
}

export interface SimilarCaseStudy {
  caseStudy: CaseStudy;
  score: number;
  /** Technique ids of the case study this incident's ATLAS tags cover (same id, or a sub-technique of a tag). */
  sharedTechniques: string[];
  sharedWords: string[];
}

export interface SimilarCases {
  incidents: SimilarIncident[];
  caseStudies: SimilarCaseStudy[];
}

function overlap(a: number, b: number, shared: number): number {
  return a === 0 || b === 0 ? 0 : shared / Math.sqrt(a * b);
}

/** Is `technique` the tag or one of its sub-techniques, or the parent of a sub-technique tag? */
function related(tag: string, technique: string): boolean {
  return technique === tag || technique.startsWith(`${tag}.`) || tag.startsWith(`${technique}.`);
}

function incidentText(incident: Pick<Incident, 'title' | 'summary'>): string {
  return `${incident.title}\n${incident.summary}`;
}

/** Readable shared words: stems mapped back to the incident's own words, numbers and short stems left out. */
function readable(stems: string[], words: Map<string, string>, max = 3): string[] {
  return stems.filter((s) => s.length >= 3 && !/^\d+$/.test(s)).slice(0, max).map((s) => words.get(s) ?? s);
}

/**
 * Past incidents of this install and public MITRE ATLAS case studies like `incident`, best first.
 * Past incidents: the newest 500 others (exercises left out), scored by the same playbook, tag
 * overlap (cosine over tag sets) and TF-IDF cosine of title and summary. Case studies: ATLAS
 * techniques shared with the incident's tags, and TF-IDF cosine with their name and summary.
 */
export async function findSimilar(context: CoreContext, incident: Incident): Promise<SimilarCases> {
  const [ownTags, past] = await Promise.all([
    context.store.tags.forIncident(incident.id).then((rows) => rows.map((r) => r.tag)),
    context.store.tags.recentWithTags(incident.id, PAST_INCIDENTS_READ),
  ]);
  const caseStudies = context.scenarios?.caseStudies ?? [];
  const own = documentTerms(incidentText(incident));
  const pastTerms = past.map((p) => documentTerms(incidentText(p.incident)));
  const caseTerms = caseStudies.map((c) => documentTerms(`${c.name}\n${c.summary}`));
  const tfidf = new TfIdf([own, ...pastTerms, ...caseTerms]);
  const ownVector = tfidf.vector(own);
  const words = stemWords(incidentText(incident));
  const tagSet = new Set(ownTags);
  const atlasTags = ownTags.filter((t) => t.startsWith('AML.'));
  // Rarer tags say more: a reason names them first.
  const tagCount = new Map<string, number>();
  for (const { tags } of past) for (const t of tags) tagCount.set(t, (tagCount.get(t) ?? 0) + 1);
  const rarestFirst = (a: string, b: string) => (tagCount.get(a) ?? 0) - (tagCount.get(b) ?? 0) || a.localeCompare(b);

  const incidents = past
    .map(({ incident: other, tags }, index): SimilarIncident => {
      const text = cosine(ownVector, tfidf.vector(pastTerms[index]!));
      const sharedTags = tags.filter((t) => tagSet.has(t)).sort(rarestFirst);
      const samePlaybook = incident.playbookId !== null && other.playbookId === incident.playbookId;
      const score = WEIGHT.playbook * (samePlaybook ? 1 : 0) + WEIGHT.tags * overlap(tagSet.size, tags.length, sharedTags.length) + WEIGHT.text * text.score;
      return { incident: other, score, samePlaybook, sharedTags, sharedWords: readable(text.shared, words) };
    })
    .filter((s) => s.score >= MIN_INCIDENT_SCORE)
    .sort((a, b) => b.score - a.score || b.incident.declaredAt.getTime() - a.incident.declaredAt.getTime())
    .slice(0, SHOWN);

  const cases = caseStudies
    .map((caseStudy, index): SimilarCaseStudy => {
      const text = cosine(ownVector, tfidf.vector(caseTerms[index]!));
      const sharedTechniques = caseStudy.techniques.filter((t) => atlasTags.some((tag) => related(tag, t)));
      const score = WEIGHT.tags * overlap(atlasTags.length, caseStudy.techniques.length, sharedTechniques.length) + WEIGHT.text * text.score;
      return { caseStudy, score, sharedTechniques, sharedWords: readable(text.shared, words) };
    })
    .filter((s) => s.score >= MIN_CASE_SCORE && (s.sharedTechniques.length > 0 || s.sharedWords.length > 0))
    .sort((a, b) => b.score - a.score || a.caseStudy.id.localeCompare(b.caseStudy.id))
    .slice(0, SHOWN);

  return { incidents, caseStudies: cases };
}
