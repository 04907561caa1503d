import type { App } from '@slack/bolt';
import { handleCommand } from '../../../core/handle-command.js';
import { COMMAND } from '../ids.js';
import { declareModal } from '../modals.js';
import { decodeSlackText } from '../render.js';
import { responseFor, type ListenerDeps } from './deps.js';

/** `/incident …`: ack at once, then run the command and answer through the response_url. */
export function registerCommands(app: App, deps: ListenerDeps): void {
  app.command(COMMAND, async ({ command, ack, respond }) => {
    await ack();
    await deps.run('command', async () => {
      // Slack sends what was typed escaped (`<` as `&lt;`); its own `<@U1|name>` and `<!here>` stay markup.
      const text = decodeSlackText(command.text).trim();
      if (/^declare$/i.test(text)) {
        const playbooks = deps.context.playbooks.all();
        await deps.client.views.open({ trigger_id: command.trigger_id, view: declareModal(playbooks, { channelId: command.channel_id }) });
        return;
      }
      const actor = { platform: deps.platform.name, userId: command.user_id, channelId: command.channel_id, requestKey: command.trigger_id };
      const reply = await handleCommand(deps.context, actor, text);
      await respond(responseFor(reply));
    }, (reply) => respond(responseFor(reply)), command.channel_id);
  });
}
