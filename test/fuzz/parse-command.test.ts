import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/core/commands/grammar.js';
import { helpText, isParseError, parseCommand } from '../../src/core/commands/parse-command.js';
import type { Command } from '../../src/core/commands/types.js';
import { cleanText } from '../../src/core/text-input.js';
import { BACKTRACKING_UNITS, LINE_BREAK, RAW_CONTROL, isOneLineReason, piece, runs, typedText } from './arbitraries.js';

/**
 * Issue 9: whatever is typed, `parseCommand` answers, without throwing, either a command or a
 * one-line reason (short, no raw control characters, no line break) with the usage to type
 * instead. Generated lines mix the grammar's own words and options with hostile text.
 */

const context = { playbookIds: ['prompt-injection', 'data-leakage', 'model-drift', 'model-safety-violation'] };
const KINDS = new Set<string>([
  'help', 'list', 'declare', 'status', 'transition', 'reopen', 'severity', 'assign', 'page', 'note', 'decision', 'false-positive', 'timeline', 'tick', 'step',
  'playbook', 'action-add', 'actions', 'action-done', 'oncall-set', 'ack', 'alert-declare', 'alert-dismiss', 'oncall-show', 'metrics', 'exercise-scenarios',
  'exercise-start', 'exercise-inject', 'exercise-end', 'exercise-steer', 'exercise-decide', 'exercise-observed', 'exercise-note', 'exercise-hotwash',
  'exercise-rate', 'exercise-aar', 'exercise-export',
  'flag', 'unflag', 'notified',
  'tag', 'untag', 'similar',
  'review', 'review-export',
]);

/** What a parsed command must be, whatever was typed. */
function checkCommand(command: Command): void {
  expect(KINDS).toContain(command.kind);
  switch (command.kind) {
    case 'declare':
      expect(command.title.length).toBeGreaterThanOrEqual(3);
      expect(command.title.length).toBeLessThanOrEqual(150);
      break;
    case 'note':
      expect(command.text.trim()).toBe(command.text);
      expect(command.text).not.toBe('');
      break;
    case 'decision':
      expect(command.text.trim()).not.toBe('');
      break;
    case 'tick':
    case 'step':
      expect(Number.isSafeInteger(command.step) && command.step >= 1 && command.step <= 2 ** 31 - 1, `step ${command.step}`).toBe(true);
      break;
    case 'action-done':
    case 'alert-declare':
    case 'alert-dismiss':
    case 'ack': {
      // Each is an integer column in Postgres.
      const number = command.kind === 'action-done' ? command.number : command.kind === 'ack' ? command.pageId : command.incidentId;
      if (number !== undefined) expect(Number.isSafeInteger(number) && number >= 0 && number <= 2 ** 31 - 1, `${command.kind} ${number}`).toBe(true);
      break;
    }
    case 'action-add':
      expect(command.due).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(command.owner).not.toBe('');
      break;
    default:
      break;
  }
}

/** Generous: linear work over 200,000 characters takes well under a second; the old backtracking took seconds at 16,000. */
const SLOW_MS = 1_000;
let slowest = { ms: 0, length: 0 };

function checkAnswer(text: string): void {
  const started = performance.now();
  const answer = parseCommand(text, context);
  const ms = performance.now() - started;
  if (ms > slowest.ms) slowest = { ms, length: text.length };
  expect(ms, `${text.length} characters starting ${JSON.stringify(text.slice(0, 40))}`).toBeLessThan(SLOW_MS);
  if (isParseError(answer)) {
    expect(isOneLineReason(answer.error, 300), 'the error').toBeUndefined();
    expect(isOneLineReason(answer.usage, 400), 'the usage').toBeUndefined();
  } else {
    checkCommand(answer);
  }
  // Pure: the same text, the same answer.
  expect(parseCommand(text, context)).toEqual(answer);
}

