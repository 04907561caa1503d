import type { Actor, CoreContext } from '../context.js';
import { ROLES, ROLE_IDS, type RoleId } from '../domain.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { publicReply, privateReply, type Reply } from '../reply.js';

/** Sets a role's escalation order: the first person is primary, the rest are paged in turn. */
export async function setRoster(context: CoreContext, actor: Actor, role: RoleId, users: string[], platform: ChatPlatform): Promise<Reply> {
  await context.store.transaction(async (store) => {
    await store.roles.setRoster(role, users);
    await store.events.append({ incidentId: null, kind: 'roster_set', payload: { role, users }, actor: actor.userId, occurredAt: context.clock.now() });
  });
  const [primary, ...rest] = users.map((u) => platform.mention(u));
  return publicReply(`${ROLES[role].name}: ${primary} is primary${rest.length ? `, then ${rest.join(', then ')}` : ''}.`);
}

export async function showRoster(context: CoreContext, platform: ChatPlatform): Promise<Reply> {
  const roster = await context.store.roles.roster();
  const lines = ROLE_IDS.map((role) => {
    const users = roster.get(role) ?? [];
    return `${ROLES[role].name} (${role}): ${users.length ? users.map((u) => platform.mention(u)).join(' → ') : 'nobody; set with `/incident oncall ' + role + ' @person`'}`;
  });
  return privateReply(['On call:', ...lines].join('\n'));
}
