import type { Playbook } from './schema.js';

export interface PlaybookMatch {
  playbook: Playbook | null;
  reason: string;
  score: number;
}

function normalise(text: string): string {
  return ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()} `;
}

/** Whole-word (or whole-phrase) hits, so "drift" does not match "adrift" and "pii" not "pixie". */
function hits(haystack: string, phrases: string[]): string[] {
  return phrases.filter((phrase) => {
    const needle = normalise(phrase);
    return needle.trim().length > 0 && haystack.includes(needle);
  });
}

/**
 * Picks the playbook whose keywords and signals (declared in the playbook files) best match the
 * text. A multi-word phrase counts double: it is stronger evidence than a single word.
 */
export function matchPlaybook(playbooks: Playbook[], text: string): PlaybookMatch {
  const haystack = normalise(text);
  let best: PlaybookMatch = { playbook: null, reason: 'no playbook keyword matched the title or description', score: 0 };
  for (const playbook of playbooks) {
    const matched = hits(haystack, [...playbook.match.keywords, ...playbook.match.signals]);
    const score = matched.reduce((sum, phrase) => sum + (phrase.trim().includes(' ') ? 2 : 1), 0);
    if (score > best.score) {
      best = { playbook, score, reason: `matched ${matched.map((m) => `"${m}"`).join(', ')}` };
    }
  }
  return best;
}
