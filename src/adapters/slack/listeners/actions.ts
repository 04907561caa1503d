import type { App, BlockAction, ButtonAction, CheckboxesAction, PlainTextInputAction } from '@slack/bolt';
import type { KnownBlock, Option } from '@slack/types';
import type { Actor } from '../../../core/context.js';
import { CARD_ACTION } from '../../../core/cards/actions.js';
import { decodeCardClick, handleCardClick, type CardClick } from '../../../core/handle-action.js';
import { isSeverity } from '../../../core/domain.js';
import { matchPlaybook } from '../../../core/playbook/match-playbook.js';
import { ACTION, decodeMetadata, incidentIdOf } from '../ids.js';
import { assignForm, dismissForm, lateReasonsForm, severityForm } from '../../../core/cards/forms.js';
import { exerciseFormFor } from '../../../core/exercise/exercise-forms.js';
import { declareModal, formModal } from '../modals.js';
import { responseFor, type ListenerDeps } from './deps.js';

function actorOf(deps: ListenerDeps, body: BlockAction): Actor {
  return { platform: deps.platform.name, userId: body.user.id, channelId: body.channel?.id ?? '', requestKey: body.trigger_id };
}

/** The options the message showed ticked when this person clicked (the element's `initial_options`). */
function shownTicked(body: BlockAction, action: CheckboxesAction): string[] {
  const blocks = (body.message?.blocks ?? []) as KnownBlock[];
  const block = blocks.find((b) => b.block_id === action.block_id);
  const element = block && 'elements' in block ? block.elements.find((e) => 'action_id' in e && e.action_id === action.action_id) : undefined;
  const initial = element && 'initial_options' in element ? ((element.initial_options ?? []) as Option[]) : [];
  return initial.map((o) => o.value!).filter(Boolean);
}

/**
 * Which steps THIS person changed: the difference between what they now see selected and what the
 * message showed. Options they did not touch are left alone, so a stale message never unticks a
 * step someone else ticked in the meantime.
 */
export function changedSteps(shown: string[], selected: string[]): { value: string; done: boolean }[] {
  const before = new Set(shown);
  const after = new Set(selected);
  return [
    ...selected.filter((v) => !before.has(v)).map((value) => ({ value, done: true })),
    ...shown.filter((v) => !after.has(v)).map((value) => ({ value, done: false })),
  ];
}

export function registerActions(app: App, deps: ListenerDeps): void {
  const click = async (body: BlockAction, clicks: CardClick[], respond: (message: object) => Promise<unknown>) => {
    const tell = (reply: Parameters<typeof responseFor>[0]) => respond(responseFor(reply));
    await deps.run(
      'click',
      async () => {
        for (const one of clicks) await tell(await handleCardClick(deps.context, actorOf(deps, body), one));
      },
      tell,
      body.channel?.id,
    );
  };

  app.action<BlockAction<CheckboxesAction>>({ type: 'block_actions', action_id: new RegExp(`^${ACTION.stepsPrefix}`) }, async ({ ack, body, action, respond }) => {
    await ack();
    const changes = changedSteps(shownTicked(body, action), action.selected_options.map((o) => o.value!));
    await click(body, changes.map((c) => ({ action: 'step', ...c })), respond);
  });

  // Buttons that run at once: the core decodes the card action id and value, as for every edge.
  const immediate = new RegExp(`^(${CARD_ACTION.state}(:.*)?|${CARD_ACTION.pageAck}|${CARD_ACTION.triageDeclare}|${CARD_ACTION.playbook}(:.*)?|${CARD_ACTION.flag}(:.*)?)$`);
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: immediate }, async ({ ack, body, action, respond }) => {
    await ack();
    const decoded = decodeCardClick(action.action_id, action.value ?? '');
    await click(body, decoded && decoded !== 'needs-input' ? [decoded] : [], respond);
  });

  // Exercise buttons whose form the core describes (exerciseFormFor): the modal opens, its submit runs the action.
  const withForm = new RegExp(`^(${CARD_ACTION.exerciseDecide}:.+|${CARD_ACTION.exerciseHotWash})$`);
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: withForm }, async ({ ack, body, action, respond }) => {
    await ack();
    await deps.run(
      'open form',
      async () => {
        const form = await exerciseFormFor(deps.context, action.action_id, action.value ?? '');
        if (!form) return void (await respond(responseFor({ text: 'This button is not one the bot made.' })));
        const incidentId = incidentIdOf(action.value);
        await deps.client.views.open({ trigger_id: body.trigger_id, view: formModal(form, { channelId: body.channel?.id ?? '', ...(incidentId ? { incidentId } : {}) }) });
      },
      (reply) => respond(responseFor(reply)),
    );
  });

  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: CARD_ACTION.triageDismiss }, async ({ ack, body, action, respond }) => {
    await ack();
    const incidentId = /^\d+$/.test(action.value ?? '') ? Number(action.value) : undefined;
    await deps.run(
      'open dismiss',
      async () => {
        await deps.client.views.open({ trigger_id: body.trigger_id, view: formModal(dismissForm(incidentId ?? 0), { channelId: body.channel?.id ?? '', ...(incidentId ? { incidentId } : {}) }) });
      },
      (reply) => respond(responseFor(reply)),
    );
  });

  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: CARD_ACTION.lateReasons }, async ({ ack, body, action, respond }) => {
    await ack();
    const incidentId = incidentIdOf(action.value);
    const clock = action.value?.split(':')[1] ?? '';
    await deps.run(
      'open late reasons',
      async () => {
        const metadata = { channelId: body.channel?.id ?? '', ...(incidentId ? { incidentId } : {}) };
        await deps.client.views.open({ trigger_id: body.trigger_id, view: formModal(lateReasonsForm(incidentId ?? 0, clock), metadata) });
      },
      (reply) => respond(responseFor(reply)),
    );
  });

  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: CARD_ACTION.severity }, async ({ ack, body, action, respond }) => {
    await ack();
    const incidentId = incidentIdOf(action.value);
    const current = action.value?.split(':')[1] ?? '';
    await deps.run(
      'open severity',
      async () => {
        const metadata = { channelId: body.channel?.id ?? '', ...(incidentId ? { incidentId } : {}) };
        await deps.client.views.open({ trigger_id: body.trigger_id, view: formModal(severityForm(incidentId ?? 0, isSeverity(current) ? current : undefined), metadata) });
      },
      (reply) => respond(responseFor(reply)),
    );
  });

  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: CARD_ACTION.assign }, async ({ ack, body, action, respond }) => {
    await ack();
    const incidentId = incidentIdOf(action.value);
    await deps.run(
      'open assign',
      async () => {
        await deps.client.views.open({ trigger_id: body.trigger_id, view: formModal(assignForm(incidentId ?? 0), { channelId: body.channel?.id ?? '', ...(incidentId ? { incidentId } : {}) }) });
      },
      (reply) => respond(responseFor(reply)),
    );
  });

  // Enter in the declare modal's title: preselect the playbook that matches what was typed.
  app.action<BlockAction<PlainTextInputAction>>({ type: 'block_actions', action_id: ACTION.declareTitle }, async ({ ack, body, action }) => {
    await ack();
    const view = body.view;
    if (!view) return;
    await deps.run('match playbook', async () => {
      const playbooks = deps.context.playbooks.all();
      const matched = matchPlaybook(playbooks, action.value).playbook ?? undefined;
      await deps.client.views.update({
        view_id: view.id,
        hash: view.hash,
        view: declareModal(playbooks, decodeMetadata(view.private_metadata), { title: action.value, ...(matched ? { matched } : {}) }),
      });
    });
  });
}
