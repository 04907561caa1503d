import { channelLink } from '../incident/channel-name.js';
import type { Actor, CoreContext } from '../context.js';
import { ROLES } from '../domain.js';
import { AppError, isAppError } from '../errors.js';
import { markFalsePositive } from '../incident/change-state.js';
import { staffRoles, stepsFromPlaybook } from '../incident/declare-incident.js';
import { incidentRef } from '../incident/header-card.js';
import { changeIncident } from '../incident/incident-transaction.js';
import { publishIncident } from '../incident/publish-incident.js';
import { publicReply, type Reply } from '../reply.js';
import { platformOf } from '../ports/chat-platform.js';
import type { Incident } from '../incident/incident.js';
import type { PostedTriageCard, StoredAlert } from './alert.js';
import { triageCard } from './triage-card.js';
import { recordSuggestedTags } from '../taxonomy/record-suggested-tags.js';

/**
 * Posts the alert's triage card in every triage channel (one per chat edge), or updates the ones
 * already posted, from the database.
 */
export async function refreshTriageCard(context: CoreContext, incidentId: number): Promise<void> {
  await refreshTriageCards(context, [incidentId]);
}

/** Incidents and their alerts as a transaction just committed them, by incident id. */
export interface CommittedAlerts {
  incidents: Map<number, Incident>;
  alerts: Map<number, StoredAlert>;
}

/**
 * `refreshTriageCard` for the incidents of a batch of alerts: those not in `written` (as the
 * batch's transaction committed them) are read in two statements, and the cards posted are
 * recorded in one, after the batch's posts (even when one stops the batch), so a crash in between
 * posts those cards again at start-up.
 */
export async function refreshTriageCards(context: CoreContext, incidentIds: readonly number[], written: CommittedAlerts = { incidents: new Map(), alerts: new Map() }): Promise<void> {
  if (!context.triage || incidentIds.length === 0) return;
  const unread = incidentIds.filter((id) => !written.incidents.has(id) || !written.alerts.has(id));
  const [read, readAlerts] = await Promise.all([context.store.incidents.getMany(unread), context.store.alerts.forIncidents(unread)]);
  const incidents = new Map([...written.incidents, ...read]);
  const alerts = new Map([...written.alerts, ...readAlerts]);
  const posted: PostedTriageCard[] = [];
  try {
    for (const incidentId of incidentIds) {
      const incident = incidents.get(incidentId);
      const alert = alerts.get(incidentId);
      if (incident && alert) await showTriageCard(context, incident, alert, posted);
    }
  } finally {
    await context.store.alerts.setTriageRefs(posted);
  }
}

/** Posts or updates the alert's card in each triage channel; adds the new posts to `posted`. */
async function showTriageCard(context: CoreContext, incident: Incident, alert: StoredAlert, posted: PostedTriageCard[]): Promise<void> {
  const incidentId = incident.id;
  for (const destination of context.triage?.destinations ?? []) {
    const platform = platformOf(context.platforms, destination);
    if (!platform) continue;
    // The declarer is a person of the incident's platform: other edges name them without a mention.
    const mention = (u: string) => (platform.name === incident.platform ? platform.mention(u) : `${u} (${incident.platform})`);
    const card = triageCard(incident, alert, {
      timeZone: context.timeZone,
      mention,
      ...(incident.playbookId ? { playbookName: context.playbooks.get(incident.playbookId)?.name ?? incident.playbookId } : {}),
    });
    try {
      const shown = alert.triageRefs[platform.name];
      if (shown) {
        await platform.updateCard(shown, card);
        continue;
      }
      posted.push({ alertId: alert.id, platform: platform.name, ref: await platform.postCard(destination.channelId, card) });
    } catch (error) {
      if (isAppError(error, 'rate_limited')) throw error;
      const message = error instanceof Error ? error.message : String(error);
      context.logger.error({ incidentId, platform: platform.name, err: message }, 'could not post the triage card');
      await context.store.events.append({ incidentId, kind: 'side_effect_failed', payload: { effect: `post ${platform.name} triage card`, error: message }, actor: 'bot', occurredAt: context.clock.now() });
    }
  }
}

