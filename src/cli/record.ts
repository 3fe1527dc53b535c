import { redactedDatabaseUrl, type Config } from '../config';
import { createLogger } from '../logger';
import { DatabaseUnreachable, openDatabase, type Database } from '../state/database';
import { PostgresRecord } from '../state/postgres-record';
import type { SyncRecord } from '../state/record';
import { CliError, EXIT } from './errors';

/**
 * The record of what was sent (src/state), as the CLI reads it: the database of DATABASE_URL, or
 * the embedded one `npm start` runs on this DATA_DIR when it is unset (joined, never started).
 * Opened only by the commands that need it, so the others work without a database.
 */
export interface OpenedRecord {
  record: SyncRecord;
  /** Where it is, for messages: DATABASE_URL without its password, or the embedded server's. */
  where: string;
  close(): Promise<void>;
}

/** One line that says which variable to fix; exit code 3, as for an unreachable Temporal. */
export function recordUnreachable(message: string, where?: string): CliError {
  return new CliError(message, EXIT.unreachable, where ? { database: where } : {});
}

export async function openRecord(config: Config): Promise<OpenedRecord> {
  // Its log lines would mix with the command's output; failures come back as errors.
  const logger = createLogger({ level: 'ERROR', write: (line) => process.stderr.write(`${line}\n`) });
  const url = config.database.url;
  let database: Database | undefined;
  try {
    database = await openDatabase({ url, dataDir: config.temporal.dataDir, embedded: 'join', logger });
    // Only a check: migrating is the service's job (a newer CLI must not migrate older workers' database).
    await database.check();
  } catch (err) {
    await database?.close();
    if (err instanceof DatabaseUnreachable) throw recordUnreachable(err.message, database?.where);
    const where = url ? `${redactedDatabaseUrl(url)} (DATABASE_URL)` : 'the embedded PostgreSQL';
    throw recordUnreachable(
      `The record's database ${where} cannot be used: ${firstLine(err)}; check DATABASE_URL`,
      where,
    );
  }
  const opened = database;
  return {
    record: new PostgresRecord(opened.pool, config.temporal.taskQueue),
    where: opened.where,
    close: () => opened.close(),
  };
}

/** PostgreSQL's undefined_table: the service never started on this database, so nothing is recorded. */
export function isUnmigrated(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === '42P01';
}

/** A failed read of the record, as one line saying what to do. */
export function recordReadError(err: unknown, where: string): CliError {
  if (isUnmigrated(err)) {
    return new CliError(
      `The database ${where} holds no record yet: the service creates it when it first starts on this DATABASE_URL (npm start, or a worker)`,
      EXIT.failed,
      { database: where },
    );
  }
  return recordUnreachable(
    `Reading the record in ${where} failed: ${firstLine(err)}; check DATABASE_URL`,
    where,
  );
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
