import { Kysely, PostgresDialect, type DatabaseConnection, type Driver, type PostgresDialectConfig, type QueryCompiler, type QueryResult, type TransactionSettings } from 'kysely';
import pg from 'pg';
import { AppError } from '../core/errors.js';
import { scrubSecrets } from '../logger.js';
import type { Database } from './tables.js';
import { EmbeddedConnection } from './embedded-connection.js';
import { openEmbeddedServer, type EmbeddedServer } from './embedded-server.js';

export interface DatabaseHandle {
  db: Kysely<Database>;
  /** `postgres` for a server reached through DATABASE_URL, `embedded` for PGlite in this process. */
  kind: 'postgres' | 'embedded';
  /**
   * Sessions whose commits do not wait for the WAL flush (`synchronous_commit=off`), for
   * coordination state only (publish leases, what a message shows): losing the last of it in a
   * crash costs a re-render, never a user's change. One statement there is one round trip instead
   * of the four a `SET LOCAL` transaction takes. The embedded database has one session: `db`.
   */
  coordination: Kysely<Database>;
  close(): Promise<void>;
}

/** Where the database layer reports lost connections (the app's pino logger, or stderr). */
export interface DatabaseLogger {
  warn(data: object, message?: string): void;
}

export interface DatabaseOptions {
  /** A postgres:// URL; without it the embedded database is used. */
  url?: string;
  /** Where the embedded database keeps its files; unset means in memory (tests). */
  dataDir?: string;
  /** A schema to work in (tests isolate each file in its own schema on a shared server). */
  schema?: string;
  poolSize?: number;
  /** The server's `application_name` for this pool's sessions (pg_stat_activity); an `application_name` in the URL wins. */
  applicationName?: string;
  logger?: DatabaseLogger;
  /** The embedded server, already starting (main.ts starts it before the rest of the bot loads); without `url`. */
  embedded?: Promise<EmbeddedServer>;
}

export const DEFAULT_APPLICATION_NAME = 'ai-incident-bot';

/** What a person sees when the database does not answer (errorReply shows an AppError's message). */
export const DATABASE_UNAVAILABLE_MESSAGE = 'the bot cannot reach its database right now; try again in a minute';

/** Socket errors of a connection that could not be made or was lost. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATEs of a server going away or not taking sessions: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections (class 08 below). */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** node-postgres' own errors (no code) for a connection that ended or never came. */
const CLIENT_MESSAGES = /^(Connection terminated|Connection ended unexpectedly|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

/** True for an error that says the database cannot be reached (rather than that a statement was wrong). */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (CLIENT_MESSAGES.test(error.message)) return true;
  // Node reports a failed connect to every address of a host name as one AggregateError.
  return error instanceof AggregateError && error.errors.some(isConnectionFailure);
}

function describe(error: unknown): { code?: string; message: string } {
  if (!(error instanceof Error)) return { message: scrubSecrets(String(error)) };
  const code = (error as { code?: unknown }).code;
  return { ...(typeof code === 'string' ? { code } : {}), message: scrubSecrets(error.message || error.name) };
}

const stderrLogger: DatabaseLogger = {
  warn(data, message) {
    process.stderr.write(`${JSON.stringify({ level: 'warn', ...data, msg: message })}\n`);
  },
};

/**
 * The one place where a lost or refused connection becomes `database_unavailable`, whichever
 * repository, transaction, scheduler or migration ran the query; other errors pass unchanged.
 */
class UnavailableTranslatingDriver implements Driver {
  private readonly inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly driver: Driver,
    private readonly logger: DatabaseLogger,
  ) {}

  private translated(error: unknown): unknown {
    if (!isConnectionFailure(error)) return error;
    this.logger.warn({ err: describe(error) }, 'database unreachable');
    return new AppError('database_unavailable', DATABASE_UNAVAILABLE_MESSAGE, error);
  }

  private async translate<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.translated(error);
    }
  }

  private async *translateStream<R>(rows: AsyncIterableIterator<QueryResult<R>>): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* rows;
    } catch (error) {
      throw this.translated(error);
    }
  }

  private original(connection: DatabaseConnection): DatabaseConnection {
    return this.inner.get(connection) ?? connection;
  }

  init(): Promise<void> {
    return this.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.translate(() => this.driver.acquireConnection());
    const wrapped: DatabaseConnection = {
      executeQuery: (query) => this.translate(() => connection.executeQuery(query)),
      streamQuery: (query, chunkSize) => this.translateStream(connection.streamQuery(query, chunkSize)),
    };
    this.inner.set(wrapped, connection);
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.translate(() => this.driver.beginTransaction(this.original(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.translate(() => this.driver.commitTransaction(this.original(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.translate(() => this.driver.rollbackTransaction(this.original(connection)));
  }

  // PostgresDriver has all three savepoint methods.
  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.translate(() => this.driver.savepoint!(this.original(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.translate(() => this.driver.rollbackToSavepoint!(this.original(connection), name, compile));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.translate(() => this.driver.releaseSavepoint!(this.original(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.original(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}

class BotPostgresDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly logger: DatabaseLogger,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new UnavailableTranslatingDriver(super.createDriver(), this.logger);
  }
}

/**
 * A lost connection must not take the process down: pg emits `error` on the pool for an idle
 * client whose server went away (restart, failover, pg_terminate_backend), and on a checked-out
 * client between its queries, and an `error` event nobody listens to is thrown. Logged here
 * (message and code only: never the URL); the next query opens a new connection, and one that
 * still cannot is `database_unavailable`.
 */
function survivePoolErrors(pool: pg.Pool, logger: DatabaseLogger): void {
  pool.on('error', (error) => logger.warn({ err: describe(error) }, 'database connection lost while idle; the next query opens a new one'));
  pool.on('connect', (client) => {
    // While checked out the pool does not listen; the query that uses the client next gets the error.
    client.on('error', () => undefined);
  });
}

function kyselyOver(pool: pg.Pool, logger: DatabaseLogger): Kysely<Database> {
  survivePoolErrors(pool, logger);
  return new Kysely<Database>({ dialect: new BotPostgresDialect({ pool }, logger) });
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const logger = options.logger ?? stderrLogger;
  if (options.url) {
    const poolSize = options.poolSize ?? 10;
    const session = (settings: string[]) => {
      const all = [...(options.schema ? [`search_path=${options.schema}`] : []), ...settings];
      return all.length ? { options: all.map((setting) => `-c ${setting}`).join(' ') } : {};
    };
    const pool = (max: number, settings: string[]) =>
      new pg.Pool({ connectionString: options.url, max, application_name: options.applicationName ?? DEFAULT_APPLICATION_NAME, ...session(settings) });
    const db = kyselyOver(pool(poolSize, []), logger);
    const coordination = kyselyOver(pool(Math.max(1, Math.ceil(poolSize / 4)), ['synchronous_commit=off']), logger);
    return {
      db,
      coordination,
      kind: 'postgres',
      async close() {
        await Promise.all([db.destroy(), coordination.destroy()]);
      },
    };
  }
  const server = await (options.embedded ?? openEmbeddedServer({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), logger }));
  // pg wants a user, database and host; the embedded server checks none of them.
  const pool = new pg.Pool({ connection: new EmbeddedConnection(server), max: 1, user: 'postgres', database: 'postgres', host: 'embedded' } as pg.PoolConfig);
  const db = kyselyOver(pool, logger);
  return {
    db,
    coordination: db,
    kind: 'embedded',
    async close() {
      await db.destroy();
      await server.close();
    },
  };
}
