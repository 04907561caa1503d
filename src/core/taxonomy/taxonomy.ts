import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../read-yaml.js';
import { z } from 'zod';
import { projectRoot } from '../../project-root.js';
import type { CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { quoteBack } from '../text-input.js';

/**
 * The taxonomy tags an incident can carry: MITRE ATLAS technique ids (`AML.T0051`, sub-techniques
 * `AML.T0051.001`) and OWASP Top 10 for LLM Applications 2025 ids (`LLM01`…`LLM10`). The ids, their
 * names and the cue words that suggest them live in `playbooks/taxonomy/taxonomy.yaml`.
 */

export const ATLAS_ID = /^AML\.T\d{4}(\.\d{3})?$/;
export const OWASP_ID = /^LLM(0[1-9]|10)$/;
export const TAG_FORMS = 'a MITRE ATLAS technique like AML.T0051 or AML.T0051.001, or an OWASP LLM Top 10 (2025) id from LLM01 to LLM10';

const entrySchema = z.strictObject({
  id: z.string(),
  name: z.string().min(3).max(120),
  /** What the header card shows when the name is long. */
  short: z.string().min(3).max(40).optional(),
  cues: z.array(z.string().min(2)).default([]),
});

const fileSchema = z.strictObject({
  atlas: z.array(entrySchema.extend({ id: z.string().regex(ATLAS_ID, 'an ATLAS technique id like AML.T0051 or AML.T0051.000') })).min(1),
  owasp: z.array(entrySchema.extend({ id: z.string().regex(OWASP_ID, 'an OWASP LLM Top 10 id from LLM01 to LLM10') })).min(1),
});

export interface TaxonomyTag {
  id: string;
  framework: 'atlas' | 'owasp';
  name: string;
  short: string;
  cues: string[];
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = here;
    }
  }
  return row[b.length]!;
}

export class TaxonomyCatalog {
  readonly tags: readonly TaxonomyTag[];
  private readonly byId: ReadonlyMap<string, TaxonomyTag>;

  constructor(tags: TaxonomyTag[]) {
    this.tags = tags;
    this.byId = new Map(tags.map((t) => [t.id, t]));
  }

  get(id: string): TaxonomyTag | undefined {
    return this.byId.get(id);
  }

  /** "AML.T0051 LLM Prompt Injection"; an id not in the catalogue (kept from an older file) alone. */
  label(id: string, short = false): string {
    const tag = this.byId.get(id);
    return tag ? `${id} ${short ? tag.short : tag.name}` : id;
  }

  /** Ids as people type them, made canonical: `aml.t0051` → `AML.T0051`, `llm01:2025`/`LLM1` → `LLM01`. Undefined when not of either form. */
  static canonical(input: string): string | undefined {
    const text = input.trim().toUpperCase();
    const atlas = /^(?:AML\.)?T(\d{4})(?:\.(\d{3}))?$/.exec(text);
    if (atlas) return `AML.T${atlas[1]}${atlas[2] ? `.${atlas[2]}` : ''}`;
    const owasp = /^LLM0?(\d{1,2})(?::?2025)?$/.exec(text);
    if (owasp) {
      const n = Number(owasp[1]);
      return n >= 1 && n <= 10 ? `LLM${String(n).padStart(2, '0')}` : undefined;
    }
    return undefined;
  }

  /** Up to three known ids closest to what was typed (by id, then by words of the name). */
  closest(input: string): string[] {
    const canonical = TaxonomyCatalog.canonical(input);
    const text = canonical ?? input.trim().toUpperCase();
    const lower = input.trim().toLowerCase();
    const technique = canonical?.slice(0, 9);
    const scored = this.tags.map((tag) => {
      // The technique of an unknown sub-technique (AML.T0052.999 → AML.T0052 and its sub-techniques) comes first.
      let score = technique && tag.id.startsWith(technique) ? tag.id.length / 100 : distance(text, tag.id);
      if (lower.length >= 3 && tag.name.toLowerCase().includes(lower)) score = 0;
      return { id: tag.id, score };
    });
    return scored.sort((a, b) => a.score - b.score || a.id.localeCompare(b.id)).slice(0, 3).map((s) => s.id);
  }

  /** The canonical id of a known tag, or an error saying which forms are accepted and the closest ids. */
  resolve(input: string): string {
    const id = TaxonomyCatalog.canonical(input);
    const closest = this.closest(input).join(', ');
    if (!id) throw new AppError('bad_command', `"${quoteBack(input, 40)}" is not a tag id; use ${TAG_FORMS}. Closest known: ${closest}`);
    if (!this.byId.has(id)) throw new AppError('bad_command', `${id} is not in the bot's taxonomy (playbooks/taxonomy/taxonomy.yaml). Closest known: ${closest}`);
    return id;
  }
}

/** Validates the taxonomy file's text; a broken file stops start-up with the field that is wrong. */
export function parseTaxonomy(file: string, text: string): TaxonomyCatalog {
  const parsed = fileSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('config', `${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const tags: TaxonomyTag[] = [];
  const seen = new Set<string>();
  for (const [framework, entries] of [['atlas', parsed.data.atlas], ['owasp', parsed.data.owasp]] as const) {
    for (const entry of entries) {
      if (seen.has(entry.id)) throw new AppError('config', `${file}: ${entry.id} is listed twice`);
      seen.add(entry.id);
      tags.push({ id: entry.id, framework, name: entry.name, short: entry.short ?? entry.name, cues: entry.cues.map((c) => c.toLowerCase()) });
    }
  }
  return new TaxonomyCatalog(tags);
}

export function taxonomyFile(playbooksDirectory: string): string {
  return join(playbooksDirectory, 'taxonomy', 'taxonomy.yaml');
}

export function loadTaxonomy(file: string): TaxonomyCatalog {
  return parseTaxonomy(file, readFileSync(file, 'utf8'));
}

let shipped: TaxonomyCatalog | undefined;

function shippedTaxonomy(): TaxonomyCatalog {
  return (shipped ??= loadTaxonomy(taxonomyFile(join(projectRoot(), 'playbooks'))));
}

/** The taxonomy beside a playbook directory (`taxonomy/taxonomy.yaml`), or the shipped one when that directory has none. */
export function loadTaxonomyBeside(playbooksDirectory: string): TaxonomyCatalog {
  const file = taxonomyFile(playbooksDirectory);
  return existsSync(file) ? loadTaxonomy(file) : shippedTaxonomy();
}

/** The context's taxonomy, or the one shipped in the package (read once). */
export function taxonomyOf(context: Pick<CoreContext, 'taxonomy'>): TaxonomyCatalog {
  return context.taxonomy ?? shippedTaxonomy();
}
