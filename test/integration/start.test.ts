/**
 * `npm start` as an operator runs it: a real process tree with the embedded Temporal server, the
 * embedded PostgreSQL, a worker and the gateway; Ctrl-C leaves nothing behind; a bad configuration
 * stops it with a clear line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { runningEmbeddedUrl } from '../../src/state/embedded';
import { PostgresRecord } from '../../src/state/postgres-record';
import { freePort, processesMentioning, runTs, waitFor } from '../support/processes';

const validEnv = {
  BLUESTONE_API_KEY: 'start-test-papi-key',
  OCCTOO_DATA_PROVIDER_ID: 'provider',
  OCCTOO_DATA_PROVIDER_SECRET: 'start-test-provider-secret',
  OCCTOO_PRODUCTS_SOURCE: 'products',
  OCCTOO_CATEGORIES_SOURCE: 'categories',
  OCCTOO_MEDIA_SOURCE: 'media',
  WEBHOOK_SECRET: 'start-test-webhook-secret',
  LOG_FORMAT: 'json',
};

describe('npm start', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bos-start-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('brings up the embedded server, a worker and the gateway, and Ctrl-C leaves no process behind', async () => {
    const [port, devPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const proc = runTs('src/main.ts', [], {
      ...validEnv,
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(uiPort),
      DATA_DIR: dataDir,
    });
    try {
      const health = await waitFor('GET /health?deep=true to answer 200', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health?deep=true`);
        return res.status === 200
          ? ((await res.json()) as { temporal: unknown; worker: unknown; database: unknown })
          : undefined;
      });
      expect(health.temporal).toMatchObject({ connected: true, taskQueue: 'bluestone-occtoo' });
      expect(health.worker).toMatchObject({ taskQueue: 'bluestone-occtoo' });
      // The embedded server's Web UI answers too.
      const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
      expect(ui.status).toBe(200);
      expect(processesMentioning(dataDir).length).toBeGreaterThan(0);
      // The embedded PostgreSQL runs on DATA_DIR/postgres, and /health reports it.
      expect(processesMentioning(path.join(dataDir, 'postgres')).some((p) => p.includes(' -D '))).toBe(true);
      expect(health).toMatchObject({ database: 'ok' });
    } finally {
      proc.child.kill('SIGINT');
    }
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('"msg":"Stopped"');
    await waitFor(
      'every child process to exit',
      async () => (processesMentioning(dataDir).length === 0 ? true : undefined),
      10_000,
    );
    // Secrets never appear in the logs.
    expect(proc.output()).not.toContain(validEnv.OCCTOO_DATA_PROVIDER_SECRET);
    expect(proc.output()).not.toContain(validEnv.BLUESTONE_API_KEY);
  });

  it('keeps workflow history across a restart (the embedded server persists to DATA_DIR)', async () => {
    const [port, devPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      ...validEnv,
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(uiPort),
      DATA_DIR: dataDir,
    };
    const { Client, Connection } = await import('@temporalio/client');
    const startAndCount = async (): Promise<number> => {
      const proc = runTs('src/main.ts', [], env);
      try {
        await waitFor('GET /health?deep=true', async () => {
          const res = await fetch(`http://127.0.0.1:${port}/health?deep=true`);
          return res.status === 200 ? true : undefined;
        });
        const connection = await Connection.connect({ address: `127.0.0.1:${devPort}` });
        try {
          const client = new Client({ connection });
          return (await client.workflow.count('WorkflowType="healthCheck"')).count;
        } finally {
          await connection.close();
        }
      } finally {
        proc.child.kill('SIGINT');
        expect(await proc.exited).toBe(0);
      }
    };
    const first = await startAndCount();
    expect(first).toBeGreaterThanOrEqual(1);
    const second = await startAndCount();
    expect(second).toBeGreaterThan(first);
  });

  it('keeps the record of what was sent across a restart, even past the postmaster.pid a killed run left', async () => {
    const env = {
      ...validEnv,
      PORT: String(await freePort()),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      DATA_DIR: dataDir,
    };
    // Runs `npm start` until /health answers, hands the service's record to `use`, then Ctrl-C.
    const whileRunning = async <T>(use: (record: PostgresRecord) => Promise<T>): Promise<T> => {
      const proc = runTs('src/main.ts', [], env);
      try {
        await waitFor('GET /health', async () => {
          const res = await fetch(`http://127.0.0.1:${env.PORT}/health`);
          return res.status === 200 ? true : undefined;
        });
        const pool = new Pool({ connectionString: runningEmbeddedUrl(dataDir) });
        try {
          return await use(new PostgresRecord(pool, 'bluestone-occtoo'));
        } finally {
          await pool.end();
        }
      } finally {
        proc.child.kill('SIGINT');
        expect(await proc.exited).toBe(0);
      }
    };
    const entity = {
      source: 'products',
      key: 'p1',
      language: 'en',
      kind: 'product' as const,
      bluestoneId: 'p1',
      properties: ['Name@en'],
      hash: 'h1',
      readAt: 1,
      runId: 'run-before-restart',
    };
    await whileRunning((record) => record.recordSent([entity]));
    expect(processesMentioning(dataDir)).toEqual([]);
    // As a killed run leaves it: a postmaster.pid naming a process that is gone.
    const gone = spawnSync('true').pid;
    writeFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), `${gone}\n${dataDir}/postgres\n`);
    const after = await whileRunning((record) => record.lastSent('products', 'en', ['p1']));
    expect(after.get('p1')).toMatchObject({ runId: 'run-before-restart', hash: 'h1' });
  });

  it('exits non-zero with one line naming BLUESTONE_API_KEY when it is missing', async () => {
    const { BLUESTONE_API_KEY: _omitted, ...env } = validEnv;
    const proc = runTs('src/main.ts', [], { ...env, DATA_DIR: dataDir });
    const code = await proc.exited;
    expect(code).not.toBe(0);
    const lines = proc.output().trim().split('\n');
    const problems = lines.filter((l) => l.startsWith('Configuration error:'));
    expect(problems).toEqual([expect.stringContaining('BLUESTONE_API_KEY is required')]);
    expect(proc.output()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reports a port already in use instead of crashing obscurely', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    const devPort = await freePort();
    await new Promise<void>((r) => blocker.listen(devPort, '127.0.0.1', () => r()));
    try {
      const proc = runTs('src/main.ts', [], {
        ...validEnv,
        TEMPORAL_DEV_PORT: String(devPort),
        TEMPORAL_UI_PORT: String(await freePort()),
        DATA_DIR: dataDir,
      });
      expect(await proc.exited).not.toBe(0);
      expect(proc.output()).toContain(`Port ${devPort} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });
});
