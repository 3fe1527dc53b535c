/**
 * `npm start` as an operator runs it: a real process tree with the embedded Temporal server, the
 * embedded PostgreSQL, a worker and the gateway; Ctrl-C leaves nothing behind; a bad configuration
 * stops it with a clear line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { runningEmbeddedUrl } from '../../src/state/embedded';
import { PostgresRecord } from '../../src/state/postgres-record';
import { STOP_ALLOWANCE_SECONDS } from '../../src/service';
import {
  freePort,
  killProcessGroup,
  processesMentioning,
  REPO_ROOT,
  runTs,
  waitFor,
  type RunningProcess,
} from '../support/processes';
import { startSims } from '../support/sims';

const validEnv = {
  BLUESTONE_API_KEY: 'start-test-papi-key',
  OCCTOO_DATA_PROVIDER_ID: 'provider',
  OCCTOO_DATA_PROVIDER_SECRET: 'start-test-provider-secret',
  OCCTOO_PRODUCTS_SOURCE: 'products',
  OCCTOO_CATEGORIES_SOURCE: 'categories',
  OCCTOO_MEDIA_SOURCE: 'media',
  WEBHOOK_SECRET: 'start-test-webhook-secret',
  // The deep readiness check (a round trip through the worker) needs it.
  ADMIN_TOKEN: 'start-test-admin-token',
  LOG_FORMAT: 'json',
};
/** GET /ready?deep=true as the admin. */
const deepReady = (port: number | string) =>
  fetch(`http://127.0.0.1:${port}/ready?deep=true`, {
    headers: { authorization: `Bearer ${validEnv.ADMIN_TOKEN}` },
  });

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
      const health = await waitFor('GET /ready?deep=true to answer 200', async () => {
        const res = await deepReady(port);
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
      // The embedded PostgreSQL runs on DATA_DIR/postgres, and /ready reports it.
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

  it('Ctrl-C while activities are retrying stops the service and every process it started within the grace period', async () => {
    // Occtoo answers every call with 503 (no Retry-After): the full sync's activities keep retrying.
    const sims = await startSims({
      catalog: { products: 60 },
      occtoo: { faults: { serverErrorRate: 1, random: () => 0.99 } },
    });
    const graceSeconds = 4;
    const port = await freePort();
    const adminToken = 'start-test-admin-token-0123456789';
    // `npm start` in its own process group, which Ctrl-C in a terminal signals as a whole.
    const proc = npmStart({
      ...validEnv,
      ...sims.env,
      ADMIN_TOKEN: adminToken,
      SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      DATA_DIR: dataDir,
    });
    try {
      await waitFor('the gateway to start a full sync', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/ProductFullSync`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}` },
        });
        return res.status === 202 ? true : undefined;
      });
      await waitFor('the full sync to be retrying Occtoo calls', async () =>
        sims.occtoo.faults.stats.serverErrors >= 5 ? true : undefined,
      );
      const tree = descendantPids(proc.child.pid!);
      // The worker's node process, the embedded Temporal server and PostgreSQL at least.
      expect(tree.length).toBeGreaterThanOrEqual(3);

      process.kill(-proc.child.pid!, 'SIGINT');
      // The worker's activities get the grace period; the gateway, connections and embedded
      // servers then stop within the service's fixed allowance (src/service.ts).
      const allowedMs = (graceSeconds + STOP_ALLOWANCE_SECONDS) * 1000;
      await waitFor(
        'every process `npm start` started to be gone',
        async () => (tree.every((pid) => !isAlive(pid)) ? true : undefined),
        allowedMs,
        100,
      );
      // It drained and stopped in order, rather than being killed.
      expect(proc.output()).toContain('"msg":"Stopped"');
      expect(processesMentioning(dataDir)).toEqual([]);
    } finally {
      killProcessGroup(proc);
      await sims.close();
    }
  });

  it('keeps workflow history and the record of what was sent across a restart, even past the postmaster.pid a killed run left', async () => {
    const [port, devPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      ...validEnv,
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(uiPort),
      DATA_DIR: dataDir,
    };
    const { Client, Connection } = await import('@temporalio/client');
    // Runs `npm start` until the deep readiness check passes (a health-check workflow ran), hands
    // the service's record and the count of health checks in its history to `use`, then Ctrl-C.
    const whileRunning = async <T>(
      use: (record: PostgresRecord, healthChecks: number) => Promise<T>,
    ): Promise<T> => {
      const proc = runTs('src/main.ts', [], env);
      try {
        await waitFor('GET /ready?deep=true', async () => {
          const res = await deepReady(port);
          return res.status === 200 ? true : undefined;
        });
        const connection = await Connection.connect({ address: `127.0.0.1:${devPort}` });
        const pool = new Pool({ connectionString: runningEmbeddedUrl(dataDir) });
        try {
          const client = new Client({ connection });
          const healthChecks = (await client.workflow.count('WorkflowType="healthCheck"')).count;
          return await use(new PostgresRecord(pool, 'bluestone-occtoo'), healthChecks);
        } finally {
          await pool.end();
          await connection.close();
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
    const first = await whileRunning(async (record, healthChecks) => {
      await record.recordSent([entity]);
      return healthChecks;
    });
    expect(first).toBeGreaterThanOrEqual(1);
    expect(processesMentioning(dataDir)).toEqual([]);
    // As a killed run leaves it: a postmaster.pid naming a process that is gone.
    const gone = spawnSync('true').pid;
    writeFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), `${gone}\n${dataDir}/postgres\n`);
    const after = await whileRunning(async (record, healthChecks) => ({
      healthChecks,
      sent: await record.lastSent('products', 'en', ['p1']),
    }));
    // The embedded Temporal server persisted its history to DATA_DIR; PostgreSQL its record.
    expect(after.healthChecks).toBeGreaterThan(first);
    expect(after.sent.get('p1')).toMatchObject({ runId: 'run-before-restart', hash: 'h1' });
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

/** `npm start` as an operator runs it, detached (its own process group), with only `env` (plus PATH and HOME). */
function npmStart(env: Record<string, string>): RunningProcess {
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    detached: true,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      WORKER_METRICS_ADDRESS: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Every live descendant of `root` (children, grandchildren, ...), from /proc. */
function descendantPids(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const ppid = statFields(Number(entry))?.[1];
    if (ppid !== undefined) parents.set(Number(ppid), [...(parents.get(Number(ppid)) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** A zombie (exited, not yet reaped) counts as gone. */
function isAlive(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** /proc/<pid>/stat after the command name: state, ppid, ...; undefined once the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
