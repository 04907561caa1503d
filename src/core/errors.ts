/** Every error a user can see has a code from this catalogue and a message that says what to do. */
export const ERROR_CODES = [
  'bad_command',
  'not_found',
  'not_in_incident_channel',
  'invalid_transition',
  'invalid_time',
  'duplicate_request',
  'channel_name_taken',
  'platform_error',
  /** The message to update is no longer there (someone deleted it). */
  'message_gone',
  /** The channel is archived: nothing can be posted or changed in it any more. */
  'space_archived',
  'rate_limited',
  'unauthorized',
  'forbidden',
  'config',
  /** The database refused or lost the connection (restart, failover); translated once in src/db/database.ts. */
  'database_unavailable',
  'playbook_invalid',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  override readonly cause?: unknown;

  constructor(code: ErrorCode, message: string, cause?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.cause = cause;
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
