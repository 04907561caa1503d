import type { Actor, CoreContext } from '../context.js';
import { ROLES, ROLE_IDS, type RoleId } from '../domain.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { publicReply, privateReply, type Reply } from '../reply.js';

/**
 * Sets a role's escalation order: the first person is primary, the rest are paged in turn, then
 * the backup. An empty `users` keeps the order; `backup` undefined keeps the backup, null removes it.
 */
export async function setRoster(context: CoreContext, actor: Actor, role: RoleId, users: string[], platform: ChatPlatform, backup?: string | null): Promise<Reply> {
  const { order, standby } = await context.store.transaction(async (store) => {
    if (users.length) await store.roles.setRoster(actor.platform, role, users);
    if (backup !== undefined) await store.roles.setBackup(actor.platform, role, backup);
    const order = users.length ? users : ((await store.roles.roster(actor.platform)).get(role) ?? []);
    const standby = (await store.roles.backups(actor.platform)).get(role) ?? null;
    await store.events.append({ incidentId: null, kind: 'roster_set', payload: { platform: actor.platform, role, users: order, backup: standby }, actor: actor.userId, occurredAt: context.clock.now() });
    return { order, standby };
  });
  const [primary, ...rest] = order.map((u) => platform.mention(u));
  const chain = primary ? `${primary} is primary${rest.length ? `, then ${rest.join(', then ')}` : ''}` : 'nobody is on call';
  return publicReply(`${ROLES[role].name}: ${chain}${standby ? `; backup ${platform.mention(standby)}` : ''}.`);
}

export async function showRoster(context: CoreContext, platform: ChatPlatform): Promise<Reply> {
  const [roster, backups] = await Promise.all([context.store.roles.roster(platform.name), context.store.roles.backups(platform.name)]);
  const lines = ROLE_IDS.map((role) => {
    const users = roster.get(role) ?? [];
    const backup = backups.get(role);
    const chain = users.length ? users.map((u) => platform.mention(u)).join(' → ') : 'nobody; set with `/incident oncall ' + role + ' @person`';
    return `${ROLES[role].name} (${role}): ${chain}${backup ? ` · backup ${platform.mention(backup)}` : ''}`;
  });
  return privateReply(['On call:', ...lines].join('\n'));
}
