import type { Pool } from 'pg';
import { MIGRATIONS, type Migration } from './migrations';

/**
 * Any constant shared by every worker: the advisory lock that lets one of several workers starting
 * at once apply the migrations while the others wait (then find nothing left to do).
 */
const MIGRATION_LOCK = 0x626f735f6d69; // "bos_mi"

/** Applies the migrations this database lacks, each in its own transaction; returns their versions. */
export async function migrate(pool: Pool, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  // On any failure the connection is dropped, not pooled: that also frees the lock.
  let failed = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version integer PRIMARY KEY,
           name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      const done: number[] = [];
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
            migration.version,
            migration.name,
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`Migration ${migration.version} (${migration.name}) failed: ${String(err)}`);
        }
        done.push(migration.version);
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => (failed = true));
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    client.release(failed);
  }
}
