import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { playbooksDirectory } from '../src/app.js';
import { loadReports } from '../src/cli/eval-matcher.js';
import { serialise, train } from '../src/cli/train-matcher.js';
import { loadPlaybooks } from '../src/core/playbook/load-playbooks.js';
import { matchPlaybook, MODEL_FILE, shippedModel } from '../src/core/playbook/match-playbook.js';
import { explain, predict, trainModel } from '../src/core/text/classifier.js';
import { projectRoot } from '../src/project-root.js';

const catalog = await loadPlaybooks(playbooksDirectory({}));
const all = catalog.all();
const file = join(projectRoot(), MODEL_FILE);

describe('the shipped matcher model', () => {
  it('loads in under a second and is under 300 KB', () => {
    expect(statSync(file).size).toBeLessThan(300 * 1024);
    const started = performance.now();
    const model = shippedModel();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(model?.labels).toEqual(['prompt-injection', 'model-safety-violation', 'data-leakage', 'model-drift', 'none']);
  });

  it('is exactly what `npm run train:matcher` writes from the labelled reports and the playbooks', () => {
    const result = train(all, loadReports().filter((r) => r.split === 'tune'));
    expect(serialise(result.model), 'the model file is stale: run npm run train:matcher').toBe(readFileSync(file, 'utf8'));
    // the cross-validated combination is no worse than the cues alone
    expect(result.combined.accuracy).toBeGreaterThanOrEqual(result.cues.accuracy);
  }, 120_000);

  it('names the words that pushed it towards a class, as written in the text', () => {
    const texts = ['drift drift slid', 'drift slid', 'prompt injection tricked it', 'hidden instructions made it act', 'leaked records', 'customer records leaked'];
    const model = trainModel(texts, ['md', 'md', 'pi', 'pi', 'dl', 'dl'], ['md', 'pi', 'dl'], { lambda: 0.001, minCount: 1, iterations: 300 });
    const text = 'Recall SLID after the retrain';
    const prediction = predict(model, text);
    expect(model.labels[prediction.probabilities.indexOf(Math.max(...prediction.probabilities))]).toBe('md');
    expect(explain(model, prediction, text, 'md')).toEqual(['SLID']);
  });

  it('the matcher combines it with the cues: an ML-infrastructure failure with no model fault is "none", naming the words', () => {
    const match = matchPlaybook(all, 'The GPU node serving the recommendation model died overnight and requests failed until it was replaced.');
    expect(match.verdict).toBe('none');
    expect(match.decidingWords).toContain('GPU node');
    // and without the model (null), or for a catalogue the model does not cover, the cues decide alone
    const cuesOnly = matchPlaybook(all, 'recall on the fraud model slid 9% since the September retrain', { model: null });
    expect(cuesOnly.playbook?.id).toBe('model-drift');
  });
});
