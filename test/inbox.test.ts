import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INBOX_ATTEMPTS } from '../src/db/inbox.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from './support/database.js';
import { GENERAL } from './support/fake-slack.js';
import { useSlackHarness } from './support/slack-harness.js';
import { slashCommandBody, triggerId } from './support/slack-requests.js';
import { startTeamsHarness, type TeamsHarness } from './support/teams-harness.js';
import { INCIDENTS_CHANNEL_ID } from './support/bot-framework-activities.js';

/**
 * Issue 9, the durable inbox: a request is stored before its ack and leaves the inbox when its work
 * is done; one a dead process acknowledged and did not finish is run by the next, once. The whole
 * story under kill -9 is test/crash/kill-9.test.ts; here each promise on its own.
 */

/** A slash command as Bolt hands it to the listeners (the parsed form body). */
function storedCommand(text: string, responseUrl: string, trigger = triggerId()): Buffer {
  return Buffer.from(JSON.stringify(Object.fromEntries(new URLSearchParams(slashCommandBody({ text, user: 'UALICE', channel: GENERAL, triggerId: trigger, responseUrl })))));
}

describe('the Slack edge and the inbox', () => {
  const h = useSlackHarness();

  const inboxRows = async () => (await h.app.database.db.selectFrom('inbox').selectAll().execute()).length;
  const leaveFor = async (worker: string, body: Buffer, attempts = 1) => {
    await h.app.database.db.insertInto('inbox').values({ edge: 'slack', content_type: 'application/json', body, worker, attempts }).execute();
  };

  it('holds an acknowledged request until its work is done, then lets it go', async () => {
    // Slack hangs, so the work after the ack cannot finish: the request waits in the inbox meanwhile.
    h.fake.startOutage(['hang']);
    const { status } = await h.command('declare sev3 Inbox check: model drifts after retrain', { wait: false });
    expect(status).toBe(200);
    const waiting = await h.app.database.db.selectFrom('inbox').select(['edge', 'body', 'worker']).execute();
    expect(waiting.map((r) => ({ edge: r.edge, worker: r.worker, command: (JSON.parse(r.body.toString()) as { text: string }).text }))).toEqual([
      { edge: 'slack', worker: h.app.inbox.worker, command: 'declare sev3 Inbox check: model drifts after retrain' },
    ]);
    h.fake.endOutage();
    await h.slack.drain();
    expect(await inboxRows()).toBe(0);
  });

  it('runs a request a dead process acknowledged, once, and tells the person through its response_url', async () => {
    const before = await h.app.context.store.incidents.list({});
    const trigger = triggerId();
    await leaveFor('gone-host:1:dead', storedCommand('declare sev2 Replayed after a crash: support bot leaks tickets', h.fake.responseUrl('replayed'), trigger));
    expect(await h.app.inbox.recover()).toBe(1);
    await h.slack.drain();
    const after = await h.app.context.store.incidents.list({});
    const declared = after.filter((i) => !before.some((b) => b.id === i.id));
    expect(declared.map((i) => i.title)).toEqual(['Replayed after a crash: support bot leaks tickets']);
    expect(declared[0]!.channelId).toBeTruthy();
    expect(JSON.stringify(h.fake.responses.filter((r) => r.id === 'replayed'))).toContain('INC-');
    expect(await inboxRows()).toBe(0);

    // The same request left behind twice (the first replay was itself cut short) declares nothing new.
    await leaveFor('gone-host:2:dead', storedCommand('declare sev2 Replayed after a crash: support bot leaks tickets', h.fake.responseUrl('replayed-again'), trigger));
    await h.app.inbox.recover();
    await h.slack.drain();
    expect((await h.app.context.store.incidents.list({})).length).toBe(after.length);
  });

  it('writes the events of a replayed request once, however often it runs', async () => {
    const incident = (await h.app.context.store.incidents.list({})).at(-1)!;
    const note = storedCommand('note replayed note: rolled back the retriever', h.fake.responseUrl('note'));
    const noteRequest = JSON.parse(note.toString()) as Record<string, string>;
    noteRequest.channel_id = incident.channelId!;
    const body = Buffer.from(JSON.stringify(noteRequest));
    await leaveFor('gone-host:3:dead', body);
    await h.app.inbox.recover();
    await h.slack.drain();
    // Run again as if the process died after the note was committed but before the request was finished.
    const stored = await h.app.database.db.selectFrom('events').select(['idempotency_key']).where('kind', '=', 'note_added').where('incident_id', '=', incident.id).execute();
    expect(stored).toHaveLength(1);
    const key = stored[0]!.idempotency_key!;
    const requestId = key.split(':')[1]!;
    await h.app.database.db.insertInto('inbox').values({ id: requestId, edge: 'slack', content_type: 'application/json', body, worker: 'gone-host:4:dead', attempts: 2 }).execute();
    await h.app.inbox.recover();
    await h.slack.drain();
    expect(await h.app.database.db.selectFrom('events').select('id').where('kind', '=', 'note_added').where('incident_id', '=', incident.id).execute()).toHaveLength(1);
  });

  it(`drops a request that did not finish in ${MAX_INBOX_ATTEMPTS} attempts instead of trying it forever`, async () => {
    const incidents = (await h.app.context.store.incidents.list({})).length;
    await leaveFor('gone-host:5:dead', storedCommand('declare sev2 Poison request', h.fake.responseUrl('poison')), MAX_INBOX_ATTEMPTS);
    expect(await h.app.inbox.recover()).toBe(0);
    expect(await inboxRows()).toBe(0);
    expect((await h.app.context.store.incidents.list({})).length).toBe(incidents);
  });

  it('stores a burst of requests together, each under the id its caller was given', async () => {
    const bodies = Array.from({ length: 60 }, (_, i) => `burst request ${i}`);
    const ids = await Promise.all(bodies.map((body) => h.app.inbox.accept('burst', 'text/plain', Buffer.from(body))));
    const rows = await h.app.database.db.selectFrom('inbox').select(['id', 'body', 'worker']).where('edge', '=', 'burst').execute();
    expect(new Set(ids).size).toBe(bodies.length);
    expect(Object.fromEntries(rows.map((r) => [String(r.id), r.body.toString()]))).toEqual(Object.fromEntries(ids.map((id, i) => [id, bodies[i]])));
    expect(new Set(rows.map((r) => r.worker))).toEqual(new Set([h.app.inbox.worker]));
    for (const id of ids) await h.app.inbox.finish(id);
    expect(await inboxRows()).toBe(0);
  });

  it('counts an attempt for a request when its replay starts, not for the backlog behind it', async () => {
    // A process that dies while working through a backlog has used an attempt of the request it
    // was on; those behind it keep theirs, so a crash loop during recovery does not drop them.
    const seen: { replaying: string; attempts: Record<string, number> }[] = [];
    h.app.inbox.handle('probe', async (item) => {
      const rows = await h.app.database.db.selectFrom('inbox').select(['body', 'attempts']).where('edge', '=', 'probe').orderBy('id').execute();
      seen.push({ replaying: item.body.toString(), attempts: Object.fromEntries(rows.map((r) => [r.body.toString(), r.attempts])) });
    });
    for (const body of ['first', 'second', 'third']) {
      await h.app.database.db.insertInto('inbox').values({ edge: 'probe', content_type: 'text/plain', body: Buffer.from(body), worker: 'gone-host:6:dead', attempts: 2 }).execute();
    }
    expect(await h.app.inbox.recover()).toBe(3);
    expect(seen).toEqual([
      { replaying: 'first', attempts: { first: 3, second: 2, third: 2 } },
      { replaying: 'second', attempts: { second: 3, third: 2 } },
      { replaying: 'third', attempts: { third: 3 } },
    ]);
    expect(await inboxRows()).toBe(0);
  });

  // Registered on real Postgres only: the embedded database is one process's alone, so no other worker can be alive.
  if (onRealPostgres) it('leaves alone the requests of a process that is alive (it holds its lock) [real Postgres: the embedded database is one process alone]', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    const live = new pg.Client({ connectionString: url.toString() });
    await live.connect();
    try {
      await live.query('SELECT pg_advisory_lock(7340001, hashtext($1))', ['live-host:9:alive']);
      await leaveFor('live-host:9:alive', storedCommand('declare sev3 Still being worked on', h.fake.responseUrl('live')));
      expect(await h.app.inbox.recover()).toBe(0);
      expect(await inboxRows()).toBe(1);
    } finally {
      await live.end();
    }
    // Its session ended (the process died): now it is taken over.
    expect(await h.app.inbox.recover()).toBe(1);
    await h.slack.drain();
    expect(await inboxRows()).toBe(0);
  });
});

