import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, ConfigurationServiceClientCredentialFactory, type Activity } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BOT_APP_ID, TENANT_ID, teamsActivities, type TeamsActivities } from '../support/bot-framework-activities.js';
import { FakeBotConnector } from '../support/fake-bot-connector.js';
import { postActivity, startBotServer, type BotServer, type Gate, type PostResult } from '../support/teams-bot-server.js';

/**
 * Inbound token validation by botbuilder's CloudAdapter with a single-tenant app id, on a machine
 * without internet. Findings (also in the report):
 * - no Authorization header → 401 at once;
 * - a token whose issuer is right (`https://api.botframework.com`) makes botbuilder fetch the OpenID
 *   metadata (node-fetch, no timeout). Unreachable → 500 with the fetch error as the body (not 401);
 *   a host that never answers → the request hangs until the socket dies;
 * - with metadata reachable, a token signed by another key, or `alg: none` with a known `kid`, gets
 *   500 too (jsonwebtoken's error is not an AuthenticationError); expired / wrong audience / wrong
 *   serviceurl / unknown kid get 401;
 * - in no case does the bot logic run. A gate before `adapter.process` (`teamsAuthGate` below) turns
 *   all of these into a fast 401 and bounds the metadata fetch.
 */

const APP_ID = BOT_APP_ID;
const PASSWORD = 'not-a-real-secret';
/** The issuer of the tokens the Bot Connector service (Teams) signs. */
const CHANNEL_ISSUER = 'https://api.botframework.com';
const KID = 'fake-teams-signing-key';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signRs256(payload: Record<string, unknown>, key: KeyObject, kid = KID): string {
  const head = b64({ alg: 'RS256', typ: 'JWT', kid, x5t: kid });
  const body = b64(payload);
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key).toString('base64url');
  return `${head}.${body}.${signature}`;
}

function unsigned(payload: Record<string, unknown>, kid?: string): string {
  return `${b64({ alg: 'none', typ: 'JWT', ...(kid ? { kid } : {}) })}.${b64(payload)}.`;
}

// ---- the gate the lead can put in front of adapter.process ---------------------------------------

const ALLOWED_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512']);
const CLOCK_SKEW_SECONDS = 300; // botbuilder's clockTolerance

/**
 * Cheap checks on the bearer token before botbuilder sees it: a three-part JWT with a signature, an RSA
 * algorithm and a `kid`, Teams' issuer, our app id as audience, not expired, and the activity's
 * serviceUrl in the `serviceurl` claim. Returns why it is refused, or undefined. It verifies no
 * signature: botbuilder does that afterwards.
 */
function precheckBearer(authorization: string | undefined, expected: { appId: string; serviceUrl: unknown; nowSeconds?: number }): string | undefined {
  const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!match) return 'no signed bearer JWT';
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(match[2]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'unparseable token';
  }
  const now = expected.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (!ALLOWED_ALGORITHMS.has(String(header.alg))) return `algorithm ${String(header.alg)}`;
  if (typeof header.kid !== 'string' || !header.kid) return 'no kid';
  if (claims.iss !== CHANNEL_ISSUER) return 'issuer';
  if (claims.aud !== expected.appId) return 'audience';
  if (typeof claims.exp !== 'number' || claims.exp < now - CLOCK_SKEW_SECONDS) return 'expired';
  if (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_SKEW_SECONDS) return 'not yet valid';
  if (claims.serviceurl !== expected.serviceUrl) return 'serviceurl';
  return undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => {}); // it may settle after we gave up
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

/**
 * Refuses with 401 before the adapter: a failed pre-check, or botbuilder's own authentication
 * failing or taking longer than `timeoutMs` (the OpenID metadata fetch has no timeout). After it
 * passes, `adapter.process` validates again from the cached keys.
 */
function teamsAuthGate(auth: ConfigurationBotFrameworkAuthentication, options: { appId: string; timeoutMs: number; refusals?: string[] }): Gate {
  const refuse = (res: ServerResponse, reason: string) => {
    options.refusals?.push(reason);
    res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
    return true;
  };
  return async (req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse) => {
    if (!options.appId) return false; // auth off (local emulator): nothing to check
    const authorization = req.headers.authorization;
    const reason = precheckBearer(authorization, { appId: options.appId, serviceUrl: body.serviceUrl });
    if (reason) return refuse(res, reason);
    try {
      await withTimeout(auth.authenticateRequest(body as unknown as Activity, authorization!), options.timeoutMs);
    } catch (error) {
      return refuse(res, `botbuilder: ${(error as Error).message}`);
    }
    return false;
  };
}

// ---- a local stand-in for https://login.botframework.com/v1/.well-known/openidconfiguration --------

interface OpenIdServer {
  url: string;
  close(): Promise<void>;
}

