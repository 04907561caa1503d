import { describe, expect, it } from 'vitest';
import { helpText, isParseError, parseCommand } from '../src/core/commands/parse-command.js';
import { COMMANDS } from '../src/core/commands/grammar.js';

const context = { playbookIds: ['prompt-injection', 'data-leakage', 'model-drift', 'model-safety-violation'] };
const parse = (text: string) => parseCommand(text, context);

function error(text: string): { error: string; usage: string } {
  const result = parse(text);
  if (!isParseError(result)) throw new Error(`expected "${text}" to be refused, got ${JSON.stringify(result)}`);
  return result;
}

describe('parseCommand: declare', () => {
  it('reads severity, playbook and title', () => {
    expect(parse('/incident declare sev1 prompt-injection Support bot obeys instructions hidden in uploaded PDFs')).toEqual({
      kind: 'declare',
      severity: 'sev1',
      playbookId: 'prompt-injection',
      title: 'Support bot obeys instructions hidden in uploaded PDFs',
    });
  });

  it('takes severity and playbook as optional, in that order', () => {
    expect(parse('declare Model drifting')).toEqual({ kind: 'declare', title: 'Model drifting' });
    expect(parse('declare SEV2 Model drifting')).toMatchObject({ severity: 'sev2', title: 'Model drifting' });
    expect(parse('declare model-drift Recall fell')).toMatchObject({ playbookId: 'model-drift', title: 'Recall fell' });
  });

  it('keeps the first sentence of a long text as the title and the rest as the summary', () => {
    const summary = 'It is showing names, order numbers and addresses from tickets of other accounts since the 10:40 deploy of the retrieval change; two customers have written in.';
    expect(parse(`declare sev1 The support assistant started quoting other customers' tickets. ${summary} private=yes`)).toEqual({
      kind: 'declare',
      severity: 'sev1',
      title: "The support assistant started quoting other customers' tickets",
      summary,
      private: true,
    });
    // A short text stays whole, sentences and all; "e.g." and "v2.1" do not end a sentence.
    expect(parse('declare Drift on churn model. PSI 0.4.')).toEqual({ kind: 'declare', title: 'Drift on churn model. PSI 0.4.' });
    const long = parse(`declare After the v2.1 retrain, e.g. on the EU cohort, recall on the fraud model slid by about nine points week over week and nobody noticed it for a while. ${'Details follow. '.repeat(3)}`);
    expect(long).toMatchObject({ title: 'After the v2.1 retrain, e.g. on the EU cohort, recall on the fraud model slid by about nine points week over week and nobody noticed it for a while' });
  });

  it('cuts a first sentence longer than a title at a word, and keeps the whole text as the summary', () => {
    const text = `${'recall on the fraud model slid '.repeat(6)}since the retrain and the team kept going`;
    const declared = parse(`declare ${text}`);
    if (isParseError(declared) || declared.kind !== 'declare') throw new Error('expected a declare');
    expect(declared.title.length).toBeLessThanOrEqual(150);
    expect(declared.title).toMatch(/^recall on the fraud model slid .* [a-z]+…$/);
    expect(declared.summary).toBe(text);
  });

  it('reads started= and detected= as absolute or relative times, and private=', () => {
    const parsed = parse('declare sev2 Leak of chat logs started=2026-11-25T08:00+01:00 detected=-20m private=yes');
    expect(parsed).toMatchObject({
      kind: 'declare',
      title: 'Leak of chat logs',
      startedAt: { kind: 'absolute', at: new Date('2026-11-25T07:00:00Z') },
      detectedAt: { kind: 'relative', offsetMs: 20 * 60_000 },
      private: true,
    });
  });

  it.each([
    ['declare', /title/],
    ['declare sev1', /title/],
    ['declare sev5 Something', /not a severity/],
    ['declare sev1 Title started=yesterday', /started=.*not a time/],
    ['declare sev1 Title detected=2026-11-25T10:00', /no UTC offset/],
    ['declare sev1 Title owner=@bob', /unknown option owner=/],
    ['declare sev1 Title private=maybe', /private= takes yes or no/],
    ['declare sev1 Title private=', /private= takes yes or no/],
    ['declare sev1 Title started=', /started=.*not a time/],
    [`declare ${'x'.repeat(3100)}`, /150 as the title and 2900 more as the summary/],
    [`declare Recall fell. ${'more detail '.repeat(250)}`, /2900/],
  ])('refuses %s with a reason and the usage line', (text, reason) => {
    const refused = error(text);
    expect(refused.error).toMatch(reason);
    expect(refused.usage).toMatch(/^usage: \/incident declare \[sev1-4\]/);
  });
});

