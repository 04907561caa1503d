import type { Activity } from 'botbuilder';
import { scrubSecrets } from '../../logger.js';

/**
 * The check in front of the Teams edge. botbuilder alone is not enough: offline it answers a forged
 * or `alg: none` token carrying Teams' issuer with HTTP 500 naming the OpenID metadata URL, and it
 * waits without limit on a metadata host that never answers (test/teams/bot-framework-auth.test.ts).
 * So a request is refused (401) unless its token passes cheap checks first and then the SDK's own
 * validation within a time bound.
 */

/** The issuer of the tokens the Bot Connector service (Teams) signs. */
export const CHANNEL_ISSUER = 'https://api.botframework.com';
export const DEFAULT_AUTHENTICATE_TIMEOUT_MS = 5_000;
const ALGORITHMS = new Set(['RS256', 'RS384', 'RS512']);
/** botbuilder's clock tolerance. */
const CLOCK_SKEW_SECONDS = 300;

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why `authorization` cannot be a Bot Framework channel token for `appId`, or undefined. Checks the
 * shape only (three parts with a signature, an RSA algorithm, a `kid`, Teams' issuer, our app id as
 * audience, within its lifetime, and the activity's serviceUrl when given); the signature is
 * botbuilder's to verify.
 */
export function precheckBearer(authorization: string | undefined, expected: { appId: string; serviceUrl?: string; nowSeconds?: number }): string | undefined {
  if (!authorization) return 'no token';
  const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!match) return 'not a signed bearer JWT';
  const header = decodePart(match[1]!);
  const claims = decodePart(match[2]!);
  if (!header || !claims) return 'unparseable token';
  const now = expected.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (!ALGORITHMS.has(String(header.alg))) return `algorithm ${String(header.alg).slice(0, 20)}`;
  if (typeof header.kid !== 'string' || !header.kid) return 'no kid';
  if (claims.iss !== CHANNEL_ISSUER) return 'issuer';
  if (claims.aud !== expected.appId) return 'audience';
  if (typeof claims.exp !== 'number' || claims.exp < now - CLOCK_SKEW_SECONDS) return 'expired';
  if (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_SKEW_SECONDS) return 'not yet valid';
  if (expected.serviceUrl !== undefined && claims.serviceurl !== expected.serviceUrl) return 'serviceurl';
  return undefined;
}

/** `promise`, or a rejection once `ms` have passed (the promise itself goes on; its outcome is dropped). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export interface AuthGateOptions<T> {
  /** The bot's app id; empty for the emulator (auth off, nothing to pre-check). */
  appId: string;
  /** The SDK's validation (TeamsConnector.authenticate). */
  authenticate(activity: Activity, authorization: string): Promise<T>;
  timeoutMs: number;
}

export type AuthGateResult<T> = { ok: true; auth: T } | { ok: false; reason: string };

/**
 * Authenticates one inbound activity: the pre-check, then the SDK's validation bounded by
 * `timeoutMs` (its OpenID metadata download has no timeout). The reason of a refusal is fit for the
 * log: it never holds the token.
 */
export async function teamsAuthGate<T>(options: AuthGateOptions<T>, activity: Activity, authorization: string | undefined): Promise<AuthGateResult<T>> {
  if (options.appId) {
    if (typeof activity.serviceUrl !== 'string') return { ok: false, reason: 'activity without serviceUrl' };
    const reason = precheckBearer(authorization, { appId: options.appId, serviceUrl: activity.serviceUrl });
    if (reason) return { ok: false, reason };
  }
  try {
    return { ok: true, auth: await withTimeout(options.authenticate(activity, authorization ?? ''), options.timeoutMs) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `botbuilder: ${scrubSecrets(message).slice(0, 300)}` };
  }
}
