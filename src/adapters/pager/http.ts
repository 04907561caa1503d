import { AppError } from '../../core/errors.js';

/** POSTs JSON with a timeout; a non-2xx answer is an AppError carrying the status and the service's reason. */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new AppError('platform_error', `could not reach ${new URL(url).host}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text for the error message.
  }
  if (response.status === 429) throw new AppError('rate_limited', `${new URL(url).host} is rate limiting pages (429)`);
  if (!response.ok) {
    const detail = typeof parsed === 'object' && parsed !== null ? JSON.stringify(parsed).slice(0, 300) : String(text).slice(0, 300);
    throw new AppError('platform_error', `${new URL(url).host} answered ${response.status}: ${detail}`);
  }
  return parsed;
}
