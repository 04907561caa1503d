import type { CoreContext } from '../context.js';
import type { Store } from '../ports/store.js';
import { taxonomyOf } from './taxonomy.js';

export const INCIDENTS_BY_TAG_DEFINITION = 'incidents declared in the period carrying each taxonomy tag (ATLAS technique or OWASP LLM id); an incident counts once under each of its tags; exercises left out';

/** Incidents per tag over [from, to), as an object id → count in id order (ATLAS ids, then OWASP ids). */
export async function incidentsByTag(store: Pick<Store, 'tags'>, period: { from: Date; to: Date }): Promise<Record<string, number>> {
  const counts = await store.tags.countByTag(period);
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

/** "AML.T0051 LLM Prompt Injection: 3" lines, most incidents first; `label` names an id. */
export function tagCountLines(counts: Record<string, number>, label: (id: string) => string, max = 20): string[] {
  const entries = Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const lines = entries.slice(0, max).map(([id, n]) => `${label(id)}: ${n}`);
  if (entries.length > max) lines.push(`… and ${entries.length - max} more tags`);
  return lines;
}

/** The digest's "this quarter by technique" section: incidents per tag over the quarter so far. */
export async function byTechniqueSection(context: Pick<CoreContext, 'store' | 'taxonomy'>, quarter: { from: Date; to: Date; label: string }): Promise<{ heading: string; text: string }> {
  const catalog = taxonomyOf(context);
  const lines = tagCountLines(await incidentsByTag(context.store, quarter), (id) => catalog.label(id, true));
  return { heading: `This quarter by technique (${quarter.label})`, text: lines.length ? lines.join('\n') : 'no tagged incidents yet' };
}
