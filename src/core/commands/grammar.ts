import { ROLE_IDS, isRoleId, isSeverity, type RoleId, type Severity } from '../domain.js';
import { parsePeriod, PERIOD_HINT } from '../metrics/period.js';
import { TIME_HINT } from '../time/time-input.js';
import { SUMMARY_MAX, TITLE_MAX, titleAndSummary } from '../incident/title-and-summary.js';
import { quoteBack } from '../text-input.js';
import { parseUser, splitOptions, words } from './tokens.js';
import type { Command } from './types.js';
import { EXERCISE_USAGE, parseExercise } from './exercise-grammar.js';
import { parseFlag, parseNotified, parseUnflag } from './clock-grammar.js';
import { optionTime, unknownOptions, type Parsed } from './parsed.js';

export interface ParseContext {
  playbookIds: readonly string[];
}

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  scope: 'anywhere' | 'incident';
  parse(args: string, context: ParseContext): Parsed;
}

const ROLE_LIST = ROLE_IDS.join(', ');

function parseRole(token: string | undefined): RoleId | { error: string } {
  if (!token) return { error: `name a role: ${ROLE_LIST}` };
  const role = token.toLowerCase();
  return isRoleId(role) ? role : { error: `"${quoteBack(token)}" is not a role; use one of ${ROLE_LIST}` };
}

function noArgs(kind: 'status' | 'list' | 'reopen' | 'timeline' | 'oncall-show', name: string) {
  return (args: string): Parsed => (args.trim() ? { error: `\`${name}\` takes nothing after it` } : ({ kind } as Command));
}

