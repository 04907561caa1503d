import { describe, expect, it } from 'vitest';
import { LABELS, evaluate, loadReports, type Evaluation } from '../src/cli/eval-matcher.js';
import { playbooksDirectory } from '../src/app.js';
import { loadPlaybooks } from '../src/core/playbook/load-playbooks.js';

// Targets of issue 10: at least 90 % accuracy and at least 85 % recall on every class, on the
// held-out split. The held-out reports (`blind6-*`, `blind7-*`, `blind8-*`: 300, 60 per class) were
// each written after the matcher's last change, by someone who saw neither its cues nor the other
// reports; they are never trained or tuned on. (Each batch before, `blind2-*` to `blind5-*`, was
// held out until it had been scored once; they are now tuned on.)
// Measured on each batch when it was first scored: "none" recall was 70 % on blind2 (stop 14),
// 70 % on blind3 and 75 % on blind4 (stop 15), 85 % on blind5 and 80 % on blind6 (stop 16);
// the matcher of stop 16, unchanged since, scored blind7 97 % and blind8 92 % when they were new:
// 92 % over the 300, every class at 88 % or more.
const ACCURACY = 0.9;
const RECALL = 0.85;
const HELD_OUT = /^blind[678]-/;

const reports = loadReports();
const playbooks = (await loadPlaybooks(playbooksDirectory({}))).all();

function shortfalls(e: Evaluation): string[] {
  const out: string[] = [];
  if (e.accuracy < ACCURACY) out.push(`accuracy ${(e.accuracy * 100).toFixed(1)}% < ${ACCURACY * 100}%`);
  for (const label of LABELS) {
    if (e.recall[label] < RECALL) out.push(`${label} recall ${(e.recall[label] * 100).toFixed(1)}% < ${RECALL * 100}%`);
  }
  return out;
}

describe('the labelled incident reports', () => {
  it('are at least 160, balanced over the four playbooks and none, each with a source and a split', () => {
    expect(reports.length).toBeGreaterThanOrEqual(160);
    expect(new Set(reports.map((r) => r.id)).size).toBe(reports.length);
    for (const label of LABELS) {
      const n = reports.filter((r) => r.label === label).length;
      expect(n, label).toBeGreaterThanOrEqual(32);
      expect(n / reports.length, label).toBeLessThan(0.3);
    }
    for (const r of reports) {
      expect(r.text.length, r.id).toBeGreaterThan(20);
      expect(r.source.length, r.id).toBeGreaterThan(3);
      expect(['tune', 'held-out']).toContain(r.split);
    }
    const heldOut = reports.filter((r) => r.split === 'held-out');
    expect(heldOut.length).toBeGreaterThanOrEqual(100);
    for (const label of LABELS) expect(heldOut.filter((r) => r.label === label).length, label).toBeGreaterThanOrEqual(20);
  });

  it('hold out exactly the blind batches written after the last change', () => {
    for (const r of reports) expect(r.split, r.id).toBe(HELD_OUT.test(r.id) ? 'held-out' : 'tune');
  });
});

describe('the playbook matcher on the labelled reports', () => {
  it('meets the targets on the tune split', () => {
    expect(shortfalls(evaluate(playbooks, reports, 'tune'))).toEqual([]);
  });

  it('meets the targets on the held-out split', () => {
    expect(shortfalls(evaluate(playbooks, reports, 'held-out'))).toEqual([]);
  });
});
