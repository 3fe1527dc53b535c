/**
 * Production shape: two worker processes on one task queue share a full sync's work; the worker
 * exports Prometheus metrics (Temporal's and the sync's), every one the dashboard and the alerts
 * use (deploy/grafana, deploy/prometheus); its probes say starting, ready and draining in turn;
 * logs are JSON lines that name their workflow; and neither the logs nor the recorded histories
 * contain a configured secret.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mulberry32 } from '../../src/sim/catalog';
import { incrementalSyncWorkflowId, syncCoordinatorWorkflowId } from '../../src/shared/sync-types';
import { fullSync, incrementalSync } from '../../src/workflows';
import { requireTemporalCli } from '../../src/worker/temporal-cli';
import { testConfig } from '../support/config';
import { freshTestDatabase } from '../support/database';
import {
  freePort,
  killProcessGroup,
  REPO_ROOT,
  runTs,
  waitFor,
  type RunningProcess,
} from '../support/processes';
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
      // A drain that an in-flight activity holds open for its whole page (checked at the end).
      SHUTDOWN_GRACE_SECONDS: '20',
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
    // The endpoint answers while the worker starts (bundling its workflows takes seconds): alive,
    // not ready; then ready once it polls.
    const workerIdentities = await Promise.all(
      metricsPorts.map(async (port) => {
        const first = await waitFor(
          'the worker endpoint to answer',
          () => probe(port, '/readyz'),
          60_000,
          50,
        );
        expect(first).toEqual({
          status: 503,
          body: expect.objectContaining({ status: 'starting', taskQueue }),
        });
        expect(await probe(port, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
        const ready = await waitFor('the worker to poll', async () => {
          const answer = await probe(port, '/readyz');
          return answer.status === 200 ? answer : undefined;
        });
        expect(ready.body).toMatchObject({ status: 'ready', taskQueue, identity: expect.any(String) });
        return ready.body.identity as string;
      }),
    );
    expect(workers.every((w) => w.output().includes('Worker polling'))).toBe(true);

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
    // A sync that fails (Bluestone did not know it), as the failure panel and alert count them.
    const failing = await env.client.workflow.start(incrementalSync, {
      taskQueue,
      workflowId: `${taskQueue}/failing-sync`,
      args: [
        { syncId: 'unknown', context: 'en', failure: { type: 'SyncNotFound', message: 'no such sync' } },
      ],
    });
    await expect(failing.result()).rejects.toThrow();
    const gatewayMetrics = await (await fetch(`${gateway.gateway!.url}/metrics`)).text();
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
    expect(metrics).toMatch(/^sync_entities_sent_total\{[^}]*source="products"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^sync_import_duration_seconds_bucket\{/m);
    // Every metric the dashboard and the alerts use is exported (the workers' or the gateway's),
    // with every label their expressions match or group on.
    const labelsOf = new Map<string, Set<string>>();
    for (const line of `${metrics}\n${gatewayMetrics}`.split('\n')) {
      const series = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?/.exec(line);
      if (!series || line.startsWith('#')) continue;
      const labels = labelsOf.get(series[1]) ?? new Set<string>();
      for (const [, label] of (series[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(label);
      labelsOf.set(series[1], labels);
    }
    const used = observabilityPackExpressions();
    expect(used.flatMap((e) => e.metrics)).toEqual(
      expect.arrayContaining([
        'sync_coordinator_backlog',
        'sync_entities_cleared_total',
        'webhook_deliveries_total',
      ]),
    );
    const missing = used.flatMap(({ expr, metrics: names, labels }) =>
      names.flatMap((name) =>
        !labelsOf.has(name)
          ? [`${name} (in ${expr})`]
          : labels
              .filter((l) => !labelsOf.get(name)!.has(l))
              .map((l) => `${name} has no label ${l} (in ${expr})`),
      ),
    );
    expect(missing).toEqual([]);

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
    expect(metrics).toMatch(/^sync_api_retries_total\{/m);

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

    // Draining: a worker told to stop while it runs an activity is alive but no longer ready.
    sims.bluestone.faults.set({ latencyMs: 4_000 });
    const slow = await env.client.workflow.start(fullSync, {
      taskQueue,
      workflowId: `${taskQueue}/drained-full-sync`,
      args: [{ options: { pagesPerChunk: 1 } }],
    });
    const busy = await waitFor('an activity to run on a worker', async () => {
      const pending = (await slow.describe()).raw.pendingActivities ?? [];
      const identity = pending
        .map((a) => a.lastWorkerIdentity)
        .find((i) => i && workerIdentities.includes(i));
      return identity ? workerIdentities.indexOf(identity) : undefined;
    });
    killProcessGroup(workers[busy], 'SIGTERM');
    const draining = await waitFor(
      'the worker to drain',
      async () => {
        const answer = await probe(metricsPorts[busy], '/readyz');
        return answer.body.status === 'draining' ? answer : undefined;
      },
      20_000,
      50,
    );
    expect(draining.status).toBe(503);
    expect(await probe(metricsPorts[busy], '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    await slow.terminate();
  });
});

/** A probe's answer: its status and JSON body. */
async function probe(
  port: number,
  route: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** PromQL words that are not metric names. */
const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'offset', 'bool']);

/**
 * The expressions of deploy/grafana/dashboard.json and deploy/prometheus/alerts.yml, each with its
 * metric names (words that are not functions, label matchers, grouping labels, ranges or
 * keywords) and the labels it matches or groups on.
 */
function observabilityPackExpressions(): { expr: string; metrics: string[]; labels: string[] }[] {
  const dashboard = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'deploy/grafana/dashboard.json'), 'utf8'),
  ) as {
    panels: { targets?: { expr: string }[] }[];
  };
  const alerts = parseYaml(readFileSync(path.join(REPO_ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
    groups: { rules: { expr: string }[] }[];
  };
  const expressions = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr)),
  ];
  expect(expressions.length).toBeGreaterThan(10);
  return expressions.map((expr) => {
    const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const labels = [
      ...[...unquoted.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
        [...m[1].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]),
      ),
      ...[...unquoted.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
        m[1].split(',').map((l) => l.trim()),
      ),
    ].filter((l) => l && l !== 'le');
    const bare = unquoted
      .replace(/\{[^}]*\}/g, ' ')
      .replace(/\[[^\]]*\]/g, ' ')
      .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
    const metrics = [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
      .map((m) => m[1])
      .filter((word) => !PROMQL_WORDS.has(word) && !/^\d/.test(word));
    return { expr, metrics: [...new Set(metrics)], labels: [...new Set(labels)] };
  });
}
