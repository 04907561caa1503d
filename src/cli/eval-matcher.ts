import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadPlaybooks } from '../core/playbook/load-playbooks.js';
import { matchPlaybook } from '../core/playbook/match-playbook.js';
import type { Playbook } from '../core/playbook/schema.js';
import { projectRoot } from '../project-root.js';

/**
 * `npm run eval:matcher [-- --errors tune|held-out|all]`: runs the playbook matcher over the
 * labelled incident reports in test/fixtures/incident-reports.json and prints accuracy, balanced
 * accuracy, per-class recall and precision and the confusion matrix, for the tune split, the
 * held-out split and all. `--errors <split>` also lists the misclassified reports of that split.
 */

export const LABELS = ['prompt-injection', 'model-safety-violation', 'data-leakage', 'model-drift', 'none'] as const;
export type Label = (typeof LABELS)[number];
export type Split = 'tune' | 'held-out';

export interface IncidentReport {
  id: string;
  text: string;
  label: Label;
  source: string;
  split: Split;
}

export interface Evaluation {
  split: Split | 'all';
  n: number;
  accuracy: number;
  balancedAccuracy: number;
  recall: Record<Label, number>;
  precision: Record<Label, number>;
  /** confusion[actual][predicted] */
  confusion: Record<Label, Record<Label, number>>;
  errors: { report: IncidentReport; predicted: Label; reason: string }[];
  /** Slowest single match and mean time per match, in milliseconds. */
  maxMs: number;
  meanMs: number;
}

export function loadReports(file = join(projectRoot(), 'test', 'fixtures', 'incident-reports.json')): IncidentReport[] {
  return JSON.parse(readFileSync(file, 'utf8')) as IncidentReport[];
}

export function evaluate(playbooks: Playbook[], reports: IncidentReport[], split: Split | 'all'): Evaluation {
  const set = reports.filter((r) => split === 'all' || r.split === split);
  const zero = () => Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<Label, number>;
  const confusion = Object.fromEntries(LABELS.map((l) => [l, zero()])) as Record<Label, Record<Label, number>>;
  const errors: Evaluation['errors'] = [];
  let maxMs = 0;
  let totalMs = 0;
  for (const report of set) {
    const started = performance.now();
    const match = matchPlaybook(playbooks, report.text);
    const ms = performance.now() - started;
    maxMs = Math.max(maxMs, ms);
    totalMs += ms;
    const predicted = (match.playbook?.id ?? 'none') as Label;
    confusion[report.label][predicted] += 1;
    if (predicted !== report.label) errors.push({ report, predicted, reason: match.reason });
  }
  const recall = zero();
  const precision = zero();
  for (const label of LABELS) {
    const actual = LABELS.reduce((s, p) => s + confusion[label][p], 0);
    const predicted = LABELS.reduce((s, a) => s + confusion[a][label], 0);
    recall[label] = actual ? confusion[label][label] / actual : 0;
    precision[label] = predicted ? confusion[label][label] / predicted : 0;
  }
  const correct = LABELS.reduce((s, l) => s + confusion[l][l], 0);
  return {
    split,
    n: set.length,
    accuracy: set.length ? correct / set.length : 0,
    balancedAccuracy: LABELS.reduce((s, l) => s + recall[l], 0) / LABELS.length,
    recall,
    precision,
    confusion,
    errors,
    maxMs,
    meanMs: set.length ? totalMs / set.length : 0,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const SHORT: Record<Label, string> = { 'prompt-injection': 'PI', 'model-safety-violation': 'MSV', 'data-leakage': 'DL', 'model-drift': 'MD', none: 'none' };

export function formatEvaluation(e: Evaluation): string {
  const lines = [`${e.split} split: ${e.n} reports, accuracy ${pct(e.accuracy)}, balanced accuracy ${pct(e.balancedAccuracy)}`];
  lines.push(`  ${'class'.padEnd(24)} ${'recall'.padStart(7)} ${'precision'.padStart(9)}`);
  for (const l of LABELS) lines.push(`  ${l.padEnd(24)} ${pct(e.recall[l]).padStart(7)} ${pct(e.precision[l]).padStart(9)}`);
  lines.push(`  confusion (rows actual, columns predicted):`);
  lines.push(`  ${''.padEnd(24)} ${LABELS.map((l) => SHORT[l].padStart(5)).join('')}`);
  for (const a of LABELS) lines.push(`  ${a.padEnd(24)} ${LABELS.map((p) => String(e.confusion[a][p]).padStart(5)).join('')}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const playbooks = (await loadPlaybooks(join(projectRoot(), 'playbooks'))).all();
  const reports = loadReports();
  const errorsFlag = process.argv.indexOf('--errors');
  const showErrors = errorsFlag >= 0 ? (process.argv[errorsFlag + 1] ?? 'tune') : null;
  for (const split of ['tune', 'held-out', 'all'] as const) {
    const e = evaluate(playbooks, reports, split);
    process.stdout.write(`${formatEvaluation(e)}\n  match time: mean ${e.meanMs.toFixed(2)} ms, slowest ${e.maxMs.toFixed(2)} ms (the first match also compiles the cues)\n\n`);
    if (showErrors === split) {
      for (const err of e.errors) process.stdout.write(`  ✗ ${err.report.id} ${err.report.label} → ${err.predicted}: ${err.report.text}\n      ${err.reason}\n`);
      process.stdout.write('\n');
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
