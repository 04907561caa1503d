import type { App, ViewOutput } from '@slack/bolt';
import type { Actor } from '../../../core/context.js';
import { isSeverity } from '../../../core/domain.js';
import { CARD_ACTION } from '../../../core/cards/actions.js';
import { decodeCardClick, handleCardClick } from '../../../core/handle-action.js';
import { errorReply } from '../../../core/handle-command.js';
import { declareIncident, declaredReply, type DeclareRequest } from '../../../core/incident/declare-incident.js';
import { VIEW, decodeMetadata } from '../ids.js';
import { AUTO_PLAYBOOK, NO_PLAYBOOK } from '../modals.js';
import { replyInChannel, type ListenerDeps } from './deps.js';

type Values = ViewOutput['state']['values'];

const FORM_CALLBACKS = new RegExp(`^(${[CARD_ACTION.severity, CARD_ACTION.assign, CARD_ACTION.triageDismiss, CARD_ACTION.lateReasons, CARD_ACTION.exerciseDecision, CARD_ACTION.exerciseHotWashAnswers].join('|')})$`);

/** The one element value of an input block, whatever its kind. */
function valueOf(values: Values, blockId: string): string | undefined {
  const element = Object.values(values[blockId] ?? {})[0];
  if (!element) return undefined;
  if (element.selected_option) return element.selected_option.value;
  if (element.selected_user) return element.selected_user;
  if (typeof element.selected_date_time === 'number') return String(element.selected_date_time);
  return element.value ?? undefined;
}

/** The declare form as the core's request; `errors` are shown beside the fields and nothing is declared. */
export function declareRequestOf(values: Values, now: Date): { request: DeclareRequest } | { errors: Record<string, string> } {
  const title = valueOf(values, 'title')?.trim() ?? '';
  if (!title) return { errors: { title: 'Give the incident a title, e.g. "Support bot obeys hidden instructions".' } };
  const playbook = valueOf(values, 'playbook') ?? AUTO_PLAYBOOK;
  const severity = valueOf(values, 'severity');
  const summary = valueOf(values, 'summary')?.trim();
  const started = valueOf(values, 'started');
  const visibility = valueOf(values, 'private');
  const impactStartedAt = started ? new Date(Number(started) * 1000) : undefined;
  if (impactStartedAt && impactStartedAt > now) return { errors: { started: 'Impact cannot start in the future; pick a time before now, or leave it empty for now.' } };
  return {
    request: {
      title,
      ...(playbook === NO_PLAYBOOK ? { playbookId: null } : playbook !== AUTO_PLAYBOOK ? { playbookId: playbook } : {}),
      ...(severity && isSeverity(severity) ? { severity } : {}),
      ...(summary ? { summary } : {}),
      ...(impactStartedAt ? { impactStartedAt } : {}),
      ...(visibility === 'yes' || visibility === 'no' ? { private: visibility === 'yes' } : {}),
    },
  };
}

export function registerViews(app: App, deps: ListenerDeps): void {
  app.view(VIEW.declare, async ({ ack, body, view }) => {
    const form = declareRequestOf(view.state.values, deps.context.clock.now());
    if ('errors' in form) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    await ack();
    const { channelId } = decodeMetadata(view.private_metadata);
    // The view id names this one submission: a double submit of the same form declares once.
    const actor: Actor = { platform: deps.platform.name, userId: body.user.id, channelId, requestKey: `view:${view.id}` };
    const tell = (reply: Parameters<typeof replyInChannel>[3]) => replyInChannel(deps, channelId, body.user.id, reply);
    await deps.run(
      'declare',
      async () => {
        let reply;
        try {
          reply = declaredReply(deps.context, await declareIncident(deps.context, actor, form.request));
        } catch (error) {
          reply = errorReply(deps.context, error);
        }
        await tell(reply);
      },
      tell,
      channelId,
    );
  });

  // Every core form (severity, assign, dismiss) submits the same way: its inputs, decoded by the core.
  app.view(FORM_CALLBACKS, async ({ ack, body, view }) => {
    await ack();
    const { channelId, value, incidentId } = decodeMetadata(view.private_metadata);
    const inputs = Object.fromEntries(Object.keys(view.state.values).map((blockId) => [blockId, valueOf(view.state.values, blockId) ?? '']));
    // A modal opened before forms carried their value names only the incident.
    const click = decodeCardClick(view.callback_id, value ?? String(incidentId ?? ''), inputs);
    const actor: Actor = { platform: deps.platform.name, userId: body.user.id, channelId };
    const tell = (reply: Parameters<typeof replyInChannel>[3]) => replyInChannel(deps, channelId, body.user.id, reply);
    await deps.run(view.callback_id, async () => {
      if (click && click !== 'needs-input') await tell(await handleCardClick(deps.context, actor, click));
    }, tell, channelId);
  });
}
