import { ErrorCode, type WebAPICallError } from '@slack/web-api';
import { AppError, isAppError } from '../../core/errors.js';

function isWebApiError(error: unknown): error is WebAPICallError {
  return error instanceof Error && 'code' in error && Object.values(ErrorCode).includes((error as { code: ErrorCode }).code);
}

/**
 * Translates a Web API failure into the core's catalogue, once, at the edge. The message names the
 * method and Slack's own error code so the channel message and the event say what went wrong.
 */
export function toAppError(error: unknown, method: string): AppError {
  if (isAppError(error)) return error;
  // Not from Slack at all (a bug, the database): the core logs it and shows only a reference.
  if (!isWebApiError(error)) return new AppError('internal', `${method} failed: ${error instanceof Error ? error.message : String(error)}`, error);
  switch (error.code) {
    case ErrorCode.PlatformError:
      if (error.data.error === 'name_taken') return new AppError('channel_name_taken', `Slack says the channel name is taken (${method})`, error);
      if (error.data.error === 'message_not_found') return new AppError('message_gone', `Slack answered "message_not_found" to ${method}: the message was deleted`, error);
      if (error.data.error === 'is_archived') return new AppError('space_archived', `Slack answered "is_archived" to ${method}: the channel is archived`, error);
      if (error.data.error === 'ratelimited') return new AppError('rate_limited', `Slack rate-limited ${method}; try again in a minute`, error);
      return new AppError('platform_error', `Slack answered "${error.data.error}" to ${method}`, error);
    case ErrorCode.RateLimitedError:
      return new AppError('rate_limited', `Slack rate-limited ${method} (retry after ${error.retryAfter} s)`, error);
    case ErrorCode.HTTPError:
      return new AppError('platform_error', `Slack answered HTTP ${error.statusCode} to ${method}`, error);
    default:
      // web-api gives up on a call still rate-limited after its retries with a plain request error.
      if (/rate limit/i.test(error.message)) return new AppError('rate_limited', `Slack kept rate-limiting ${method}; try again in a minute`, error);
      return new AppError('platform_error', `Slack ${method} failed: ${error.message}`, error);
  }
}

/** Slack's error code (`already_in_channel`, `name_taken`, …) when the API refused the call. */
export function slackErrorCode(error: unknown): string | undefined {
  return isWebApiError(error) && error.code === ErrorCode.PlatformError ? error.data.error : undefined;
}
