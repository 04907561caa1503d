import type { Card } from '../cards/card.js';
import type { RoleId } from '../domain.js';
import type { Incident, Page } from '../incident/incident.js';

/** One page as every pager sees it; each pager takes what it can carry. */
export interface PageNotice {
  incident: Incident;
  page: Page;
  /** One key per incident and role, so repeats and escalations update one external alert. */
  dedupKey: string;
  /** A one-line summary for pagers without cards. */
  summary: string;
  /** The card with the Acknowledge button, for chat. */
  card: Card;
}

export interface PagerIncidentNotice {
  incident: Incident;
  role: RoleId;
  dedupKey: string;
}

/**
 * Where a page goes out: a chat DM (always), PagerDuty, an outgoing webhook. `page` throws when
 * the page did not go out; the core records that and says so in the incident channel.
 */
export interface Pager {
  readonly name: string;
  page(notice: PageNotice): Promise<void>;
  /** Someone acknowledged in chat (PagerDuty: acknowledge the alert too). */
  acknowledge?(notice: PagerIncidentNotice & { by: string }): Promise<void>;
  /** The incident is over: close whatever lasting alert `page` opened. */
  resolve?(notice: PagerIncidentNotice): Promise<void>;
}
