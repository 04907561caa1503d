import { stem, STOPWORDS, terms, words } from '../text/terms.js';

/**
 * TF-IDF cosine similarity over `terms()` (lowercased, stopword-free, Porter-stemmed words), with
 * inverse document frequencies from the documents compared (the past incidents and case studies
 * read for one search, and the incident itself). Weights: (1 + ln tf) · (1 + ln((N + 1) / (df + 1))).
 */
export type TermVector = Map<string, number>;

export class TfIdf {
  private readonly df = new Map<string, number>();
  private readonly n: number;

  constructor(documents: readonly string[][]) {
    this.n = documents.length;
    for (const document of documents) for (const term of new Set(document)) this.df.set(term, (this.df.get(term) ?? 0) + 1);
  }

  idf(term: string): number {
    return 1 + Math.log((this.n + 1) / ((this.df.get(term) ?? 0) + 1));
  }

  /** A unit-length weighted vector of a document's terms. */
  vector(document: readonly string[]): TermVector {
    const tf = new Map<string, number>();
    for (const term of document) tf.set(term, (tf.get(term) ?? 0) + 1);
    const vector: TermVector = new Map();
    let norm = 0;
    for (const [term, count] of tf) {
      const weight = (1 + Math.log(count)) * this.idf(term);
      vector.set(term, weight);
      norm += weight * weight;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [term, weight] of vector) vector.set(term, weight / norm);
    return vector;
  }
}

/** Cosine of two unit vectors, and the shared terms by how much each adds, largest first. */
export function cosine(a: TermVector, b: TermVector): { score: number; shared: string[] } {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const contributions: [string, number][] = [];
  let score = 0;
  for (const [term, weight] of small) {
    const other = large.get(term);
    if (other === undefined) continue;
    score += weight * other;
    contributions.push([term, weight * other]);
  }
  return { score, shared: contributions.sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).map(([term]) => term) };
}

/** The text's terms (see terms.ts). */
export function documentTerms(text: string): string[] {
  return terms(text);
}

/** A readable word for each stem of `text` (its first occurrence), so a reason names "invoices", not "invoic". */
export function stemWords(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const word of words(text)) {
    if (STOPWORDS.has(word)) continue;
    const s = stem(word);
    if (!map.has(s)) map.set(s, word);
  }
  return map;
}
