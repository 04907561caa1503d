import { createHash } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { ROLES } from '../domain.js';
import { AppError, isAppError } from '../errors.js';
import type { ChatPlatform, FoundSpace, InviteFailure, Space } from '../ports/chat-platform.js';
import { pageNextInstead, type Replacement } from '../roles/unreachable-person.js';
import { tellChannel } from '../roles/tell-channel.js';
import { compactDate } from '../time/time-input.js';
import { incidentRef } from './header-card.js';
import type { Incident } from './incident.js';
import { channelSlug } from './channel-name.js';
import { incidentCards } from './refresh-cards.js';

/**
 * The names tried for an incident's channel, the same on every attempt (so a retry asks for the
 * names an interrupted attempt asked for): the plain name, then with the incident number, then
 * with a tail derived from the number for names taken by hand.
 */
export function channelNameCandidates(incident: Incident, timeZone: string): string[] {
  // An exercise's space says so in its name (ex-YYYYMMDD-<slug>), so nobody joins it for a real incident.
  const base = `${incident.isExercise ? 'ex' : 'inc'}-${compactDate(incident.declaredAt, timeZone)}-${channelSlug(incident.title)}`;
  const tail = (i: number) => createHash('sha256').update(`${incident.id}:${incident.declaredAt.toISOString()}:${i}`).digest('hex').slice(0, 4);
  return [base, `${base}-${incident.id}`, ...Array.from({ length: 4 }, (_, i) => `${base}-${incident.id}-${tail(i)}`)];
}

/**
 * Claims `name` for this incident before the platform is asked for it (key per platform and name).
 * 'ours': this incident asked for it, now or on an earlier attempt, so a channel by that name made
 * by the bot is this incident's (a create whose answer was lost). 'other': another incident asked
 * first; this one may still get the name if it is free, but never adopts a channel under it.
 */
async function claimName(context: CoreContext, incident: Incident, name: string): Promise<'ours' | 'other'> {
  const key = `space:${incident.platform}:${name}`;
  const fresh = await context.store.events.append({
    incidentId: incident.id,
    kind: 'space_requested',
    payload: { name, platform: incident.platform },
    actor: 'bot',
    occurredAt: context.clock.now(),
    idempotencyKey: key,
  });
  if (fresh) return 'ours';
  const claimed = await context.store.events.findByIdempotencyKey(key);
  return claimed?.incidentId === incident.id ? 'ours' : 'other';
}

/**
 * After `channel_name_taken` on a name this incident claimed: the channel, if the bot made it for
 * this incident (made by the bot's user, not archived, not another incident's, its topic this
 * incident's or not yet set). A lookup that fails leaves the name to the next candidate.
 */
async function findOwnSpace(context: CoreContext, incident: Incident, platform: ChatPlatform, name: string): Promise<FoundSpace | undefined> {
  if (!platform.findSpace) return undefined;
  const found = await platform.findSpace(name).catch((error: unknown) => {
    context.logger.warn({ incidentId: incident.id, name, err: error instanceof Error ? error.message : String(error) }, 'could not look up a taken channel name');
    return undefined;
  });
  if (!found || !found.madeByBot || found.archived) return undefined;
  if (found.topic && !found.topic.startsWith(`${incidentRef(incident)} `)) return undefined;
  const owner = await context.store.incidents.findByChannel(incident.platform, found.id);
  if (owner && owner.id !== incident.id) return undefined;
  return found;
}

/** Records the incident's space: the incident row, the first message as the header, `channel_created`. */
async function recordSpace(context: CoreContext, incident: Incident, space: Space, adopted: boolean): Promise<Incident> {
  return context.store.transaction(async (store) => {
    const current = await store.incidents.lock(incident.id);
    // Another run (a second process resuming the same incident) recorded one first: it stands.
    if (current?.channelId) return current;
    const updated = await store.incidents.update(incident.id, { channelId: space.id, channelName: space.name });
    if (space.firstMessage) await store.messages.bind({ incidentId: incident.id, purpose: 'header', part: 0, channelId: space.id, ref: space.firstMessage });
    await store.events.append({
      incidentId: incident.id,
      kind: 'channel_created',
      payload: { channel_id: space.id, name: space.name, private: incident.private, ...(adopted ? { adopted } : {}) },
      actor: 'bot',
      occurredAt: context.clock.now(),
      idempotencyKey: `channel:${incident.id}`,
    });
    return updated;
  });
}

/**
 * Opens the incident's space (a Slack channel, a Teams thread) and records it with its first
 * message; inviting its people is a step of its own (`inviteMembers`). Each name is claimed before
 * it is asked for, so a channel whose create the platform performed but whose answer never came
 * back (a timeout, a process killed in between) is adopted on the next attempt, never doubled.
 */
