import { quoteBack } from '../text-input.js';
import { parseTimeInput, TIME_HINT, type TimeInput } from '../time/time-input.js';
import type { Command } from './types.js';

/** What each command's parser answers: the command, or why it is not one. */
export type Parsed = Command | { error: string };

/** A `key=<time>` option, read as a time typed by a person. */
export function optionTime(options: Map<string, string>, key: string): TimeInput | { error: string } | undefined {
  const raw = options.get(key);
  if (raw === undefined) return undefined;
  // No time is long or holds a control character; quoting such a value back would be neither short nor one line.
  if (quoteBack(raw) !== raw) return { error: `${key}="${quoteBack(raw)}" is not a time; use ${TIME_HINT}` };
  const parsed = parseTimeInput(raw);
  return 'error' in parsed ? { error: `${key}=${parsed.error}` } : parsed;
}

/** Refuses options a command does not take, and any given twice, naming what it does take. */
export function unknownOptions(unknown: string[], allowed: string[], repeated: string[]): { error: string } | null {
  if (repeated.length > 0) return { error: `${repeated[0]}= is given twice; give it once` };
  if (unknown.length === 0) return null;
  const known = allowed.length ? `; it accepts ${allowed.map((k) => `${k}=`).join(', ')}` : '';
  const named = unknown.slice(0, 3).map((k) => `${quoteBack(k, 20)}=`);
  return { error: `unknown option ${named.join(', ')}${unknown.length > 3 ? ', …' : ''}${known}` };
}

/** Splits "<head> because <reasons>": the reasons are free text and may hold anything, `=` too. */
export function splitBecause(text: string): { head: string; because: string | null } {
  const [head = '', ...why] = text.trim().split(/(?<!\s)\s+because\s+|^because\s+/i);
  return { head: head.trim(), because: why.length ? why.join(' because ').trim() : null };
}
