import { tokens } from './terms.js';

/**
 * A small, explainable text classifier: one-vs-rest logistic regression with L2 regularisation
 * over the stemmed unigrams and bigrams of a text (the terms `terms()` gives, and each pair of
 * neighbouring terms). Each text is a binary bag of features scaled to unit length, so a class's
 * score is its bias plus the mean-ish weight of the features present, and the features with the
 * largest weights for the chosen class are the words that decided it.
 *
 * Training is deterministic (full-batch gradient descent from zero, fixed step and iterations), so
 * the same labelled texts always give the same model file.
 */

/** One feature of a text and where its words are (text offsets, end exclusive). */
export interface FeatureSpan {
  feature: string;
  start: number;
  end: number;
}

/** The unigram and bigram features of a text, in order, with their spans (duplicates kept). */
export function featureSpans(text: string): FeatureSpan[] {
  const content = tokens(text).filter((t) => !t.stopword);
  const out: FeatureSpan[] = [];
  content.forEach((t, i) => {
    out.push({ feature: t.term, start: t.start, end: t.end });
    const next = content[i + 1];
    if (next) out.push({ feature: `${t.term} ${next.term}`, start: t.start, end: next.end });
  });
  return out;
}

/** The distinct features of a text. */
export function features(text: string): string[] {
  return [...new Set(featureSpans(text).map((f) => f.feature))];
}

/** The model as stored in the JSON file. */
export interface TextModel {
  kind: 'ovr-logistic-l2';
  /** Class labels, in the order of `bias` and of each feature's weight array. */
  labels: string[];
  bias: number[];
  /** feature → weight per class (rounded; features with all weights ~0 pruned). */
  weights: Record<string, number[]>;
  /** Settings the training script chose (kept for the record and used by the matcher). */
  settings: Record<string, number | string>;
}

export interface TrainOptions {
  /** L2 strength (on the mean log-loss). */
  lambda: number;
  /** Features seen in fewer training texts are dropped. */
  minCount?: number;
  iterations?: number;
  step?: number;
  /** Decimal places kept in the file. */
  decimals?: number;
  /** Features whose largest absolute weight is under this are dropped from the file. */
  prune?: number;
}

interface Example {
  ids: number[];
  scale: number;
}

/** Trains one-vs-rest L2 logistic regression on (text, label) pairs. */
export function trainModel(texts: string[], labels: string[], classes: readonly string[], options: TrainOptions): TextModel {
  const minCount = options.minCount ?? 2;
  const iterations = options.iterations ?? 400;
  const step = options.step ?? 4;
  const decimals = options.decimals ?? 3;
  const prune = options.prune ?? 0;
  const docFeatures = texts.map(features);
  const df = new Map<string, number>();
  for (const fs of docFeatures) for (const f of fs) df.set(f, (df.get(f) ?? 0) + 1);
  const vocab = [...df.entries()].filter(([, n]) => n >= minCount).map(([f]) => f).sort();
  const index = new Map(vocab.map((f, i) => [f, i]));
  const examples: Example[] = docFeatures.map((fs) => {
    const ids = fs.map((f) => index.get(f)).filter((i): i is number => i !== undefined);
    return { ids, scale: ids.length > 0 ? 1 / Math.sqrt(ids.length) : 0 };
  });
  const n = examples.length;
  const bias: number[] = [];
  const weights: Float64Array[] = [];
  for (const cls of classes) {
    const y = labels.map((l) => (l === cls ? 1 : 0));
    const w = new Float64Array(vocab.length);
    let b = 0;
    const grad = new Float64Array(vocab.length);
    for (let it = 0; it < iterations; it++) {
      grad.fill(0);
      let gb = 0;
      for (let k = 0; k < n; k++) {
        const ex = examples[k]!;
        let z = b;
        for (const i of ex.ids) z += w[i]! * ex.scale;
        const err = 1 / (1 + Math.exp(-z)) - y[k]!;
        gb += err;
        for (const i of ex.ids) grad[i]! += err * ex.scale;
      }
      for (let i = 0; i < w.length; i++) w[i]! -= step * (grad[i]! / n + options.lambda * w[i]!);
      b -= step * (gb / n);
    }
    bias.push(b);
    weights.push(w);
  }
  const round = (x: number) => Math.round(x * 10 ** decimals) / 10 ** decimals || 0;
  const out: Record<string, number[]> = {};
  vocab.forEach((f, i) => {
    const ws = weights.map((w) => round(w[i]!));
    if (ws.some((x) => Math.abs(x) >= prune && x !== 0)) out[f] = ws;
  });
  return {
    kind: 'ovr-logistic-l2',
    labels: [...classes],
    bias: bias.map(round),
    weights: out,
    settings: { lambda: options.lambda, minCount, iterations, step, decimals, prune },
  };
}

export interface Prediction {
  /** Probability per class (the one-vs-rest sigmoids, normalised to sum to 1), in `model.labels` order. */
  probabilities: number[];
  /** How many of the text's distinct features the model knows. */
  known: number;
  /** The text's features the model knows, with their spans. */
  spans: FeatureSpan[];
}

export function predict(model: TextModel, text: string): Prediction {
  const spans = featureSpans(text).filter((s) => model.weights[s.feature] !== undefined);
  const present = [...new Set(spans.map((s) => s.feature))];
  const scale = present.length > 0 ? 1 / Math.sqrt(present.length) : 0;
  const raw = model.bias.map((b, c) => {
    let z = b;
    for (const f of present) z += model.weights[f]![c]! * scale;
    return 1 / (1 + Math.exp(-z));
  });
  const total = raw.reduce((s, p) => s + p, 0) || 1;
  return { probabilities: raw.map((p) => p / total), known: present.length, spans };
}

/**
 * The text's words that pushed the model most towards class `label`, as written in the text,
 * strongest first: features present with a positive weight for the class, a bigram's two words
 * as one phrase.
 */
export function explain(model: TextModel, prediction: Prediction, text: string, label: string, max = 4): string[] {
  const c = model.labels.indexOf(label);
  if (c < 0) return [];
  const best = new Map<string, { weight: number; start: number; end: number }>();
  for (const s of prediction.spans) {
    const w = model.weights[s.feature]![c]!;
    if (w <= 0 || best.has(s.feature)) continue;
    best.set(s.feature, { weight: w, start: s.start, end: s.end });
  }
  const ranked = [...best.values()].sort((a, b) => b.weight - a.weight || a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const r of ranked) {
    // a word already named inside a stronger phrase (or a phrase around a named word) adds nothing
    if (out.some((o) => (o.start <= r.start && r.end <= o.end) || (r.start <= o.start && o.end <= r.end))) continue;
    out.push(r);
    if (out.length >= max) break;
  }
  return out.map((o) => text.slice(o.start, o.end));
}
