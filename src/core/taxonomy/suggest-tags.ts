import type { Playbook } from '../playbook/schema.js';
import { words } from '../text/terms.js';
import { TaxonomyCatalog, type TaxonomyTag } from './taxonomy.js';

export interface SuggestedTag {
  id: string;
  /** Why: "playbook prompt-injection" or the cue found in the text. */
  because: string;
}

/** A cue as it is looked for: its words joined by single spaces, and whether its last word may have any ending. */
interface CuePattern {
  body: string;
  prefix: boolean;
}

// Cues come from the catalogue, a fixed set: each is normalised once, not on every incident.
const cuePatterns = new Map<string, CuePattern | null>();

function cuePattern(cue: string): CuePattern | null {
  let pattern = cuePatterns.get(cue);
  if (pattern === undefined) {
    const prefix = cue.endsWith('*');
    const cueWords = words(prefix ? cue.slice(0, -1) : cue);
    pattern = cueWords.length === 0 ? null : { body: cueWords.join(' '), prefix };
    cuePatterns.set(cue, pattern);
  }
  return pattern;
}

/** A cue matches whole words of the text; a trailing `*` lets its last word have any ending. `text` is padded with a space each side. */
function cueMatches(cue: string, paddedText: string): boolean {
  const pattern = cuePattern(cue);
  return pattern !== null && paddedText.includes(` ${pattern.body}${pattern.prefix ? '' : ' '}`);
}

function cueFound(tag: TaxonomyTag, text: string): string | undefined {
  return tag.cues.find((cue) => cueMatches(cue, text));
}

/** The playbook's default tags (ATLAS and OWASP ids), canonical and known to the catalogue. */
export function playbookTags(catalog: TaxonomyCatalog, playbook: Playbook | undefined): string[] {
  if (!playbook) return [];
  const ids = [...playbook.tags.mitre_atlas, ...playbook.tags.owasp_llm].map((raw) => TaxonomyCatalog.canonical(raw));
  return [...new Set(ids.filter((id): id is string => id !== undefined && catalog.get(id) !== undefined))];
}

/**
 * The tags an incident's text and playbook suggest: the playbook's defaults first, then every tag
 * whose cue words appear in the title or summary. Local and explainable: each says why.
 */
export function suggestTags(catalog: TaxonomyCatalog, text: string, playbook: Playbook | undefined): SuggestedTag[] {
  const suggested = new Map<string, string>();
  for (const id of playbookTags(catalog, playbook)) suggested.set(id, `playbook ${playbook!.id}`);
  const normalised = ` ${words(text).join(' ')} `;
  for (const tag of catalog.tags) {
    if (suggested.has(tag.id)) continue;
    const cue = cueFound(tag, normalised);
    if (cue) suggested.set(tag.id, `"${cue.replace(/\*$/, '…')}" in the text`);
  }
  return [...suggested].map(([id, because]) => ({ id, because }));
}
