import { AppError } from '../errors.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import type { PageNotice, Pager } from '../ports/pager.js';

/**
 * Pages by direct message on the chat platform the incident lives on, with the Acknowledge
 * button. Always on: it needs nothing but the ChatPlatform port.
 */
export class ChatDmPager implements Pager {
  readonly name = 'chat';

  constructor(private readonly platforms: ReadonlyMap<string, ChatPlatform>) {}

  async page(notice: PageNotice): Promise<void> {
    const platform = this.platforms.get(notice.incident.platform);
    if (!platform) throw new AppError('platform_error', `no chat platform "${notice.incident.platform}" is running`);
    await platform.sendDirect(notice.page.userId, notice.card);
  }
}
