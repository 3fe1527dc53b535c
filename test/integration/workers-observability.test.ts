/**
 * Production shape: two worker processes on one task queue share a full sync's work; the worker
 * exports Prometheus metrics (Temporal's and the sync's); logs are JSON lines that name their
 * workflow; and neither the logs nor the recorded histories contain a configured secret.
 */
import { execFileSync } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mulberry32 } from '../../src/sim/catalog';
import { incrementalSyncWorkflowId, syncCoordinatorWorkflowId } from '../../src/shared/sync-types';
import { fullSync } from '../../src/workflows';
import { requireTemporalCli } from '../../src/worker/temporal-cli';
import { testConfig } from '../support/config';
import { freshTestDatabase } from '../support/database';
import { freePort, killProcessGroup, runTs, waitFor, type RunningProcess } from '../support/processes';
import { startTestService } from '../support/service';
import { startSims, type Sims } from '../support/sims';
import { connectTestEnv, uniqueTaskQueue } from '../support/temporal';

const SECRETS = {
  WEBHOOK_SECRET: 'observability-webhook-secret-1f3a',
  ADMIN_TOKEN: 'observability-admin-token-77c2',
};

describe('two workers, metrics, logs and secrets', () => {
  let env: TestWorkflowEnvironment;
  let sims: Sims;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    env = await connectTestEnv();
    sims = await startSims({
      catalog: { products: 300, seed: 41 },
      // Some 5xx, so that retries are logged and counted.
      // (seeded: the same draws every run, so some requests always fail)
      faults: { serverErrorRate: 0.05, random: mulberry32(5) },
    });
  });
  afterAll(async () => {
    // The whole process group: tsx runs the worker in a child process of its own.
    for (const w of workers) killProcessGroup(w);
    await sims?.close();
    await env?.teardown();
  });

  it('spreads a full sync over two workers, exports metrics, and keeps secrets out of logs and histories', async () => {
    const taskQueue = uniqueTaskQueue('two-workers');
    const metricsPorts = [await freePort(), await freePort()];
    const workerEnv = {
      ...sims.env,
      ...SECRETS,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      REFRESH_SCHEDULE: 'off',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'INFO',
      // Both worker processes share the deployment's record.
      DATABASE_URL: await freshTestDatabase(),
    };
    const config = testConfig(workerEnv);
    for (const port of metricsPorts) {
      workers.push(
        runTs(
          'src/main.ts',
          ['worker'],
          { ...workerEnv, WORKER_METRICS_ADDRESS: `127.0.0.1:${port}` },
          { detached: true },
        ),
      );
    }
    for (const w of workers) {
      await waitFor('a worker to poll', async () =>
        w.output().includes('Worker polling') ? true : undefined,
      );
    }

    // A full sync cut into many small chunks, then an incremental sync through the gateway.
    const handle = await env.client.workflow.start(fullSync, {
      taskQueue,
      workflowId: `${taskQueue}/observed-full-sync`,
      args: [{ options: { pagesPerChunk: 1 } }],
    });
    await handle.result();
    const gateway = await startTestService(env, undefined, config, { roles: 'gateway' });
    sims.bluestone.webhooks.configure({ url: gateway.gateway!.webhookUrl, secret: SECRETS.WEBHOOK_SECRET });
    const published = sims.bluestone.publish({
      contexts: ['en'],
      change: sims.catalog.productIds().slice(0, 3),
    });
    await published.deliveries;
    const incremental = env.client.workflow.getHandle(
      incrementalSyncWorkflowId(taskQueue, published.syncs[0].id),
    );
    await waitFor('the incremental sync to start', () => incremental.describe().then(() => true));
    await incremental.result();
    await gateway.stop();

    // The full sync's chunks ran on both workers (identities are pid@host).
    const history = await handle.fetchHistory();
    const identities = new Set(
      (history.events ?? [])
        .map((e) => e.activityTaskStartedEventAttributes?.identity)
        .filter((i): i is string => !!i),
    );
    expect(identities.size).toBe(2);

    // Temporal's own metrics and the sync's, on the worker's Prometheus endpoint.
    const scrapes = await Promise.all(
      metricsPorts.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
    );
    // Each worker reports its own share; together they cover the sync.
    const metrics = scrapes.join('\n');
    expect(metrics).toMatch(/^temporal_/m);
    expect(metrics).toMatch(/sync_entities_sent\{[^}]*source="products"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/sync_import_latency/);

    // Logs: one JSON object per line; activity lines name their workflow and run.
    const lines = workers.flatMap((w) =>
      w
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{')),
    );
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const retries = lines
      .map((l) => JSON.parse(l))
      .filter((l) => /^Retrying (Bluestone|Occtoo) call/.test(l.msg));
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatchObject({ workflowId: expect.any(String), runId: expect.any(String) });
    expect(metrics).toMatch(/sync_api_retries/);

    // No configured secret in any log line or recorded history.
    const secrets = [
      config.bluestone.apiKey,
      config.occtoo.dataProviderSecret,
      SECRETS.WEBHOOK_SECRET,
      SECRETS.ADMIN_TOKEN,
    ];
    const histories = [
      `${taskQueue}/observed-full-sync`,
      `${taskQueue}/observed-full-sync/setup`,
      syncCoordinatorWorkflowId(taskQueue),
      incrementalSyncWorkflowId(taskQueue, published.syncs[0].id),
    ].map((id) =>
      execFileSync(
        requireTemporalCli(),
        ['workflow', 'show', '-w', id, '-o', 'json', '--address', env.address],
        {
          encoding: 'utf8',
        },
      ),
    );
    expect(histories.every((h) => h.includes('"eventId"'))).toBe(true);
    const everything = [...histories, ...workers.map((w) => w.output())].join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
