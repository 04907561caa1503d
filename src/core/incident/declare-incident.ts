import { channelLink } from './channel-name.js';
import type { Command } from '../commands/types.js';
import type { Actor, CoreContext } from '../context.js';
import { ROLES, type RoleId, type Severity } from '../domain.js';
import { AppError, isAppError } from '../errors.js';
import { matchPlaybook, type PlaybookMatch } from '../playbook/match-playbook.js';
import type { Playbook } from '../playbook/schema.js';
import type { Store } from '../ports/store.js';
import type { NewEvent } from '../events/event-kinds.js';
import { type Reply } from '../reply.js';
import { CARD_ACTION } from '../cards/actions.js';
import type { Card } from '../cards/card.js';
import { cleanText } from '../text-input.js';
import { formatTime, resolveTime } from '../time/time-input.js';
import { incidentRef } from './header-card.js';
import type { Incident } from './incident.js';
import { publishIncident } from './publish-incident.js';
import { addSuggestedTags } from '../taxonomy/record-suggested-tags.js';

export interface DeclareRequest {
  title: string;
  summary?: string;
  severity?: Severity;
  playbookId?: string | null;
  private?: boolean;
  impactStartedAt?: Date;
  detectedAt?: Date;
  source?: string;
  isExercise?: boolean;
  /** An alert waiting for triage: recorded, but no channel and no pages until someone declares it. */
  awaitTriage?: boolean;
  /** More to record in the declaration's own transaction (an exercise's row), so both or neither stand. */
  alsoRecord?: (store: Store, incident: Incident) => Promise<void>;
}

export function stepsFromPlaybook(playbook: Playbook | undefined) {
  return (playbook?.steps ?? []).map((step, index) => ({
    number: index + 1,
    phase: step.phase,
    title: step.title,
    detail: step.detail ?? null,
    role: step.role ?? null,
  }));
}

/** The roles a playbook pages at a severity, commander always first. */
export function rolesToPage(playbook: Playbook | undefined, severity: Severity): RoleId[] {
  const roles = playbook ? playbook.page[severity] : [];
  return [...new Set<RoleId>(['commander', ...roles])];
}

/**
 * Gives each role the playbook asks for at this severity to its on-call primary, and queues a page
 * for each holder that has not been paged for that role yet (never for an exercise: it is practice,
 * the roster only says who plays which role). Returns the roles nobody is on call for.
 */
export async function staffRoles(store: Store, incident: Incident, playbook: Playbook | undefined, actor: string, at: Date): Promise<RoleId[]> {
  const roster = await store.roles.roster(incident.platform);
  const assigned = new Map((await store.roles.forIncident(incident.id)).map((r) => [r.role, r.userId]));
  const paged = new Set((await store.pages.forIncident(incident.id)).map((p) => `${p.role}:${p.userId}`));
  const unstaffed: RoleId[] = [];
  for (const role of rolesToPage(playbook, incident.severity)) {
    let holder = assigned.get(role) ?? roster.get(role)?.[0];
    if (!holder && role === 'commander') holder = incident.declaredBy;
    if (!holder) {
      unstaffed.push(role);
      continue;
    }
    if (!assigned.has(role)) {
      await store.roles.assign({ incidentId: incident.id, role, userId: holder, assignedAt: at });
      await store.events.append({ incidentId: incident.id, kind: 'role_assigned', payload: { role, user: holder, previous: null }, actor, occurredAt: at });
    }
    if (!incident.isExercise && holder !== actor && !paged.has(`${role}:${holder}`)) {
      await store.pages.create({ incidentId: incident.id, role, userId: holder, createdAt: at });
    }
  }
  return unstaffed;
}

export interface DeclareResult {
  incident: Incident;
  duplicate: boolean;
  unstaffed: RoleId[];
  matchReason: string;
  /** How the playbook was matched from the text, when nobody named one. */
  match?: PlaybookMatch;
  /** Why the channel, cards or pages are not done yet (the platform failed; they are retried). */
  unfinished?: string;
}

