import fc from 'fast-check';
import { COMMANDS } from '../../src/core/commands/grammar.js';
import { ROLE_IDS } from '../../src/core/domain.js';

/**
 * Hostile input for the fuzz tests (issue 9): text from every Unicode plane, control characters
 * (NUL included), lone surrogates, chat markup and mentions, SQL and template injection, huge
 * strings, and JSON that nests deep, holds huge numbers or `__proto__` keys.
 */

/** Runs per target: FUZZ_SCALE=10 multiplies every count (a longer hunt), FUZZ_SCALE=0.1 a quick look. */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
export const runs = (n: number): number => Math.max(10, Math.round(n * SCALE));

/** What the fuzz tests tell a person at most, quoted text and all. */
export const MAX_REASON = 400;

/** A control character (C0, DEL, C1) or a lone surrogate: nothing a message to a person should carry raw. */
export const RAW_CONTROL = /[\p{Cc}]|\p{Cs}/u;
/** A line break of any kind (LF, CR, NEL, the Unicode line and paragraph separators). */
export const LINE_BREAK = /[\n\r\u0085\u2028\u2029]/;
/** The reply handleCommand gives for an error it did not expect (a bug); nothing typed may cause it. */
export const INTERNAL = /something went wrong|\(ref [a-z0-9]+\)|\bat .+\.(?:ts|js):\d+|Error:/i;

const codePoint = (min: number, max: number) => fc.integer({ min, max }).map((cp) => String.fromCodePoint(cp));

export const SQL_INJECTION = [
  "'; DROP TABLE incidents;--",
  "' OR '1'='1",
  '"; DELETE FROM events; --',
  "1; TRUNCATE events CASCADE",
  "$$; DROP SCHEMA public CASCADE; $$",
  "\\'; SELECT pg_sleep(10);--",
  "E'\\x00'",
  "' UNION SELECT * FROM pg_user--",
];
export const TEMPLATE_INJECTION = ['${process.exit(1)}', '${7*7}', '{{7*7}}', '{{constructor.constructor("return process")()}}', '#{7*7}', '<%= 7*7 %>', '${{<%[%\'"}}%\\', '%s%s%s%n', '$&', '$1', "$'", '$`'];
export const MARKUP = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S123|@team>',
  '<@U1>',
  '<@U123|alice smith>',
  '<#C123|general>',
  '<https://x|y>',
  '<javascript:alert(1)|click>',
  '&lt;',
  '&gt;',
  '&amp;',
  '&lt;@U1&gt;',
  '*bold*',
  '_it_',
  '~s~',
  '`code`',
  '```block```',
  '> quote',
  '<at>Alice</at>',
  '<script>alert(1)</script>',
  '@alice',
  '@',
  '"',
  '""',
  '\u201cquoted\u201d',
  '=',
  'a=b',
  'at=',
  'owner="@a b"',
  'due=2026-02-30',
  ' because ',
  '..',
  '\\',
  '\\u0000',
  '\\ud800',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
];
const SPECIAL = ['\u0000', '\r\n', '\r', '\n', '\t', '\v', '\f', '\u001b[31m', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ufffe', '\uffff', '\u200b', '\u200d', '\u202e', '\u2066', '\ue000', '\ue001', '\u3000', '\ud83d\ude00', '\ud83c\udff3\ufe0f\u200d\ud83c\udf08', 'e\u0301', '\u{10ffff}', '\u{e0001}'];

/** One piece of hostile text. */
export const piece: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 16 }).chain((plane) => codePoint(plane * 0x10000, plane * 0x10000 + 0xffff)) },
  { weight: 2, arbitrary: codePoint(0, 0x1f) },
  { weight: 1, arbitrary: codePoint(0x7f, 0x9f) },
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 3, arbitrary: fc.constantFrom(...MARKUP, ...SQL_INJECTION, ...TEMPLATE_INJECTION) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom(' ', ' ', '  ', '\t') },
);

/** Short hostile text (most of it), empty now and then. */
export const shortText: fc.Arbitrary<string> = fc.string({ unit: piece, maxLength: 24 });

/** Units whose long runs have made a regex backtrack (quadratic time) somewhere: a mention never closed, runs of spaces. */
export const BACKTRACKING_UNITS = ['<@U1|', ' \t', '  ', ' because', 'a=', 'a-', '"', '\\"', '{', '[', '{"a":', '&lt;', '<', '\u0000', '\ud800', '1', '-'];

/** Hostile text repeated into something huge: 1,000 to 100,000 UTF-16 units (Slack sends up to 4,000 in a command, a console line has no limit). */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.constantFrom(...BACKTRACKING_UNITS), fc.array(piece, { minLength: 1, maxLength: 3 }).map((pieces) => pieces.join(''))),
    fc.constantFrom(1_000, 5_000, 30_000, 100_000),
    fc.constantFrom('', 'x', '>', ' b'),
  )
  .map(([unit, length, end]) => `${unit.repeat(Math.max(1, Math.ceil(length / Math.max(1, unit.length)))).slice(0, length)}${end}`);

/** Hostile text up to a few dozen characters (never huge): for the many fields of one body. */
export const fieldText: fc.Arbitrary<string> = fc.oneof(
  { weight: 35, arbitrary: shortText },
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 8, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-composite', maxLength: 30 }) },
);

