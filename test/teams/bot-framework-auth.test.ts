import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, refuseTeamsRequests, TEAMS_MESSAGES_PATH } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { BOT_APP_ID, USERS } from '../support/bot-framework-activities.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTeamsHarness, type TeamsHarness } from '../support/teams-harness.js';

/**
 * Inbound authentication of the PRODUCTION Teams edge (createApp + startTeams, real CloudAdapter),
 * with TEAMS_APP_ID set, on a machine without internet.
 *
 * What botbuilder does on its own (measured earlier with a bare CloudAdapter, and the reason for the
 * gate in src/adapters/teams/auth.ts): a token with Teams' issuer makes it download the OpenID
 * metadata with no timeout; offline that fails and the request gets HTTP 500 whose body names the
 * metadata URL and the DNS error; a host that accepts and never answers hangs the request without
 * limit; with the keys at hand, a token signed by another key or `alg: none` with a known `kid` get
 * 500 ('invalid signature', 'jwt signature is required'), not 401. Each of those cases is driven
 * below against the edge, which must answer 401 with a fixed body, store nothing, and log why
 * without the token.
 */

const APP_ID = BOT_APP_ID;
const APP_PASSWORD = 'not-a-real-secret-0123456789';
const APP_TENANT_ID = '72f988bf-0000-4000-8000-000000000001';
const REGISTERED = { TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: APP_PASSWORD, TEAMS_APP_TENANT_ID: APP_TENANT_ID };
const CHANNEL_ISSUER = 'https://api.botframework.com';
const KID = 'fake-teams-signing-key';
const REFUSED = { error: 'a valid Bot Framework token is required' };
const REFUSAL_MESSAGE = 'refused a Teams request without a valid Bot Framework token';

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

// ---- a local stand-in for https://login.botframework.com/v1/.well-known/openidconfiguration --------

interface OpenIdServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

async function startOpenIdServer(mode: { keys: KeyObject } | 'hang'): Promise<OpenIdServer> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
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
    get requests() {
      return state.requests;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The bot's log as the production logger writes it (JSON lines, redaction on). */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
  refusals(): unknown[] {
    return this.records()
      .filter((r) => r.msg === REFUSAL_MESSAGE)
      .map((r) => r.reason);
  }
}

interface Stored {
  incidents: number;
  events: number;
  people: number;
  conversations: number;
}

async function stored(database: TestDatabase): Promise<Stored> {
  const count = async (table: 'incidents' | 'events' | 'chat_people' | 'chat_conversations') =>
    Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  return { incidents: await count('incidents'), events: await count('events'), people: await count('chat_people'), conversations: await count('chat_conversations') };
}