/** A declaration checked and its playbook chosen: what `recordDeclarations` writes. Nothing is written yet. */
export interface PlannedDeclaration {
  actor: Actor;
  request: DeclareRequest;
  playbook: Playbook | undefined;
  matchReason: string;
  /** How the playbook was matched from the text, when nobody named one. */
  match?: PlaybookMatch;
  severity: Severity;
  isPrivate: boolean;
  declaredAt: Date;
  detectedAt: Date;
  impactStartedAt: Date;
}

/** Cleans and checks a declaration and picks its playbook; refuses impossible times. */
export function planDeclaration(context: CoreContext, actor: Actor, declared: DeclareRequest): PlannedDeclaration {
  // Forms (Slack's declare modal calls this directly), alerts and exercises all declare here.
  const request: DeclareRequest = {
    ...declared,
    title: cleanText(declared.title),
    ...(declared.summary !== undefined ? { summary: cleanText(declared.summary) } : {}),
    ...(declared.source !== undefined ? { source: cleanText(declared.source) } : {}),
  };
  const now = context.clock.now();
  const detectedAt = request.detectedAt ?? now;
  const impactStartedAt = request.impactStartedAt ?? detectedAt;
  const tz = context.timeZone;
  if (detectedAt > now) throw new AppError('invalid_time', `detected=${formatTime(detectedAt, tz)} is in the future; detection is at the latest now`);
  if (impactStartedAt > now) throw new AppError('invalid_time', `started=${formatTime(impactStartedAt, tz)} is in the future; impact starts at the latest now`);
  if (detectedAt < impactStartedAt) {
    throw new AppError('invalid_time', `detected=${formatTime(detectedAt, tz)} is before started=${formatTime(impactStartedAt, tz)}; an incident cannot be detected before its impact starts`);
  }

  let playbook: Playbook | undefined;
  let matchReason: string;
  let match: PlaybookMatch | undefined;
  if (request.playbookId) {
    playbook = context.playbooks.get(request.playbookId);
    if (!playbook) throw new AppError('not_found', `no playbook "${request.playbookId}"; use one of ${context.playbooks.ids.join(', ')}`);
    matchReason = 'it was named when declaring';
  } else if (request.playbookId === null) {
    matchReason = 'none was chosen';
  } else {
    match = matchPlaybook(context.playbooks.all(), `${request.title} ${request.summary ?? ''}`);
    playbook = match.playbook ?? undefined;
    matchReason = match.reason;
  }
  return {
    actor,
    request,
    playbook,
    matchReason,
    ...(match ? { match } : {}),
    severity: request.severity ?? playbook?.default_severity ?? 'sev3',
    isPrivate: request.private ?? playbook?.private ?? false,
    declaredAt: now,
    detectedAt,
    impactStartedAt,
  };
}

/**
 * Writes planned declarations in the caller's transaction (`store` is the transaction's): the
 * incidents, their `incident_declared` events, checklists and suggested tags, a statement each for
 * all of them (an alert storm declares many at once), then the roles and pages; an alert waiting
 * for triage gets neither checklist, roles nor suggested tags until someone declares it (most of an
 * alert storm is never declared, and tags count in the digests as incidents' classifications).
 * Refuses with `duplicate_request` when a declaration's request key was used.
 */