/** Hostile text of any size: mostly short, sometimes empty, now and then (1 in 50) huge. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 35, arbitrary: shortText },
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 8, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-composite', maxLength: 30 }) },
  { weight: 1, arbitrary: hugeText },
);

// ---- command lines ----

const NAMES = COMMANDS.map((c) => c.name);
const OPTION_KEYS = ['at', 'started', 'detected', 'private', 'owner', 'due', 'backup', 'x', 'At', 'STARTED', 'constructor', '__proto__'];
const PLAYBOOKS = ['prompt-injection', 'data-leakage', 'model-drift', 'model-safety-violation', 'none', 'PROMPT-INJECTION'];
const VALUES = [
  '1',
  '0',
  '-1',
  '3',
  '99999999999999999999',
  '1e3',
  '0x10',
  'NaN',
  'sev1',
  'SEV4',
  'sev0',
  'sev5',
  'sev99',
  'critical',
  'inc-12',
  'INC-1',
  'done',
  'mine',
  'overdue',
  'yes',
  'no',
  'none',
  'scenarios',
  'start',
  'inject',
  'end',
  'AML.CS0020',
  'aml.cs9999',
  '-20m',
  '-99999d',
  '2026-11-25T09:30+01:00',
  '2026-02-30T10:00Z',
  '2026-11-25T09:30',
  '2026-11-25',
  '+275760-09-13T00:00:00Z',
  'last-week',
  'this-quarter',
  '2026-Q3',
  '0000-Q1',
  '2026-01-01..2025-01-01',
  '2026-01-01..2026-13-01',
  '1970-01-01..2999-12-31',
  ...ROLE_IDS,
  'COMMANDER',
  ...PLAYBOOKS,
];

/** One argument: a word the grammar knows, an option, a mention, or hostile text. */
const argument: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...OPTION_KEYS), fc.oneof(fc.constantFrom(...VALUES), shortText)).map(([key, value]) => `${key}=${value}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...OPTION_KEYS), shortText).map(([key, value]) => `${key}="${value}"`) },
  { weight: 2, arbitrary: fc.constantFrom('<@U1>', '<@UALICE|alice smith>', '@alice', '@bob.smith', '@', '<@>', '<@U1', '<!channel>', 'backup=<@U2>', 'backup=none', 'owner=@alice') },
  { weight: 5, arbitrary: shortText },
  { weight: 1, arbitrary: fc.constant('because') },
);
const separator = fc.oneof({ weight: 8, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: fc.constantFrom('  ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2028', '') });

/** A line as a person might type it: `/incident`, a command (known, misspelt or hostile) and its arguments. */
export const commandLine: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('/incident ', '/incident ', '/INCIDENT ', ' /incident\t', '', '/incident', '/incidentdeclare ', '/incident /incident '),
    fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: fc.constantFrom(...NAMES).map((n) => n.toUpperCase()) }, { weight: 2, arbitrary: shortText }),
    fc.array(fc.tuple(separator, argument), { maxLength: 8 }),
  )
  .map(([prefix, name, args]) => `${prefix}${name}${args.map(([sep, arg]) => `${sep}${arg}`).join('')}`);

/** Anything at all to type: a command line (mostly), hostile text, or (about 1 in 35) a huge string. */
export const typedText: fc.Arbitrary<string> = fc.oneof(
  { weight: 40, arbitrary: commandLine },
  { weight: 12, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NAMES), hugeText).map(([name, text]) => `/incident ${name} ${text}`) },
);

// ---- JSON ----

/** A number JSON can carry that code may not expect. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 4, 1.5, 1e21, -1e21, 1e308, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, 1e-7),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** JSON text of something nested `depth` deep: arrays, objects, or an object whose key repeats. */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(33, 65, 500, 5_000, 50_000), fc.constantFrom('array', 'object', 'title'))
  .map(([depth, kind]) =>
    kind === 'array'
      ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
      : kind === 'object'
        ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
        : `{"title":"Deep alert","labels":${'{"x":'.repeat(depth)}"v"${'}'.repeat(depth)}}`,
  );

const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '', 'title', 'severity', 'alerts', 'labels', 'version', 'status', 'type'];

/** Any JSON value with hostile strings, odd numbers and odd keys, up to a few levels deep. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    edgeNumber,
    shortText,
    fc.constantFrom(...SQL_INJECTION, ...TEMPLATE_INJECTION, ...MARKUP),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), shortText), tie('value')), { maxLength: 5 }).map((entries) => {
      // JSON.parse makes `__proto__` an own key; so does defineProperty, unlike assignment.
      const object: Record<string, unknown> = {};
      for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
      return object;
    }),
  ),
})).value;

/**
 * JSON text with numbers no double holds exactly (huge, tiny, long), as a sender might write
 * them; `JSON.stringify` of a value never produces these.
 */
export const hugeNumberText: fc.Arbitrary<string> = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '1e-400', '0.0000000000000000000000001', '4.0', '4e0', '-0', '1' + '0'.repeat(400));

/** Replaces each number in a JSON text by one from `hugeNumberText`, now and then. */
export const withHugeNumbers = (json: string, numbers: string[]): string => {
  let i = 0;
  return json.replace(/(?<=[:,[])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?=[,\]}])/g, (match) => numbers[i++ % Math.max(1, numbers.length)] ?? match);
};

/** Every string a value holds, keys included. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => [key, ...stringsIn(item)]);
  return [];
}

/** A reason a person or a sender reads: one line, bounded, no raw control characters. */
export function isOneLineReason(reason: unknown, max = MAX_REASON): string | undefined {
  if (typeof reason !== 'string') return `not a string: ${typeof reason}`;
  if (reason.trim() === '') return 'empty';
  if (LINE_BREAK.test(reason)) return `more than one line: ${JSON.stringify(reason.slice(0, 200))}`;
  if (RAW_CONTROL.test(reason)) return `a raw control character or lone surrogate: ${JSON.stringify(reason.slice(0, 200))}`;
  if (reason.length > max) return `${reason.length} characters long: ${JSON.stringify(reason.slice(0, 200))}…`;
  return undefined;
}
