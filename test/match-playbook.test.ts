import { describe, expect, it } from 'vitest';
import { playbooksDirectory } from '../src/app.js';
import { loadReports } from '../src/cli/eval-matcher.js';
import { loadPlaybooks } from '../src/core/playbook/load-playbooks.js';
import { matchPlaybook } from '../src/core/playbook/match-playbook.js';
import { matchSchema, type Playbook } from '../src/core/playbook/schema.js';
import { terms } from '../src/core/text/terms.js';

const catalog = await loadPlaybooks(playbooksDirectory({}));
const all = catalog.all();

function withMatch(id: string, match: unknown): Playbook {
  return { ...catalog.get(id)!, match: matchSchema.parse(match) };
}

describe('terms', () => {
  it('lowercases, keeps digits, drops stopwords and apostrophes (straight or curly) and stems', () => {
    expect(terms("The support assistant started quoting other customers' tickets")).toEqual(['support', 'assist', 'start', 'quot', 'other', 'custom', 'ticket']);
    expect(terms('Customer’s data LEAKED in 2024')).toEqual(terms("customers data leaks in 2024"));
    expect(terms('recall slid 9% since the September retrain')).toEqual(['recal', 'slid', '9', 'septemb', 'retrain']);
    expect(terms('')).toEqual([]);
    // hedges are stopwords: "probably" must not stem onto "probabilities"
    expect(terms('it was probably anxiety')).toEqual(['anxieti']);
  });
});

describe('matchPlaybook', () => {
  it.each([
    ["the support assistant started quoting other customers' tickets", 'data-leakage', 'other customers'],
    ['role-play jailbreak got it to give weapon instructions', 'model-safety-violation', 'weapon instructions'],
    ['recall on the fraud model slid 9% since the September retrain', 'model-drift', 'slid'],
    ['A web page the browsing agent read had hidden instructions that made it email our files to an outside address', 'prompt-injection', 'hidden instructions'],
  ])('"%s" → %s, naming the deciding words and a runner-up', (text, expected, word) => {
    const match = matchPlaybook(all, text);
    expect(match.verdict).toBe('matched');
    expect(match.playbook?.id).toBe(expected);
    expect(match.decidingWords).toContain(word);
    expect(match.reason).toMatch(new RegExp(`^matched ".*\\(${expected}\\)`));
    expect(match.reason).toContain(`"${word}"`);
    expect(match.runnerUp).not.toBeNull();
    expect(match.runnerUp?.id).not.toBe(expected);
    expect(match.reason).toContain(`runner-up ${match.runnerUp!.id}`);
    expect(match.score).toBeGreaterThan(0);
  });

  it.each([
    ['The legal research assistant cited three court cases that do not exist in a brief we filed.', 'model-safety-violation'],
    ['The customer service bot promised a customer a full refund that our policy does not allow.', 'model-safety-violation'],
    ['The resume screener scored female applicants lower than men with the same experience.', 'model-safety-violation'],
    ['The companion app encouraged a depressed teen to hurt herself.', 'model-safety-violation'],
    ['A self-driving car ran a red light and nearly hit a cyclist.', 'model-safety-violation'],
    ['The health bot told a user with chest pain it was probably anxiety and to sleep it off.', 'model-safety-violation'],
    ['The support bot used a racial slur when replying to a customer.', 'model-safety-violation'],
    ['A PDF uploaded by a customer told the claims bot to approve the claim and it did.', 'prompt-injection'],
    ['The OCR model misreads the new ID card design much more often than the old one.', 'model-drift'],
    ['Our API gateway returned 504s for two hours after a bad deploy.', null],
    ['The feature store disk filled up and the team expanded the volume; predictions were unaffected.', null],
    ['A truck driver crashed into our loading dock; nobody was hurt.', null],
  ])('generalises by families of words: "%s" → %s', (text, expected) => {
    expect(matchPlaybook(all, text).playbook?.id ?? null).toBe(expected);
  });

  it('calls a text with too little to go on vague, and names no playbook', () => {
    for (const text of ['something is wrong', 'help', '']) {
      const match = matchPlaybook(all, text);
      expect(match.verdict, text).toBe('vague');
      expect(match.playbook, text).toBeNull();
      expect(match.reason, text).toMatch(/too little to go on/);
    }
  });

  it('calls a plain outage, hardware failure or fraud by people "none", naming the words that say so', () => {
    const outage = matchPlaybook(all, 'The production Postgres database is down');
    expect(outage).toMatchObject({ verdict: 'none', playbook: null });
    expect(outage.decidingWords).toContain('is down');
    expect(outage.reason).toMatch(/not an AI incident.*"is down"/);
    expect(matchPlaybook(all, 'GPU failed on node 4 and the training job crashed').verdict).toBe('none');
    expect(matchPlaybook(all, 'An employee submitted fake invoices for months').verdict).toBe('none');
  });

  it('gives the deciding words as they are written in the text', () => {
    for (const report of loadReports()) {
      const match = matchPlaybook(all, report.text);
      for (const word of match.decidingWords) expect(report.text, report.id).toContain(word);
    }
  });

  it('reads the cue weights and negative cues from the playbook file, and still takes plain strings', () => {
    const plain = withMatch('model-drift', { keywords: ['drift', 'accuracy drop'] });
    expect(plain.match.cues).toEqual([
      { phrase: 'drift', weight: 1 },
      { phrase: 'accuracy drop', weight: 2 },
    ]);
    expect(plain.match.keywords).toEqual(['drift', 'accuracy drop']);
    const text = 'accuracy drops on the churn model';
    const light = matchPlaybook([plain], text);
    const heavy = matchPlaybook([withMatch('model-drift', { keywords: [{ phrase: 'accuracy drop', weight: 5 }] })], text);
    expect(heavy.score).toBeGreaterThan(light.score);
    expect(heavy.decidingWords).toEqual(['accuracy drops']);
    const against = matchPlaybook([withMatch('model-drift', { keywords: [{ phrase: 'accuracy drop', weight: 5 }], negative: [{ phrase: 'churn', weight: 4 }] })], text);
    expect(against.score).toBeLessThan(heavy.score);
    expect(against.playbook).toBeNull();
  });

  it('does not count a cue the text denies', () => {
    const leak = withMatch('data-leakage', { keywords: [{ phrase: 'exposed', weight: 5 }] });
    expect(matchPlaybook([leak], 'customer records were exposed by the chatbot').playbook?.id).toBe('data-leakage');
    expect(matchPlaybook([leak], 'the chatbot was checked and nothing was exposed').playbook).toBeNull();
  });

  it('matches in well under 5 ms per text once loaded', () => {
    const reports = loadReports();
    matchPlaybook(all, 'warm up');
    const started = performance.now();
    for (const report of reports) matchPlaybook(all, report.text);
    expect((performance.now() - started) / reports.length).toBeLessThan(5);
  });
});