describe('Teams edge with TEAMS_APP_ID: only a valid Bot Framework token runs anything', () => {
  const teamsKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const timings: Record<string, number> = {};
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
    if (process.env.TEAMS_AUTH_TIMINGS) console.info('timings (ms)', timings);
  });

  const claims = (h: TeamsHarness, overrides: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: CHANNEL_ISSUER, aud: APP_ID, serviceurl: h.connector.serviceUrl, nbf: now - 60, iat: now - 60, exp: now + 3_600, ...overrides };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** A command from Ada's personal chat that would declare an incident if it ran. */
  async function send(h: TeamsHarness, name: string, headers: Record<string, string> = {}, body?: Record<string, unknown>) {
    const activity = body ?? h.activities.personalMessage(`incident declare sev2 model-drift ${name}`);
    const started = performance.now();
    const answer = await h.post(activity, { headers });
    timings[name] = Math.round(performance.now() - started);
    return { ...answer, ms: performance.now() - started };
  }

  /** Sends, and proves the request was refused as the contract says: 401, fixed body, nothing stored, the reason logged, the token not. */
  async function expectRefused(h: TeamsHarness, logs: LogCapture, name: string, headers: Record<string, string>, reason: string | RegExp, body?: Record<string, unknown>) {
    const before = await stored(database);
    const refusalsBefore = logs.refusals().length;
    const answer = await send(h, name, headers, body);
    expect({ name, status: answer.status, body: answer.body }).toEqual({ name, status: 401, body: REFUSED });
    expect(await stored(database)).toEqual(before);
    const logged = logs.refusals().slice(refusalsBefore);
    expect(logged).toHaveLength(1);
    expect(String(logged[0])).toMatch(reason);
    const token = headers.authorization?.replace(/^Bearer /, '');
    if (token) {
      expect(logs.text).not.toContain(token);
      for (const part of token.split('.').filter((p) => p.length > 8)) expect(logs.text).not.toContain(part);
    }
    expect(logs.text).not.toContain(APP_PASSWORD);
    return answer;
  }

  describe('signing keys from a local OpenID metadata stand-in', () => {
    let openId: OpenIdServer;
    let h: TeamsHarness;
    const logs = new LogCapture();
    beforeAll(async () => {
      openId = await startOpenIdServer({ keys: teamsKey.publicKey });
      h = await startTeamsHarness(database, { env: REGISTERED, teams: { openIdMetadataUrl: openId.url, authenticateTimeoutMs: 2_000 }, logs });
    });
    afterAll(async () => {
      await h?.close();
      await openId?.close();
    });

    it('refuses a request with no token, or with something that is not a signed JWT, before any key download', async () => {
      await expectRefused(h, logs, 'no token', {}, /^no token$/);
      await expectRefused(h, logs, 'basic auth', { authorization: 'Basic dXNlcjpwYXNz' }, /not a signed bearer JWT/);
      await expectRefused(h, logs, 'two parts', { authorization: 'Bearer abc.def' }, /not a signed bearer JWT/);
      await expectRefused(h, logs, 'garbage parts', { authorization: 'Bearer bm9wZQ.bm9wZQ.bm9wZQ' }, /unparseable token/);
      expect(openId.requests).toBe(0);
    });

    it('refuses alg:none tokens with the right claims, with or without a known kid (botbuilder alone: 500 "jwt signature is required")', async () => {
      await expectRefused(h, logs, 'alg none', bearer(unsigned(claims(h))), /^not a signed bearer JWT$/);
      await expectRefused(h, logs, 'alg none with known kid', bearer(unsigned(claims(h), KID)), /^not a signed bearer JWT$/);
      await expectRefused(h, logs, 'alg none with a signature part', bearer(`${unsigned(claims(h), KID)}c2lnbmF0dXJl`), /^algorithm none$/);
      await expectRefused(h, logs, 'alg HS256', bearer(`${b64({ alg: 'HS256', kid: KID })}.${b64(claims(h))}.c2lnbmF0dXJl`), /^algorithm HS256$/);
    });

    it('refuses a forged RS256 token with the right claims and a known kid (botbuilder alone: 500 "invalid signature")', async () => {
      const answer = await expectRefused(h, logs, 'forged rs256', bearer(signRs256(claims(h), attackerKey.privateKey)), /^botbuilder: invalid signature$/);
      expect(answer.ms).toBeLessThan(2_500);
    });

    it('refuses a token signed by an unknown key, expired, for another bot, for another serviceUrl, or from another issuer', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(h, logs, 'unknown kid', bearer(signRs256(claims(h), attackerKey.privateKey, 'attacker-kid')), /^botbuilder: /);
      await expectRefused(h, logs, 'expired', bearer(signRs256(claims(h, { exp: now - 3_600, nbf: now - 7_200 }), teamsKey.privateKey)), /^expired$/);
      await expectRefused(h, logs, 'not yet valid', bearer(signRs256(claims(h, { nbf: now + 3_600 }), teamsKey.privateKey)), /^not yet valid$/);
      await expectRefused(h, logs, 'other audience', bearer(signRs256(claims(h, { aud: '00000000-0000-4000-8000-000000000000' }), teamsKey.privateKey)), /^audience$/);
      await expectRefused(h, logs, 'other serviceurl', bearer(signRs256(claims(h, { serviceurl: 'https://attacker.example/' }), teamsKey.privateKey)), /^serviceurl$/);
      await expectRefused(h, logs, 'foreign issuer', bearer(signRs256(claims(h, { iss: 'https://sts.windows.net/evil/' }), teamsKey.privateKey)), /^issuer$/);
    });

    it('answers 401, not 400, to a body that is not an activity when nothing vouches for the sender', async () => {
      const { type: _type, ...noType } = h.activities.personalMessage('incident declare sev1 model-drift no type');
      await expectRefused(h, logs, 'forged, not an activity', bearer(signRs256(claims(h), attackerKey.privateKey)), /^not a Bot Framework activity$/, noType);
    });

    it('runs the command for a token signed with the published key: 200, and the incident is stored', async () => {
      const before = await stored(database);
      expect(before.incidents).toBe(0); // every refusal above ran nothing
      const refusals = logs.refusals().length;
      const answer = await send(h, 'valid token', bearer(signRs256(claims(h), teamsKey.privateKey)));
      expect(answer.status).toBe(200);
      const incidents = await h.app.context.store.incidents.list({ open: true });
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({ platform: 'teams', severity: 'sev2', playbookId: 'model-drift', declaredBy: USERS.ada.aadObjectId });
      const after = await stored(database);
      expect(after.events).toBeGreaterThan(before.events);
      expect(logs.refusals()).toHaveLength(refusals);
      expect(logs.text).not.toContain(APP_PASSWORD);
    });

    it('after the gate, botbuilder does not validate again, and a failing turn answers 500 without internals', async () => {
      const adapter = h.teams.connector.adapter;
      const authenticate = h.teams.connector.authenticate.bind(h.teams.connector);
      let validations = 0;
      h.teams.connector.authenticate = (activity, header) => {
        validations++;
        return authenticate(activity, header);
      };
      const run = adapter.runAuthenticated.bind(adapter);
      adapter.runAuthenticated = () => Promise.reject(new Error('request to https://login.botframework.com/v1/keys failed, reason: getaddrinfo ENOTFOUND'));
      try {
        const answer = await send(h, 'turn fails', bearer(signRs256(claims(h), teamsKey.privateKey)));
        expect({ status: answer.status, body: answer.body }).toEqual({ status: 500, body: { error: 'internal error' } });
        expect(validations).toBe(1);
      } finally {
        adapter.runAuthenticated = run;
      }
    });
  });

  describe('with the public-cloud defaults (keys at login.botframework.com, unreachable here)', () => {
    let h: TeamsHarness;
    const logs = new LogCapture();
    beforeAll(async () => {
      h = await startTeamsHarness(database, { env: REGISTERED, teams: { authenticateTimeoutMs: 2_000 }, logs });
    });
    afterAll(() => h?.close());

    it('answers 401 with a fixed body, not a 500 naming the metadata URL, to forged and alg:none tokens', async () => {
      const forged = await expectRefused(h, logs, 'offline: forged rs256', bearer(signRs256(claims(h), attackerKey.privateKey)), /^botbuilder: /);
      const none = await expectRefused(h, logs, 'offline: alg none', bearer(`${unsigned(claims(h), KID)}c2lnbmF0dXJl`), /^algorithm none$/);
      for (const answer of [forged, none]) {
        expect(JSON.stringify(answer.body)).not.toMatch(/botframework\.com|ENOTFOUND|getaddrinfo/);
        expect(answer.ms).toBeLessThan(3_000);
      }
    });
  });

  describe('when the OpenID metadata host accepts connections and never answers', () => {
    let openId: OpenIdServer;
    let h: TeamsHarness;
    const logs = new LogCapture();
    beforeAll(async () => {
      openId = await startOpenIdServer('hang');
      h = await startTeamsHarness(database, { env: REGISTERED, teams: { openIdMetadataUrl: openId.url, authenticateTimeoutMs: 300 }, logs });
    });
    afterAll(async () => {
      await h?.close();
      await openId?.close();
    });

    it('answers 401 within the authenticate timeout (botbuilder alone waits without limit), even for a well-signed token', async () => {
      const forged = await expectRefused(h, logs, 'hanging: forged', bearer(signRs256(claims(h), attackerKey.privateKey)), /^botbuilder: timed out after 300 ms$/);
      const signed = await expectRefused(h, logs, 'hanging: signed', bearer(signRs256(claims(h), teamsKey.privateKey)), /^botbuilder: timed out after 300 ms$/);
      for (const answer of [forged, signed]) expect(answer.ms).toBeLessThan(1_500);
      expect(openId.requests).toBeGreaterThan(0); // botbuilder did try to fetch the keys
    });
  });

  describe('without TEAMS_APP_ID', () => {
    it('the Teams edge refuses every request unless TEAMS_EMULATOR=1, and says why in the log', async () => {
      const logs = new LogCapture();
      const h = await startTeamsHarness(database, { env: { TEAMS_EMULATOR: '0' }, logs });
      try {
        const before = await stored(database);
        const answer = await send(h, 'no app id, no emulator');
        expect({ status: answer.status, body: answer.body }).toEqual({ status: 401, body: { error: 'Teams is not configured on this bot' } });
        expect(await stored(database)).toEqual(before);
        const warning = logs.records().find((r) => r.level === 40);
        expect(warning?.msg).toMatch(/no TEAMS_APP_ID and TEAMS_EMULATOR is not 1/);
      } finally {
        await h.close();
      }
    });

    it('a bot with no Teams edge (refuseTeamsRequests, as src/main.ts does) answers 401 and says why in the log', async () => {
      const logs = new LogCapture();
      const logger = createLogger({ level: 'info', destination: logs });
      const app = await createApp(loadConfig({ CHAT: 'none', LOG_LEVEL: 'info' }), { logger, database });
      refuseTeamsRequests(app, logger);
      const port = await app.http.listen(0, '127.0.0.1');
      try {
        const before = await stored(database);
        const response = await fetch(`http://127.0.0.1:${port}${TEAMS_MESSAGES_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${unsigned({ iss: CHANNEL_ISSUER, aud: APP_ID })}` },
          body: JSON.stringify({ type: 'message', text: 'incident declare sev1 hello' }),
        });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({ error: 'Teams is not configured on this bot' });
        expect(await stored(database)).toEqual(before);
        const warning = logs.records().find((r) => r.level === 40);
        expect(warning?.msg).toMatch(/Teams is not configured \(set TEAMS_APP_ID, or TEAMS_EMULATOR=1/);
      } finally {
        await app.close();
      }
    });
  });
});
