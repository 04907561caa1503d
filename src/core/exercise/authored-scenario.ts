import { z } from 'zod';
import { ROLE_IDS } from '../domain.js';

/**
 * A tabletop scenario written for this bot in HSEEP terms (`playbooks/exercises/*.yaml`): the
 * objectives it evaluates, the roles it needs, and the Master Scenario Events List (MSEL) of
 * injects. Fields split into what players see (`text`, `from`, a decision's prompt and options, a
 * contingency's text) and what only the facilitator sees (expected actions, notes): the player
 * cards are built from `playerView` alone, and validation refuses a scenario whose controller-only
 * text was copied into a player field.
 */
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes');
const role = z.enum(ROLE_IDS);
const minutes = z.number().int().min(0).max(24 * 60);
const limitMinutes = z.number().int().min(1).max(24 * 60);
const text = (max: number) => z.string().trim().min(1).max(max);

/** What counts as an expected action having been observed: an event of the exercise's incident. */
export const observeSchema = z.union([
  z.object({ event: z.literal('step_completed'), step: z.number().int().min(1).optional() }).strict(),
  z.object({ event: z.literal('state_changed'), to: z.enum(['triaged', 'contained', 'resolved']) }).strict(),
  z.object({ event: z.literal('severity_changed') }).strict(),
  z.object({ event: z.literal('role_assigned'), role: role.optional() }).strict(),
  z.object({ event: z.literal('note_added') }).strict(),
  z.object({ event: z.literal('decision_recorded') }).strict(),
  z.object({ event: z.literal('clock_flagged') }).strict(),
  z.object({ event: z.literal('action_item_added') }).strict(),
  /** The decision of an inject of this scenario was taken (button or `exercise decide`). */
  z.object({ decision: id }).strict(),
]);
export type Observe = z.infer<typeof observeSchema>;

export const expectedActionSchema = z
  .object({
    id,
    /** Controller-only: what the evaluators look for. */
    description: text(300),
    objective: id,
    /** Measured from the inject's delivery; missing it fires the inject's contingency. */
    within_minutes: limitMinutes,
    /** How the bot sees it happen; without it, the facilitator marks it (`exercise observed <id>`). */
    observe: observeSchema.optional(),
    /** The role expected to act (who owns the corrective action when it is missed). */
    role: role.optional(),
  })
  .strict();

export const decisionSchema = z
  .object({
    prompt: text(500),
    options: z
      .array(z.object({ id, label: text(75) }).strict())
      .min(2)
      .max(5),
    /** The role that decides; anyone may when absent. */
    decided_by: role.optional(),
    within_minutes: limitMinutes,
  })
  .strict();

export const triggerSchema = z.union([
  z.object({ at_minutes: minutes }).strict(),
  z
    .object({
      after: id,
      delay_minutes: minutes.default(0),
      /** A branch: delivered only when that inject's decision took this option, skipped otherwise. */
      if: z.object({ decision: id, option: id }).strict().optional(),
    })
    .strict(),
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const injectSchema = z
  .object({
    id,
    trigger: triggerSchema,
    /** The persona the message comes from ("Priya, customer support lead"). */
    from: text(100),
    /** The roles it is addressed to; they are mentioned when it is delivered. */
    to: z.array(role).min(1),
    text: text(2500),
    expected_actions: z.array(expectedActionSchema).default([]),
    decision: decisionSchema.optional(),
    /** Delivered when an expected action of this inject is not observed within its limit. */
    contingency: z.object({ from: text(100), text: text(2000) }).strict().optional(),
    controller_notes: text(1000).optional(),
    evaluator_notes: text(1000).optional(),
  })
  .strict();
export type Inject = z.infer<typeof injectSchema>;

export const authoredScenarioSchema = z
  .object({
    id,
    version: z.number().int().min(1),
    title: text(120),
    playbook: id,
    duration_minutes: z.number().int().min(10).max(8 * 60),
    basis: z
      .object({
        /** A MITRE ATLAS case study id, or a public incident described with its reference. */
        atlas_id: z.string().regex(/^AML\.CS\d{4}$/).optional(),
        incident: text(200),
        reference: text(300),
        /** What really happened, in our own words. */
        summary: text(1500),
      })
      .strict(),
    objectives: z
      .array(
        z
          .object({
            id,
            /** The capability evaluated (HSEEP core capability or this programme's own). */
            capability: text(80),
            /** Measurable: "containment decision within 15 minutes of inject 3". */
            target: text(300),
          })
          .strict(),
      )
      .min(1)
      .max(8),
    roles: z
      .array(z.object({ role, required: z.boolean() }).strict())
      .min(1),
    opening: text(2500),
    injects: z.array(injectSchema).min(2).max(40),
    hot_wash_minutes: z.number().int().min(1).max(240).default(15),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    for (const problem of scenarioProblems(scenario)) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
  });
export type AuthoredScenario = z.infer<typeof authoredScenarioSchema>;

interface Problem {
  message: string;
  path: (string | number)[];
}

/** Words of at least this many characters copied from a controller field into a player field give it away. */
const LEAK_WINDOW = 40;
const LIVE_LINK = /\bhttps?:\/\//i;
/** Instructions aimed at an AI reader; in a scenario they may appear only inside a code fence. */
const INJECTION_PHRASE = /\b(ignore|disregard|forget)\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier)\s+(instructions|prompts?|rules)\b|\bnew\s+instructions\s*:|\bsystem\s+prompt\s*:/i;

function withoutCodeFences(value: string): string {
  return value.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`\n]*`/g, ' ');
}

