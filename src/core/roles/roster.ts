import type { Actor, CoreContext } from '../context.js';
import { ROLES, ROLE_IDS, type RoleId } from '../domain.js';
import { AppError } from '../errors.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { publicReply, privateReply, type Reply } from '../reply.js';

/**
 * Refuses, before anything changes, anyone the platform says cannot be paged: nobody by that id,
 * a deactivated account, a bot. `instead` is what to type instead, without them. A platform that
 * cannot tell (no `describePerson`, or the lookup failed) lets everyone through.
 */
export async function ensurePeople(context: CoreContext, platform: ChatPlatform, users: readonly string[], instead: (refused: string[]) => string): Promise<void> {
  const describe = platform.describePerson?.bind(platform);
  if (!describe || users.length === 0) return;
  const unique = [...new Set(users)];
  const answers = await Promise.all(
    unique.map(async (user) => {
      try {
        return { user, info: await describe(user) };
      } catch (error) {
        context.logger.warn({ user, err: error instanceof Error ? error.message : String(error) }, 'could not check a person; letting them through');
        return { user, info: undefined };
      }
    }),
  );
  const missing = answers.filter((a) => a.info && !a.info.exists).map((a) => a.user);
  const inactive = answers.filter((a) => a.info?.exists && !a.info.active).map((a) => a.user);
  const bots = answers.filter((a) => a.info?.exists && a.info.active && a.info.bot).map((a) => a.user);
  const refused = [...missing, ...inactive, ...bots];
  if (refused.length === 0) return;
  const names = (ids: string[]) => ids.map((u) => platform.mention(u)).join(', ');
  const reasons = [
    missing.length ? `I can't find ${names(missing)} in this workspace` : '',
    inactive.length ? `${names(inactive)} ${inactive.length > 1 ? 'are' : 'is'} deactivated` : '',
    bots.length ? `${names(bots)} ${bots.length > 1 ? 'are bots' : 'is a bot'} and cannot be paged` : '',
  ].filter(Boolean);
  throw new AppError(missing.length ? 'not_found' : 'bad_command', `${reasons.join('; ')}. Nothing changed: ${instead(refused)}`);
}

/**
 * Sets a role's escalation order: the first person is primary, the rest are paged in turn, then
 * the backup. An empty `users` keeps the order; `backup` undefined keeps the backup, null removes it.
 */
export async function setRoster(context: CoreContext, actor: Actor, role: RoleId, users: string[], platform: ChatPlatform, backup?: string | null): Promise<Reply> {
  await ensurePeople(context, platform, [...users, ...(backup ? [backup] : [])], (refused) => {
    const kept = users.filter((u) => !refused.includes(u)).map((u) => platform.mention(u));
    const standby = backup && !refused.includes(backup) ? ` backup=${platform.mention(backup)}` : backup ? ' backup=@someone-else' : '';
    return `type \`/incident oncall ${role} ${[...kept, '@person'].join(' ')}${standby}\` with people from this workspace (pick them from the list as you type @).`;
  });
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