describe('the Teams edge and the inbox', () => {
  let database: TestDatabase;
  let teams: TeamsHarness;
  beforeAll(async () => {
    database = await createTestDatabase();
    teams = await startTeamsHarness(database);
  });
  afterAll(async () => {
    await teams.close();
    await database.close();
  });

  it('runs a message a dead process acknowledged, once, and answers in its conversation', async () => {
    const activity = teams.activities.channelMention('declare sev2 Replayed Teams declare: eval scores slide', { channelId: INCIDENTS_CHANNEL_ID });
    teams.connector.recordInbound(activity);
    await database.db.insertInto('inbox').values({ edge: 'teams', content_type: 'application/json', body: Buffer.from(JSON.stringify(activity)), worker: 'gone-host:6:dead' }).execute();
    expect(await teams.app.inbox.recover()).toBe(1);
    await teams.teams.drain();
    const incidents = await teams.app.context.store.incidents.list({});
    expect(incidents.map((i) => i.title)).toEqual(['Replayed Teams declare: eval scores slide']);
    expect(incidents[0]!.platform).toBe('teams');
    expect(await database.db.selectFrom('inbox').selectAll().execute()).toHaveLength(0);
    // Posted live, the same activity leaves nothing in the inbox either.
    const posted = await teams.post(teams.activities.channelMention('status', { channelId: INCIDENTS_CHANNEL_ID }));
    expect(posted.status).toBe(200);
    expect(await database.db.selectFrom('inbox').selectAll().execute()).toHaveLength(0);
  });
});
