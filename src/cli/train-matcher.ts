import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadPlaybooks } from '../core/playbook/load-playbooks.js';
import { decide } from '../core/playbook/decide-with-model.js';
import { MODEL_FILE, type MatcherModel } from '../core/playbook/match-playbook.js';
import { cueEvidence, judge, type CueEvidence } from '../core/playbook/score-cues.js';
import type { Playbook } from '../core/playbook/schema.js';
import { predict, trainModel, type Prediction } from '../core/text/classifier.js';
import { projectRoot } from '../project-root.js';
import { LABELS, loadReports, type IncidentReport, type Label } from './eval-matcher.js';

/**
 * `npm run train:matcher`: trains the matcher's learned model on every labelled report in
 * test/fixtures/incident-reports.json and writes playbooks/matcher-model.json.
 *
 * The L2 strength and the weight `alpha` of the model against the cues are chosen by stratified
 * 5-fold cross-validation (fixed seed): for each setting a model is trained on four folds and
 * scored on the fifth, with the cues (which do not learn) read as they are. It prints the
 * cross-validated accuracy and per-class recall of (a) the cues alone, (b) the model alone and
 * (c) the combination; that is the honest estimate of how the matcher does on unseen reports
 * (slightly optimistic, since the two settings were picked on the same folds).
 */

export const FOLDS = 5;
export const SEED = 20251130;
export const LAMBDAS = [0.0003, 0.001, 0.003] as const;
export const ALPHAS = Array.from({ length: 21 }, (_, i) => i / 20);
/** Probabilities of "none" from which the model vetoes a weakly backed playbook (match-playbook.ts `decide`); 1 = never. */
export const NONE_VETOES = [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25] as const;
/** The cue score a playbook needs when no word names an AI system (match-playbook.ts `cueEvidence`). */
export const MINS_WITHOUT_AI = [4, 5, 6, 7] as const;
export const MIN_COUNT = 2;
export const ITERATIONS = 1000;
export const STEP = 6;
/** Decimal places kept in the file (smaller weights are pruned). */
export const DECIMALS = 2;
export const PRUNE = 0;

/** Deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fold number of each report: per class, ids sorted then shuffled with the seed, dealt round-robin. */
export function stratifiedFolds(reports: IncidentReport[], folds = FOLDS, seed = SEED): number[] {
  const rand = random(seed);
  const fold = new Array<number>(reports.length).fill(0);
  for (const label of LABELS) {
    const members = reports.map((r, i) => ({ r, i })).filter((x) => x.r.label === label).sort((a, b) => a.r.id.localeCompare(b.r.id));
    for (let k = members.length - 1; k > 0; k--) {
      const j = Math.floor(rand() * (k + 1));
      [members[k], members[j]] = [members[j]!, members[k]!];
    }
    members.forEach((m, k) => (fold[m.i] = k % folds));
  }
  return fold;
}

export interface Score {
  accuracy: number;
  recall: Record<Label, number>;
}

function score(actual: Label[], predicted: string[]): Score {
  const recall = Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<Label, number>;
  let correct = 0;
  for (const l of LABELS) {
    const idx = actual.map((a, i) => (a === l ? i : -1)).filter((i) => i >= 0);
    const hit = idx.filter((i) => predicted[i] === l).length;
    recall[l] = idx.length ? hit / idx.length : 0;
    correct += hit;
  }
  return { accuracy: correct / actual.length, recall };
}

const balanced = (s: Score) => LABELS.reduce((a, l) => a + s.recall[l], 0) / LABELS.length;

export interface Training {
  model: MatcherModel;
  cues: Score;
  model_alone: Score;
  combined: Score;
  lambda: number;
  alpha: number;
  noneVeto: number;
  minWithoutAi: number;
}

const options = (lambda: number) => ({ lambda, minCount: MIN_COUNT, iterations: ITERATIONS, step: STEP, decimals: DECIMALS, prune: PRUNE });

