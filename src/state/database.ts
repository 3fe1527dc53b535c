/**
 * The service's database: DATABASE_URL, or the embedded PostgreSQL when it is unset. Opened by
 * the composition root (src/service.ts); the record and /health use its pool.
 */
import { Pool } from 'pg';
import { redactedDatabaseUrl } from '../config';
import type { Logger } from '../logger';
import { runningEmbeddedUrl, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded';
import { migrate } from './migrate';

export interface Database {
  pool: Pool;
  /** The URL without its password, for logs and messages. */
  where: string;
  embedded?: EmbeddedPostgres;
  /** Resolves when the database answers; rejects with one line naming DATABASE_URL. */
  check(): Promise<void>;
  /** Closes the pool, then stops the embedded server if this service started it. */
  close(): Promise<void>;
}

export class DatabaseUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnreachable';
  }
}

export interface OpenDatabaseOptions {
  /** DATABASE_URL. */
  url?: string;
  /** DATA_DIR: the embedded server's home. */
  dataDir: string;
  /** Without a URL: start the embedded server (`npm start`), or join the one it runs (a separate worker or gateway). */
  embedded: 'start' | 'join';
  logger: Logger;
}

/** Opens the pool (starting the embedded server when asked); does not connect yet. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  let url = options.url;
  let embedded: EmbeddedPostgres | undefined;
  if (!url && options.embedded === 'start') {
    embedded = await startEmbeddedPostgres({ dataDir: options.dataDir, logger: options.logger });
    url = embedded.url;
  }
  url ??= runningEmbeddedUrl(options.dataDir);
  if (!url) {
    throw new DatabaseUnreachable(
      `No database: set DATABASE_URL (example: DATABASE_URL=postgres://bos:secret@db:5432/bluestone_occtoo), or start \`npm start\` first with this DATA_DIR (${options.dataDir}), whose embedded PostgreSQL this process then joins.`,
    );
  }
  const where = redactedDatabaseUrl(url);
  // An unreachable host fails within seconds instead of hanging start-up or /health.
  const pool = new Pool({ connectionString: url, connectionTimeoutMillis: 5000 });
  // A connection dropped while idle (a database restart) is replaced on the next query.
  pool.on('error', (err) =>
    options.logger.warn('Database connection lost', { database: where, error: err.message }),
  );
  const described = (err: unknown) =>
    new DatabaseUnreachable(
      `Cannot reach the database ${where}${options.url ? ' (DATABASE_URL)' : ' (the embedded PostgreSQL; or set DATABASE_URL)'}: ${firstLine(err)}`,
    );
  let closed: Promise<void> | undefined;
  return {
    pool,
    where,
    embedded,
    async check() {
      await pool.query('SELECT 1').catch((err: unknown) => {
        throw described(err);
      });
    },
    close() {
      closed ??= (async () => {
        await pool.end().catch(() => undefined);
        await embedded?.stop();
      })();
      return closed;
    },
  };
}

/** Applies the schema's migrations; an unreachable database fails with one line naming DATABASE_URL. */
export async function prepareDatabase(database: Database, logger: Logger): Promise<void> {
  await database.check();
  const applied = await migrate(database.pool);
  logger.info('Database ready', {
    database: database.where,
    ...(applied.length > 0 ? { migrationsApplied: applied } : {}),
  });
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.split('\n')[0];
}
