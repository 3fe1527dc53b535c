/**
 * Incremental-sync latency benchmark: how long after a Bluestone publish Occtoo holds the new
 * values. The Bluestone simulator's webhooks go to the real gateway (`startService` with the
 * gateway role, in this process, on a loopback port); the worker runs in its own process (`tsx src/main.ts worker`), as deployed;
 * both simulators and a headless Temporal dev server are started here.
 *
 *   npm run bench:incremental -- [--sizes 10,1000] [--rounds N] [--latency-ms L] [--json]
 *
 * Latency of one publish = the Occtoo import that completed the set of changed products (its
 * timestamp in the Occtoo simulator's import log) − the publish call. Each changed product must
 * then hold its new Name, or the run fails. Results and how to read them: docs/benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import { cleanup, cleanups, lastResort, runUntilDone, say, setQuiet } from './lib/lifecycle';
import os from 'node:os';
import { sanitizeKey } from '../src/mapping';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startService } from '../src/service';
import {
  incrementalSyncWorkflowId,
  syncCoordinatorWorkflowId,
  type IncrementalSyncResult,
} from '../src/shared/sync-types';
import { startSimulators, type Simulators } from '../src/sim/main';
import { fullSync } from '../src/workflows';
import { coordinatorStateQuery } from '../src/shared/messages';
import { commandLineOrExit } from '../src/command-line';
import { spawnTs } from './lib/children';
import { INCREMENTAL_USAGE, parseIncrementalArgs, type IncrementalBenchArgs } from './lib/incremental-args';
import { startBenchTemporal, type BenchTemporal } from './lib/temporal-server';
import { startBenchDatabase } from './lib/database';
import { stageDurations, syncTimeline, type Marks } from './lib/sync-timeline';
import {
  cpuNow,
  cpuPerPublish,
  ms,
  printReport,
  summarizeSeries,
  TARGET,
  type PublishMeasurement,
  type SeriesFigures,
} from './lib/incremental-report';

/** How often the Occtoo import log is scanned while waiting. */
const POLL_MS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A change that did not reach Occtoo (in time, or with the right value). */
class CorrectnessFailure extends Error {}

// ---- one publish --------------------------------------------------------------------------

interface Bench {
  opts: IncrementalBenchArgs;
  sims: Simulators;
  temporal: BenchTemporal;
  taskQueue: string;
  productsSource: string;
  language: string;
  /** Products safe to rename and find again under their own id as Occtoo key. */
  eligible: string[];
  /** How many products were renamed so far (picks the next slice of `eligible`). */
  renamed: number;
}

async function measurePublish(bench: Bench, size: number, label: string): Promise<PublishMeasurement> {
  const { sims, opts, productsSource, language } = bench;
  const ids = Array.from(
    { length: size },
    (_, i) => bench.eligible[(bench.renamed + i) % bench.eligible.length],
  );
  bench.renamed += size;
  const names = new Map(ids.map((id, i) => [id, `Bench ${label} #${i}`]));
  let cursor = sims.occtoo.imports.length;

  const published = Date.now();
  const outcome = sims.bluestone.publish({
    contexts: [sims.contexts[0].context],
    change: ids.map((id) => ({ id, name: names.get(id)! })),
  });
  let webhookAnswered: number | undefined;
  void outcome.deliveries.then(() => {
    webhookAnswered = Date.now();
  });
  const syncId = outcome.syncs[0].id;

  // Wait until every changed product was in an import. Only the import log is read meanwhile:
  // reading entities copies the whole source, which would stall the simulators (this process)
  // while the rest of the sync is still being imported.
  const pending = new Set(ids);
  let firstImport: number | undefined;
  let lastImport = 0;
  let imports = 0;
  const deadline = published + opts.roundTimeoutSeconds * 1000;
  while (pending.size > 0 && Date.now() < deadline) {
    const log = sims.occtoo.imports;
    for (; cursor < log.length; cursor++) {
      const entry = log[cursor];
      if (entry.source !== productsSource) continue;
      const landed = entry.keys.filter((k) => pending.delete(k));
      if (landed.length === 0) continue;
      imports++;
      const at = Date.parse(entry.at);
      firstImport ??= at;
      lastImport = Math.max(lastImport, at);
    }
    if (pending.size > 0) await sleep(POLL_MS);
  }
  const observed = Date.now();
  if (pending.size > 0) {
    const delivery = sims.bluestone.webhooks.log.find((r) => r.envelope === outcome.envelopes[0]);
    throw new CorrectnessFailure(
      `Publish ${label} (sync ${syncId}): ${pending.size} of ${size} changed products were not imported into Occtoo within ${opts.roundTimeoutSeconds} s (${sample([...pending])}). ` +
        `Webhook delivery: ${delivery ? `${delivery.outcome}, attempts ${JSON.stringify(delivery.attempts)}` : 'not found'}.`,
    );
  }
  // Then every one must hold its new Name.
  const occtooProducts = sims.occtoo.entities(productsSource);
  const nameOf = (id: string) =>
    occtooProducts.get(id)?.properties.find((p) => p.id === 'Name' && p.language === language)?.value;
  const wrong = ids.filter((id) => nameOf(id) !== names.get(id));
  if (wrong.length > 0) {
    throw new CorrectnessFailure(
      `Publish ${label} (sync ${syncId}): ${wrong.length} of ${size} changed products were imported but do not hold their new Name: ` +
        sample(
          wrong.map(
            (id) => `${id} has ${JSON.stringify(nameOf(id))}, expected ${JSON.stringify(names.get(id))}`,
          ),
        ),
    );
  }

  // The sync must finish (and the coordinator take note) before the next publish is measured.
  const handle = bench.temporal.client.workflow.getHandle(incrementalSyncWorkflowId(bench.taskQueue, syncId));
  const result = (await withTimeout(
    handle.result(),
    opts.roundTimeoutSeconds * 1000,
    `incremental sync ${syncId} to complete`,
  )) as IncrementalSyncResult;
  if (result.status !== 'applied') {
    throw new CorrectnessFailure(
      `Sync ${syncId} was ${result.status}: ${result.reason ?? 'no reason given'}`,
    );
  }
  await waitForCoordinatorIdle(bench);

  const timeline = await syncTimeline(bench.temporal.client, bench.taskQueue, syncId);
  const marks: Marks = { ...timeline, published, webhookAnswered, firstImport, lastImport };
  return {
    size,
    syncId,
    latencyMs: lastImport - published,
    observedMs: observed - published,
    webhookAnsweredMs: webhookAnswered === undefined ? undefined : webhookAnswered - published,
    imports,
    stages: stageDurations(marks),
  };
}

