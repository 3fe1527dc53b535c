/**
 * The benchmark's own PostgreSQL for the record (src/state): the embedded server, on a fresh
 * folder (an empty record, as a first full sync of a new deployment finds it), removed afterwards.
 * The worker process gets its URL as DATABASE_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logger';
import { startEmbeddedPostgres } from '../../src/state/embedded';

export interface BenchDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startBenchDatabase(): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-full-sync-db-'));
  // Its start-up lines would break --json; failures come back as errors.
  const logger = createLogger({ level: 'WARN', format: 'json', write: () => undefined });
  try {
    const server = await startEmbeddedPostgres({ dataDir, logger });
    return {
      url: server.url,
      async stop() {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
