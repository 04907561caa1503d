import type { Actor, CoreContext } from '../context.js';
import { ROLES, type RoleId } from '../domain.js';
import { AppError } from '../errors.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { deliverPendingPages, platformFor, refreshCards } from '../incident/publish-incident.js';
import type { Incident } from '../incident/incident.js';
import { publicReply, type Reply } from '../reply.js';
import { ensurePeople } from './roster.js';
import { tellChannel } from './tell-channel.js';

/** Someone who takes a role needs the channel: a private one they cannot join themselves. */
async function bringIntoChannel(context: CoreContext, incident: Incident, userId: string): Promise<void> {
  const platform = platformFor(context, incident);
  if (!incident.channelId || !platform.addMembers) return;
  await platform.addMembers(incident.channelId, [userId]).catch(async (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    await tellChannel(context, incident, `⚠️ Could not add ${platform.mention(userId)} to this channel: ${reason}. Add them by hand.`);
  });
}

export async function assignRole(context: CoreContext, actor: Actor, incidentId: number, role: RoleId, userId: string): Promise<Reply> {
  const existing = await context.store.incidents.get(incidentId);
  if (existing) {
    await ensurePeople(context, platformFor(context, existing), [userId], () => `type \`/incident assign ${role} @person\` with someone from this workspace (pick them from the list as you type @).`);
  }
  const now = context.clock.now();
  const incident = await changeIncident(context, incidentId, async (store, incident) => {
    const previous = (await store.roles.forIncident(incidentId)).find((r) => r.role === role)?.userId ?? null;
    if (previous === userId) throw new AppError('invalid_transition', `they already hold ${ROLES[role].name}`);
    await store.roles.assign({ incidentId, role, userId, assignedAt: now });
    await store.events.append({ incidentId, kind: 'role_assigned', payload: { role, user: userId, previous }, actor: actor.userId, occurredAt: now });
    if (userId !== actor.userId && !incident.isExercise) await store.pages.create({ incidentId, role, userId, createdAt: now });
    return incident;
  });
  await bringIntoChannel(context, incident, userId);
  await refreshCards(context, incidentId);
  await deliverPendingPages(context, incidentId);
  return publicReply(`${platformFor(context, incident).mention(userId)} is now ${ROLES[role].name}.`);
}

/** Pages whoever holds the role, or the role's on-call primary when nobody holds it yet. */
export async function pageRole(context: CoreContext, actor: Actor, incidentId: number, role: RoleId): Promise<Reply> {
  const now = context.clock.now();
  const { incident, userId } = await changeIncident(context, incidentId, async (store, incident) => {
    if (incident.isExercise) {
      throw new AppError('invalid_transition', `this is a tabletop exercise: nobody is paged for real; mention the person here, or \`/incident assign ${role} @person\` to give them the role`);
    }
    const holder = (await store.roles.forIncident(incidentId)).find((r) => r.role === role)?.userId;
    const userId = holder ?? (await store.roles.roster(incident.platform)).get(role)?.[0];
    if (!userId) {
      throw new AppError('not_found', `nobody holds ${ROLES[role].name} and nobody is on call for it; use \`/incident assign ${role} @person\` or \`/incident oncall ${role} @person\``);
    }
    if (!holder) {
      await store.roles.assign({ incidentId, role, userId, assignedAt: now });
      await store.events.append({ incidentId, kind: 'role_assigned', payload: { role, user: userId, previous: null }, actor: actor.userId, occurredAt: now });
    }
    await store.pages.create({ incidentId, role, userId, createdAt: now });
    return { incident, userId };
  });
  await bringIntoChannel(context, incident, userId);
  await refreshCards(context, incidentId);
  await deliverPendingPages(context, incidentId);
  const pages = await context.store.pages.forIncident(incidentId);
  const latest = pages.filter((p) => p.role === role && p.userId === userId).at(-1);
  const who = platformFor(context, incident).mention(userId);
  if (latest?.status === 'failed') return publicReply(`The page to ${who} (${ROLES[role].name}) failed: ${latest.error ?? 'unknown error'}.`);
  return publicReply(`Paged ${who} as ${ROLES[role].name}.`);
}
