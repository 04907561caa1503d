import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../project-root.js';
import { explain, predict, type Prediction, type TextModel } from '../text/classifier.js';
import { terms, tokens, type Token } from '../text/terms.js';
import type { Playbook, WeightedCue } from './schema.js';

/**
 * Which playbook fits a declare text, and why. Local and explainable: no network, no download.
 *
 * Each playbook's `match:` section lists weighted cues (keywords, phrases, signal names) and
 * negative cues; a cue matches after stemming and stopword removal, its words in order with at
 * most {@link MAX_GAP} other words between them. A playbook's score is the sum of the weights of
 * its cues found in the text, minus its negative cues found, plus a small BM25 score of the text
 * against the playbook's own prose (name, summary, detection signals, step titles), which breaks
 * ties and catches wording no cue lists. Beside the playbooks, {@link NOT_AI_CUES} collects
 * evidence that the text is not an AI-system incident (a plain outage, hardware, fraud by
 * people, a physical accident) and {@link AI_CUES} evidence that it is about an AI system.
 *
 * A small learned model ships beside the playbooks (`playbooks/matcher-model.json`, written by
 * `npm run train:matcher` from the labelled reports): one-vs-rest L2 logistic regression over the
 * text's stemmed words and word pairs (see ../text/classifier.ts). When the catalogue holds every
 * playbook the model knows, the final score of each class (the four playbooks and "none") is
 * `(1 - alpha) × cue share + alpha × model probability`, where the cue share is the class's cue
 * score over the sum of all cue scores (+1), and alpha was chosen by cross-validation. The reason
 * names the cue words found first, then the model's most strongly weighted words present in the text.
 */
export interface PlaybookMatch {
  /** null = none or too vague. */
  playbook: Playbook | null;
  /** One line naming the deciding words, e.g. 'matched "other customers", "tickets" (data-leakage); runner-up model-safety-violation'. */
  reason: string;
  score: number;
  runnerUp: Playbook | null;
  /** The words/phrases of the text that decided it, as they appear in the text. */
  decidingWords: string[];
  /** 'matched' | 'none' (clearly not an AI incident of these kinds) | 'vague' (too little to go on) */
  verdict: 'matched' | 'none' | 'vague';
}

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