async function startOpenIdServer(mode: { keys: KeyObject } | 'hang'): Promise<OpenIdServer> {
  const server: Server = createServer((req, res) => {
    if (mode === 'hang') return; // accepts the connection, never answers (a firewall that drops is similar)
    const port = (server.address() as { port: number }).port;
    if (req.url === '/v1/.well-known/openidconfiguration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: CHANNEL_ISSUER, jwks_uri: `http://127.0.0.1:${port}/v1/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url === '/v1/keys') {
      const jwk = mode.keys.export({ format: 'jwk' });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid: KID, x5t: KID, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/v1/.well-known/openidconfiguration`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Single-tenant settings; with `metadataUrl`, every public-cloud value must be given explicitly. */
function singleTenant(metadataUrl?: string): ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[0] {
  const settings = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: PASSWORD, MicrosoftAppTenantId: TENANT_ID, MicrosoftAppType: 'SingleTenant' };
  if (!metadataUrl) return settings;
  return {
    ...settings,
    ToBotFromChannelOpenIdMetadataUrl: metadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: metadataUrl,
    ToBotFromChannelTokenIssuer: CHANNEL_ISSUER,
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
    ToChannelFromBotLoginUrl: `https://login.microsoftonline.com/${TENANT_ID}`,
    OAuthUrl: 'https://api.botframework.com',
    CallerId: 'urn:botframework:azure',
  };
}

/** Outbound credentials without Entra ID: a fixed bearer token (what a test needs to exercise requireAuth). */
class StaticTokenCredentialsFactory extends ConfigurationServiceClientCredentialFactory {
  constructor(private readonly token: string) {
    super({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: PASSWORD, MicrosoftAppTenantId: TENANT_ID, MicrosoftAppType: 'SingleTenant' });
  }

  override async createCredentials(): Promise<never> {
    const token = this.token;
    return {
      async signRequest<T extends { headers: { set(name: string, value: string): void } }>(request: T): Promise<T> {
        request.headers.set('authorization', `Bearer ${token}`);
        return request;
      },
    } as never;
  }
}

interface Harness {
  server: BotServer;
  turns: string[];
  refusals: string[];
  close(): Promise<void>;
}

async function startBot(auth: ConfigurationBotFrameworkAuthentication, options: { gate?: boolean; appId?: string; timeoutMs?: number; reply?: boolean } = {}): Promise<Harness> {
  const adapter = new CloudAdapter(auth);
  const turns: string[] = [];
  const refusals: string[] = [];
  adapter.onTurnError = async (_context, error) => {
    turns.push(`error: ${(error as Error).message}`);
  };
  const gate = options.gate ? teamsAuthGate(auth, { appId: options.appId ?? APP_ID, timeoutMs: options.timeoutMs ?? 2_000, refusals }) : undefined;
  const server = await startBotServer(
    adapter,
    async (context) => {
      turns.push(String(context.activity.text));
      if (options.reply) await context.sendActivity('ack');
    },
    { gate },
  );
  return { server, turns, refusals, close: () => server.close() };
}

describe('Bot Framework token validation (single tenant, no internet)', () => {
  const connector = new FakeBotConnector();
  const teamsKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let teams: TeamsActivities;
  const timings: Record<string, number> = {};
  let consoleError: { mockRestore(): void };

  const claims = (overrides: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: CHANNEL_ISSUER, aud: APP_ID, serviceurl: connector.serviceUrl, nbf: now - 60, iat: now - 60, exp: now + 3_600, ...overrides };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function send(harness: Harness, name: string, headers: Record<string, string> = {}): Promise<PostResult> {
    const activity = teams.personalMessage(name);
    connector.recordInbound(activity);
    const result = await postActivity(harness.server.url, activity, headers);
    timings[name] = Math.round(result.ms);
    return result;
  }

  beforeAll(async () => {
    await connector.start();
    teams = teamsActivities({ serviceUrl: connector.serviceUrl });
    // CloudAdapter console.error()s every refused request with its stack: keep the output readable.
    consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterAll(async () => {
    consoleError.mockRestore();
    await connector.close();
    if (process.env.TEAMS_AUTH_TIMINGS) console.info('timings (ms)', timings);
  });

  describe('with the public-cloud defaults (metadata at login.botframework.com, unreachable here)', () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startBot(new ConfigurationBotFrameworkAuthentication(singleTenant()));
    });
    afterAll(() => harness.close());

    it('answers 401 to a request with no Authorization header, without running the bot', async () => {
      const answer = await send(harness, 'no header');
      expect(answer.status).toBe(401);
      expect(answer.text).toBe('Unauthorized Access. Request is not authorized');
      expect(answer.ms).toBeLessThan(1_000);
      expect(harness.turns).toEqual([]);
    });

    it('answers 401 to tokens with a foreign issuer or that are not JWTs, without any fetch', async () => {
      expect((await send(harness, 'not a jwt', { authorization: 'Bearer abc.def' })).status).toBe(401);
      expect((await send(harness, 'foreign issuer', bearer(signRs256(claims({ iss: 'https://sts.windows.net/evil/' }), attackerKey.privateKey)))).status).toBe(401);
      expect((await send(harness, 'basic auth', { authorization: 'Basic dXNlcjpwYXNz' })).status).toBe(401);
      expect(harness.turns).toEqual([]);
    });

    it('never runs the bot for a forged RS256 or an alg:none token with the right claims (500 offline, not 401)', async () => {
      // botbuilder must fetch the signing keys first. Offline that fails (ENOTFOUND here: fast) and
      // the fetch error becomes a 500 whose body names the metadata URL; with internet the kid is
      // unknown and the answer is 401. A host that drops packets would make this hang: see below.
      const forged = await withTimeout(send(harness, 'forged rs256', bearer(signRs256(claims(), attackerKey.privateKey))), 10_000);
      const none = await withTimeout(send(harness, 'alg none', bearer(unsigned(claims()))), 10_000);
      for (const answer of [forged, none]) {
        expect([401, 500]).toContain(answer.status);
        if (answer.status === 500) expect(answer.text).toMatch(/login\.botframework\.com/);
      }
      expect(harness.turns).toEqual([]);
    });
  });

  describe('with the OpenID metadata reachable (a local stand-in holding the Teams signing key)', () => {
    let openId: OpenIdServer;
    let harness: Harness;
    beforeAll(async () => {
      openId = await startOpenIdServer({ keys: teamsKey.publicKey });
      harness = await startBot(new ConfigurationBotFrameworkAuthentication(singleTenant(openId.url)));
    });
    afterAll(async () => {
      await harness.close();
      await openId.close();
    });

    it('runs the bot for a correctly signed Teams token (the control)', async () => {
      const answer = await send(harness, 'valid token', bearer(signRs256(claims(), teamsKey.privateKey)));
      expect(answer.status).toBe(200);
      expect(harness.turns).toEqual(['valid token']);
    });

    it('answers 401 to an expired token, a wrong audience, a wrong serviceurl and an unknown kid', async () => {
      const now = Math.floor(Date.now() / 1000);
      const answers = [
        await send(harness, 'expired', bearer(signRs256(claims({ exp: now - 3_600, nbf: now - 7_200 }), teamsKey.privateKey))),
        await send(harness, 'other audience', bearer(signRs256(claims({ aud: '00000000-0000-4000-8000-000000000000' }), teamsKey.privateKey))),
        await send(harness, 'other serviceurl', bearer(signRs256(claims({ serviceurl: 'https://attacker.example/' }), teamsKey.privateKey))),
        await send(harness, 'unknown kid', bearer(signRs256(claims(), attackerKey.privateKey, 'attacker-kid'))),
        await send(harness, 'alg none, no kid', bearer(unsigned(claims()))),
      ];
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
      expect(harness.turns).toEqual(['valid token']);
    });

    it('answers 500, not 401, to a token signed by another key or alg:none with a known kid — and runs nothing', async () => {
      const forged = await send(harness, 'forged with known kid', bearer(signRs256(claims(), attackerKey.privateKey)));
      const none = await send(harness, 'alg none with known kid', bearer(unsigned(claims(), KID)));
      expect([forged.status, forged.text]).toEqual([500, 'invalid signature']);
      expect([none.status, none.text]).toEqual([500, 'jwt signature is required']);
      expect(harness.turns).toEqual(['valid token']);
    });
  });

  describe('when the metadata host accepts connections and never answers', () => {
    let openId: OpenIdServer;
    let auth: ConfigurationBotFrameworkAuthentication;
    let harness: Harness;
    beforeAll(async () => {
      openId = await startOpenIdServer('hang');
      auth = new ConfigurationBotFrameworkAuthentication(singleTenant(openId.url));
      harness = await startBot(auth);
    });
    afterAll(async () => {
      await harness.close();
      await openId.close();
    });

    it('botbuilder waits with no timeout of its own; the gate answers 401 within its bound', async () => {
      const token = bearer(signRs256(claims(), attackerKey.privateKey));
      const activity = teams.personalMessage('hanging');
      const ungated = postActivity(harness.server.url, activity, token);
      const stillWaiting = await Promise.race([ungated.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 1_500))]);
      expect(stillWaiting).toBe(true);

      const gated = await startBot(auth, { gate: true, timeoutMs: 300 });
      const answer = await send(gated, 'hanging, gated', token);
      expect(answer.status).toBe(401);
      expect(answer.ms).toBeLessThan(1_000);
      expect(gated.refusals).toEqual(['botbuilder: timed out after 300 ms']);
      await gated.close();

      // Only when the metadata host goes away does the ungated request end: 500, bot not run.
      await openId.close();
      expect((await ungated).status).toBe(500);
      expect(harness.turns).toEqual([]);
    });
  });

  describe('behind the gate', () => {
    let openId: OpenIdServer;
    let offline: Harness;
    let online: Harness;
    beforeAll(async () => {
      openId = await startOpenIdServer({ keys: teamsKey.publicKey });
      offline = await startBot(new ConfigurationBotFrameworkAuthentication(singleTenant()), { gate: true, timeoutMs: 2_000 });
      online = await startBot(new ConfigurationBotFrameworkAuthentication(singleTenant(openId.url)), { gate: true, timeoutMs: 2_000 });
    });
    afterAll(async () => {
      await offline.close();
      await online.close();
      await openId.close();
    });

    it('answers every bad request 401 fast, in both settings, and never runs the bot', async () => {
      const now = Math.floor(Date.now() / 1000);
      const bad: [string, Record<string, string>][] = [
        ['gate: no header', {}],
        ['gate: alg none', bearer(unsigned(claims()))],
        ['gate: alg none with kid', bearer(unsigned(claims(), KID))],
        ['gate: garbage', { authorization: 'Bearer not.a-jwt' }],
        ['gate: expired', bearer(signRs256(claims({ exp: now - 3_600 }), teamsKey.privateKey))],
        ['gate: forged rs256', bearer(signRs256(claims(), attackerKey.privateKey))],
      ];
      for (const harness of [offline, online]) {
        for (const [name, headers] of bad) {
          const answer = await send(harness, name, headers);
          expect({ name, status: answer.status }).toEqual({ name, status: 401 });
          expect(answer.ms).toBeLessThan(2_500);
        }
        expect(harness.turns).toEqual([]);
      }
      expect(offline.refusals.slice(0, 5)).toEqual(['no signed bearer JWT', 'no signed bearer JWT', 'no signed bearer JWT', 'no signed bearer JWT', 'expired']);
      expect(online.refusals.at(-1)).toBe('botbuilder: invalid signature');
    });

    it('lets a valid Teams token through to the bot', async () => {
      const answer = await send(online, 'gate: valid', bearer(signRs256(claims(), teamsKey.privateKey)));
      expect(answer.status).toBe(200);
      expect(online.turns).toEqual(['gate: valid']);
    });
  });

  describe('outbound calls with credentials', () => {
    it('carry the bearer token the credentials give (the fake connector can require it)', async () => {
      const openId = await startOpenIdServer({ keys: teamsKey.publicKey });
      const auth = new ConfigurationBotFrameworkAuthentication(singleTenant(openId.url), new StaticTokenCredentialsFactory('outbound-token'));
      const harness = await startBot(auth, { reply: true });
      connector.requireAuth('outbound-token');
      try {
        const answer = await send(harness, 'reply please', bearer(signRs256(claims(), teamsKey.privateKey)));
        expect(answer.status).toBe(200);
        expect(harness.turns).toEqual(['reply please']);
        expect(connector.callsTo('replyToActivity').at(-1)).toMatchObject({ status: 201, authorization: 'Bearer outbound-token' });
      } finally {
        connector.requireAuth(false);
        await harness.close();
        await openId.close();
      }
    });

    it('with the real password credentials offline, the token request fails fast and nothing reaches the connector', async () => {
      const openId = await startOpenIdServer({ keys: teamsKey.publicKey });
      const harness = await startBot(new ConfigurationBotFrameworkAuthentication(singleTenant(openId.url)), { reply: true });
      const before = connector.calls.length;
      try {
        const answer = await send(harness, 'reply offline', bearer(signRs256(claims(), teamsKey.privateKey)));
        expect(answer.status).toBe(200); // onTurnError handled it
        expect(answer.ms).toBeLessThan(5_000);
        expect(harness.turns).toEqual(['reply offline', expect.stringMatching(/^error: network_error/)]);
        expect(connector.calls.length).toBe(before);
      } finally {
        await harness.close();
        await openId.close();
      }
    });
  });

  describe('with an EMPTY app id (auth off, emulator style)', () => {
    it('runs the bot for a request with no token — and for any token at all', async () => {
      const harness = await startBot(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '' }));
      try {
        expect((await send(harness, 'emulator, no token')).status).toBe(200);
        expect((await send(harness, 'emulator, forged token', bearer(unsigned(claims())))).status).toBe(200);
        expect(harness.turns).toEqual(['emulator, no token', 'emulator, forged token']);
      } finally {
        await harness.close();
      }
    });
  });
});
