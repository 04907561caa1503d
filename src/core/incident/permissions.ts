import type { Actor, AdminUser, CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Store } from '../ports/store.js';
import { incidentRef } from './header-card.js';
import type { Incident } from './incident.js';
import { changeIncident } from './incident-transaction.js';

/**
 * Who may do what (issue 9). Forward progress (triage, contain, resolve, ticks, notes, roles) is open
 * to everyone in the incident's channel; the decisions that end, undo or re-scope an incident are
 * governed: only its commander, its declarer (an exercise's facilitator) or an admin (`ADMIN_USERS`)
 * may take them. People are ids of the incident's platform, so a commander or declarer counts only
 * when acting from that platform; an admin entry without a platform counts on every platform.
 */
export const GOVERNED_ACTIONS = ['close', 'reopen', 'severity', 'false_positive', 'playbook'] as const;
export type GovernedAction = (typeof GOVERNED_ACTIONS)[number];

/** The people an incident's governed actions belong to, besides the admins. */
export interface Governors {
  commander: string | null;
  /** Null for an alert nobody has declared yet (its `declaredBy` is the monitor, not a person). */
  declarer: string | null;
  /** An exercise's declarer is its facilitator. */
  declarerTitle: 'declarer' | 'facilitator';
  /**
   * An alert nobody has declared yet (waiting for triage, or dismissed there) has no channel,
   * commander or declarer: it is decided in triage, by whoever sees its card.
   */
  inTriage: boolean;
}

/** Reads the governors inside the caller's transaction (`store` is the transaction's). */
export async function governorsOf(store: Store, incident: Incident): Promise<Governors> {
  const [roles, alert, exercise] = await Promise.all([
    store.roles.forIncident(incident.id),
    store.alerts.forIncident(incident.id),
    incident.isExercise ? store.exercises.forIncident(incident.id) : Promise.resolve(undefined),
  ]);
  const inTriage = alert !== undefined && alert.triage !== 'declared';
  return {
    commander: roles.find((r) => r.role === 'commander')?.userId ?? null,
    // Declaring an alert makes the person who declared it the declarer (alerts.markDeclared).
    declarer: exercise?.facilitator ?? (inTriage ? null : incident.declaredBy),
    declarerTitle: incident.isExercise ? 'facilitator' : 'declarer',
    inTriage,
  };
}

export function isAdmin(admins: readonly AdminUser[] | undefined, actor: Pick<Actor, 'platform' | 'userId'>): boolean {
  return (admins ?? []).some((admin) => admin.userId === actor.userId && (admin.platform === undefined || admin.platform === actor.platform));
}

/** May this person close, reopen, change severity or playbook of, or mark a false positive this incident? */
export function mayGovern(context: Pick<CoreContext, 'admins'>, actor: Pick<Actor, 'platform' | 'userId'>, incident: Pick<Incident, 'platform'>, governors: Governors): boolean {
  if (governors.inTriage || isAdmin(context.admins, actor)) return true;
  if (actor.platform !== incident.platform) return false;
  return actor.userId === governors.commander || actor.userId === governors.declarer;
}

function doing(action: GovernedAction, ref: string): string {
  switch (action) {
    case 'close':
      return `close ${ref}`;
    case 'reopen':
      return `reopen ${ref}`;
    case 'severity':
      return `change the severity of ${ref}`;
    case 'false_positive':
      return `mark ${ref} a false positive`;
    case 'playbook':
      return `change the playbook of ${ref}`;
  }
}

/** "only the incident commander (@a), the declarer (@b) or an admin may close INC-12" */
export function whoMay(context: Pick<CoreContext, 'platforms'>, incident: Pick<Incident, 'id' | 'platform'>, governors: Governors, action: GovernedAction): string {
  const platform = context.platforms.get(incident.platform);
  const mention = (userId: string) => (platform ? platform.mention(userId) : userId);
  const { commander, declarer, declarerTitle } = governors;
  const people: string[] = [];
  if (commander && commander === declarer) people.push(`the incident commander and ${declarerTitle} (${mention(commander)})`);
  else {
    if (commander) people.push(`the incident commander (${mention(commander)})`);
    if (declarer) people.push(`the ${declarerTitle} (${mention(declarer)})`);
  }
  const who = people.length ? `${people.join(', ')} or an admin` : 'an admin';
  return `only ${who} may ${doing(action, incidentRef(incident))}`;
}

/** What was refused, for the `action_refused` event written after the change's transaction rolled back. */
export interface Refusal {
  incidentId: number;
  action: GovernedAction;
  actor: Actor;
  /** The severity or playbook asked for, if any. */
  to?: string;
}

export class ActionRefused extends AppError {
  constructor(
    message: string,
    readonly refusal: Refusal,
  ) {
    super('forbidden', message);
    this.name = 'ActionRefused';
  }
}

/**
 * Throws `ActionRefused` (an AppError naming who may) unless the actor may govern the incident.
 * Call it inside the change's transaction, after the row is locked, with the transaction's store;
 * use `changeGoverned`, which records the refusal once the transaction has rolled back.
 */
export async function refuseUnlessGovernor(context: CoreContext, store: Store, actor: Actor, incident: Incident, action: GovernedAction, to?: string): Promise<void> {
  const governors = await governorsOf(store, incident);
  if (mayGovern(context, actor, incident, governors)) return;
  throw new ActionRefused(whoMay(context, incident, governors, action), { incidentId: incident.id, action, actor, ...(to !== undefined ? { to } : {}) });
}

/**
 * Records a refusal as an `action_refused` event in its own transaction. It runs after the refused
 * change's transaction has rolled back (and released the row lock), so nothing else it wrote stands.
 */
export async function recordRefusal(context: CoreContext, refusal: Refusal): Promise<void> {
  const { incidentId, action, actor, to } = refusal;
  await context.store.events.append({
    incidentId,
    kind: 'action_refused',
    payload: { action, platform: actor.platform, ...(to !== undefined ? { to } : {}) },
    actor: actor.userId,
    occurredAt: context.clock.now(),
    ...(actor.requestKey ? { idempotencyKey: `refused:${actor.requestKey}` } : {}),
  });
  context.logger.info({ incidentId, action, actor: actor.userId, platform: actor.platform }, 'action refused');
}

/**
 * `changeIncident` for a governed action: the permission is checked on the locked row before
 * `change` runs; a refusal rolls the transaction back, is recorded as an event, and is rethrown.
 */
export async function changeGoverned<T>(
  context: CoreContext,
  actor: Actor,
  incidentId: number,
  action: GovernedAction,
  change: (store: Store, incident: Incident) => Promise<T>,
  to?: string,
): Promise<T> {
  try {
    return await changeIncident(context, incidentId, async (store, incident) => {
      await refuseUnlessGovernor(context, store, actor, incident, action, to);
      return change(store, incident);
    });
  } catch (error) {
    if (error instanceof ActionRefused) {
      // The person is refused either way; a refusal that cannot be recorded is logged instead.
      await recordRefusal(context, error.refusal).catch((failure: unknown) =>
        context.logger.error({ incidentId, action, err: failure instanceof Error ? failure.message : String(failure) }, 'could not record a refused action'),
      );
    }
    throw error;
  }
}

/**
 * A private incident's details (title, description, timeline, checklist, its channel's link) are
 * shown only inside its own channel; everywhere else it is its number, severity and state.
 */
export function seesDetails(actor: Pick<Actor, 'platform' | 'channelId'>, incident: Pick<Incident, 'private' | 'platform' | 'channelId'>): boolean {
  return !incident.private || (incident.channelId !== null && actor.platform === incident.platform && actor.channelId === incident.channelId);
}