export async function openSpace(context: CoreContext, incident: Incident, platform: ChatPlatform): Promise<Incident> {
  const roles = await context.store.roles.forIncident(incident.id);
  const members = [...new Set([incident.declaredBy, ...roles.map((r) => r.userId)])];
  const topic = `${incidentRef(incident)} ${incident.severity.toUpperCase()}: ${incident.title}`.slice(0, 250);
  const { header: firstCard } = await incidentCards(context, incident, platform);
  for (const name of channelNameCandidates(incident, context.timeZone)) {
    const claim = await claimName(context, incident, name);
    let space: Space;
    let adopted = false;
    try {
      // Platforms that invite in a step of their own get no members here.
      space = await platform.openSpace({ name, private: incident.private, topic, origin: incident.originChannelId, firstCard, ...(platform.invite ? {} : { members }) });
    } catch (error) {
      if (!isAppError(error, 'channel_name_taken')) throw error;
      // Only the incident that asked for a name first may find its channel under it.
      const found = claim === 'ours' ? await findOwnSpace(context, incident, platform, name) : undefined;
      if (!found) continue;
      context.logger.info({ incidentId: incident.id, channelId: found.id, name }, 'adopting the channel an interrupted attempt created');
      if (!found.topic && topic) await platform.setTopic?.(found.id, topic);
      space = { id: found.id, name: found.name };
      adopted = true;
    }
    return await recordSpace(context, incident, space, adopted);
  }
  throw new AppError('channel_name_taken', `every name tried for ${incidentRef(incident)}'s channel is taken`);
}

/** What a person reads for a platform's refusal code. */
function explain(reason: string): string {
  switch (reason) {
    case 'user_not_found':
      return 'there is nobody with that id in this workspace';
    case 'cant_invite':
    case 'user_is_inactive':
    case 'user_disabled':
      return 'their account cannot be invited (deactivated, or not allowed in this channel)';
    case 'user_is_restricted':
    case 'user_is_ultra_restricted':
      return 'they are a guest who cannot be added to this channel';
    default:
      return 'the platform refused';
  }
}

/**
 * Invites the incident's people into its space once (`members_invited`): everyone who can join
 * gets in; each one refused is an `invite_failed` event and a line in the channel, and a role they
 * were being paged for goes to the next person of its roster at once. No-op when the platform does
 * not invite (Teams threads) or when it was done.
 */
export async function inviteMembers(context: CoreContext, incident: Incident, platform: ChatPlatform): Promise<void> {
  const channelId = incident.channelId;
  if (!channelId || !platform.invite) return;
  const key = `invited:${incident.id}:${channelId}`;
  if (await context.store.events.findByIdempotencyKey(key)) return;
  const roles = await context.store.roles.forIncident(incident.id);
  const members = [...new Set([incident.declaredBy, ...roles.map((r) => r.userId)])];
  const refused: InviteFailure[] = members.length ? await platform.invite(channelId, members) : [];
  const unreachable = new Set(refused.map((r) => r.userId));
  const now = context.clock.now();
  const replacements = await context.store.transaction(async (store) => {
    const locked = (await store.incidents.lock(incident.id)) ?? incident;
    // Recorded once: a second run that got here too stops, its invites were harmless repeats.
    const first = await store.events.append({
      incidentId: incident.id,
      kind: 'members_invited',
      payload: { channel_id: channelId, users: members.filter((m) => !unreachable.has(m)), failed: [...unreachable] },
      actor: 'bot',
      occurredAt: now,
      idempotencyKey: key,
    });
    if (!first) return null;
    const replaced = new Map<string, Replacement[]>();
    for (const { userId, reason } of refused) {
      await store.events.append({
        incidentId: incident.id,
        kind: 'invite_failed',
        payload: { channel_id: channelId, user: userId, reason },
        actor: 'bot',
        occurredAt: now,
        idempotencyKey: `invite-failed:${incident.id}:${channelId}:${userId}`,
      });
      replaced.set(userId, await pageNextInstead(context, store, locked, userId, unreachable, reason));
    }
    return replaced;
  });
  // Another run recorded this step first and said what there was to say.
  if (!replacements) return;
  for (const { userId, reason } of refused) {
    const who = platform.mention(userId);
    const lines = [`⚠️ Could not invite ${who} to this channel: ${explain(reason)} (${reason}).`];
    for (const r of replacements.get(userId) ?? []) {
      const role = ROLES[r.role].name;
      lines.push(
        r.to
          ? `${who} was being paged as ${role}: paging ${platform.mention(r.to)}, next on the ${role} roster, instead.`
          : `${who} was being paged as ${role} and nobody else is on its roster: give it to someone with \`/incident assign ${r.role} @person\`.`,
      );
    }
    const roleOf = roles.find((r) => r.userId === userId)?.role;
    if (roleOf) lines.push(`Fix the roster with \`/incident oncall ${roleOf} @person …\` (without ${who}).`);
    await tellChannel(context, incident, lines.join(' '));
  }
  // Whoever is paged instead needs the channel (a private one they cannot join themselves).
  const paged = [...replacements.values()].flat().flatMap((r) => (r.to ? [r.to] : []));
  if (paged.length) {
    await platform.invite(channelId, paged).catch((error: unknown) => {
      context.logger.warn({ incidentId: incident.id, err: error instanceof Error ? error.message : String(error) }, 'could not invite the people paged instead');
    });
  }
}
