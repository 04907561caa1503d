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
 * The Web API client with every call counted by method (`chat.postMessage`), and each failure by
 * Slack's error code. Every method (`client.chat.postMessage`, pagination) goes through `apiCall`,
 * and web-api's retries happen inside it: one call counted is one call the bot made.
 */
export class CountingWebClient extends WebClient {
  private readonly telemetry: Pick<Telemetry, 'chatApiCall'> | undefined;

  constructor(token: string, options: WebClientOptions, telemetry: Pick<Telemetry, 'chatApiCall'> | undefined) {
    super(token, options);
    this.telemetry = telemetry;
  }

  override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    try {
      const result = await super.apiCall(method, options);
      this.telemetry?.chatApiCall('slack', method);
      return result;
    } catch (error) {
      this.telemetry?.chatApiCall('slack', method, slackCallError(error));
      throw error;
    }
  }
}
