import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { CoreLogger } from '../core/context.js';
import { GroupedWrites } from '../core/grouped-writes.js';
import type { Database, InboxTable } from './tables.js';

/** The advisory-lock class of inbox workers; the object is `hashtext(worker)`. */
const WORKER_LOCK_CLASS = 7_340_001;
/** A request that took the process down this many times is dropped (with an error line) instead of tried again. */
export const MAX_INBOX_ATTEMPTS = 3;
/** At most this many requests in one insert. */
const ACCEPT_BATCH = 100;

interface AcceptedRequest {
  row: Insertable<InboxTable>;
  stored(id: string): void;
  failed(error: unknown): void;
}

export interface InboxItem {
  id: string;
  edge: string;
  contentType: string | null;
  body: Buffer;
  attempts: number;
}

/** Runs a stored request again through its edge's usual path; resolves when its work is done. */
export type Replay = (item: InboxItem) => Promise<void>;

/**
 * The durable inbox: an edge stores each request before it acknowledges it (`accept`) and deletes
 * it when the work is done (`finish`). Each process is a worker that holds an advisory lock on its
 * own name for as long as its session lives; `recover` takes over the rows of workers whose lock is
 * free (the process died: kill -9, OOM, a lost node) and replays them. The embedded database is
 * one process's alone, so there every other worker's rows are left over from before a restart.
 * The core's idempotency keys make a replay of work that was half done change nothing twice.
 */
