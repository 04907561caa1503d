import { hotWashQuestionOf } from '../exercise/authored-cards.js';
import { quoteBack } from '../text-input.js';
import type { ParseContext } from './grammar.js';
import { splitBecause, type Parsed } from './parsed.js';
import { words } from './tokens.js';

const ATLAS_ID = /^AML\.CS\d{4}$/i;
const AUTHORED_ID = /^[a-z0-9][a-z0-9-]{0,62}$/i;
const RATINGS = ['P', 'S', 'M', 'U'] as const;
const VERBS = 'scenarios, start, pause, resume, next, skip, decide, observed, note, end, hotwash, aar, rate, export (or inject for an ATLAS case study)';

export const EXERCISE_USAGE =
  'exercise scenarios [<playbook-id>] | exercise start [<scenario-id>|<playbook-id>] [force] | exercise pause|resume|next|skip|end|aar|export | exercise decide <option> because <reasoning> | exercise observed <action> [<note>] | exercise note <text> | exercise hotwash well|change|missing <answer> | exercise rate <objective> P|S|M|U [because <reason>] | exercise inject';

function parseStart(rest: string[], context: ParseContext): Parsed {
  const force = rest.length > 0 && rest.at(-1)!.toLowerCase() === 'force';
  const args = force ? rest.slice(0, -1) : rest;
  const forced = force ? { force: true } : {};
  if (args.length === 0) return { kind: 'exercise-start', ...forced };
  const target = args[0]!;
  if (args.length > 1) return { error: `\`exercise start\` takes one scenario or playbook, then optionally force; "${quoteBack(args.slice(1).join(' '))}" is extra` };
  if (ATLAS_ID.test(target)) return { kind: 'exercise-start', scenarioId: target.toUpperCase(), ...forced };
  if (context.playbookIds.includes(target.toLowerCase())) return { kind: 'exercise-start', playbookId: target.toLowerCase(), ...forced };
  if (AUTHORED_ID.test(target)) return { kind: 'exercise-start', scenarioId: target.toLowerCase(), ...forced };
  return { error: `"${quoteBack(target)}" is neither a scenario id (see \`exercise scenarios\`) nor a playbook (${context.playbookIds.join(', ')})` };
}

export function parseExercise(args: string, context: ParseContext): Parsed {
  const trimmed = args.trim();
  const [verbRaw = '', ...rest] = words(trimmed);
  const verb = verbRaw.toLowerCase();
  const after = trimmed.slice(verbRaw.length).trim();
  const playbooks = context.playbookIds.join(', ');
  switch (verb) {
    case 'scenarios': {
      if (rest.length === 0) return { kind: 'exercise-scenarios' };
      const id = rest[0]!.toLowerCase();
      if (rest.length > 1 || !context.playbookIds.includes(id)) return { error: `"${quoteBack(rest.join(' '))}" is not a playbook; use one of ${playbooks}, or nothing` };
      return { kind: 'exercise-scenarios', playbookId: id };
    }
    case 'start':
      return parseStart(rest, context);
    case 'inject':
    case 'end':
    case 'aar':
    case 'export':
    case 'pause':
    case 'resume':
    case 'next':
    case 'skip':
      if (rest.length > 0) return { error: `\`exercise ${verb}\` takes nothing after it` };
      if (verb === 'inject' || verb === 'end' || verb === 'aar' || verb === 'export') return { kind: `exercise-${verb}` };
      return { kind: 'exercise-steer', command: verb };
    case 'decide': {
      const { head, because } = splitBecause(after);
      const option = head.toLowerCase();
      if (!option) return { error: 'name the option: `exercise decide <option> because <reasoning>`' };
      if (!AUTHORED_ID.test(option)) return { error: `"${quoteBack(head)}" is not an option id; the decision card lists them, e.g. \`exercise decide isolate because …\`` };
      if (!because) return { error: `give your reasoning: \`exercise decide ${option} because <reasoning>\`` };
      return { kind: 'exercise-decide', option, reasoning: because };
    }
    case 'observed': {
      const [action, ...note] = rest;
      if (!action || !AUTHORED_ID.test(action)) return { error: 'name the expected action: `exercise observed <action-id> [note]` (your facilitator view lists the ids)' };
      return { kind: 'exercise-observed', action: action.toLowerCase(), ...(note.length ? { note: after.slice(action.length).trim() } : {}) };
    }
    case 'note':
      if (!after) return { error: 'write the note: `exercise note <text>`' };
      return { kind: 'exercise-note', text: after };
    case 'hotwash': {
      const [which = '', ...answer] = rest;
      const question = hotWashQuestionOf(which);
      if (!question) return { error: 'say which question: `exercise hotwash well <answer>`, `change <answer>` or `missing <answer>`' };
      if (answer.length === 0) return { error: `write your answer: \`exercise hotwash ${which.toLowerCase()} <answer>\`` };
      return { kind: 'exercise-hotwash', question, text: after.slice(which.length).trim() };
    }
    case 'rate': {
      const { head, because } = splitBecause(after);
      const [objective, rating, ...extra] = words(head);
      const upper = rating?.toUpperCase();
      if (!objective || !upper || extra.length > 0 || !(RATINGS as readonly string[]).includes(upper)) {
        return { error: 'rate one objective: `exercise rate <objective> P|S|M|U [because <reason>]` (Performed, Some challenges, Major challenges, Unable to perform)' };
      }
      return { kind: 'exercise-rate', objective: objective.toLowerCase(), rating: upper as (typeof RATINGS)[number], ...(because ? { because } : {}) };
    }
    default:
      return { error: verb ? `no exercise command "${quoteBack(verbRaw)}"; say ${VERBS}` : `say what to do: ${VERBS}` };
  }
}
