import type { Severity } from '../domain.js';
import type { Pager } from '../ports/pager.js';

/** Minutes an unacknowledged page waits before the next person is paged; null: never escalates. */
export type EscalationMinutes = Record<Severity, number | null>;

export const DEFAULT_ESCALATION_MINUTES: EscalationMinutes = { sev1: 5, sev2: 15, sev3: 60, sev4: null };

/** The whole chain (roster, then backup) is tried this many times before the bot stops and says so. */
export const ESCALATION_ROUNDS = 3;

export interface PagingSettings {
  /** Where pages go; the chat DM pager is used when unset. */
  pagers?: readonly Pager[];
  escalationMinutes?: EscalationMinutes;
  /** This process's name in page claims (host:pid). */
  worker?: string;
}

export function escalationDelayMs(severity: Severity, minutes: EscalationMinutes = DEFAULT_ESCALATION_MINUTES): number | null {
  const value = minutes[severity];
  return value === null ? null : value * 60_000;
}

/** The escalation order of a role: its roster, then its backup. */
export function escalationChain(roster: readonly string[], backup: string | undefined): string[] {
  return backup && !roster.includes(backup) ? [...roster, backup] : [...roster];
}

/**
 * Who is paged after `current` at escalation `step` (the step the new page will have), or null
 * when every round of the chain has been tried. Someone outside the chain (assigned by hand)
 * escalates to the chain's first person; an empty chain re-pages the same person.
 */
export function nextInChain(chain: readonly string[], current: string, step: number): string | null {
  const people = chain.length ? chain : [current];
  if (step >= people.length * ESCALATION_ROUNDS) return null;
  const index = people.indexOf(current);
  return people[(index + 1) % people.length] ?? null;
}

/** `sev1=5,sev2=15,sev3=60,sev4=none` → minutes per severity (what ESCALATION_MINUTES holds). */
export function parseEscalationMinutes(text: string): EscalationMinutes | { error: string } {
  const result: EscalationMinutes = { ...DEFAULT_ESCALATION_MINUTES };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^(sev[1-4])=(\d+|none)$/i.exec(part);
    if (!match) return { error: `"${part}" is not severity=minutes; write e.g. sev1=5,sev2=15,sev3=60,sev4=none` };
    const minutes = match[2]!.toLowerCase() === 'none' ? null : Number(match[2]);
    if (minutes === 0) return { error: `${match[1]}=0 would escalate at once; use at least 1 minute, or none` };
    result[match[1]!.toLowerCase() as Severity] = minutes;
  }
  return result;
}