export async function recordDeclarations(
  context: CoreContext,
  store: Store,
  plans: readonly PlannedDeclaration[],
  /** More rows to write for the new incidents (an alert's); the events it answers go in the same statement as theirs. */
  alongside?: (incidents: readonly Incident[]) => Promise<NewEvent[]>,
): Promise<{ incident: Incident; unstaffed: RoleId[] }[]> {
  const incidents = await store.incidents.createAll(
    plans.map((plan) => ({
      title: plan.request.title,
      summary: plan.request.summary ?? '',
      severity: plan.severity,
      playbookId: plan.playbook?.id ?? null,
      playbookReason: plan.matchReason,
      private: plan.isPrivate,
      isExercise: plan.request.isExercise ?? false,
      platform: plan.actor.platform,
      originChannelId: plan.actor.channelId || null,
      declaredBy: plan.actor.userId,
      source: plan.request.source ?? 'manual',
      impactStartedAt: plan.impactStartedAt,
      detectedAt: plan.detectedAt,
      declaredAt: plan.declaredAt,
    })),
  );
  const declaredEvents = plans.map((plan, index) => ({
    incidentId: incidents[index]!.id,
    kind: 'incident_declared' as const,
    payload: {
      title: incidents[index]!.title,
      severity: plan.severity,
      playbook_id: incidents[index]!.playbookId,
      playbook_reason: plan.matchReason,
      private: plan.isPrivate,
      impact_started_at: plan.impactStartedAt.toISOString(),
      detected_at: plan.detectedAt.toISOString(),
      source: incidents[index]!.source,
    },
    actor: plan.actor.userId,
    occurredAt: plan.declaredAt,
    ...(plan.actor.requestKey ? { idempotencyKey: `declare:${plan.actor.requestKey}` } : {}),
  }));
  const tags = await addSuggestedTags(
    context,
    store,
    plans.flatMap((plan, index) => (plan.request.awaitTriage ? [] : [{ incident: incidents[index]!, playbook: plan.playbook, at: plan.declaredAt }])),
  );
  const events = [...declaredEvents, ...tags.events, ...((await alongside?.(incidents)) ?? [])];
  // Only a declaration's own event carries a request key: fewer rows means one was a retry.
  if ((await store.events.appendAll(events)) < events.length) throw new AppError('duplicate_request', 'this declaration was already received');
  // An alert waiting for triage gets its checklist when someone declares it (`declareAlert`): most of an alert storm never needs one.
  await store.steps.addAll(
    plans.flatMap((plan, index) => (plan.request.awaitTriage ? [] : stepsFromPlaybook(plan.playbook).map((step) => ({ ...step, incidentId: incidents[index]!.id })))),
  );
  const recorded: { incident: Incident; unstaffed: RoleId[] }[] = [];
  for (const [index, plan] of plans.entries()) {
    const incident = incidents[index]!;
    const unstaffed = plan.request.awaitTriage ? [] : await staffRoles(store, incident, plan.playbook, plan.actor.userId, plan.declaredAt);
    recorded.push({ incident, unstaffed });
  }
  return recorded;
}

export async function declareIncident(context: CoreContext, actor: Actor, declared: DeclareRequest): Promise<DeclareResult> {
  const plan = planDeclaration(context, actor, declared);
  const { request, matchReason } = plan;
  const matched = plan.match ? { match: plan.match } : {};
  try {
    const result = await context.store.transaction(async (store) => {
      const [recorded] = await recordDeclarations(context, store, [plan]);
      await request.alsoRecord?.(store, recorded!.incident);
      return recorded!;
    });
    if (request.awaitTriage) return { incident: result.incident, duplicate: false, unstaffed: result.unstaffed, matchReason, ...matched };
    try {
      const published = (await publishIncident(context, result.incident.id)) ?? result.incident;
      return { incident: published, duplicate: false, unstaffed: result.unstaffed, matchReason, ...matched };
    } catch (error) {
      // The incident stands; the chat platform did not do its part. The side-effect retry finishes it (retry-side-effects.ts).
      if (!isAppError(error, 'platform_error') && !isAppError(error, 'rate_limited')) throw error;
      const incident = (await context.store.incidents.get(result.incident.id)) ?? result.incident;
      return { incident, duplicate: false, unstaffed: result.unstaffed, matchReason, ...matched, unfinished: error.message };
    }
  } catch (error) {
    if (!isAppError(error, 'duplicate_request') || !actor.requestKey) throw error;
    const first = await context.store.events.findByIdempotencyKey(`declare:${actor.requestKey}`);
    const incident = first?.incidentId ? await context.store.incidents.get(first.incidentId) : undefined;
    if (!incident) throw error;
    return { incident, duplicate: true, unstaffed: [], matchReason: incident.playbookReason };
  }
}

