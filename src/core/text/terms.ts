import { stemmer } from 'stemmer';

/**
 * Text normalisation shared by the playbook matcher and the similar-cases search.
 *
 * `terms(text)` lowercases, splits into words (letters and digits; apostrophes, including curly
 * ones, are dropped inside words so "customer's" and "customers’" both become "customers"),
 * drops English stopwords and stems each word with the Porter algorithm (`stemmer` package).
 */

/** A compact English stopword list (function words only: no domain words such as "model"). */
export const STOPWORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are aren as at be because been before being
  below between both but by can cannot could couldn did didn do does doesn doing don during each
  few for from further had hadn has hasn have haven having he her here hers herself him himself his how
  i if in into is isn it its itself just let ll me more most mustn my myself nor now of on
  once only or ought our ours ourselves over own re s same shan she should shouldn so
  some such t than that the their theirs them themselves then there these they this those through to
  too under until ve very was wasn we were weren what when where which while who whom why will with
  won would wouldn you your yours yourself yourselves d m o y also yet us via got get gets getting
  did just really still even since dont doesnt didnt isnt arent wasnt werent cant couldnt wont
  wouldnt shouldnt havent hasnt hadnt im ive id youre theyre thats theres its lets probably perhaps maybe`
    .split(/\s+/)
    .filter(Boolean),
);

/** One word of a text: its stemmed term and where it is in the text. */
export interface Token {
  /** The stemmed, lowercased term (as `terms()` returns it). */
  term: string;
  /** The word as written in the text. */
  word: string;
  /** Offsets of the word in the text (end exclusive). */
  start: number;
  end: number;
  stopword: boolean;
}

const WORD = /[\p{L}\p{N}]+(?:['\u2018\u2019\u02bc`][\p{L}\p{N}]+)*/gu;

function fold(word: string): string[] {
  return word
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['\u2018\u2019\u02bc`]/g, '')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Lowercased words in order, apostrophes removed, stopwords kept, no stemming. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WORD)) out.push(...fold(m[0]));
  return out;
}

/** Every word of `text` with its stem and offsets, stopwords included (flagged). */
export function tokens(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) {
    const start = m.index;
    for (const w of fold(m[0])) {
      out.push({ term: STOPWORDS.has(w) ? w : stem(w), word: m[0], start, end: start + m[0].length, stopword: STOPWORDS.has(w) });
    }
  }
  return out;
}

const cache = new Map<string, string>();

/** The Porter stem of one lowercased word (memoised). */
export function stem(word: string): string {
  let s = cache.get(word);
  if (s === undefined) {
    s = /^[0-9]+$/.test(word) ? word : stemmer(word);
    if (cache.size < 50_000) cache.set(word, s);
  }
  return s;
}

/** Lowercased, stopword-free, stemmed terms of `text`, in order (duplicates kept). */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (STOPWORDS.has(w)) continue;
    out.push(stem(w));
  }
  return out;
}
