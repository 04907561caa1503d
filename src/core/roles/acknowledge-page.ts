import { channelLink } from '../incident/channel-name.js';
import type { Actor, CoreContext } from '../context.js';
import { ROLES } from '../domain.js';
import { AppError } from '../errors.js';
import { incidentRef } from '../incident/header-card.js';
import type { Incident, Page } from '../incident/incident.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { refreshCards } from '../incident/publish-incident.js';
import { privateReply, type Reply } from '../reply.js';
import { dedupKeyFor, pagersOf } from './deliver-pages.js';
import { tellChannel } from './tell-channel.js';

const OPEN_STATUSES: readonly Page['status'][] = ['pending', 'sent', 'failed', 'escalated'];

interface Acknowledged {
  incident: Incident;
  page: Page;
  already: boolean;
  tookRole: boolean;
}

/**
 * Records that the paged person answered: the page is acknowledged, nothing more escalates for
 * that role, and whoever acknowledged holds the role.
 */
async function acknowledge(context: CoreContext, actor: Actor, incidentId: number, pageId: number): Promise<Acknowledged> {
  const now = context.clock.now();
  return changeIncident(context, incidentId, async (store, incident) => {
    const page = await store.pageQueue.lock(pageId);
    if (!page || page.incidentId !== incidentId) throw new AppError('not_found', `there is no page ${pageId} for ${incidentRef(incident)}`);
    if (page.acknowledgedAt) return { incident, page, already: true, tookRole: false };
    if (page.userId !== actor.userId) {
      throw new AppError('bad_command', `page ${page.id} went to someone else; to take the role yourself type \`/incident assign ${page.role} @you\` in the incident channel`);
    }
    if (!OPEN_STATUSES.includes(page.status)) throw new AppError('invalid_transition', `page ${page.id} was ${page.status}; nothing to acknowledge`);
    await store.pageQueue.settle(page.id, { status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: actor.userId, escalateAt: null });
    await store.pageQueue.stopEscalation(incidentId, page.role);
    await store.events.append({
      incidentId,
      kind: 'page_acknowledged',
      payload: { page_id: page.id, role: page.role, user: actor.userId, step: page.step },
      actor: actor.userId,
      occurredAt: now,
      idempotencyKey: `ack:${page.id}`,
    });
    const holder = (await store.roles.forIncident(incidentId)).find((r) => r.role === page.role)?.userId ?? null;
    if (holder !== actor.userId) {
      await store.roles.assign({ incidentId, role: page.role, userId: actor.userId, assignedAt: now });
      await store.events.append({ incidentId, kind: 'role_assigned', payload: { role: page.role, user: actor.userId, previous: holder }, actor: actor.userId, occurredAt: now });
    }
    return { incident, page, already: false, tookRole: holder !== actor.userId };
  });
}

async function tellPagers(context: CoreContext, result: Acknowledged, by: string): Promise<void> {
  const open = await context.store.pageQueue.openExternal(result.incident.id, result.page.role);
  for (const alert of open) {
    const pager = pagersOf(context).find((p) => p.name === alert.pager);
    if (!pager?.acknowledge) continue;
    try {
      await pager.acknowledge({ incident: result.incident, role: alert.role, dedupKey: dedupKeyFor(alert.incidentId, alert.role), by });
    } catch (error) {
      context.logger.warn({ incidentId: result.incident.id, pager: pager.name, err: error instanceof Error ? error.message : String(error) }, 'could not acknowledge at the external pager');
    }
  }
}

export async function acknowledgePage(context: CoreContext, actor: Actor, incidentId: number, pageId: number): Promise<Reply> {
  const result = await acknowledge(context, actor, incidentId, pageId);
  const { incident, page } = result;
  const role = ROLES[page.role].name;
  const link = channelLink(context.platforms.get(incident.platform), incident);
  const where = link ? ` Join ${link}.` : '';
  if (result.already) {
    const who = page.acknowledgedBy === actor.userId ? 'You' : `@${page.acknowledgedBy ?? 'someone'}`;
    return privateReply(`${who} already acknowledged page ${page.id} (${role}, ${incidentRef(incident)}).${where}`);
  }
  if (result.tookRole) await refreshCards(context, incidentId);
  await tellPagers(context, result, actor.userId);
  const platform = context.platforms.get(incident.platform);
  const minutes = Math.round((context.clock.now().getTime() - page.createdAt.getTime()) / 60_000);
  await tellChannel(context, incident, `${platform ? platform.mention(actor.userId) : `@${actor.userId}`} acknowledged the ${role} page (${minutes} min after it was sent).`);
  return privateReply(`Acknowledged: you are ${role} for ${incidentRef(incident)}.${where}`);
}

/**
 * The text form of the Acknowledge button: `ack <page-id>` anywhere, or `ack` in an incident
 * channel for every open page of yours there.
 */
export async function acknowledgeCommand(context: CoreContext, actor: Actor, pageId?: number): Promise<Reply> {
  if (pageId !== undefined) {
    const page = await context.store.pageQueue.get(pageId);
    if (!page) throw new AppError('not_found', `there is no page ${pageId}; the number is on the page you received`);
    return acknowledgePage(context, actor, page.incidentId, pageId);
  }
  const incident = await context.store.incidents.findByChannel(actor.platform, actor.channelId);
  if (!incident) throw new AppError('not_in_incident_channel', '`ack` alone works in an incident channel; elsewhere type `ack <page-number>` (the number is on the page)');
  const open = (await context.store.pages.forIncident(incident.id)).filter((p) => p.userId === actor.userId && !p.acknowledgedAt && OPEN_STATUSES.includes(p.status));
  // One acknowledgement per role: the latest page stands for the earlier ones.
  const mine = [...new Map(open.map((p) => [p.role, p])).values()];
  if (mine.length === 0) throw new AppError('not_found', `you have no unacknowledged page in ${incidentRef(incident)}`);
  const replies: string[] = [];
  for (const page of mine) replies.push((await acknowledgePage(context, actor, incident.id, page.id)).text);
  return privateReply(replies.join('\n'));
}

/** The Acknowledge button's value is `<incidentId>:<pageId>`. */
export function parseAckValue(value: string): { incidentId: number; pageId: number } | null {
  const match = /^(\d+):(\d+)$/.exec(value);
  return match ? { incidentId: Number(match[1]), pageId: Number(match[2]) } : null;
}