/** Evidence for "not an AI-system incident of these kinds". */
export const NOT_AI_CUES: readonly WeightedCue[] = [
  // plain outages and infrastructure
  ...weights(3, ['outage', 'outages', 'went down', 'is down', 'are down', 'site down', 'unreachable', 'out of disk', 'disk full', 'disk is full', '100% full', 'artifact volume', 'read-only', '502s', '503s', '500s', 'http 500', 'timeouts', 'expired certificate', 'certificate expired', 'tls certificate', 'ssl certificate', 'dns', 'bgp', 'cdn', 'ddos', 'load balancer', 'oom-killed', 'oom killed', 'out of memory', 'crash loop', 'crashes on launch', 'null pointer', 'stack trace', 'helm', 'kubernetes', 'pods', 'database maintenance', 'message queue', 'backed up', 'cron', 'spf', 'dkim', 'deliverability', 'waf', 'regular expression', 'regex', 'cpu', 'cpus', 'maintenance script', 'maintenance', 'restores', 'backup', 'raid', 'storage nodes', 'replication', 'webhook', 'webhooks', 'security agent', 'windows machines', 'config change', 'wrong database server', 'late-night fix', 'deleted hundreds', 'routes', 'network', 'latency', 'release', 'app crashes', 'login page', 'traffic', 'etl', 'sftp', 'ftp', 'job failed', 'jobs failed', 'nightly job', 'batch job', 'cron job', 'wi-fi', 'wifi', 'access points', 'access point', 'router', 'routers', 'vpn', 'firewall', 'api gateway', 'bad deploy', 'rollback', 'rolled back', 'disk filled', 'filled up', 'volume', 'certificate', 'tape', 'jammed', 'late delivering', 'delivered late', 'delayed', 'delaying', 'deadline', 'vendor', 'elevator', 'alarm', 'door', 'shared drive', 'status page', 'was down', 'were down', 'down for', 'ran out of', 'nodes', 'storage', 'for an hour']),
  // hardware and facilities
  ...weights(4, ['gpu fell off the bus', 'fell off the bus', 'gpu failure', 'gpu failed', 'gpu died', 'gpus failed', 'xid', 'ecc errors', 'node failed', 'node died', 'hardware fault', 'security agent', 'windows machines', 'blue screen', 'crashed millions']),
  ...weights(3, ['crashed', 'crashes', 'boot', 'disk failed', 'disks failed', 'hardware', 'power outage', 'lost power', 'power cut', 'ups failed', 'ups battery', 'ups batteries', 'uninterruptible power', 'chillers', 'cooling', 'heatwave', 'fire', 'flood', 'pipe burst', 'water', 'switch died', 'switch failed', 'switches', 'infiniband', 'rack', 'data center', 'datacenter', 'server room', 'cloud region', 'no servers', 'servers', 'office building', 'the building lost power']),
  // people, fraud, physical accidents
  ...weights(3, ['fake invoices', 'invoices', 'shell company', 'embezzle', 'embezzlement', 'corporate card', 'expense fraud', 'personal purchases', 'personal holidays', 'lied to investors', 'investors', 'opened millions of accounts', 'caught selling', 'was caught', 'customer service agent', 'sso', 'log in', 'identity provider', 'selling', 'scammer', 'scam', 'bill', 'invoice', 'cost', 'costs', 'benchmarking job', 'left running', 'fake supplier', 'supplier', 'payment', 'clerk', 'finance', 'business email compromise', 'impersonating', 'wire transfer', 'lifecycle rule', 'accounts customers never asked for', 'sales targets', 'payroll', 'paid everyone twice', 'charged customers double', 'double charged', 'phishing email', 'clicked a phishing', 'phishing', 'sales rep', 'laptop', 'forklift', 'slipped', 'wet floor', 'broke a wrist', 'human error', 'accidentally emailed', 'cc', 'ccd', 'injury', 'injured', 'no one was hurt', 'nobody was hurt', 'nobody hurt', 'no one hurt', 'no injuries', 'truck', 'loading dock', 'stole', 'stolen laptop', 'theft', 'fraudster', 'posing as', 'inflated', 'quota', 'contractor', 'departing', 'last day', 'last shift', 'personal account', 'personal email', 'personal drive', 'personal google drive', 'to csv', 'dlp', 'operating it manually', 'coffee machine', 'broken', 'printer', 'parking', 'office', 'employee', 'manager', 'admin']),
  // words whose AI sense is not the one meant: classic web vulnerabilities, product recalls, ordinary
  // IT chores (their weight halves when the text also names an AI system)
  ...weights(3, ['sql injection', 'sqli', 'xss', 'cross-site scripting', 'csrf', 'injector', 'fuel injection', 'injection molding', 'injection-molding', 'molding', 'moulding', 'mold', 'product recall', 'recalled', 'model car', 'die-cast', 'choking hazard', 'toy', 'transducer', 'out of calibration', 'recalibrating', 'recalibrated', 'extruder', 'thermocouple', 'lots quarantined', 'dealer', 'health check', 'target group', 'terraform', 'wrong port', 'draining', 'smtp', 'sendgrid', 'emails not going out', 'password reset', 'key expired', 'token expired', 'mdm', 'wiped', 'police report', 'filevault', 'full-disk encryption', 'badge', 'hvac']),
  // infrastructure around a model failing, with no model fault: counted in full even when the text
  // speaks of the model (a GPU node dying under the model server is still an outage)
  ...weights(6, ['node died', 'gpu node', 'node went down', 'node crashed', 'certificate expired', 'expired certificate', 'cert expired', 'expired cert', 'rate limit', 'rate limited', 'rate-limited', 'rate limiting', 'http 429', '429s', 'too many requests', 'quota exceeded', 'zero replicas', 'replicas', 'crashloopbackoff', 'kubernetes misconfiguration', 'misconfigured kubernetes', 'misconfigured ingress', 'ingress', 'autoscaler', 'cuda out of memory', 'gpu driver', 'driver update', 'tls handshake', 'handshake errors']),
  // explicit statements that the model is not at fault
  ...weights(6, ['false alarm', 'false positive alert', 'nothing was wrong', 'misread the dashboard', 'misread', 'within its normal band', 'inside its normal band', 'within normal range', 'within the normal range', 'nothing wrong with the model', 'model itself is fine', 'model is fine', 'not a model issue', 'not the model', 'no model fault', 'no ai involved', 'no automation involved', 'operated manually', 'nothing sensitive', 'no creds', 'no credentials', 'no datasets', 'no data on it', 'nothing was exposed', 'nothing exposed', 'no data was exposed', 'no exposure', 'behaved normally', 'behaving normally', 'worked as expected', 'working as expected', 'unaffected', 'were not affected', 'was not affected', 'not caused by the model', 'model was not involved', 'no tools involved', 'no bot involved', 'no software involved']),
];

