import type { ChatPlatform } from '../../core/ports/chat-platform.js';
import type { Pager } from '../../core/ports/pager.js';
import { ChatDmPager } from '../../core/roles/chat-dm-pager.js';
import type { Clock } from '../../core/time/time-input.js';
import { PagerDutyPager } from './pagerduty-pager.js';
import { WebhookPager } from './webhook-pager.js';

export interface PagerSettings {
  PAGERDUTY_ROUTING_KEY?: string | undefined;
  PAGERDUTY_EVENTS_URL?: string | undefined;
  PAGER_WEBHOOK_URL?: string | undefined;
  PAGER_WEBHOOK_SECRET?: string | undefined;
}

/** The chat DM pager always; PagerDuty and the webhook when configured. */
export function buildPagers(settings: PagerSettings, platforms: ReadonlyMap<string, ChatPlatform>, clock: Clock): Pager[] {
  const pagers: Pager[] = [new ChatDmPager(platforms)];
  if (settings.PAGERDUTY_ROUTING_KEY) pagers.push(new PagerDutyPager(settings.PAGERDUTY_ROUTING_KEY, settings.PAGERDUTY_EVENTS_URL));
  if (settings.PAGER_WEBHOOK_URL && settings.PAGER_WEBHOOK_SECRET) pagers.push(new WebhookPager(settings.PAGER_WEBHOOK_URL, settings.PAGER_WEBHOOK_SECRET, clock));
  return pagers;
}
