import type { UserId } from './types.js';

/** Splits on whitespace and pulls out trailing `key=value` options (values may be "quoted"). */
export function splitOptions(text: string, keys: readonly string[]): { rest: string; options: Map<string, string>; unknown: string[]; repeated: string[] } {
  const options = new Map<string, string>();
  const unknown: string[] = [];
  const repeated: string[] = [];
  const pattern = /(?:^|\s)([a-z][a-z_-]*)=("([^"]*)"|\S*)/gi;
  const rest = text
    .replace(pattern, (whole, key: string, raw: string, quoted: string | undefined) => {
      const name = key.toLowerCase();
      if (!keys.includes(name)) {
        unknown.push(name);
        return whole;
      }
      if (options.has(name)) repeated.push(name);
      options.set(name, quoted ?? raw);
      return ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
  return { rest, options, unknown, repeated };
}

const SLACK_MENTION = /^<@([A-Z0-9]+)(?:\|[^>]*)?>$/i;
const PLAIN_MENTION = /^@([\w.-]+)$/;

/** `<@U123>`, `<@U123|name>` and `@name` all name a user. */
export function parseUser(token: string): UserId | null {
  const slack = SLACK_MENTION.exec(token);
  if (slack) return slack[1] ?? null;
  const plain = PLAIN_MENTION.exec(token);
  if (plain) return plain[1] ?? null;
  return null;
}

export function words(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}