/** Evidence that the text is about an AI system at all (weakens a "none" verdict). */
export const AI_CUES: readonly WeightedCue[] = weights(1, [
  'ai', 'llm', 'llms', 'gpt', 'chatgpt', 'genai', 'model', 'models', 'chatbot', 'bot', 'assistant', 'copilot', 'agent', 'classifier', 'algorithm', 'prediction', 'predictions', 'predicted', 'predicts', 'forecast', 'recommendation', 'recommendations', 'training data', 'training set', 'dataset', 'fine-tuned', 'prompt', 'rag', 'embedding', 'embeddings', 'machine learning', 'ml', 'neural', 'self-driving', 'autopilot', 'driver assist', 'robotaxi', 'autonomous', 'eval', 'evals', 'accuracy', 'recall', 'precision', 'auc', 'bleu', 'word error rate', 'calibrated', 'drift', 'retrain', 'speech recognition', 'speech-to-text', 'translation', 'image generator', 'image model', 'diffusion', 'face recognition', 'facial recognition', 'spam filter', 'risk score', 'screener', 'auto-tagged', 'mcp', 'bing chat', 'bard', 'gemini', 'grok', 'claude', 'openai', 'anthropic', 'hugging face', 'model hub', 'tay', 'galactica', 'alexa', 'siri', 'helper', 'tutor', 'automated', 'automatically', 'drone', 'robot', 'vision system', 'smart speaker', 'voice assistant', 'image tool', 'ai-generated', 'summariser', 'summarizer',
]);

function weights(weight: number, phrases: string[]): WeightedCue[] {
  return phrases.map((phrase) => ({ phrase, weight }));
}

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
function surface(text: string, hits: Hit[]): string[] {
  const strong = hits.filter((h) => h.cue.weight >= 2);
  const out: string[] = [];
  for (const h of [...(strong.length > 0 ? strong : hits)].sort((a, b) => b.cue.weight - a.cue.weight || a.start - b.start)) {
    const words = text.slice(h.start, h.end);
    if (!out.includes(words)) out.push(words);
  }
  return out;
}

function quoted(words: string[], max = 4): string {
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


/** The file the shipped model is read from. */
export const MODEL_FILE = join('playbooks', 'matcher-model.json');
/** The model as stored: a {@link TextModel} whose settings hold the cross-validated `alpha`. */
export type MatcherModel = TextModel;
/** Fewest content words the model must know before it may pick a class when the cues found nothing. */
export const MIN_KNOWN_WORDS = 3;
/** The model's least probability for a playbook when no cue of any playbook matched ("something looks off with the bot" is vague, not a safety incident). */
export const MODEL_ALONE_MIN = 0.5;

let shipped: MatcherModel | null | undefined;

/** The shipped model, read once (null when the file is missing: the cues then decide alone). */
export function shippedModel(): MatcherModel | null {
  if (shipped === undefined) {
    const file = join(projectRoot(), MODEL_FILE);
    shipped = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as MatcherModel) : null;
  }
  return shipped;
}

