import { parseClockKind, type ClockKind } from '../clocks/deadline.js';
import { quoteBack } from '../text-input.js';
import { optionTime, splitBecause, unknownOptions, type Parsed } from './parsed.js';
import { splitOptions, words } from './tokens.js';

/** `flag`, `unflag` and `notified`: the regulatory clocks (GDPR Art. 33, EU AI Act Art. 73). */

const FLAG_NAMES = 'gdpr-breach or ai-act-serious';

function parseFlagName(token: string | undefined, command: string): ClockKind | { error: string } {
  if (!token) return { error: `name the flag: \`${command} gdpr-breach\` or \`${command} ai-act-serious\`` };
  return parseClockKind(token) ?? { error: `no flag "${quoteBack(token)}"; use ${FLAG_NAMES}` };
}

export function parseFlag(args: string): Parsed {
  const { rest, options, unknown, repeated } = splitOptions(args, ['aware']);
  const bad = unknownOptions(unknown, ['aware'], repeated);
  if (bad) return bad;
  const [name, ...more] = words(rest);
  const flag = parseFlagName(name, 'flag');
  if (typeof flag !== 'string') return flag;
  let variant: 'widespread' | 'death' | undefined;
  if (more.length > 0) {
    const word = more[0]!.toLowerCase();
    if (more.length > 1 || (word !== 'widespread' && word !== 'death')) {
      return { error: flag === 'ai-act-serious' ? `unexpected "${quoteBack(more.join(' '))}"; after ai-act-serious say widespread, death or nothing, then aware=<time>` : `unexpected "${quoteBack(more.join(' '))}"; \`flag gdpr-breach\` takes only aware=<time>` };
    }
    if (flag !== 'ai-act-serious') return { error: `${word} is for the AI Act clock: \`flag ai-act-serious ${word}\`` };
    variant = word;
  }
  const aware = optionTime(options, 'aware');
  if (aware && 'error' in aware) return aware;
  return { kind: 'flag', flag, ...(variant ? { variant } : {}), ...(aware ? { aware } : {}) };
}

export function parseUnflag(args: string): Parsed {
  const [name, ...reason] = words(args);
  const flag = parseFlagName(name, 'unflag');
  if (typeof flag !== 'string') return flag;
  return { kind: 'unflag', flag, ...(reason.length ? { reason: reason.join(' ') } : {}) };
}

export function parseNotified(args: string): Parsed {
  // Options come before "because"; the reasons after it may hold anything.
  const { head, because } = splitBecause(args);
  if (because === '') return { error: 'write the reasons for the delay after "because"' };
  const { rest, options, unknown, repeated } = splitOptions(head, ['at', 'ref']);
  const bad = unknownOptions(unknown, ['at', 'ref'], repeated);
  if (bad) return bad;
  const [name, ...more] = words(rest);
  if (!name) return { error: 'name the clock: `notified gdpr` or `notified ai-act`' };
  const flag = parseClockKind(name);
  if (!flag) return { error: `no clock "${quoteBack(name)}"; say gdpr or ai-act` };
  if (more.length) return { error: `unexpected "${quoteBack(more.join(' '))}"; give at=<time>, ref=<text> (quoted when it has spaces) and then because <reasons>` };
  const at = optionTime(options, 'at');
  if (at && 'error' in at) return at;
  const ref = options.get('ref')?.trim();
  if (ref !== undefined && (!ref || ref.length > 200)) return { error: 'ref= takes the authority\'s reference, 1 to 200 characters, e.g. ref=DPA-2026-114 or ref="case 114"' };
  return { kind: 'notified', flag, ...(at ? { at } : {}), ...(ref ? { ref } : {}), ...(because ? { because } : {}) };
}