function parseDeclare(args: string, context: ParseContext): Parsed {
  const { rest, options, unknown, repeated } = splitOptions(args, ['started', 'detected', 'private']);
  const bad = unknownOptions(unknown, ['started', 'detected', 'private'], repeated);
  if (bad) return bad;
  const tokens = words(rest);
  let severity: Severity | undefined;
  if (tokens[0] && isSeverity(tokens[0].toLowerCase())) severity = tokens.shift()!.toLowerCase() as Severity;
  else if (tokens[0] && /^sev\d+$/i.test(tokens[0])) return { error: `"${quoteBack(tokens[0])}" is not a severity; use sev1 (critical) to sev4 (low)` };
  let playbookId: string | undefined;
  if (tokens[0] && context.playbookIds.includes(tokens[0].toLowerCase())) playbookId = tokens.shift()!.toLowerCase();
  const text = tokens.join(' ');
  if (text.length < 3) return { error: 'give the incident a title (at least 3 characters)' };
  const { title, summary } = titleAndSummary(text);
  if (summary.length > SUMMARY_MAX) {
    return { error: `the text is ${text.length} characters; a declare takes a first sentence of up to ${TITLE_MAX} as the title and ${SUMMARY_MAX} more as the summary` };
  }
  const startedAt = optionTime(options, 'started');
  const detectedAt = optionTime(options, 'detected');
  if (startedAt && 'error' in startedAt) return startedAt;
  if (detectedAt && 'error' in detectedAt) return detectedAt;
  const privateRaw = options.get('private');
  let isPrivate: boolean | undefined;
  if (privateRaw !== undefined) {
    if (!/^(yes|no|true|false)$/i.test(privateRaw)) return { error: 'private= takes yes or no' };
    isPrivate = /^(yes|true)$/i.test(privateRaw);
  }
  return {
    kind: 'declare',
    title,
    ...(summary ? { summary } : {}),
    ...(severity ? { severity } : {}),
    ...(playbookId ? { playbookId } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(detectedAt ? { detectedAt } : {}),
    ...(isPrivate !== undefined ? { private: isPrivate } : {}),
  };
}

function transition(to: 'triaged' | 'contained' | 'resolved' | 'closed') {
  return (args: string): Parsed => {
    const { rest, options, unknown, repeated } = splitOptions(args, ['at']);
    const bad = unknownOptions(unknown, ['at'], repeated);
    if (bad) return bad;
    if (rest) return { error: `unexpected "${quoteBack(rest)}"; the only option is at=<time>` };
    const at = optionTime(options, 'at');
    if (at && 'error' in at) return at;
    return { kind: 'transition', to, ...(at ? { at } : {}) };
  };
}

function freeText(kind: 'note', what: string) {
  return (args: string): Parsed => (args.trim() ? { kind, text: args.trim() } : { error: `write the ${what} after the command` });
}

/** The largest number a Postgres `integer` holds: a page or incident number past it failed in SQL ("Something went wrong"). */
const MAX_NUMBER = 2_147_483_647;

function parseStepNumber(token: string | undefined, what: string): number | { error: string } {
  if (!token || !/^\d+$/.test(token) || Number(token) < 1 || Number(token) > MAX_NUMBER) return { error: `give the ${what} number, e.g. 3` };
  return Number(token);
}

function tickCommand(done: boolean) {
  return (args: string): Parsed => {
    const tokens = words(args);
    if (tokens.length !== 1) return { error: 'give one step number, e.g. 3' };
    const step = parseStepNumber(tokens[0], 'step');
    return typeof step === 'number' ? { kind: 'tick', step, done } : step;
  };
}

function parseAction(args: string): Parsed {
  const tokens = words(args);
  if (tokens[0]?.toLowerCase() === 'done') {
    if (tokens.length !== 2) return { error: 'give one action item number, e.g. `action done 2`' };
    const number = parseStepNumber(tokens[1], 'action item');
    return typeof number === 'number' ? { kind: 'action-done', number } : number;
  }
  const { rest, options, unknown, repeated } = splitOptions(args, ['owner', 'due']);
  const bad = unknownOptions(unknown, ['owner', 'due'], repeated);
  if (bad) return bad;
  const text = rest.replace(/^"(.*)"$/, '$1').trim();
  if (text.length < 3) return { error: 'describe the action item' };
  const ownerRaw = options.get('owner');
  const owner = ownerRaw ? parseUser(ownerRaw) : null;
  if (!owner) return { error: 'name an owner, e.g. owner=@alice' };
  const due = options.get('due');
  if (!due || !/^\d{4}-\d{2}-\d{2}$/.test(due) || Number.isNaN(Date.parse(`${due}T00:00:00Z`)) || new Date(`${due}T00:00:00Z`).toISOString().slice(0, 10) !== due) {
    return { error: 'give a due date as due=YYYY-MM-DD, e.g. due=2026-12-15' };
  }
  return { kind: 'action-add', text, owner, due };
}

function tagCommand(add: boolean) {
  return (args: string): Parsed => {
    const tokens = words(args);
    if (tokens.length !== 1) return { error: `give one tag id, e.g. \`${add ? 'tag' : 'untag'} AML.T0051\` or \`${add ? 'tag' : 'untag'} LLM01\`` };
    return { kind: add ? 'tag' : 'untag', tag: tokens[0]! };
  };
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'declare',
    usage: 'declare [sev1-4] [<playbook-id>] <title>[. <summary>] [started=<time>] [detected=<time>] [private=yes|no]',
    summary: 'declare an incident: opens its channel, posts the playbook checklist, pages the roles',
    scope: 'anywhere',
    parse: parseDeclare,
  },
  { name: 'list', usage: 'list', summary: 'open incidents', scope: 'anywhere', parse: noArgs('list', 'list') },
  {
    name: 'oncall',
    usage: 'oncall [<role> [<@user>…] [backup=<@user>|none]]',
    summary: 'show the on-call roster, or set a role\'s escalation order (first is primary) and its backup, paged after everyone else',
    scope: 'anywhere',
    parse(args) {
      const { rest, options, unknown, repeated } = splitOptions(args, ['backup']);
      const bad = unknownOptions(unknown, ['backup'], repeated);
      if (bad) return bad;
      const tokens = words(rest);
      if (tokens.length === 0 && !options.has('backup')) return { kind: 'oncall-show' };
      const role = parseRole(tokens[0]);
      if (typeof role !== 'string') return role;
      const backupRaw = options.get('backup');
      let backup: string | null | undefined;
      if (backupRaw !== undefined) {
        backup = backupRaw.toLowerCase() === 'none' ? null : parseUser(backupRaw);
        if (backup === null && backupRaw.toLowerCase() !== 'none') return { error: `backup=${quoteBack(backupRaw)} is not a person; write backup=@alice, or backup=none to remove it` };
      }
      if (tokens.length < 2 && backup === undefined) return { error: `name at least one person for ${role}, e.g. \`oncall ${role} @alice @bob backup=@carol\`` };
      const users: string[] = [];
      for (const token of tokens.slice(1)) {
        const user = parseUser(token);
        if (!user) return { error: `"${quoteBack(token)}" is not a person; mention them like @alice` };
        if (!users.includes(user)) users.push(user);
      }
      return { kind: 'oncall-set', role, users, ...(backup !== undefined ? { backup } : {}) };
    },
  },
  {
    name: 'ack',
    usage: 'ack [<page-number>]',
    summary: 'acknowledge a page: its number anywhere (it is on the page), or alone in the incident channel for your open pages there',
    scope: 'anywhere',
    parse(args) {
      const tokens = words(args);
      if (tokens.length === 0) return { kind: 'ack' };
      const pageId = tokens.length === 1 ? parseStepNumber(tokens[0], 'page') : { error: 'give one page number, e.g. `ack 12`' };
      return typeof pageId === 'number' ? { kind: 'ack', pageId } : pageId;
    },
  },
  {
    name: 'alert',
    usage: 'alert declare <incident-number> | alert dismiss <incident-number> [reason]',
    summary: 'triage an alert: declare it a real incident (channel, checklist, pages), or dismiss it as not real',
    scope: 'anywhere',
    parse(args) {
      const [verb = '', target = '', ...reason] = words(args);
      const action = verb.toLowerCase();
      if (action !== 'declare' && action !== 'dismiss') return { error: 'say `alert declare <incident-number>` or `alert dismiss <incident-number> [reason]`' };
      const number = /^(?:inc-)?(\d+)$/i.exec(target);
      if (!number || Number(number[1]) > MAX_NUMBER) return { error: `give the alert's incident number, e.g. \`alert ${action} 12\` (it is on the triage card)` };
      const incidentId = Number(number[1]);
      if (action === 'declare') return reason.length ? { error: '`alert declare` takes only the incident number' } : { kind: 'alert-declare', incidentId };
      return { kind: 'alert-dismiss', incidentId, ...(reason.length ? { reason: reason.join(' ') } : {}) };
    },
  },
  { name: 'status', usage: 'status', summary: 'the incident\'s header card', scope: 'incident', parse: noArgs('status', 'status') },
  { name: 'triage', usage: 'triage [at=<time>]', summary: 'mark the incident triaged', scope: 'incident', parse: transition('triaged') },
  { name: 'contain', usage: 'contain [at=<time>]', summary: 'mark the incident contained', scope: 'incident', parse: transition('contained') },
  { name: 'resolve', usage: 'resolve [at=<time>]', summary: 'mark the incident resolved (recovered)', scope: 'incident', parse: transition('resolved') },
  { name: 'close', usage: 'close [at=<time>]', summary: 'close the incident after review', scope: 'incident', parse: transition('closed') },
  { name: 'reopen', usage: 'reopen', summary: 'reopen a resolved, closed or false-positive incident', scope: 'incident', parse: noArgs('reopen', 'reopen') },
  {
    name: 'sev',
    usage: 'sev <1-4>',
    summary: 'change the severity',
    scope: 'incident',
    parse(args) {
      const token = words(args)[0]?.toLowerCase() ?? '';
      const severity = /^[1-4]$/.test(token) ? `sev${token}` : token;
      if (words(args).length !== 1 || !isSeverity(severity)) return { error: 'give a severity from 1 (critical) to 4 (low)' };
      return { kind: 'severity', severity };
    },
  },
  {
    name: 'assign',
    usage: 'assign <role> <@user>',
    summary: 'give a response role to someone',
    scope: 'incident',
    parse(args) {
      const tokens = words(args);
      const role = parseRole(tokens[0]);
      if (typeof role !== 'string') return role;
      const user = tokens[1] ? parseUser(tokens[1]) : null;
      if (!user || tokens.length !== 2) return { error: `name one person, e.g. \`assign ${role} @alice\`` };
      return { kind: 'assign', role, user };
    },
  },
  {
    name: 'page',
    usage: 'page <role>',
    summary: 'page whoever holds a role (or its on-call primary)',
    scope: 'incident',
    parse(args) {
      const tokens = words(args);
      const role = parseRole(tokens[0]);
      if (typeof role !== 'string') return role;
      if (tokens.length !== 1) return { error: 'name one role' };
      return { kind: 'page', role };
    },
  },
  { name: 'note', usage: 'note <text>', summary: 'add a note to the timeline', scope: 'incident', parse: freeText('note', 'note') },
  {
    name: 'decision',
    usage: 'decision <text> [because <reasoning>]',
    summary: 'record a decision and why',
    scope: 'incident',
    parse(args) {
      // A match only ever starts where a run of whitespace starts; saying so (`(?<!\s)`) keeps the
      // regex from retrying inside a long run of spaces, which took quadratic time (16 KB: 2.5 s).
      const [text, ...why] = args.trim().split(/(?<!\s)\s+because\s+/i);
      if (!text || text.trim().length === 0) return { error: 'write the decision after the command' };
      const because = why.join(' because ').trim();
      return { kind: 'decision', text: text.trim(), ...(because ? { because } : {}) };
    },
  },
  {
    name: 'false-positive',
    usage: 'false-positive [reason]',
    summary: 'mark the incident not real',
    scope: 'incident',
    parse: (args) => ({ kind: 'false-positive', ...(args.trim() ? { reason: args.trim() } : {}) }),
  },
  { name: 'timeline', usage: 'timeline', summary: 'every event with its time', scope: 'incident', parse: noArgs('timeline', 'timeline') },
  { name: 'tag', usage: 'tag <tag-id>', summary: 'add a taxonomy tag: a MITRE ATLAS technique (AML.T0051, AML.T0051.001) or an OWASP LLM Top 10 id (LLM01)', scope: 'incident', parse: tagCommand(true) },
  { name: 'untag', usage: 'untag <tag-id>', summary: 'remove a taxonomy tag', scope: 'incident', parse: tagCommand(false) },
  {
    name: 'similar',
    usage: 'similar',
    summary: 'past incidents and public MITRE ATLAS cases like this one, and why',
    scope: 'incident',
    parse: (args) => (args.trim() ? { error: '`similar` takes nothing after it' } : { kind: 'similar' }),
  },
  { name: 'tick', usage: 'tick <step-number>', summary: 'tick a checklist step', scope: 'incident', parse: tickCommand(true) },
  { name: 'untick', usage: 'untick <step-number>', summary: 'untick a checklist step', scope: 'incident', parse: tickCommand(false) },
  {
    name: 'step',
    usage: 'step <step-number>',
    summary: 'how to do a checklist step: its full text, owner and who ticked it',
    scope: 'incident',
    parse(args) {
      const tokens = words(args);
      if (tokens.length !== 1) return { error: 'give one step number, e.g. 3' };
      const step = parseStepNumber(tokens[0], 'step');
      return typeof step === 'number' ? { kind: 'step', step } : step;
    },
  },
  {
    name: 'playbook',
    usage: 'playbook <playbook-id>|none',
    summary: 'change the incident\'s playbook',
    scope: 'incident',
    parse(args, context) {
      const tokens = words(args);
      const id = tokens[0]?.toLowerCase();
      if (tokens.length !== 1 || !id) return { error: `name a playbook: ${context.playbookIds.join(', ')}, or none` };
      if (id === 'none') return { kind: 'playbook', playbookId: null };
      if (!context.playbookIds.includes(id)) return { error: `no playbook "${quoteBack(tokens[0]!)}"; use one of ${context.playbookIds.join(', ')}, or none` };
      return { kind: 'playbook', playbookId: id };
    },
  },
  {
    name: 'action',
    usage: 'action <text> owner=<@user> due=<YYYY-MM-DD> | action done <number>',
    summary: 'add a follow-up action item, or mark one done',
    scope: 'incident',
    parse: parseAction,
  },
  {
    name: 'review',
    usage: 'review | review export',
    summary: 'post the post-incident review draft in the channel (once resolved): timeline, decisions, times beside the quarter median, steps missed, roles, action items; `export` gives it as Markdown',
    scope: 'incident',
    parse(args) {
      const rest = args.trim().toLowerCase();
      if (rest === '') return { kind: 'review' };
      if (rest === 'export') return { kind: 'review-export' };
      return { error: 'say `review` to post the draft, or `review export` for its Markdown' };
    },
  },
  {
    name: 'actions',
    usage: 'actions [mine|overdue]',
    summary: 'the incident\'s action items',
    scope: 'incident',
    parse(args) {
      const filter = args.trim().toLowerCase() || 'all';
      if (filter !== 'all' && filter !== 'mine' && filter !== 'overdue') return { error: 'filter by mine or overdue, or nothing' };
      return { kind: 'actions', filter };
    },
  },
  {
    name: 'flag',
    usage: 'flag gdpr-breach [aware=<time>] | flag ai-act-serious [widespread|death] [aware=<time>]',
    summary: 'start a regulatory clock from awareness (default now): GDPR Art. 33, 72 h; EU AI Act Art. 73, 15 days (2 when widespread, 10 on a death). Legal is reminded at 50/75/90 %, the commander at 90 %',
    scope: 'incident',
    parse: parseFlag,
  },
  {
    name: 'unflag',
    usage: 'unflag gdpr-breach|ai-act-serious [reason]',
    summary: 'stop a regulatory clock: not a notifiable incident after all',
    scope: 'incident',
    parse: parseUnflag,
  },
  {
    name: 'notified',
    usage: 'notified gdpr|ai-act [at=<time>] [ref=<text>] [because <reasons for the delay>]',
    summary: 'the authority was notified: stops the clock; after the deadline, give the reasons for the delay (alone on a late one, `because` records them)',
    scope: 'incident',
    parse: parseNotified,
  },
  {
    name: 'metrics',
    usage: 'metrics [last-week|this-quarter|2026-Q3|<from>..<to>]',
    summary: `response metrics beside the period before; without a period, the weekly digest (periods: ${PERIOD_HINT})`,
    scope: 'anywhere',
    parse(args) {
      const tokens = words(args);
      if (tokens.length === 0) return { kind: 'metrics' };
      if (tokens.length > 1) return { error: `give one period: ${PERIOD_HINT}` };
      // No period is long or holds a control character; say so without quoting such a token whole.
      if (quoteBack(tokens[0]!) !== tokens[0]) return { error: `"${quoteBack(tokens[0]!)}" is not a period; use ${PERIOD_HINT}` };
      const period = parsePeriod(tokens[0]!);
      return 'error' in period ? period : { kind: 'metrics', period };
    },
  },
  {
    name: 'exercise',
    usage: EXERCISE_USAGE,
    summary: 'run a tabletop exercise: authored scenarios with timed injects, decision points, a facilitator view, a hot wash and an after-action report with an improvement plan (or an ATLAS case study, inject by inject); everything but scenarios and start works in the exercise\'s channel',
    scope: 'anywhere',
    parse: parseExercise,
  },
  {
    name: 'help',
    usage: 'help [<command>]',
    summary: 'this list, or one command\'s usage',
    scope: 'anywhere',
    parse: (args) => ({ kind: 'help', ...(args.trim() ? { topic: args.trim().toLowerCase() } : {}) }),
  },
];

export const TIME_USAGE = `<time> is ${TIME_HINT}`;
