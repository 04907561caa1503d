import { pino, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log record. */
export const REDACTED_PATHS = [
  'token',
  'password',
  'secret',
  'authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'config.SLACK_BOT_TOKEN',
  'config.SLACK_SIGNING_SECRET',
  'config.SLACK_APP_TOKEN',
  'config.TEAMS_APP_PASSWORD',
  'config.API_TOKEN',
  'config.DATABASE_URL',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'TEAMS_APP_PASSWORD',
  'API_TOKEN',
  'DATABASE_URL',
];

const SECRET_PATTERNS = [/xox[abpr]-[\w-]+/g, /xapp-[\w-]+/g, /postgres(ql)?:\/\/[^@\s]+@/g, /Bearer\s+[\w.~+/-]+=*/gi];

/** Scrubs token-shaped strings from free text (error messages can quote a URL or a header). */
export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((acc, pattern) => acc.replace(pattern, '[REDACTED]'), text);
}

export function createLogger(options: { level: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      formatters: {
        log(object) {
          const err = object.err;
          if (err && typeof err === 'object' && 'message' in err) {
            return { ...object, err: { ...err, message: scrubSecrets(String((err as { message: unknown }).message)) } };
          }
          if (typeof err === 'string') return { ...object, err: scrubSecrets(err) };
          return object;
        },
      },
    },
    options.destination ?? pino.destination(2),
  );
}
