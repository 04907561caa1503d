import type { WebClient } from '@slack/web-api';
import type { CoreContext } from '../../../core/context.js';
import type { Reply } from '../../../core/reply.js';
import type { SlackPlatform } from '../platform.js';
import { replyToMessage } from '../render.js';

/** What every listener needs; built once by the app. */
export interface ListenerDeps {
  context: CoreContext;
  platform: SlackPlatform;
  client: WebClient;
  /**
   * Runs work after the ack, tracked so shutdown waits for it; it never throws. A failure is logged
   * and, when `tell` is given, shown to the person as a private reply. Work with the same `channel`
   * runs in arrival order.
   */
  run(name: string, work: () => Promise<void>, tell?: (reply: Reply) => Promise<unknown>, channel?: string): Promise<void>;
}

/** A reply where no response_url exists (modal submissions): public in the channel, else ephemeral. */
export async function replyInChannel(deps: ListenerDeps, channelId: string, userId: string, reply: Reply): Promise<void> {
  const message = replyToMessage(reply);
  if (reply.public && channelId) {
    await deps.client.chat.postMessage({ channel: channelId, ...message });
    return;
  }
  if (channelId) {
    try {
      await deps.platform.postEphemeral(channelId, userId, message);
      return;
    } catch {
      // The bot is not in that channel (or it is gone): tell the person directly instead.
    }
  }
  const opened = await deps.client.conversations.open({ users: userId });
  await deps.client.chat.postMessage({ channel: opened.channel!.id!, ...message });
}

/** A reply through a response_url; rendered (escaped) once, in `replyToMessage`. */
export function responseFor(reply: Reply) {
  return { response_type: reply.public ? ('in_channel' as const) : ('ephemeral' as const), replace_original: false, ...replyToMessage(reply) };
}