export async function declareFromCommand(context: CoreContext, actor: Actor, command: Extract<Command, { kind: 'declare' }>): Promise<Reply> {
  const now = context.clock.now();
  const result = await declareIncident(context, actor, {
    title: command.title,
    ...(command.summary ? { summary: command.summary } : {}),
    ...(command.severity ? { severity: command.severity } : {}),
    ...(command.playbookId ? { playbookId: command.playbookId } : {}),
    ...(command.private !== undefined ? { private: command.private } : {}),
    ...(command.startedAt ? { impactStartedAt: resolveTime(command.startedAt, now) } : {}),
    ...(command.detectedAt ? { detectedAt: resolveTime(command.detectedAt, now) } : {}),
  });
  return declaredReply(context, result);
}

/** What the declarer is told, whichever edge or form the declaration came from. */
export function declaredReply(context: CoreContext, result: Awaited<ReturnType<typeof declareIncident>>): Reply {
  const { incident } = result;
  const where = channelLink(context.platforms.get(incident.platform), incident) ?? 'its channel';
  const reply: Reply = { text: '', incidentId: incident.id, ...(incident.channelId ? { channelId: incident.channelId } : {}) };
  if (result.duplicate) return { ...reply, text: `Already declared as ${incidentRef(incident)} in ${where}.` };
  const playbook = context.playbooks.get(incident.playbookId);
  const lines = [
    `Declared ${incidentRef(incident)} (${incident.severity.toUpperCase()}${incident.private ? ', private' : ''}) in ${where}.`,
    playbookLine(context, result, playbook),
  ];
  if (result.unfinished) lines.push(`Not finished yet: ${result.unfinished}. The bot opens the channel, posts the cards and sends the pages as soon as the platform answers again.`);
  if (result.unstaffed.length > 0) {
    lines.push(`Nobody is on call for ${result.unstaffed.map((r) => ROLES[r].name).join(', ')}: set a roster with \`/incident oncall <role> @person\`, or \`/incident assign <role> @person\`.`);
  }
  const card = switchPlaybookCard(context, incident, result.match);
  return { ...reply, text: lines.join('\n'), ...(card ? { card } : {}) };
}

function playbookLine(context: CoreContext, result: DeclareResult, playbook: Playbook | undefined): string {
  const match = result.match;
  if (playbook && match?.playbook) {
    // "instructions hidden" says nothing "instructions hidden in" does not.
    const deciding = match.decidingWords.filter((w) => !match.decidingWords.some((other) => other !== w && other.toLowerCase().includes(w.toLowerCase())));
    const words = deciding.slice(0, 5).map((w) => `"${w}"`).join(', ');
    return `Playbook: ${playbook.name}${words ? `, matched on ${words}` : ` (${result.matchReason})`}${match.runnerUp ? `; runner-up: ${match.runnerUp.name}` : ''}. Change it with \`/incident playbook <id>\`.`;
  }
  if (playbook) return `Playbook: ${playbook.name} (${result.matchReason}). Change it with \`/incident playbook <id>\`.`;
  if (result.match?.verdict === 'vague') {
    return `No playbook yet: the text is too vague to pick one (${result.matchReason}). Pick one below or with \`/incident playbook <id>\`: ${context.playbooks.ids.join(', ')}.`;
  }
  if (result.match?.verdict === 'none') {
    return `No playbook: this does not read as an AI-system incident of the kinds the playbooks cover (${result.matchReason}). If it is one, pick it below or with \`/incident playbook <id>\`.`;
  }
  return `No playbook (${result.matchReason}). Pick one with \`/incident playbook <id>\`: ${context.playbooks.ids.join(', ')}.`;
}

/**
 * The one-click switch under a matched declaration: the runner-up, or every playbook when none was
 * picked from the text. Nothing when the playbook was named or chosen by hand.
 */
function switchPlaybookCard(context: CoreContext, incident: Incident, match: PlaybookMatch | undefined): Card | undefined {
  if (!match || incident.source === 'alert') return undefined;
  const choices = match.playbook ? [match.runnerUp].filter((p): p is Playbook => p !== null) : context.playbooks.all();
  if (choices.length === 0) return undefined;
  return {
    title: match.playbook ? 'Not the right playbook?' : 'Pick a playbook',
    // Slack wants each button of a message to have its own action id.
    actions: choices.map((choice) => ({ id: `${CARD_ACTION.playbook}:${choice.id}`, label: `Use ${choice.name}`, value: `${incident.id}:${choice.id}` })),
  };
}
