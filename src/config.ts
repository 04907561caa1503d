import { join, resolve } from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import type { AdminUser } from './core/context.js';
import { parseEscalationMinutes } from './core/roles/escalation-policy.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const optionalSecret = z.string().min(1).optional();
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Every setting the bot reads, in one place; nothing else reads process.env. */
export const configSchema = z
  .object({
    DATABASE_URL: z.preprocess(emptyAsUndefined, z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional()),
    DATA_DIR: z.string().min(1).default('./.data'),
    PORT: z.coerce.number({ error: 'a port number from 0 to 65535' }).int('a whole port number').min(0, 'a port number from 0 to 65535').max(65535, 'a port number from 0 to 65535').default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BOT_TIMEZONE: z.string().refine(isTimeZone, 'an IANA time zone name such as Europe/Berlin').default('UTC'),
    API_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'at least 16 characters').optional()),
    DIGEST_CRON: z.string().refine((v) => cron.validate(v), 'a cron expression such as "0 9 * * 1" (Monday 09:00)').default('0 9 * * 1'),
    DIGEST_CHANNEL: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
    REMINDER_CRON: z.string().refine((v) => cron.validate(v), 'a cron expression such as "0 9 * * 1-5" (weekdays 09:00)').default('0 9 * * 1-5'),
    PLAYBOOKS_DIR: z.string().min(1).optional(),
    ALERTS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'at least 16 characters').optional()),
    TRIAGE_CHANNEL: z.preprocess(emptyAsUndefined, z.string().min(1).default('triage')),
    PAGERDUTY_ROUTING_KEY: z.preprocess(emptyAsUndefined, z.string().regex(/^[A-Za-z0-9]{32}$/, 'a 32-character PagerDuty integration (routing) key').optional()),
    PAGERDUTY_EVENTS_URL: z.preprocess(emptyAsUndefined, z.url().default('https://events.pagerduty.com')),
    PAGER_WEBHOOK_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    PAGER_WEBHOOK_SECRET: z.preprocess(emptyAsUndefined, z.string().min(16, 'at least 16 characters').optional()),
    ROSTER_FILE: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
    ESCALATION_MINUTES: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .default('sev1=5,sev2=15,sev3=60,sev4=none')
        .transform((text, ctx) => {
          const parsed = parseEscalationMinutes(text);
          if ('error' in parsed) {
            ctx.addIssue({ code: 'custom', message: parsed.error });
            return z.NEVER;
          }
          return parsed;
        }),
    ),
    PAGING_POLL_SECONDS: z.coerce.number({ error: 'a number of seconds from 0.1 to 300' }).min(0.1, 'a number of seconds from 0.1 to 300').max(300, 'a number of seconds from 0.1 to 300').default(5),
    CHAT: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .default('auto')
        .transform((text, ctx) => {
          const parsed = parseChatSetting(text);
          if ('error' in parsed) {
            ctx.addIssue({ code: 'custom', message: parsed.error });
            return z.NEVER;
          }
          return parsed.value;
        }),
    ),
    ADMIN_USERS: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .default('')
        .transform((text, ctx) => {
          const parsed = parseAdminUsers(text);
          if ('error' in parsed) {
            ctx.addIssue({ code: 'custom', message: parsed.error });
            return z.NEVER;
          }
          return parsed.value;
        }),
    ),
    CONSOLE_USER: z.string().regex(/^[\w.-]+$/, 'a user name of letters, digits, dots or hyphens').optional(),
    SLACK_BOT_TOKEN: z.preprocess(emptyAsUndefined, z.string().startsWith('xoxb-', 'a bot token starting xoxb-').optional()),
    SLACK_SIGNING_SECRET: z.preprocess(emptyAsUndefined, optionalSecret),
    SLACK_APP_TOKEN: z.preprocess(emptyAsUndefined, z.string().startsWith('xapp-', 'an app-level token starting xapp-').optional()),
    SLACK_API_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    TEAMS_APP_ID: z.preprocess(emptyAsUndefined, z.string().regex(GUID, 'the bot\'s Microsoft App ID, a GUID such as 00000000-0000-0000-0000-000000000000').optional()),
    TEAMS_APP_PASSWORD: z.preprocess(emptyAsUndefined, optionalSecret),
    TEAMS_APP_TENANT_ID: z.preprocess(emptyAsUndefined, z.string().regex(GUID, 'the Microsoft Entra tenant id, a GUID').optional()),
    TEAMS_APP_TYPE: z.preprocess(emptyAsUndefined, z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI'], { error: 'SingleTenant, MultiTenant or UserAssignedMSI' }).default('SingleTenant')),
    TEAMS_SERVICE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    TEAMS_EMULATOR: z.preprocess(emptyAsUndefined, z.enum(['0', '1'], { error: '1 (on) or 0 (off)' }).default('0').transform((v) => v === '1')),
    TEAMS_TRIAGE_CHANNEL: z.preprocess(emptyAsUndefined, z.string().regex(/^19:/, 'a Teams channel id starting 19:').optional()),
    TEAMS_DIGEST_CHANNEL: z.preprocess(emptyAsUndefined, z.string().regex(/^19:/, 'a Teams channel id starting 19:').optional()),
  })
  .superRefine((config, ctx) => {
    if (config.SLACK_BOT_TOKEN && !config.SLACK_SIGNING_SECRET && !config.SLACK_APP_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) beside SLACK_BOT_TOKEN',
      });
    }
    if ((config.SLACK_SIGNING_SECRET || config.SLACK_APP_TOKEN) && !config.SLACK_BOT_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'Slack needs SLACK_BOT_TOKEN (xoxb-…) too' });
    }
    if (Boolean(config.PAGER_WEBHOOK_URL) !== Boolean(config.PAGER_WEBHOOK_SECRET)) {
      ctx.addIssue({ code: 'custom', path: [config.PAGER_WEBHOOK_URL ? 'PAGER_WEBHOOK_SECRET' : 'PAGER_WEBHOOK_URL'], message: 'PAGER_WEBHOOK_URL and PAGER_WEBHOOK_SECRET go together (the secret signs each call)' });
    }
    if (config.CHAT.includes('slack') && !config.SLACK_BOT_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['CHAT'], message: 'CHAT=slack needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN' });
    }
    if (config.CHAT.includes('teams') && !teamsConfigured(config)) {
      ctx.addIssue({ code: 'custom', path: ['CHAT'], message: 'CHAT=teams needs TEAMS_APP_ID (with TEAMS_APP_PASSWORD) or TEAMS_EMULATOR=1 for local use' });
    }
    if (config.TEAMS_APP_ID && config.TEAMS_EMULATOR) {
      // A registered bot must check every token; the emulator switch would let anyone in.
      ctx.addIssue({ code: 'custom', path: ['TEAMS_EMULATOR'], message: 'TEAMS_EMULATOR=1 is for local use without a registration; unset it when TEAMS_APP_ID is set' });
    }
    if (config.TEAMS_APP_ID && config.TEAMS_APP_TYPE !== 'UserAssignedMSI' && !config.TEAMS_APP_PASSWORD) {
      ctx.addIssue({ code: 'custom', path: ['TEAMS_APP_PASSWORD'], message: 'the client secret of the bot\'s app registration (or TEAMS_APP_TYPE=UserAssignedMSI)' });
    }
    if (config.TEAMS_APP_ID && config.TEAMS_APP_TYPE !== 'MultiTenant' && !config.TEAMS_APP_TENANT_ID) {
      ctx.addIssue({ code: 'custom', path: ['TEAMS_APP_TENANT_ID'], message: `${config.TEAMS_APP_TYPE} bots need the tenant id (Azure registers no new multi-tenant bots)` });
    }
  });

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const shown = name in env && !/TOKEN|SECRET|PASSWORD|ROUTING_KEY|DATABASE_URL/.test(name) ? ` (got "${env[name]}")` : '';
    return `${name}: expected ${issue.message.replace(/^Invalid (input|option): expected /, "")}${shown}`;
  });
  throw new ConfigError(problems);
}

