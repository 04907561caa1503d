import type { ScenarioCatalog } from './exercise/scenario-catalog.js';
import type { PlaybookCatalog } from './playbook/load-playbooks.js';
import type { ChatPlatform } from './ports/chat-platform.js';
import type { Store } from './ports/store.js';
import type { Telemetry } from './ports/telemetry.js';
import type { PagingSettings } from './roles/escalation-policy.js';
import type { TaxonomyCatalog } from './taxonomy/taxonomy.js';
import type { TriageSettings } from './signals/triage-settings.js';
import type { Clock } from './time/time-input.js';

/** The few log calls the core makes; pino satisfies it, tests can pass a silent one. */
export interface CoreLogger {
  info(data: object, message?: string): void;
  warn(data: object, message?: string): void;
  error(data: object, message?: string): void;
}

/** Everything a use case needs, handed in by the composition root. */
export interface CoreContext {
  store: Store;
  playbooks: PlaybookCatalog;
  clock: Clock;
  timeZone: string;
  platforms: ReadonlyMap<string, ChatPlatform>;
  logger: CoreLogger;
  /** Pagers and escalation timeouts; unset: chat DMs and the default timeouts. */
  paging?: PagingSettings;
  /** Where alerts wait for a person to declare or dismiss them; unset: no triage card is posted. */
  triage?: TriageSettings;
  /** Tabletop exercise scenarios (MITRE ATLAS case studies); unset: `exercise` commands say none are loaded. */
  scenarios?: ScenarioCatalog;
  /** ATLAS and OWASP LLM tag ids with names and cue words (taxonomy/taxonomy.ts); unset: the shipped `playbooks/taxonomy/taxonomy.yaml`. */
  taxonomy?: TaxonomyCatalog;
  /** `ADMIN_USERS`: people who may close, reopen, re-rate or re-scope any incident (incident/permissions.ts). */
  admins?: readonly AdminUser[];
  /** Counts commands, pages, scheduled runs and chat API calls for operators (`GET /metrics`); unset: nothing is counted. */
  telemetry?: Telemetry;
}

/** An admin: an id on one platform, or (no platform) that id on any platform. */
export interface AdminUser {
  platform?: string;
  userId: string;
}

/** Who is acting, from where. */
export interface Actor {
  platform: string;
  userId: string;
  channelId: string;
  /** A key unique to the request (Slack trigger_id, event id); a retry with the same key changes nothing. */
  requestKey?: string;
}