/** Cross-validates, picks the settings and trains the final model on all reports. Deterministic. */
export function train(playbooks: Playbook[], reports: IncidentReport[]): Training {
  const texts = reports.map((r) => r.text);
  const actual = reports.map((r) => r.label);
  const labels = [...LABELS];
  const evidence: CueEvidence[] = texts.map((t) => cueEvidence(playbooks, t));
  const asLabel = (l: string) => (l === 'vague' ? 'none' : l);
  const cuesAlone = evidence.map((e, i) => (e.verdict === 'matched' ? e.scores[0]!.playbook.id : 'none') ?? actual[i]!);
  const fold = stratifiedFolds(reports);
  let best: { lambda: number; alpha: number; noneVeto: number; minWithoutAi: number; combined: Score; modelAlone: Score } | null = null;
  const judged = MINS_WITHOUT_AI.map((min) => ({ min, evidence: evidence.map((e) => judge(e.scores, e.notAi, e.ai, min)) }));
  for (const lambda of LAMBDAS) {
    const predictions = new Array<Prediction>(reports.length);
    for (let f = 0; f < FOLDS; f++) {
      const train = reports.map((_, i) => i).filter((i) => fold[i] !== f);
      const model = trainModel(
        train.map((i) => texts[i]!),
        train.map((i) => actual[i]!),
        labels,
        options(lambda),
      );
      reports.forEach((_, i) => {
        if (fold[i] === f) predictions[i] = predict(model, texts[i]!);
      });
    }
    const modelAlone = score(
      actual,
      predictions.map((p) => labels[p.probabilities.indexOf(Math.max(...p.probabilities))]!),
    );
    for (const { min: minWithoutAi, evidence: judgedEvidence } of judged) {
      for (const alpha of ALPHAS) {
        for (const noneVeto of NONE_VETOES) {
          const combined = score(
            actual,
            predictions.map((p, i) => asLabel(decide(judgedEvidence[i]!, p, labels, alpha, noneVeto).label)),
          );
          const better = !best || combined.accuracy > best.combined.accuracy + 1e-9 || (Math.abs(combined.accuracy - best.combined.accuracy) < 1e-9 && balanced(combined) > balanced(best.combined) + 1e-9);
          if (better) best = { lambda, alpha, noneVeto, minWithoutAi, combined, modelAlone };
        }
      }
    }
  }
  const chosen = best!;
  const model = trainModel(texts, actual, labels, options(chosen.lambda));
  model.settings = { ...model.settings, alpha: chosen.alpha, none_veto: chosen.noneVeto, min_without_ai: chosen.minWithoutAi, folds: FOLDS, seed: SEED, trained_on: reports.length };
  return { model, cues: score(actual, cuesAlone), model_alone: chosen.modelAlone, combined: chosen.combined, lambda: chosen.lambda, alpha: chosen.alpha, noneVeto: chosen.noneVeto, minWithoutAi: chosen.minWithoutAi };
}

/** The model file's text: one feature per line, so a retrain shows as a readable diff. */
export function serialise(model: MatcherModel): string {
  const { weights, ...head } = model;
  const lines = Object.keys(weights)
    .sort()
    .map((f) => `  ${JSON.stringify(f)}: ${JSON.stringify(weights[f])}`);
  const headText = JSON.stringify(head, null, 1).replace(/\n}$/, '');
  return `${headText},\n "weights": {\n${lines.join(',\n')}\n }\n}\n`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function formatTraining(t: Training): string {
  const row = (name: string, s: Score) => `  ${name.padEnd(22)} ${pct(s.accuracy).padStart(7)} ${LABELS.map((l) => pct(s.recall[l]).padStart(9)).join('')}`;
  return [
    `${FOLDS}-fold stratified cross-validation (seed ${SEED}), chosen lambda ${t.lambda}, alpha ${t.alpha}, none veto ${t.noneVeto}, minimum without AI words ${t.minWithoutAi}`,
    `  ${''.padEnd(22)} ${'acc'.padStart(7)} ${['PI', 'MSV', 'DL', 'MD', 'none'].map((l) => l.padStart(9)).join('')}`,
    row('(a) cues alone', t.cues),
    row('(b) model alone', t.model_alone),
    row('(c) cues + model', t.combined),
  ].join('\n');
}

async function main(): Promise<void> {
  const root = projectRoot();
  const playbooks = (await loadPlaybooks(join(root, 'playbooks'))).all();
  // Never the held-out split: it is there to show how the matcher does on reports it never saw.
  const reports = loadReports().filter((r) => r.split === 'tune');
  const started = performance.now();
  const result = train(playbooks, reports);
  const text = serialise(result.model);
  writeFileSync(join(root, MODEL_FILE), text);
  process.stdout.write(`${formatTraining(result)}\n`);
  process.stdout.write(`wrote ${MODEL_FILE}: ${Object.keys(result.model.weights).length} features, ${(Buffer.byteLength(text) / 1024).toFixed(1)} KB (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