export class Inbox {
  readonly worker = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly replays = new Map<string, Replay>();
  /** Finished items whose delete failed (the database was away): deleted on the next sweep, never replayed. */
  private readonly finishedUndeleted = new Set<string>();
  private session: { db: Kysely<Database>; release: () => void } | undefined;
  private opening: Promise<void> | undefined;
  private sweeping: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /**
   * Requests that arrive while an insert is under way are stored together by the next one: in a
   * burst an acknowledgement waits for one statement, not behind a queue of them interleaved
   * with the work of earlier requests (on the embedded database all share one connection).
   */
  private readonly accepting = new GroupedWrites<AcceptedRequest>({ writers: 1, limit: ACCEPT_BATCH, size: () => 1, write: (batch) => this.store(batch) });

  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: 'postgres' | 'embedded',
    private readonly logger: CoreLogger,
  ) {}

  /** Stores a request before its acknowledgement; throws `database_unavailable` when it cannot. */
  async accept(edge: string, contentType: string | null, body: Buffer): Promise<string> {
    if (this.kind === 'postgres') await this.ensureSession().catch(() => undefined);
    return new Promise<string>((stored, failed) => {
      this.accepting.add({ row: { edge, content_type: contentType, body, worker: this.worker }, stored, failed });
    });
  }

  private async store(batch: readonly AcceptedRequest[]): Promise<void> {
    try {
      const rows = await this.db.insertInto('inbox').values(batch.map((request) => request.row)).returning('id').execute();
      // The ids come from one sequence in the order of the rows.
      const ids = rows.map((row) => BigInt(row.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      batch.forEach((request, i) => request.stored(String(ids[i])));
    } catch (error) {
      for (const request of batch) request.failed(error);
    }
  }

  /** The request's work is done (or was answered with its failure): it is never replayed. */
  async finish(id: string): Promise<void> {
    try {
      await this.db.deleteFrom('inbox').where('id', '=', id).execute();
    } catch {
      this.finishedUndeleted.add(id);
    }
  }

  /** How an edge replays its requests; an edge not running here leaves its rows to a process that runs it. */
  handle(edge: string, replay: Replay): void {
    this.replays.set(edge, replay);
  }

  async depth(): Promise<number> {
    const row = await this.db.selectFrom('inbox').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Takes over the rows of dead workers and replays them; returns how many ran. One sweep at a time. */
  recover(): Promise<number> {
    this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Sweeps at start-up and then every `everyMs`, so a replica that died is finished by the others. */
  async start(everyMs: number): Promise<number> {
    const recovered = await this.recover();
    this.timer = setInterval(() => void this.recover().catch((error: unknown) => this.logger.warn({ err: String(error) }, 'inbox sweep failed')), everyMs);
    this.timer.unref();
    return recovered;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
    this.session?.release();
    this.session = undefined;
  }

  private async sweep(): Promise<number> {
    if (this.kind === 'postgres') await this.checkSession();
    for (const id of [...this.finishedUndeleted]) {
      await this.db.deleteFrom('inbox').where('id', '=', id).execute();
      this.finishedUndeleted.delete(id);
    }
    const others = await this.db.selectFrom('inbox').select('worker').distinct().where('worker', '<>', this.worker).execute();
    let replayed = 0;
    for (const { worker } of others) {
      for (const item of await this.takeOver(worker)) {
        if (await this.replay(item)) replayed++;
      }
    }
    return replayed;
  }

  /** The rows of `worker` if it is dead, now this worker's; none while it lives. */
  private async takeOver(worker: string): Promise<InboxItem[]> {
    const claim = (db: Kysely<Database>) =>
      db
        .updateTable('inbox')
        .set({ worker: this.worker })
        .where('worker', '=', worker)
        .returningAll()
        .execute();
    let rows;
    if (this.kind === 'embedded') {
      rows = await claim(this.db);
    } else {
      const session = await this.ensureSession();
      try {
        const free = await sql<{ free: boolean }>`SELECT pg_try_advisory_lock(${WORKER_LOCK_CLASS}, hashtext(${worker})) AS free`.execute(session);
        if (!free.rows[0]?.free) return [];
        try {
          rows = await claim(session);
        } finally {
          await sql`SELECT pg_advisory_unlock(${WORKER_LOCK_CLASS}, hashtext(${worker}))`.execute(session);
        }
      } catch (error) {
        this.dropSession();
        throw error;
      }
    }
    return rows
      .map((row) => ({ id: String(row.id), edge: row.edge, contentType: row.content_type, body: row.body, attempts: row.attempts }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  private async replay(taken: InboxItem): Promise<boolean> {
    // Counted as each replay starts, not when the rows are taken over: a process that dies while
    // working through a backlog has used an attempt of the request it was on, not of those behind it.
    const counted = await this.db.updateTable('inbox').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', '=', taken.id).where('worker', '=', this.worker).returning('attempts').executeTakeFirst();
    if (!counted) return false;
    const item = { ...taken, attempts: counted.attempts };
    if (item.attempts > MAX_INBOX_ATTEMPTS) {
      this.logger.error({ inboxId: item.id, edge: item.edge, attempts: item.attempts }, 'dropped a request that did not finish in its last attempts');
      await this.finish(item.id);
      return false;
    }
    const replay = this.replays.get(item.edge);
    if (!replay) {
      this.logger.warn({ inboxId: item.id, edge: item.edge }, 'a stored request waits for a process that runs its chat edge');
      return false;
    }
    this.logger.info({ inboxId: item.id, edge: item.edge, attempt: item.attempts }, 'replaying a request acknowledged before a crash');
    try {
      await replay(item);
    } catch (error) {
      this.logger.error({ inboxId: item.id, err: error instanceof Error ? error.message : String(error) }, 'replaying a stored request failed');
    }
    await this.finish(item.id);
    return true;
  }

  /**
   * A session of its own that holds this worker's lock while the process lives (Postgres ends it,
   * and frees the lock, when the process dies). Reopened when the connection was lost.
   */
  private async ensureSession(): Promise<Kysely<Database>> {
    if (this.session) return this.session.db;
    this.opening ??= new Promise<void>((ready, fail) => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      this.db
        .connection()
        .execute(async (db) => {
          await sql`SELECT pg_advisory_lock(${WORKER_LOCK_CLASS}, hashtext(${this.worker}))`.execute(db);
          this.session = { db, release };
          ready();
          await held;
          await sql`SELECT pg_advisory_unlock_all()`.execute(db).catch(() => undefined);
        })
        .catch(fail);
    }).finally(() => (this.opening = undefined));
    await this.opening;
    return this.session!.db;
  }

  /** A session lost with the connection (a database restart) has lost the lock too: take a new one. */
  private async checkSession(): Promise<void> {
    if (!this.session) return;
    try {
      await sql`SELECT 1`.execute(this.session.db);
    } catch {
      this.dropSession();
    }
  }

  private dropSession(): void {
    this.session?.release();
    this.session = undefined;
  }
}