describe('parseCommand on generated text', () => {
  it(`never throws and answers a command or a one-line reason (${runs(10_000).toLocaleString('en')} lines as typed)`, () => {
    fc.assert(
      fc.property(typedText, (text) => checkAnswer(text)),
      { numRuns: runs(10_000) },
    );
  });

  it(`does the same for the text as the core sees it, after cleanText (${runs(2_000).toLocaleString('en')} lines)`, () => {
    fc.assert(
      fc.property(typedText, (text) => checkAnswer(cleanText(text))),
      { numRuns: runs(2_000) },
    );
  });

  it(`took under ${SLOW_MS} ms for every line, huge ones included`, () => {
    expect(slowest.ms).toBeLessThan(SLOW_MS);
  });

  it('reads an Object.prototype name as a word like any other, in every command and position', () => {
    // A lookup table indexed by a typed word once answered `flag __proto__` with Object.prototype.
    const names = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];
    const firstWords = COMMANDS.flatMap((spec) => [spec.name, ...spec.usage.split(/[\s|[\]<>]+/).filter((w) => /^[a-z-]+$/.test(w)).map((w) => `${spec.name} ${w}`)]);
    for (const head of new Set(firstWords)) {
      for (const name of names) {
        for (const word of [name, name.toUpperCase()]) {
          for (const text of [`/incident ${head} ${word}`, `/incident ${head} ${word} ${word}`, `/incident ${head} x ${word}`, `/incident ${head} ${word}=${word}`]) {
            try {
              checkAnswer(text);
            } catch (error) {
              throw new Error(`${JSON.stringify(text)}: ${(error as Error).message}`);
            }
          }
        }
      }
    }
  });

  it('answers a huge line at once, however it repeats (no regex backtracking)', () => {
    for (const unit of BACKTRACKING_UNITS) {
      for (const name of ['', 'note ', 'decision a ', 'declare ', 'resolve ', 'oncall commander ', 'action ', 'metrics ']) {
        const text = `/incident ${name}${unit.repeat(Math.ceil(200_000 / unit.length))}x`;
        const started = performance.now();
        parseCommand(text, context);
        expect(performance.now() - started, `${name}${JSON.stringify(unit)} × 200,000`).toBeLessThan(SLOW_MS);
      }
    }
  });

  it('splits a decision at "because" as the old regex did (before it was made linear)', () => {
    const word = fc.oneof(fc.constantFrom('because', 'Because', 'BECAUSE', 'becausex', 'xbecause', ' ', '  ', '\t', '\n', '\u00a0'), piece);
    fc.assert(
      fc.property(fc.string({ unit: word, maxLength: 12 }), (args) => {
        // parseCommand first reads Slack's escaped mentions as plain ones and curly quotes as straight.
        const typed = args.replace(/<@([A-Z0-9]+)\|[^<>]*>/gi, '<@$1>').replace(/[\u201c\u201d]/g, '"');
        const [text, ...why] = typed.trim().split(/\s+because\s+/i);
        const because = why.join(' because ').trim();
        const expected = !text || text.trim().length === 0 ? undefined : { kind: 'decision', text: text.trim(), ...(because ? { because } : {}) };
        const answer = parseCommand(`decision ${args}`, context);
        if (expected) expect(answer).toEqual(expected);
        else expect(isParseError(answer)).toBe(true);
      }),
      { numRuns: runs(2_000) },
    );
  });

  it('keeps what it quotes back short and printable', () => {
    const huge = 'x'.repeat(100_000);
    const cases = [
      `/incident ${huge}`,
      `/incident unknown\u0007\u001b[31mred`,
      `/incident resolve at="a\nb"`,
      `/incident resolve at=${huge}`,
      `/incident declare sev1 Leak started="2026\n-11"`,
      `/incident oncall commander backup=${huge}`,
      `/incident oncall commander ${huge}`,
      `/incident playbook ${huge}`,
      `/incident exercise start ${huge}`,
      `/incident exercise ${huge}`,
      `/incident metrics ${huge}`,
      `/incident metrics 2026-01-01..${huge}`,
      `/incident resolve ${'a= '.repeat(10_000)}`,
      `/incident resolve\u0000 now`,
      '/incident status \ud800',
    ];
    for (const text of cases) {
      const answer = parseCommand(text, context);
      expect(isParseError(answer), text.slice(0, 60)).toBe(true);
      if (isParseError(answer)) expect(isOneLineReason(answer.error, 300), text.slice(0, 60)).toBeUndefined();
    }
    expect(parseCommand('/incident escalate now', context)).toMatchObject({ error: 'unknown command "escalate"' });
  });

  it('help for any topic stays printable and names the topic shortly', () => {
    fc.assert(
      fc.property(typedText, (topic) => {
        const answer = parseCommand(`/incident help ${topic}`, context);
        if (isParseError(answer) || answer.kind !== 'help') return;
        const text = helpText(answer.topic);
        // The help is many lines; the line about the topic is one, and short.
        const first = text.split('\n')[0]!;
        expect(first.length).toBeLessThan(400);
        expect(first).not.toMatch(RAW_CONTROL);
        expect(first).not.toMatch(LINE_BREAK);
      }),
      { numRuns: runs(1_000) },
    );
    expect(COMMANDS.length).toBeGreaterThan(20);
  });
});
