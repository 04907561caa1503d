import { COMMANDS, TIME_USAGE, type CommandSpec, type ParseContext } from './grammar.js';
import type { Command, ParseError } from './types.js';
import { quoteBack } from '../text-input.js';

export const COMMAND_PREFIX = '/incident';

function normalise(text: string): string {
  return text
    // Slack's escaped mention may hold spaces in the name. The name stops at the next `<` too: with
    // `[^>]*` a long run of `<@U1|` without `>` took quadratic time (160 KB: 6 s of a blocked process).
    .replace(/<@([A-Z0-9]+)\|[^<>]*>/gi, '<@$1>')
    .replace(/[\u201c\u201d]/g, '"')
    .trim();
}

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((spec) => spec.name === name.toLowerCase());
}

/**
 * Turns what a person typed (`/incident …` in Slack, an @mention in Teams, a console line) into a
 * typed command, or a one-line reason with the usage line to type instead.
 */
export function parseCommand(text: string, context: ParseContext): Command | ParseError {
  let body = normalise(text);
  if (body.toLowerCase().startsWith(COMMAND_PREFIX)) body = body.slice(COMMAND_PREFIX.length).trim();
  if (body === '') return { kind: 'help' };
  const head = body.split(/\s+/)[0] ?? '';
  const spec = findCommand(head);
  if (!spec) {
    return {
      error: `unknown command "${quoteBack(head)}"`,
      usage: `try one of: ${COMMANDS.map((c) => c.name).join(', ')} (\`help\` explains each)`,
    };
  }
  const args = body.slice(head.length).trim();
  const parsed = spec.parse(args, context);
  if ('error' in parsed) return { error: parsed.error, usage: usageLine(spec) };
  return parsed;
}

export function usageLine(spec: CommandSpec): string {
  return `usage: ${COMMAND_PREFIX} ${spec.usage}${spec.usage.includes('<time>') ? ` (${TIME_USAGE})` : ''}`;
}

export function isParseError(value: Command | ParseError): value is ParseError {
  return 'error' in value;
}

/** Help is generated from the same table the parser uses, so it cannot drift. */
export function helpText(topic?: string): string {
  if (topic) {
    const spec = findCommand(topic);
    if (!spec) return `No command "${quoteBack(topic)}". ${helpText()}`;
    return `${usageLine(spec)}\n${spec.summary}${spec.scope === 'incident' ? ' (in an incident channel)' : ''}`;
  }
  const section = (scope: CommandSpec['scope']) =>
    COMMANDS.filter((c) => c.scope === scope)
      .map((c) => `  ${COMMAND_PREFIX} ${c.usage}\n      ${c.summary}`)
      .join('\n');
  return [
    'Commands anywhere:',
    section('anywhere'),
    'Commands in an incident channel:',
    section('incident'),
    `${TIME_USAGE}. Roles: commander, ml-engineer, security, comms, legal.`,
  ].join('\n');
}
