import cron from 'node-cron';
import { z } from 'zod';
import { parseEscalationMinutes } from './core/roles/escalation-policy.js';

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
    CHAT: z.enum(['auto', 'console', 'slack', 'teams', 'none']).default('auto'),
    CONSOLE_USER: z.string().regex(/^[\w.-]+$/, 'a user name of letters, digits, dots or hyphens').optional(),
    SLACK_BOT_TOKEN: z.preprocess(emptyAsUndefined, z.string().startsWith('xoxb-', 'a bot token starting xoxb-').optional()),
    SLACK_SIGNING_SECRET: z.preprocess(emptyAsUndefined, optionalSecret),
    SLACK_APP_TOKEN: z.preprocess(emptyAsUndefined, z.string().startsWith('xapp-', 'an app-level token starting xapp-').optional()),
    SLACK_API_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    TEAMS_APP_ID: z.preprocess(emptyAsUndefined, z.string().optional()),
    TEAMS_APP_PASSWORD: z.preprocess(emptyAsUndefined, optionalSecret),
    TEAMS_TENANT_ID: z.preprocess(emptyAsUndefined, z.string().optional()),
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
    if (config.CHAT === 'slack' && !config.SLACK_BOT_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['CHAT'], message: 'CHAT=slack needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN' });
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

/** Which chat edge to run: explicit CHAT wins; otherwise Slack when configured, else the console. */
export function chatEdge(config: Config): 'console' | 'slack' | 'teams' | 'none' {
  if (config.CHAT !== 'auto') return config.CHAT;
  if (config.SLACK_BOT_TOKEN) return 'slack';
  if (config.TEAMS_APP_ID !== undefined && config.TEAMS_APP_PASSWORD) return 'teams';
  return 'console';
}

/** The configuration of this process, for entry points (the bot, the CLIs). */
export function configFromEnvironment(): Config {
  return loadConfig(process.env);
}