export const CHAT_EDGES = ['console', 'slack', 'teams'] as const;
export type ChatEdge = (typeof CHAT_EDGES)[number];

/** `auto`, `none`, or a comma list of edges (`slack,teams`). */
function parseChatSetting(text: string): { value: 'auto' | ChatEdge[] } | { error: string } {
  const words = text.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
  if (words.length === 1 && words[0] === 'auto') return { value: 'auto' };
  if (words.length === 1 && words[0] === 'none') return { value: [] };
  const unknown = words.filter((w) => !(CHAT_EDGES as readonly string[]).includes(w));
  if (words.length === 0 || unknown.length) return { error: `auto, none, or a comma list of ${CHAT_EDGES.join(', ')} such as slack,teams` };
  if (words.includes('console') && words.length > 1) return { error: 'console alone: it is the local chat for when no Slack or Teams is configured' };
  return { value: [...new Set(words as ChatEdge[])] };
}

/**
 * `ADMIN_USERS`: a comma list of people who may close, reopen, change the severity or playbook of,
 * or mark a false positive any incident. `slack:U024BE7LH` counts on that platform only; a bare id
 * (`U024BE7LH`, `alice`) on every platform. Ids are the platform's own (Slack `U…`, Teams AAD object
 * ids, console names); a Teams `29:…` id is bare, since `29` names no platform.
 */
