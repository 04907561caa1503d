import { terms, tokens, type Token } from '../text/terms.js';
import { AI_CUES, NOT_AI_CUES } from './evidence-cues.js';
import type { Playbook, WeightedCue } from './schema.js';

/**
 * A declare text scored against each playbook's cues (weighted phrases found after stemming, in
 * order with at most {@link MAX_GAP} words between them, minus its negative cues) plus BM25 over
 * the playbook's prose, and against the evidence of whether it concerns an AI system at all; then
 * the cues' own verdict (`judge`).
 */

/** Content words allowed between two words of a cue phrase: "recall on the fraud model slid" matches "recall slid". */
export const MAX_GAP = 2;
/** Least score a playbook needs to be chosen. */
export const MIN_SCORE = 2;
/** Least score when the text says nothing of an AI system (no model, bot, assistant, prediction…). */
export const MIN_SCORE_WITHOUT_AI = 4;
/** How much the not-AI evidence counts when the text also speaks of an AI system. */
const NOT_AI_WEIGHT_WITH_AI = 0.5;
/** Weight of the BM25 score against the playbook prose. */
const BM25_WEIGHT = 0.25;
const BM25_K1 = 1.2;
const BM25_B = 0.75;

interface CompiledCue {
  phrase: string;
  weight: number;
  terms: string[];
  /** A cue matched word for word, stopwords included (see compileCues). */
  stopwords: boolean;
}

interface CompiledPlaybook {
  cues: CompiledCue[];
  negative: CompiledCue[];
  /** term → frequency in the playbook's prose, and the prose length. */
  tf: Map<string, number>;
  length: number;
}

function compileCues(cues: readonly WeightedCue[]): CompiledCue[] {
  const out: CompiledCue[] = [];
  for (const cue of cues) {
    const cueTokens = tokens(cue.phrase);
    // A phrase made only of stopwords ("no"), or one that would shrink to a single word without
    // them ("told it to", "ran it"), is matched word for word, stopwords included.
    const stopwords = cueTokens.every((t) => t.stopword) || (cueTokens.length > 1 && cueTokens.filter((t) => !t.stopword).length <= 1);
    const cueTerms = cueTokens.filter((t) => stopwords || !t.stopword).map((t) => t.term);
    if (cueTerms.length > 0) out.push({ phrase: cue.phrase, weight: cue.weight, terms: cueTerms, stopwords });
  }
  return out;
}

const compiled = new WeakMap<Playbook, CompiledPlaybook>();

function compile(playbook: Playbook): CompiledPlaybook {
  let entry = compiled.get(playbook);
  if (!entry) {
    const prose = [playbook.name, playbook.summary, ...playbook.detection_signals, ...playbook.steps.map((s) => s.title)].join('\n');
    const proseTerms = terms(prose);
    const tf = new Map<string, number>();
    for (const t of proseTerms) tf.set(t, (tf.get(t) ?? 0) + 1);
    entry = { cues: compileCues(playbook.match.cues), negative: compileCues(playbook.match.negative), tf, length: proseTerms.length };
    compiled.set(playbook, entry);
  }
  return entry;
}

let notAiCues: CompiledCue[] | undefined;
let aiCues: CompiledCue[] | undefined;

interface Hit {
  cue: CompiledCue;
  /** Text offsets of the matched words. */
  start: number;
  end: number;
}

/** The text's words, and where each term occurs (positions in `order`). */
interface TextIndex {
  tokens: Token[];
  /** Indexes into `tokens` of the content words (or all words, for stopword cues). */
  content: number[];
  all: number[];
  /** term → positions in `content` / `all`. */
  contentAt: Map<string, number[]>;
  allAt: Map<string, number[]>;
}

function indexText(text: string): TextIndex {
  const all = tokens(text);
  const content: number[] = [];
  const contentAt = new Map<string, number[]>();
  const allAt = new Map<string, number[]>();
  all.forEach((t, i) => {
    let a = allAt.get(t.term);
    if (!a) allAt.set(t.term, (a = []));
    a.push(i);
    if (t.stopword) return;
    let c = contentAt.get(t.term);
    if (!c) contentAt.set(t.term, (c = []));
    c.push(content.length);
    content.push(i);
  });
  return { tokens: all, content, all: all.map((_, i) => i), contentAt, allAt };
}

/** Words that, just before a cue, deny it: "nothing was exposed", "no data leaked", "not biased". */
const NEGATIONS = new Set(['no', 'not', 'nothing', 'never', 'without', 'none', 'isnt', 'wasnt', 'werent', 'didnt', 'dont', 'doesnt']);

