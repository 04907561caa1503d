import type { Prediction } from '../text/classifier.js';
import { MIN_SCORE, type CueEvidence } from './score-cues.js';

/** The cues' evidence and the learned model's probabilities combined into one decision. */

/** Fewest content words the model must know before it may pick a class when the cues found nothing. */
export const MIN_KNOWN_WORDS = 3;
/** The model's least probability for a playbook when no cue of any playbook matched ("something looks off with the bot" is vague, not a safety incident). */
export const MODEL_ALONE_MIN = 0.5;

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