/** After a restart: post the cards of alerts still waiting whose card never went out. */
export async function postPendingTriageCards(context: CoreContext): Promise<number> {
  let posted = 0;
  for (const alert of await context.store.alerts.awaitingTriage(500)) {
    const wanted = (context.triage?.destinations ?? []).map((d) => platformOf(context.platforms, d)?.name);
    if (wanted.every((name) => !name || alert.triageRefs[name])) continue;
    await refreshTriageCard(context, alert.incidentId);
    posted++;
  }
  return posted;
}

async function pendingAlert(context: CoreContext, incidentId: number) {
  const alert = await context.store.alerts.forIncident(incidentId);
  if (!alert && !(await context.store.incidents.get(incidentId))) throw new AppError('not_found', `there is no INC-${incidentId}; the number is on the triage card`);
  if (!alert) throw new AppError('not_found', `INC-${incidentId} did not come from an alert; \`/incident list\` shows the open incidents`);
  return alert;
}

/** "Declare incident": the alert goes on as a normal declaration: channel, checklist, pages. */
export async function declareAlert(context: CoreContext, actor: Actor, incidentId: number): Promise<Reply> {
  await pendingAlert(context, incidentId);
  const now = context.clock.now();
  const unstaffed = await changeIncident(context, incidentId, async (store, incident) => {
    const alert = (await store.alerts.forIncident(incidentId))!;
    if (alert.triage === 'declared') throw new AppError('invalid_transition', `${incidentRef(incident)} was already declared a real incident`);
    if (alert.triage === 'dismissed' || incident.state === 'false_positive') {
      throw new AppError('invalid_transition', `${incidentRef(incident)} was marked not a real incident; \`reopen\` it in its channel or declare a new one`);
    }
    await store.alerts.markDeclared(alert.id, actor);
    await store.events.append({ incidentId, kind: 'alert_declared', payload: { alert_id: alert.id }, actor: actor.userId, occurredAt: now, ...(actor.requestKey ? { idempotencyKey: `alert-declare:${actor.requestKey}` } : {}) });
    const playbook = context.playbooks.get(incident.playbookId);
    // Laid out now, from the playbook as it is: an alert waiting for triage has no checklist (unless its playbook was changed meanwhile) and no suggested tags.
    if ((await store.steps.list(incidentId)).length === 0) await store.steps.addAll(stepsFromPlaybook(playbook).map((step) => ({ ...step, incidentId })));
    await recordSuggestedTags(context, store, [{ incident, playbook, at: now }]);
    return staffRoles(store, { ...incident, declaredBy: actor.userId, platform: actor.platform }, playbook, actor.userId, now);
  });
  const incident = (await publishIncident(context, incidentId))!;
  await refreshTriageCard(context, incidentId);
  const where = channelLink(context.platforms.get(incident.platform), incident) ?? 'its channel';
  const lines = [`Declared ${incidentRef(incident)} (${incident.severity.toUpperCase()}) from the alert: ${where}.`];
  if (unstaffed.length) lines.push(`Nobody is on call for ${unstaffed.map((r) => ROLES[r].name).join(', ')}: \`/incident oncall <role> @person\`.`);
  return { ...publicReply(lines.join('\n')), incidentId, ...(incident.channelId ? { channelId: incident.channelId } : {}) };
}

/** "Not a real incident": the alert's incident becomes a false positive with a reason. */
export async function dismissAlert(context: CoreContext, actor: Actor, incidentId: number, reason?: string): Promise<Reply> {
  const alert = await pendingAlert(context, incidentId);
  if (alert.triage === 'declared') {
    throw new AppError('invalid_transition', `INC-${incidentId} was already declared; mark it with \`/incident false-positive <reason>\` in its channel`);
  }
  const reply = await markFalsePositive(context, actor, incidentId, reason ?? 'not a real incident (dismissed in triage)');
  await context.store.alerts.update(alert.id, { triage: 'dismissed' });
  await refreshTriageCard(context, incidentId);
  return reply;
}