/** True when one of the two words before token i (stopwords included) is a negation. */
function negated(text: TextIndex, i: number): boolean {
  for (let j = Math.max(0, i - 2); j < i; j++) if (NEGATIONS.has(text.tokens[j]!.word.toLowerCase().replace(/['\u2019]/g, ''))) return true;
  return false;
}

/** The first place the cue's terms occur in order, each within MAX_GAP words of the one before. */
function find(cue: CompiledCue, text: TextIndex): Hit | null {
  const order = cue.stopwords ? text.all : text.content;
  const starts = (cue.stopwords ? text.allAt : text.contentAt).get(cue.terms[0]!);
  if (!starts) return null;
  for (const k of starts) {
    if (negated(text, order[k]!)) continue;
    let last = k;
    let ok = true;
    for (let j = 1; j < cue.terms.length && ok; j++) {
      ok = false;
      for (let m = last + 1; m < order.length && m <= last + 1 + MAX_GAP; m++) {
        if (text.tokens[order[m]!]!.term === cue.terms[j]) {
          last = m;
          ok = true;
          break;
        }
      }
    }
    if (ok) return { cue, start: text.tokens[order[k]!]!.start, end: text.tokens[order[last]!]!.end };
  }
  return null;
}

function hitsOf(cues: CompiledCue[], text: TextIndex): Hit[] {
  const out: Hit[] = [];
  for (const cue of cues) {
    const hit = find(cue, text);
    if (hit) out.push(hit);
  }
  return out;
}

/** Drops hits whose span lies inside a heavier (or longer) hit's span: "data leak" does not also count "leak". */
function dedupe(hits: Hit[]): Hit[] {
  const sorted = [...hits].sort((a, b) => b.cue.weight - a.cue.weight || b.end - b.start - (a.end - a.start));
  const kept: Hit[] = [];
  for (const hit of sorted) {
    if (kept.some((k) => k.start <= hit.start && hit.end <= k.end)) continue;
    kept.push(hit);
  }
  return kept;
}

function sum(hits: Hit[]): number {
  return hits.reduce((s, h) => s + h.cue.weight, 0);
}

function bm25(queryTerms: Set<string>, docs: CompiledPlaybook[]): number[] {
  const n = docs.length;
  const avg = docs.reduce((s, d) => s + d.length, 0) / Math.max(1, n);
  const scores = docs.map(() => 0);
  for (const term of queryTerms) {
    const df = docs.filter((d) => d.tf.has(term)).length;
    if (df === 0) continue;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    docs.forEach((d, i) => {
      const f = d.tf.get(term) ?? 0;
      if (f > 0) scores[i]! += (idf * f * (BM25_K1 + 1)) / (f + BM25_K1 * (1 - BM25_B + (BM25_B * d.length) / avg));
    });
  }
  return scores;
}

/** The matched words as written, strongest first; words of weight under 2 only when nothing stronger matched. */
export function surface(text: string, hits: Hit[]): string[] {
  const strong = hits.filter((h) => h.cue.weight >= 2);
  const out: string[] = [];
  for (const h of [...(strong.length > 0 ? strong : hits)].sort((a, b) => b.cue.weight - a.cue.weight || a.start - b.start)) {
    const words = text.slice(h.start, h.end);
    if (!out.includes(words)) out.push(words);
  }
  return out;
}

export function quoted(words: string[], max = 4): string {
  return words
    .slice(0, max)
    .map((w) => `"${w}"`)
    .join(', ');
}

export interface PlaybookScore {
  playbook: Playbook;
  score: number;
  hits: Hit[];
  negative: Hit[];
  bm25: number;
}

/** Every playbook's score for the text, best first, plus the not-AI and AI evidence (for the eval and debugging). */
export function scorePlaybooks(playbooks: Playbook[], text: string): { scores: PlaybookScore[]; notAi: Hit[]; ai: Hit[] } {
  const index = indexText(text);
  const docs = playbooks.map(compile);
  const bm = bm25(new Set(index.contentAt.keys()), docs);
  const scores = playbooks.map((playbook, i) => {
    const doc = docs[i]!;
    const hits = dedupe(hitsOf(doc.cues, index));
    const negative = hitsOf(doc.negative, index);
    const score = sum(hits) - sum(negative) + BM25_WEIGHT * bm[i]!;
    return { playbook, score: Math.round(score * 100) / 100, hits, negative, bm25: bm[i]! };
  });
  scores.sort((a, b) => b.score - a.score);
  notAiCues ??= compileCues(NOT_AI_CUES);
  aiCues ??= compileCues(AI_CUES);
  return { scores, notAi: dedupe(hitsOf(notAiCues, index)), ai: dedupe(hitsOf(aiCues, index)) };
}

/** What the cues say about a text, before any model. */
export interface CueEvidence {
  scores: PlaybookScore[];
  notAi: Hit[];
  ai: Hit[];
  notAiScore: number;
  /** The not-AI evidence as weighed against the best playbook. */
  notAiWeight: number;
  /** The cues' own decision. */
  verdict: 'matched' | 'none' | 'vague';
}

/**
 * `minWithoutAi`: the score a playbook needs when no word says an AI system is involved (the
 * shipped model's `min_without_ai`, chosen by cross-validation; MIN_SCORE_WITHOUT_AI without a model).
 */
export function cueEvidence(playbooks: Playbook[], text: string, minWithoutAi = MIN_SCORE_WITHOUT_AI): CueEvidence {
  const { scores, notAi, ai } = scorePlaybooks(playbooks, text);
  return judge(scores, notAi, ai, minWithoutAi);
}

/** The cues' verdict from their scores; train-matcher.ts re-judges the same scores under each threshold it tries. */
export function judge(scores: PlaybookScore[], notAi: Hit[], ai: Hit[], minWithoutAi: number): CueEvidence {
  const best = scores[0];
  const notAiScore = sum(notAi);
  // Without any word about an AI system a playbook needs more evidence, and the not-AI evidence counts more.
  const hasAi = sum(ai) > 0;
  // An explicit "the model is fine" (weight >= 6) counts in full.
  const explicit = sum(notAi.filter((h) => h.cue.weight >= 6));
  const notAiWeight = hasAi ? explicit + (notAiScore - explicit) * NOT_AI_WEIGHT_WITH_AI : notAiScore;
  const needed = hasAi ? MIN_SCORE : minWithoutAi;
  const verdict = best && best.hits.length > 0 && best.score >= needed && best.score > notAiWeight ? 'matched' : notAiScore > 0 ? 'none' : 'vague';
  return { scores, notAi, ai, notAiScore, notAiWeight, verdict };
}
