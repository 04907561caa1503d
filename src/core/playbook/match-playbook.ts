import type { Playbook } from './schema.js';

export interface PlaybookMatch {
  playbook: Playbook | null;
  reason: string;
  score: number;
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const SUFFIXES = ['', 's', 'es', 'ed', 'd', 'ing', 'er', 'ers', 'ion', 'ions'];

/** "drop" matches "drops", "dropped", "dropping"; "drift" does not match "adrift". */
function sameWord(keyword: string, word: string): boolean {
  if (!word.startsWith(keyword)) return false;
  const rest = word.slice(keyword.length);
  const undoubled = rest.startsWith(keyword.at(-1) ?? '') ? rest.slice(1) : rest;
  return SUFFIXES.includes(rest) || (undoubled !== rest && SUFFIXES.includes(undoubled) && undoubled !== '');
}

/** Whole-word (or whole-phrase) hits, allowing the usual English endings. */
function hits(haystack: string[], phrases: string[]): string[] {
  return phrases.filter((phrase) => {
    const needle = words(phrase);
    if (needle.length === 0) return false;
    for (let start = 0; start + needle.length <= haystack.length; start++) {
      if (needle.every((word, i) => sameWord(word, haystack[start + i]!))) return true;
    }
    return false;
  });
}

/**
 * Picks the playbook whose keywords and signals (declared in the playbook files) best match the
 * text. A multi-word phrase counts double: it is stronger evidence than a single word.
 */
export function matchPlaybook(playbooks: Playbook[], text: string): PlaybookMatch {
  const haystack = words(text);
  let best: PlaybookMatch = { playbook: null, reason: 'no playbook keyword matched the title or description', score: 0 };
  for (const playbook of playbooks) {
    const matched = hits(haystack, [...playbook.match.keywords, ...playbook.match.signals]);
    const score = matched.reduce((sum, phrase) => sum + (words(phrase).length > 1 ? 2 : 1), 0);
    if (score > best.score) {
      best = { playbook, score, reason: `matched ${matched.map((m) => `"${m}"`).join(', ')}` };
    }
  }
  return best;
}