function normalised(value: string): string {
  return value.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Every text a player can see, with where it is. */
export function playerTexts(scenario: Pick<AuthoredScenario, 'opening' | 'injects'>): { path: (string | number)[]; text: string }[] {
  const texts: { path: (string | number)[]; text: string }[] = [{ path: ['opening'], text: scenario.opening }];
  scenario.injects.forEach((inject, i) => {
    texts.push({ path: ['injects', i, 'from'], text: inject.from }, { path: ['injects', i, 'text'], text: inject.text });
    if (inject.decision) {
      texts.push({ path: ['injects', i, 'decision', 'prompt'], text: inject.decision.prompt });
      inject.decision.options.forEach((o, j) => texts.push({ path: ['injects', i, 'decision', 'options', j, 'label'], text: o.label }));
    }
    if (inject.contingency) texts.push({ path: ['injects', i, 'contingency', 'text'], text: inject.contingency.text }, { path: ['injects', i, 'contingency', 'from'], text: inject.contingency.from });
  });
  return texts;
}

function controllerTexts(scenario: Pick<AuthoredScenario, 'injects'>): string[] {
  return scenario.injects.flatMap((inject) => [inject.controller_notes, inject.evaluator_notes, ...inject.expected_actions.map((a) => a.description)].filter((t): t is string => Boolean(t)));
}

/** The pieces of `text` of `length` characters at every offset. */
function windowsOf(text: string, length: number): Set<string> {
  const windows = new Set<string>();
  for (let start = 0; start + length <= text.length; start += 1) windows.add(text.slice(start, start + length));
  return windows;
}

/**
 * Finds in `shown` a passage of at least LEAK_WINDOW characters of a controller text (both
 * normalised), gathering the windows of `shown` once for all the scenario's controller texts:
 * looking every window of every controller text up in every player text made loading the
 * shipped scenarios take a quarter of a second.
 */
function leakFinder(shown: string): (secret: string) => string | null {
  const probe = LEAK_WINDOW / 2;
  let probes: Set<string> | undefined;
  let windows: Set<string> | undefined;
  return (secret) => {
    if (secret.length < LEAK_WINDOW) return shown.includes(secret) && secret.length >= 20 ? secret : null;
    // A shared passage of LEAK_WINDOW characters holds a whole piece of the secret that starts at a
    // multiple of `probe`: none of those in `shown`, no leak.
    probes ??= windowsOf(shown, probe);
    let hit = false;
    for (let start = 0; start + probe <= secret.length && !hit; start += probe) hit = probes.has(secret.slice(start, start + probe));
    if (!hit) return null;
    windows ??= windowsOf(shown, LEAK_WINDOW);
    // Every offset: with a larger step, a copied passage only a little longer than LEAK_WINDOW can fall between two windows.
    for (let start = 0; start + LEAK_WINDOW <= secret.length; start += 1) {
      const piece = secret.slice(start, start + LEAK_WINDOW);
      if (windows.has(piece)) return piece;
    }
    return null;
  };
}

/** What zod cannot say about one field: references between injects, leaks, live payloads. */
export function scenarioProblems(scenario: AuthoredScenario): Problem[] {
  const problems: Problem[] = [];
  const objectives = new Set(scenario.objectives.map((o) => o.id));
  const injectIds = new Map<string, number>();
  scenario.injects.forEach((inject, i) => {
    if (injectIds.has(inject.id)) problems.push({ message: `inject id "${inject.id}" is used twice`, path: ['injects', i, 'id'] });
    injectIds.set(inject.id, i);
  });
  scenario.objectives.forEach((objective, i) => {
    if (scenario.objectives.findIndex((o) => o.id === objective.id) < i) problems.push({ message: `objective id "${objective.id}" is used twice`, path: ['objectives', i, 'id'] });
  });
  scenario.roles.forEach((r, i) => {
    if (scenario.roles.findIndex((o) => o.role === r.role) < i) problems.push({ message: `role ${r.role} is listed twice`, path: ['roles', i, 'role'] });
  });
  const roles = new Set(scenario.roles.map((r) => r.role));
  const decisions = new Map(scenario.injects.filter((i) => i.decision).map((i) => [i.id, new Set(i.decision!.options.map((o) => o.id))]));
  if (!scenario.injects.some((i) => 'at_minutes' in i.trigger)) problems.push({ message: 'at least one inject needs `at_minutes`, or nothing ever starts', path: ['injects'] });
  scenario.injects.forEach((inject, i) => {
    const at = (...rest: (string | number)[]) => ['injects', i, ...rest];
    const trigger = inject.trigger;
    if ('after' in trigger) {
      const before = injectIds.get(trigger.after);
      if (before === undefined) problems.push({ message: `"after: ${trigger.after}" names no inject`, path: at('trigger', 'after') });
      else if (before >= i) problems.push({ message: `"after: ${trigger.after}" must name an earlier inject in the list`, path: at('trigger', 'after') });
      if (trigger.if) {
        const options = decisions.get(trigger.if.decision);
        if (!options) problems.push({ message: `"if.decision: ${trigger.if.decision}" names no inject with a decision`, path: at('trigger', 'if', 'decision') });
        else if (!options.has(trigger.if.option)) problems.push({ message: `"if.option: ${trigger.if.option}" is not an option of ${trigger.if.decision}'s decision (${[...options].join(', ')})`, path: at('trigger', 'if', 'option') });
      }
    }
    for (const r of inject.to) if (!roles.has(r)) problems.push({ message: `role ${r} is addressed but not in the scenario's roles`, path: at('to') });
    inject.decision?.options.forEach((option, j, options) => {
      if (options.findIndex((o) => o.id === option.id) < j) problems.push({ message: `option id "${option.id}" is used twice in ${inject.id}'s decision`, path: at('decision', 'options', j, 'id') });
    });
    if (inject.decision?.decided_by && !roles.has(inject.decision.decided_by)) problems.push({ message: `role ${inject.decision.decided_by} decides but is not in the scenario's roles`, path: at('decision', 'decided_by') });
    inject.expected_actions.forEach((action, j) => {
      if (!objectives.has(action.objective)) problems.push({ message: `objective "${action.objective}" is not one of the scenario's objectives`, path: at('expected_actions', j, 'objective') });
      if (action.observe && 'decision' in action.observe && !decisions.has(action.observe.decision)) {
        problems.push({ message: `"observe.decision: ${action.observe.decision}" names no inject with a decision`, path: at('expected_actions', j, 'observe') });
      }
    });
    if (inject.contingency && inject.expected_actions.length === 0) problems.push({ message: 'a contingency fires when an expected action is missed: this inject expects none', path: at('contingency') });
  });
  const actionIds = new Set<string>();
  scenario.injects.forEach((inject, i) =>
    inject.expected_actions.forEach((action, j) => {
      if (actionIds.has(action.id)) problems.push({ message: `expected action id "${action.id}" is used twice`, path: ['injects', i, 'expected_actions', j, 'id'] });
      actionIds.add(action.id);
    }),
  );
  for (const objective of scenario.objectives) {
    if (![...scenario.injects].some((inject) => inject.expected_actions.some((a) => a.objective === objective.id))) {
      problems.push({ message: `objective "${objective.id}" has no expected action: nothing could rate it`, path: ['objectives'] });
    }
  }
  const secrets = controllerTexts(scenario).map(normalised);
  for (const shown of playerTexts(scenario)) {
    const leakIn = leakFinder(normalised(shown.text));
    for (const secret of secrets) {
      const passage = leakIn(secret);
      if (passage) problems.push({ message: `controller-only text reaches players here: "${passage}"`, path: shown.path });
    }
    const outside = withoutCodeFences(shown.text);
    if (LIVE_LINK.test(shown.text)) problems.push({ message: 'a live link in player text: defang it (hxxps://, example[.]com)', path: shown.path });
    if (INJECTION_PHRASE.test(outside)) problems.push({ message: 'an injection payload outside a code fence: put payloads in ``` fences so an AI assistant reading the channel sees quoted text', path: shown.path });
  }
  return problems;
}

/** The inject as players may see it: nothing of the controller's. */
export interface PlayerInject {
  id: string;
  from: string;
  to: Inject['to'];
  text: string;
  decision?: Inject['decision'];
}

export function playerView(inject: Inject): PlayerInject {
  return { id: inject.id, from: inject.from, to: inject.to, text: inject.text, ...(inject.decision ? { decision: inject.decision } : {}) };
}