export interface MatchOptions {
  /** The learned model to combine with the cues; undefined = the shipped one, null = cues alone. */
  model?: MatcherModel | null;
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

/** The cues' score per model class (playbook ids and "none"), as shares of their sum + 1. */
export function cueShares(evidence: CueEvidence, labels: readonly string[]): number[] {
  const raw = labels.map((label) => {
    if (label === 'none') return evidence.notAiWeight + (evidence.verdict === 'matched' ? 0 : MIN_SCORE);
    const s = evidence.scores.find((x) => x.playbook.id === label);
    return s && s.hits.length > 0 ? Math.max(0, s.score) : 0;
  });
  const total = raw.reduce((a, b) => a + b, 0) + 1;
  return raw.map((x) => x / total);
}

/** Final score per model class: (1 - alpha) × cue share + alpha × model probability. */
export function combine(evidence: CueEvidence, prediction: Prediction, labels: readonly string[], alpha: number): number[] {
  const shares = cueShares(evidence, labels);
  return labels.map((_, c) => (1 - alpha) * shares[c]! + alpha * prediction.probabilities[c]!);
}

/**
 * The combined decision: a model class, or 'vague' when neither cues nor model have enough to go
 * on. `noneVeto`: when the model gives "none" at least this probability, a playbook that the cues
 * back only weakly (below STRONG_CUE_SCORE) gives way to "none": generic words ("killed", "limits",
 * "weeks") are enough for a cue match but not for an AI incident the model has never seen the like of.
 * Chosen by cross-validation with alpha (train-matcher.ts); 1 switches it off.
 */
export function decide(evidence: CueEvidence, prediction: Prediction, labels: readonly string[], alpha: number, noneVeto = 1): { label: string | 'vague'; combined: number[]; order: number[] } {
  const combined = combine(evidence, prediction, labels, alpha);
  const order = labels.map((_, i) => i).sort((a, b) => combined[b]! - combined[a]! || a - b);
  const knownWords = new Set(prediction.spans.filter((s) => !s.feature.includes(' ')).map((s) => s.feature)).size;
  if (evidence.verdict === 'vague' && knownWords < MIN_KNOWN_WORDS) return { label: 'vague', combined, order };
  const label = labels[order[0]!]!;
  // With no cue for any playbook, the model alone picks one only when it is sure.
  if (evidence.verdict === 'vague' && label !== 'none' && prediction.probabilities[order[0]!]! < MODEL_ALONE_MIN) return { label: 'vague', combined, order };
  const none = labels.indexOf('none');
  const cue = evidence.scores.find((s) => s.playbook.id === label)?.score ?? 0;
  if (label !== 'none' && none >= 0 && prediction.probabilities[none]! >= noneVeto && cue < STRONG_CUE_SCORE) {
    return { label: 'none', combined, order: [none, ...order.filter((i) => i !== none)] };
  }
  return { label, combined, order };
}

/** A playbook's cue score this high stands against the model's "none" (see `decide`). */
export const STRONG_CUE_SCORE = 8;

/** The model applies when the catalogue holds every playbook it was trained on. */
function modelFor(playbooks: Playbook[], options: MatchOptions): MatcherModel | null {
  const model = options.model === undefined ? shippedModel() : options.model;
  if (!model) return null;
  return model.labels.every((l) => l === 'none' || playbooks.some((p) => p.id === l)) ? model : null;
}

function merge(first: string[], second: string[], max = 6): string[] {
  const out = [...first];
  for (const w of second) {
    if (out.length >= max) break;
    const lw = w.toLowerCase();
    if (out.some((o) => o.toLowerCase().includes(lw) || lw.includes(o.toLowerCase()))) continue;
    out.push(w);
  }
  return out;
}

/**
 * Picks the playbook whose weighted cues (declared in the playbook files), prose and the shipped
 * model best fit the text; says "none" when the text reads as a plain outage, hardware fault,
 * fraud by people or an accident, and "vague" when there is too little to go on.
 */
export function matchPlaybook(playbooks: Playbook[], text: string, options: MatchOptions = {}): PlaybookMatch {
  const model = modelFor(playbooks, options);
  const evidence = cueEvidence(playbooks, text, Number(model?.settings['min_without_ai'] ?? MIN_SCORE_WITHOUT_AI));
  if (!model) return cueMatch(text, evidence);
  const prediction = predict(model, text);
  const alpha = Number(model.settings['alpha'] ?? 0.5);
  const { label, combined, order } = decide(evidence, prediction, model.labels, alpha, Number(model.settings['none_veto'] ?? 1));
  if (label === 'vague') return vague(text, evidence);
  const score = Math.round(combined[order[0]!]! * 1000) / 1000;
  const playbookOf = (id: string) => playbooks.find((p) => p.id === id) ?? null;
  const modelWords = explain(model, prediction, text, label);
  // No playbook, and nothing in the text says it is not about an AI system either: too little to go on.
  if (label === 'none' && evidence.verdict === 'vague' && evidence.notAi.length === 0) return vague(text, evidence);
  if (label === 'none') {
    const closest = order.map((i) => model.labels[i]!).find((l) => l !== 'none');
    const runnerUp = closest ? playbookOf(closest) : null;
    const decidingWords = merge(surface(text, evidence.notAi), modelWords);
    const why = evidence.verdict === 'matched' ? 'no playbook fits' : 'no playbook keyword matched strongly enough';
    return {
      playbook: null,
      score,
      runnerUp,
      decidingWords,
      verdict: 'none',
      reason: `${why}: reads as not an AI incident of these kinds${decidingWords.length > 0 ? ` (${quoted(decidingWords)})` : ''}${runnerUp ? `; closest ${runnerUp.id}` : ''}`,
    };
  }
  const playbook = playbookOf(label)!;
  const cue = evidence.scores.find((s) => s.playbook.id === label);
  const decidingWords = merge(cue ? surface(text, cue.hits) : [], modelWords);
  const second = order.map((i) => model.labels[i]!).find((l) => l !== 'none' && l !== label);
  const runnerUp = second ? playbookOf(second) : null;
  return {
    playbook,
    score,
    runnerUp,
    decidingWords,
    verdict: 'matched',
    reason: `matched ${quoted(decidingWords)} (${playbook.id})${runnerUp ? `; runner-up ${runnerUp.id}` : ''}`,
  };
}

function vague(text: string, evidence: CueEvidence): PlaybookMatch {
  const best = evidence.scores[0];
  const runnerUp = best && best.hits.length > 0 && best.score > 0 ? best.playbook : null;
  return {
    playbook: null,
    score: best?.score ?? 0,
    runnerUp,
    decidingWords: best ? surface(text, best.hits) : [],
    verdict: 'vague',
    reason: `no playbook keyword matched strongly enough: too little to go on${runnerUp ? `; closest ${runnerUp.id} (${quoted(surface(text, best!.hits))})` : ''}`,
  };
}

/** The cues' decision alone (no model, or a catalogue the model does not cover). */
function cueMatch(text: string, evidence: CueEvidence): PlaybookMatch {
  const { scores, notAi } = evidence;
  const best = scores[0];
  const second = scores[1];
  const runnerUpOf = (s: PlaybookScore | undefined) => (s && s.hits.length > 0 && s.score > 0 ? s.playbook : null);
  if (evidence.verdict === 'matched') {
    const decidingWords = surface(text, best!.hits);
    const runnerUp = runnerUpOf(second);
    return {
      playbook: best!.playbook,
      score: best!.score,
      runnerUp,
      decidingWords,
      verdict: 'matched',
      reason: `matched ${quoted(decidingWords)} (${best!.playbook.id})${runnerUp ? `; runner-up ${runnerUp.id}` : ''}`,
    };
  }
  if (evidence.verdict === 'none') {
    const decidingWords = surface(text, notAi);
    const runnerUp = runnerUpOf(best);
    return {
      playbook: null,
      score: best?.score ?? 0,
      runnerUp,
      decidingWords,
      verdict: 'none',
      reason: `no playbook keyword matched strongly enough: reads as not an AI incident of these kinds (${quoted(decidingWords)})${runnerUp ? `; closest ${runnerUp.id}` : ''}`,
    };
  }
  return vague(text, evidence);
}