describe('parseCommand: incident commands', () => {
  it.each([
    ['status', { kind: 'status' }],
    ['triage', { kind: 'transition', to: 'triaged' }],
    ['contain', { kind: 'transition', to: 'contained' }],
    ['resolve', { kind: 'transition', to: 'resolved' }],
    ['close', { kind: 'transition', to: 'closed' }],
    ['reopen', { kind: 'reopen' }],
    ['sev 2', { kind: 'severity', severity: 'sev2' }],
    ['sev sev4', { kind: 'severity', severity: 'sev4' }],
    ['assign security <@U123ABC>', { kind: 'assign', role: 'security', user: 'U123ABC' }],
    ['assign comms <@U123ABC|Jane Doe>', { kind: 'assign', role: 'comms', user: 'U123ABC' }],
    ['assign legal @lee', { kind: 'assign', role: 'legal', user: 'lee' }],
    ['page ml-engineer', { kind: 'page', role: 'ml-engineer' }],
    ['note filter deployed to prod', { kind: 'note', text: 'filter deployed to prod' }],
    ['decision roll back to v41', { kind: 'decision', text: 'roll back to v41' }],
    ['decision roll back to v41 because v42 leaks PII', { kind: 'decision', text: 'roll back to v41', because: 'v42 leaks PII' }],
    ['false-positive', { kind: 'false-positive' }],
    ['false-positive load test traffic', { kind: 'false-positive', reason: 'load test traffic' }],
    ['timeline', { kind: 'timeline' }],
    ['tick 3', { kind: 'tick', step: 3, done: true }],
    ['untick 3', { kind: 'tick', step: 3, done: false }],
    ['step 4', { kind: 'step', step: 4 }],
    ['playbook data-leakage', { kind: 'playbook', playbookId: 'data-leakage' }],
    ['playbook none', { kind: 'playbook', playbookId: null }],
    ['action Add PDF text to the injection filter owner=@sam due=2026-12-15', { kind: 'action-add', text: 'Add PDF text to the injection filter', owner: 'sam', due: '2026-12-15' }],
    ['action "Rotate keys" owner=<@U1> due=2026-12-01', { kind: 'action-add', text: 'Rotate keys', owner: 'U1', due: '2026-12-01' }],
    ['actions', { kind: 'actions', filter: 'all' }],
    ['actions mine', { kind: 'actions', filter: 'mine' }],
    ['actions overdue', { kind: 'actions', filter: 'overdue' }],
    ['action done 2', { kind: 'action-done', number: 2 }],
    ['triage at=-20m', { kind: 'transition', to: 'triaged', at: { kind: 'relative', offsetMs: 20 * 60_000, text: '-20m' } }],
    ['resolve at=-1d', { kind: 'transition', to: 'resolved', at: { kind: 'relative', offsetMs: 86_400_000, text: '-1d' } }],
  ])('%s', (text, expected) => {
    expect(parse(`/incident ${text}`)).toEqual(expected);
  });

  it.each([
    ['status now', /takes nothing/, 'status'],
    ['triage at=soon', /at=.*not a time/, 'triage'],
    ['contain quickly', /unexpected "quickly"/, 'contain'],
    ['resolve by=-2h', /unknown option by=/, 'resolve'],
    ['sev 0', /from 1 \(critical\) to 4/, 'sev'],
    ['sev', /from 1 \(critical\) to 4/, 'sev'],
    ['assign janitor @bob', /not a role; use one of commander, ml-engineer/, 'assign'],
    ['assign security', /name one person/, 'assign'],
    ['assign security bob', /name one person/, 'assign'],
    ['page', /name a role/, 'page'],
    ['page security legal', /name one role/, 'page'],
    ['note', /write the note/, 'note'],
    ['decision', /write the decision/, 'decision'],
    ['tick', /one step number/, 'tick'],
    ['tick three', /step number/, 'tick'],
    ['tick 0', /step number/, 'tick'],
    ['untick 1 2', /one step number/, 'untick'],
    ['step', /one step number/, 'step'],
    ['step x', /step number/, 'step'],
    ['playbook', /name a playbook/, 'playbook'],
    ['playbook fraud', /no playbook "fraud"/, 'playbook'],
    ['action Fix it due=2026-12-01', /name an owner/, 'action'],
    ['action Fix it owner=@sam', /due=YYYY-MM-DD/, 'action'],
    ['action Fix it owner=@sam due=2026-02-30', /due=YYYY-MM-DD/, 'action'],
    ['action owner=@sam due=2026-12-01', /describe the action item/, 'action'],
    ['action done', /one action item number/, 'action'],
    ['action done x', /action item number/, 'action'],
    ['actions everyone', /mine or overdue/, 'actions'],
    ['timeline please', /takes nothing/, 'timeline'],
    ['reopen now', /takes nothing/, 'reopen'],
    ['list all', /takes nothing/, 'list'],
    ['oncall janitor @bob', /not a role/, 'oncall'],
    ['oncall security', /name at least one person/, 'oncall'],
    ['oncall security bob', /not a person/, 'oncall'],
  ])('refuses "%s" with a reason and the usage line', (text, reason, name) => {
    const refused = error(`/incident ${text}`);
    expect(refused.error).toMatch(reason);
    expect(refused.usage.startsWith(`usage: /incident ${name}`)).toBe(true);
  });
});

describe('parseCommand: anywhere', () => {
  it('reads list, help, oncall', () => {
    expect(parse('list')).toEqual({ kind: 'list' });
    expect(parse('/incident')).toEqual({ kind: 'help' });
    expect(parse('help declare')).toEqual({ kind: 'help', topic: 'declare' });
    expect(parse('oncall')).toEqual({ kind: 'oncall-show' });
    expect(parse('oncall security <@U1> <@U2|bob> @carol <@U1>')).toEqual({ kind: 'oncall-set', role: 'security', users: ['U1', 'U2', 'carol'] });
  });

  it('names an unknown command and the known ones', () => {
    const refused = error('/incident escalate now');
    expect(refused.error).toBe('unknown command "escalate"');
    expect(refused.usage).toContain('declare, list, oncall');
  });
});

describe('help', () => {
  it('lists every command in the grammar table with its usage', () => {
    const text = helpText();
    for (const command of COMMANDS) expect(text).toContain(`/incident ${command.usage}`);
  });

  it('explains one command, or says there is none', () => {
    expect(helpText('tick')).toMatch(/^usage: \/incident tick <step-number>\ntick a checklist step \(in an incident channel\)$/);
    expect(helpText('fly')).toMatch(/^No command "fly"/);
  });
});
