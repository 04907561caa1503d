import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../project-root.js';
import { explain, predict, type TextModel } from '../text/classifier.js';
import { decide } from './decide-with-model.js';
import type { Playbook } from './schema.js';
import { cueEvidence, MIN_SCORE_WITHOUT_AI, quoted, surface, type CueEvidence, type PlaybookScore } from './score-cues.js';

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

/** The file the shipped model is read from. */
export const MODEL_FILE = join('playbooks', 'matcher-model.json');
/** The model as stored: a {@link TextModel} whose settings hold the cross-validated `alpha`. */
export type MatcherModel = TextModel;

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