export function parseAdminUsers(text: string): { value: AdminUser[] } | { error: string } {
  const admins: AdminUser[] = [];
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const qualified = /^([a-z]+):(.*)$/i.exec(entry);
    const platform = qualified?.[1]?.toLowerCase();
    if (platform !== undefined && !(CHAT_EDGES as readonly string[]).includes(platform)) {
      return { error: `a comma list of user ids, each bare (U024BE7LH) or as platform:id with platform one of ${CHAT_EDGES.join(', ')}, such as slack:U024BE7LH; "${qualified![1]}:" names no platform` };
    }
    const userId = (platform !== undefined ? qualified![2]! : entry).trim();
    if (!userId || /[\s,<>]/.test(userId)) return { error: `a comma list of user ids such as slack:U024BE7LH,teams:6e2b…; "${entry}" is not one (no spaces, and no <@…> mention syntax)` };
    admins.push(platform !== undefined ? { platform, userId } : { userId });
  }
  return { value: admins };
}

/** Teams runs when the bot is registered, or against an emulator with no tenant. */
export function teamsConfigured(config: Pick<Config, 'TEAMS_APP_ID' | 'TEAMS_EMULATOR'>): boolean {
  return Boolean(config.TEAMS_APP_ID) || config.TEAMS_EMULATOR;
}

/** Which chat edges run: an explicit CHAT list wins; `auto` runs every configured edge, the console only when none is. */
export function chatEdges(config: Config): ChatEdge[] {
  if (config.CHAT !== 'auto') return config.CHAT;
  const edges: ChatEdge[] = [];
  if (config.SLACK_BOT_TOKEN) edges.push('slack');
  if (teamsConfigured(config)) edges.push('teams');
  return edges.length ? edges : ['console'];
}

/** Where an edge posts triage cards and the digest; an edge without a destination gets none. */
export function destinations(config: Config, kind: 'triage' | 'digest'): { platform: ChatEdge; channelId: string }[] {
  const byEdge: Record<ChatEdge, string | undefined> = {
    console: kind === 'triage' ? config.TRIAGE_CHANNEL : config.DIGEST_CHANNEL,
    slack: kind === 'triage' ? config.TRIAGE_CHANNEL : config.DIGEST_CHANNEL,
    teams: kind === 'triage' ? config.TEAMS_TRIAGE_CHANNEL : config.TEAMS_DIGEST_CHANNEL,
  };
  return chatEdges(config).flatMap((platform) => (byEdge[platform] ? [{ platform, channelId: byEdge[platform] }] : []));
}

/** The configuration of this process, for entry points (the bot, the CLIs). */
/** The Node flags given through NODE_OPTIONS (memory-flags.ts leaves alone what the operator set). */
export function nodeOptions(): string {
  return process.env.NODE_OPTIONS ?? '';
}

export function configFromEnvironment(): Config {
  return loadConfig(process.env);
}

/** Where the embedded database keeps its files (without DATABASE_URL). */
export function embeddedDataDir(config: Pick<Config, 'DATA_DIR'>): string {
  return join(resolve(config.DATA_DIR), 'pglite');
}
