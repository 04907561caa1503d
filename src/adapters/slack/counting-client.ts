import { ErrorCode, WebClient, type WebAPICallResult, type WebClientOptions } from '@slack/web-api';
import type { Telemetry } from '../../core/ports/telemetry.js';

/** What a failed Web API call is counted as: Slack's own error code (`channel_not_found`), `ratelimited`, `http_<status>` or `request_error`. */
export function slackCallError(error: unknown): string {
  const e = error as { code?: string; data?: { error?: string }; statusCode?: number };
  switch (e?.code) {
    case ErrorCode.PlatformError:
      return e.data?.error ?? 'platform_error';
    case ErrorCode.RateLimitedError:
      return 'ratelimited';
    case ErrorCode.HTTPError:
      return `http_${e.statusCode ?? 'error'}`;
    case ErrorCode.RequestError:
      return 'request_error';
    default:
      return 'other';
  }
}

/**
 * Posts, which Slack performs again when they are sent again. web-api retries a call after a 5xx or
 * a timeout, and Slack may have posted before its answer was lost: a second card. These are sent
 * once; a 429 (never performed) waits and goes again, and any other failure goes back to the
 * caller, whose retry first looks for the card the lost call posted (`findCard`). A create is safe
 * to repeat: the second answers `name_taken` and the channel is adopted (`findSpace`).
 */
export const NOT_REPEATABLE = new Set(['chat.postMessage', 'chat.postEphemeral']);
const RATE_LIMIT_TRIES = 4;
const MAX_RATE_LIMIT_WAIT_S = 30;

/**
 * The Web API client with every call counted by method (`chat.postMessage`), and each failure by
 * Slack's error code. Every method (`client.chat.postMessage`, pagination) goes through `apiCall`,
 * and web-api's retries happen inside it: one call counted is one call the bot made.
 */
export class CountingWebClient extends WebClient {
  private readonly telemetry: Pick<Telemetry, 'chatApiCall'> | undefined;
  /** The same client without web-api's retries, for `NOT_REPEATABLE` calls. */
  private readonly singleShot: WebClient;

  constructor(token: string, options: WebClientOptions, telemetry: Pick<Telemetry, 'chatApiCall'> | undefined) {
    super(token, options);
    this.telemetry = telemetry;
    this.singleShot = new WebClient(token, { ...options, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  }

  override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    try {
      const result = NOT_REPEATABLE.has(method) ? await this.callOnce(method, options) : await super.apiCall(method, options);
      this.telemetry?.chatApiCall('slack', method);
      return result;
    } catch (error) {
      this.telemetry?.chatApiCall('slack', method, slackCallError(error));
      throw error;
    }
  }

  private async callOnce(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.singleShot.apiCall(method, options);
      } catch (error) {
        const e = error as { code?: string; retryAfter?: number };
        if (e?.code !== ErrorCode.RateLimitedError || attempt >= RATE_LIMIT_TRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(e.retryAfter ?? 1, MAX_RATE_LIMIT_WAIT_S) * 1000));
      }
    }
  }
}