async function waitForCoordinatorIdle(bench: Bench): Promise<void> {
  const handle = bench.temporal.client.workflow.getHandle(syncCoordinatorWorkflowId(bench.taskQueue));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const state = await handle.query(coordinatorStateQuery);
    if (!state.applying && state.pending.length === 0) return;
    await sleep(20);
  }
  throw new Error('The sync coordinator was still busy 10 s after the last sync completed.');
}

function sample(items: string[], max = 5): string {
  return items.slice(0, max).join(', ') + (items.length > max ? `, … (${items.length} in all)` : '');
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CorrectnessFailure(`Timed out after ${timeoutMs / 1000} s waiting for ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- the run ------------------------------------------------------------------------------

async function main(): Promise<number> {
  const opts = commandLineOrExit(parseIncrementalArgs, INCREMENTAL_USAGE);
  setQuiet(opts.json);
  const startedAt = new Date();
  const timeoutTimer = setTimeout(() => {
    console.error(`The benchmark did not finish within --timeout-s ${opts.timeoutSeconds}: stopping.`);
    void cleanup().then(() => process.exit(124));
  }, opts.timeoutSeconds * 1000);
  timeoutTimer.unref();
  cleanups.push(() => clearTimeout(timeoutTimer));

  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1e9),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    /** 1-minute load average when the run began: other work on the machine skews latencies. */
    loadAverageAtStart: Math.round(os.loadavg()[0] * 100) / 100,
  };
  say(
    `Incremental-sync latency benchmark: sizes ${opts.sizes.join(', ')} products per publish, rounds ${opts.rounds.join(', ')} (+${opts.warmup} warm-up), ` +
      `${opts.latencyMs ? `${opts.latencyMs} ms latency on both simulators` : 'no added latency'}`,
  );
  say(
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}, load average ${machine.loadAverageAtStart}`,
  );

  // 1. Simulators (this process).
  const sims = await startSimulators({
    products: opts.products,
    seed: opts.seed,
    contexts: opts.contexts,
    latencyMs: opts.latencyMs || undefined,
  });
  cleanups.push(() => sims.close());

  // 2. Temporal dev server (headless, in memory).
  let t = Date.now();
  const temporal = await startBenchTemporal();
  cleanups.push(() => temporal.stop());
  lastResort.push(() => temporal.kill());
  say(`Temporal dev server at ${temporal.address} (in memory, headless), started in ${Date.now() - t} ms`);

  // The record of what was sent (worker and gateway): a PostgreSQL of its own, empty at the start.
  t = Date.now();
  const database = await startBenchDatabase();
  cleanups.push(() => database.stop());
  say(`Embedded PostgreSQL for the record started in ${Date.now() - t} ms`);

  const taskQueue = `bench-incremental-${randomUUID()}`;
  const serviceEnv: Record<string, string> = {
    ...sims.env,
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'INFO',
    SHUTDOWN_GRACE_SECONDS: '2',
    // Its default listens on 0.0.0.0 at a fixed port: this run stays on loopback, and nothing scrapes it.
    WORKER_METRICS_ADDRESS: 'off',
  };
  const config = loadConfig(serviceEnv);

  // 3. The worker, in its own process as deployed (and off this process's event loop).
  t = Date.now();
  const worker = spawnTs('src/main.ts', ['worker'], serviceEnv);
  cleanups.push(() => worker.stop());
  lastResort.push(() => worker.kill());
  await worker.waitForLine((l) => l.includes('Worker polling'), 180_000, 'the worker to poll');
  say(`Worker process (tsx src/main.ts worker) polling after ${Date.now() - t} ms`);

  // 4. The real gateway, on loopback, and the simulator's webhooks pointed at it.
  const gateway = await startService(config, 'gateway', {
    logger: createLogger({ level: 'WARN', format: 'json' }),
    gateway: { host: '127.0.0.1', port: 0 },
  });
  cleanups.push(() => gateway.stop());
  const { webhookUrl } = gateway.gateway!;
  sims.bluestone.webhooks.configure({
    url: webhookUrl,
    secret: config.gateway.webhookSecret,
    secretMode: 'header',
  });
  say(`Gateway (startService, in this process) at ${webhookUrl}`);

  // 5. The initial full sync.
  t = Date.now();
  await temporal.client.workflow.execute(fullSync, {
    taskQueue,
    workflowId: `bench-incremental-initial-${randomUUID()}`,
    args: [{}],
    workflowExecutionTimeout: `${opts.timeoutSeconds}s`,
  });
  const fullSyncMs = Date.now() - t;
  const productsSource = config.occtoo.productsSource;
  const language = config.bluestone.defaultContext.language;
  const defaultContext = sims.contexts[0].context;
  const synced = sims.occtoo.entities(productsSource);
  const eligible = sims.catalog
    .productsIn(defaultContext)
    .filter((p) => {
      if (sanitizeKey(p.id) !== p.id) return false;
      const name = synced
        .get(p.id)
        ?.properties.find((prop) => prop.id === 'Name' && prop.language === language)?.value;
      return name !== undefined && name === p.name;
    })
    .map((p) => p.id);
  const largest = Math.max(...opts.sizes);
  if (eligible.length < largest) {
    throw new Error(
      `Only ${eligible.length} products of the catalog are in Occtoo under their own id with their Name after the full sync; --sizes asks for ${largest}: raise --products.`,
    );
  }
  say(
    `Initial full sync of ${opts.products} products × ${opts.contexts} contexts: ${fullSyncMs} ms; ${eligible.length} products eligible for renaming`,
  );

  const bench: Bench = {
    opts,
    sims,
    temporal,
    taskQueue,
    productsSource,
    language,
    eligible,
    renamed: 0,
  };

  // 6. Warm-up (the coordinator's start-up and the worker's first tasks are one-off), then the series.
  const warmups: PublishMeasurement[] = [];
  for (let i = 0; i < opts.warmup; i++) {
    warmups.push(await measurePublish(bench, opts.sizes[0], `warm-up ${i + 1}`));
    await sleep(opts.gapMs);
  }
  if (warmups.length) say(`Warm-up: ${warmups.map((w) => `${ms(w.latencyMs)} ms`).join(', ')} (not counted)`);

  const series: SeriesFigures[] = [];
  for (const [index, size] of opts.sizes.entries()) {
    const rounds = opts.rounds[index];
    const measured: PublishMeasurement[] = [];
    say(`\n${size} products per publish, ${rounds} publishes …`);
    const cpuBefore = cpuNow(worker, temporal.pid);
    for (let r = 0; r < rounds; r++) {
      const m = await measurePublish(bench, size, `s${size} r${r + 1}`);
      measured.push(m);
      say(
        `  publish ${String(r + 1).padStart(2)}: ${String(ms(m.latencyMs)).padStart(6)} ms  (webhook answered after ${ms(m.webhookAnsweredMs)} ms, ${m.imports} import(s))`,
      );
      await sleep(opts.gapMs);
    }
    series.push({
      ...summarizeSeries(size, measured),
      cpuSecondsPerPublish: cpuPerPublish(cpuBefore, cpuNow(worker, temporal.pid), rounds),
    });
  }

  // 7. Report.
  const targetSeries = series.find((s) => s.size === TARGET.size);
  const targetMet = targetSeries ? targetSeries.latencyMs.p95 <= TARGET.p95Ms : undefined;
  printReport(series, targetMet);
  const figures = {
    benchmark: 'incremental-sync',
    date: startedAt.toISOString(),
    machine: { ...machine, loadAverageAtEnd: Math.round(os.loadavg()[0] * 100) / 100 },
    args: { ...opts, json: undefined },
    setup: {
      worker: 'child process: tsx src/main.ts worker',
      gateway: 'in-process startService (gateway role) on 127.0.0.1',
      catalogProducts: opts.products,
      contexts: opts.contexts,
      initialFullSyncMs: fullSyncMs,
      pollMs: POLL_MS,
    },
    warmupMs: warmups.map((w) => w.latencyMs),
    series,
    target: {
      size: TARGET.size,
      p95Ms: TARGET.p95Ms,
      measuredP95Ms: targetSeries?.latencyMs.p95,
      met: targetMet,
    },
    correct: true,
  };
  console.log(JSON.stringify(figures));
  return 0;
}

// ---- entry ---------------------------------------------------------------------------------

runUntilDone(main, 'the benchmark', (err) => {
  if (err instanceof CorrectnessFailure) {
    console.error(`CORRECTNESS FAILURE: ${err.message}`);
    console.log(JSON.stringify({ benchmark: 'incremental-sync', correct: false, error: err.message }));
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
});
