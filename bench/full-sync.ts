/**
 * Full-sync benchmark: the `fullSync` workflow on a real Temporal dev server, with the worker in
 * its own process (`tsx src/main.ts worker`), against both simulators in this process; then the
 * same reads and imports without Temporal (bench/lib/baseline-sync.ts), to measure what Temporal
 * costs. Both runs must leave Occtoo equal to the catalog.
 *
 *   npm run bench:full-sync -- --products 20000 --contexts 3 [--latency-ms 50] [--seed N] [--again] [--json]
 *
 * products/s = product pages read × 100 (the page size) ÷ elapsed seconds of the whole sync
 * (plan, categories and products): product-context reads per second, all contexts together.
 * Results and how to read them: docs/benchmarks.md.
 */
import { cleanup, cleanups, lastResort, runUntilDone, say, setQuiet } from './lib/lifecycle';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { PRODUCT_PAGE_SIZE } from '../src/bluestone/client';
import { loadConfig, type Config } from '../src/config';
import { createLogger } from '../src/logger';
import type { FullSyncOptions, FullSyncResult } from '../src/shared/sync-types';
import { generateCatalog } from '../src/sim/catalog';
import { compareWithOcctoo, expectedOcctooState, type ExpectedState } from '../src/sim/expected-state';
import { simContexts, startSimulators, type Simulators } from '../src/sim/main';
import { fullSync } from '../src/workflows';
import { commandLineOrExit } from '../src/command-line';
import { parseBenchArgs, USAGE, type BenchArgs } from './lib/args';
import { BASELINE_RESULT_PREFIX, runBaselineSync, type BaselineResult } from './lib/baseline-sync';
import { spawnTs, type TsChild } from './lib/children';
import {
  TreeSampler,
  descendants,
  machineBusySeconds,
  subtractCpu,
  threadCpuByName,
  type ProcessFigures,
} from './lib/proc';
import { startBenchTemporal, type BenchTemporal } from './lib/temporal-server';
import { againLines, runAgain, type AgainFigures } from './lib/again';
import { startBenchDatabase } from './lib/database';

const TARGET_RATIO = 0.8;

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const seconds = (ms: number) => Math.round(ms / 10) / 100;

// ---- the runs ------------------------------------------------------------------------------

interface RunFigures {
  elapsedSeconds: number;
  productPages: number;
  productReads: number;
  /** productPages × page size ÷ elapsed seconds. */
  productsPerSecond: number;
  occtooEqualsCatalog: boolean;
  differences: string[];
  /** CPU seconds used during the run: the simulators' process, the sync's process(es), Temporal. */
  cpuSeconds: { simulators: number; sync: number; temporalServer?: number };
  /**
   * The machine during the run: busy CPU seconds of all CPUs, the share of this benchmark's
   * processes, and the rest (other programs on the machine: noise), with the 1-minute load.
   */
  machineCpu: { busySeconds: number; oursSeconds: number; othersSeconds: number; loadAverage1m: number };
  /** CPU seconds of the sync's node process by thread name (main thread `node`, GC helpers, Temporal core). */
  syncCpuByThread?: Record<string, number>;
}

interface TemporalFigures extends RunFigures {
  runs: number;
  historyEvents: number;
  historyEventsPer1000Products: number;
  historyByRun: { runId: string; status: string; historyLength: number }[];
  setAside: number;
  restarts: number;
  worker: {
    /** The worker's node process: peak VmRSS sampled during the sync, MB. */
    peakRssDuringSyncMb: number;
    /** VmHWM: its peak over its whole life, workflow bundling at start-up included, MB. */
    hwmMb: number;
    rssWhenPollingMb: number;
    startupSeconds: number;
  };
}

interface BaselineFigures extends RunFigures {
  mode: 'process' | 'inline';
  /** Baseline process's peak RSS (mode process), MB. */
  peakRssMb?: number;
}

async function main(): Promise<number> {
  const opts = commandLineOrExit(parseBenchArgs, USAGE);
  setQuiet(opts.json);
  const startedAt = new Date();
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const timeoutTimer = setTimeout(() => {
    console.error(`The benchmark did not finish within --timeout-s ${opts.timeoutSeconds}: stopping.`);
    void cleanup().then(() => process.exit(124));
  }, opts.timeoutSeconds * 1000);
  timeoutTimer.unref();
  cleanups.push(() => clearTimeout(timeoutTimer));

  const contexts = simContexts(opts.contexts);
  const workflowOptions: FullSyncOptions = {
    ...(opts.pagesPerChunk ? { pagesPerChunk: opts.pagesPerChunk } : {}),
    ...(opts.maxHistoryEvents ? { maxHistoryEvents: opts.maxHistoryEvents } : {}),
  };
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1e9),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
  say(
    `Full-sync benchmark: ${fmt(opts.products)} products × ${contexts.length} contexts (${contexts
      .map((c) => c.context)
      .join(
        ', ',
      )}), seed ${opts.seed}, ${opts.latencyMs ? `${opts.latencyMs} ms latency on both simulators` : 'no added latency'}`,
  );
  say(
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}; workflow options ${JSON.stringify(workflowOptions)}; READ_AHEAD_PAGES ${opts.readAhead ?? 'default (0)'}${opts.workerHeapMb ? `; worker --max-old-space-size=${opts.workerHeapMb}` : ''}`,
  );

  // 1. Catalog and simulators (in this process).
  let t = Date.now();
  const catalog = generateCatalog({
    seed: opts.seed,
    products: opts.products,
    contexts: contexts.map(({ context, contextName }) => ({ context, contextName })),
    hostile: true,
  });
  const catalogSeconds = seconds(Date.now() - t);
  const sims = await startSimulators({
    products: opts.products,
    seed: opts.seed,
    contexts: opts.contexts,
    catalog,
    latencyMs: opts.latencyMs || undefined,
  });
  cleanups.push(() => sims.close());
  const categories = catalog.categoriesIn(contexts[0].context).length;
  say(
    `Catalog: ${fmt(catalog.productsIn(contexts[0].context).length)} products and ${categories} categories per context, ${catalog.hostile.length} hostile cases, generated in ${catalogSeconds} s`,
  );

  // 2. Temporal dev server (headless, in memory) and the worker process.
  t = Date.now();
  const testEnv = await startBenchTemporal();
  cleanups.push(() => testEnv.stop());
  lastResort.push(() => testEnv.kill());
  const temporalPids = [testEnv.pid, ...descendants(testEnv.pid).map((p) => p.pid)];
  say(
    `Temporal dev server at ${testEnv.address} (in memory, headless), started in ${seconds(Date.now() - t)} s`,
  );

  // The worker's record of what was sent: a PostgreSQL of its own, empty at the start.
  t = Date.now();
  const database = await startBenchDatabase();
  cleanups.push(() => database.stop());
  say(`Embedded PostgreSQL for the record started in ${seconds(Date.now() - t)} s`);

  const taskQueue = `bench-full-sync-${randomUUID()}`;
  const serviceEnv: Record<string, string> = {
    ...sims.env,
    DATABASE_URL: database.url,
    // Nothing reads the worker's metrics here, and their usual port may be taken (npm start, tests).
    WORKER_METRICS_ADDRESS: 'off',
    TEMPORAL_ADDRESS: testEnv.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'INFO',
    SHUTDOWN_GRACE_SECONDS: '2',
    ...(opts.readAhead !== undefined ? { READ_AHEAD_PAGES: String(opts.readAhead) } : {}),
  };
  const config = loadConfig(serviceEnv);

  t = Date.now();
  const profileFlags = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const heapFlags = opts.workerHeapMb ? [`--max-old-space-size=${opts.workerHeapMb}`] : [];
  const worker = spawnTs('src/main.ts', ['worker'], serviceEnv, [...profileFlags, ...heapFlags]);
  cleanups.push(() => worker.stop());
  lastResort.push(() => worker.kill());
  await worker.waitForLine((l) => l.includes('Worker polling'), 180_000, 'the worker to poll');
  const workerStartupSeconds = seconds(Date.now() - t);
  const workerProcess = () => largestNode(worker);
  const rssWhenPollingMb = workerProcess()?.rssMb ?? NaN;
  say(
    `Worker process (tsx src/main.ts worker) polling ${taskQueue.slice(0, 24)}… after ${workerStartupSeconds} s, RSS ${fmt(rssWhenPollingMb)} MB`,
  );

  // 3. Rounds: the Temporal full sync, then the baseline (same reads and imports, no Temporal).
  const temporalRuns: TemporalFigures[] = [];
  const baselineRuns: BaselineFigures[] = [];
  let expected: ExpectedState | undefined;
  for (let round = 1; round <= opts.repeat; round++) {
    const label = opts.repeat > 1 ? ` (round ${round} of ${opts.repeat})` : '';
    sims.occtoo.reset();
    sims.bluestone.resetStats();
    say(`\nTemporal full sync${label} …`);
    // Occtoo was emptied but the record remembers the previous round: later rounds force.
    const temporal = await runTemporal(opts, sims, testEnv, taskQueue, workflowOptions, deadline, {
      worker,
      temporalPids,
      force: round > 1,
    });
    expected ??= expectedOcctooState(catalog, config, sims.occtoo.mediaFiles());
    guardAgainstEmpty(expected);
    const temporalDiffs = compareWithOcctoo(expected, sims.occtoo, config.occtoo);
    temporalRuns.push({
      ...temporal.figures,
      occtooEqualsCatalog: temporalDiffs.length === 0,
      differences: temporalDiffs.slice(0, 10),
      worker: { ...temporal.worker, rssWhenPollingMb, startupSeconds: workerStartupSeconds },
    });
    say(`  ${fmt(temporal.figures.productsPerSecond)} products/s in ${temporal.figures.elapsedSeconds} s`);

    if (opts.baseline !== 'skip') {
      sims.occtoo.reset();
      sims.bluestone.resetStats();
      say(
        `\nBaseline${label} (no Temporal, ${opts.baseline === 'process' ? 'its own process' : 'this process'}) …`,
      );
      const baseline = await runBaseline(opts, sims, serviceEnv, config, deadline, temporalPids);
      const diffs = compareWithOcctoo(expected, sims.occtoo, config.occtoo);
      baseline.occtooEqualsCatalog = diffs.length === 0;
      baseline.differences = diffs.slice(0, 10);
      baselineRuns.push(baseline);
      say(`  ${fmt(baseline.productsPerSecond)} products/s in ${baseline.elapsedSeconds} s`);
    }
  }

  // 3b. --again: a second full sync of the unchanged catalog, on Occtoo as the last run left it.
  let again: AgainFigures | undefined;
  if (opts.again) {
    sims.bluestone.resetStats();
    say('\nSecond full sync of the unchanged catalog (--again) …');
    const run = await runAgain(testEnv.client, sims, taskQueue, workflowOptions, deadline);
    const diffs = compareWithOcctoo(expected!, sims.occtoo, config.occtoo);
    again = { ...run, occtooEqualsCatalog: diffs.length === 0, differences: diffs.slice(0, 10) };
    say(
      `  ${fmt(again.productsPerSecond)} products/s in ${again.elapsedSeconds} s; ${fmt(again.entitiesSent)} entities sent`,
    );
  }
  await worker.stop();

  // 4. Report: the median run of each kind (the only run unless --repeat).
  const temporalFigures = medianRun(temporalRuns);
  temporalFigures.worker.peakRssDuringSyncMb = Math.max(
    ...temporalRuns.map((r) => r.worker.peakRssDuringSyncMb),
  );
  temporalFigures.worker.hwmMb = Math.max(...temporalRuns.map((r) => r.worker.hwmMb));
  const baseline = baselineRuns.length ? medianRun(baselineRuns) : undefined;
  const ratio = baseline ? temporalFigures.productsPerSecond / baseline.productsPerSecond : undefined;
  const cursorLimit = opts.latencyMs
    ? (contexts.length * PRODUCT_PAGE_SIZE * 1000) / opts.latencyMs
    : undefined;
  const limitRatio = cursorLimit ? temporalFigures.productsPerSecond / cursorLimit : undefined;
  const allEqual =
    [...temporalRuns, ...baselineRuns].every((r) => r.occtooEqualsCatalog) &&
    (again?.occtooEqualsCatalog ?? true);
  const figures = {
    benchmark: 'full-sync',
    date: startedAt.toISOString(),
    machine,
    args: { ...opts, json: undefined },
    workflowOptions,
    catalog: {
      products: opts.products,
      contexts: contexts.map((c) => `${c.context}:${c.language}`),
      categoriesPerContext: categories,
      hostileCases: catalog.hostile.length,
      generateSeconds: catalogSeconds,
    },
    temporal: temporalFigures,
    again,
    baseline,
    ratioToBaseline: ratio,
    baselineRatioToCursorReadLimit:
      cursorLimit && baseline ? baseline.productsPerSecond / cursorLimit : undefined,
    cursorReadLimitProductsPerSecond: cursorLimit,
    ratioToCursorReadLimit: limitRatio,
    rounds: opts.repeat > 1 ? { temporal: temporalRuns, baseline: baselineRuns } : undefined,
    targets: {
      ratioToBaseline: { target: TARGET_RATIO, met: ratio === undefined ? undefined : ratio >= TARGET_RATIO },
      ratioToCursorReadLimit: {
        target: TARGET_RATIO,
        met: limitRatio === undefined ? undefined : limitRatio >= TARGET_RATIO,
      },
      occtooEqualsCatalog: allEqual,
    },
  };
  printReport(figures, temporalFigures, baseline, ratio, cursorLimit, limitRatio, opts);
  if (again) say(['', ...againLines(again, temporalFigures)].join('\n'));
  console.log(JSON.stringify(figures));
  return allEqual ? 0 : 1;
}

async function runTemporal(
  opts: BenchArgs,
  sims: Simulators,
  testEnv: BenchTemporal,
  taskQueue: string,
  workflowOptions: FullSyncOptions,
  deadline: number,
  procs: { worker: TsChild; temporalPids: number[]; force: boolean },
): Promise<{
  figures: Omit<TemporalFigures, 'worker'>;
  worker: { peakRssDuringSyncMb: number; hwmMb: number };
}> {
  const client = testEnv.client;
  const workflowId = `bench-full-sync-${randomUUID()}`;
  const sampler = new TreeSampler(process.pid).start();
  const workerPid = largestNode(procs.worker)?.pid;
  const threadsAtStart = workerPid ? threadCpuByName(workerPid) : {};
  const ticker = progressTicker(sims, 'Temporal');
  const busyAtStart = machineBusySeconds();
  const t = Date.now();
  let result: FullSyncResult;
  try {
    const handle = await client.workflow.start(fullSync, {
      taskQueue,
      workflowId,
      args: [{ options: workflowOptions, ...(procs.force ? { force: true } : {}) }],
      // Bounds the whole continue-as-new chain on the server side too.
      workflowExecutionTimeout: Math.max(10_000, deadline - Date.now()),
    });
    cleanups.push(async () => {
      const description = await handle.describe().catch(() => undefined);
      if (description?.status.name === 'RUNNING') await handle.terminate('benchmark stopped').catch(() => {});
    });
    result = await handle.result();
  } finally {
    clearInterval(ticker);
  }
  const elapsedMs = Date.now() - t;
  const all = sampler.stop();
  const syncCpuByThread = workerPid ? subtractCpu(threadCpuByName(workerPid), threadsAtStart) : undefined;
  const workerPids = new Set([
    procs.worker.child.pid,
    ...descendants(procs.worker.child.pid!).map((p) => p.pid),
  ]);
  const workerNode = all.filter((p) => workerPids.has(p.pid)).sort((a, b) => b.hwmMb - a.hwmMb)[0];
  const productPages = sum(result.progress.contexts.map((c) => c.products.pages));
  const history = await historyOf(testEnv, workflowId, result.progress.runs + 1);
  const historyEvents = sum(history.map((h) => h.historyLength));
  return {
    figures: {
      elapsedSeconds: seconds(elapsedMs),
      productPages,
      productReads: sum(result.progress.contexts.map((c) => c.products.read)),
      productsPerSecond: (productPages * PRODUCT_PAGE_SIZE) / (elapsedMs / 1000),
      occtooEqualsCatalog: false,
      differences: [],
      cpuSeconds: {
        simulators: cpuOf(all, [process.pid]),
        sync: cpuOf(all, [...workerPids] as number[]),
        temporalServer: cpuOf(all, procs.temporalPids),
      },
      syncCpuByThread,
      machineCpu: machineCpu(busyAtStart, all),
      runs: history.length,
      historyEvents,
      historyEventsPer1000Products: historyEvents / (opts.products / 1000),
      historyByRun: history,
      setAside: result.progress.setAsideCount,
      restarts: sum(result.progress.contexts.map((c) => c.products.restarts)),
    },
    worker: { peakRssDuringSyncMb: workerNode?.peakRssMb ?? NaN, hwmMb: workerNode?.hwmMb ?? NaN },
  };
}

async function runBaseline(
  opts: BenchArgs,
  sims: Simulators,
  serviceEnv: Record<string, string>,
  config: Config,
  deadline: number,
  temporalPids: number[],
): Promise<BaselineFigures> {
  const sampler = new TreeSampler(process.pid).start();
  const ticker = progressTicker(sims, 'baseline');
  const busyAtStart = machineBusySeconds();
  const t = Date.now();
  let result: BaselineResult;
  let childPids: number[] = [];
  try {
    if (opts.baseline === 'inline') {
      // Mapping warnings are counted, not printed: they would bury the report.
      const logger = createLogger({ level: 'WARN', format: 'json', write: () => undefined });
      result = await runBaselineSync(config, logger);
    } else {
      const child = spawnTs(
        'bench/lib/baseline-sync.ts',
        [],
        { ...serviceEnv, LOG_LEVEL: 'WARN' },
        opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [],
      );
      cleanups.push(() => child.stop(2000));
      lastResort.push(() => child.kill());
      const collectPids = setInterval(() => {
        childPids = [child.child.pid!, ...descendants(child.child.pid!).map((p) => p.pid)];
      }, 500);
      try {
        const line = await child.waitForLine(
          (l) => l.startsWith(BASELINE_RESULT_PREFIX),
          Math.max(1000, deadline - Date.now()),
          'the baseline result',
        );
        result = JSON.parse(line.slice(BASELINE_RESULT_PREFIX.length)) as BaselineResult;
        await child.exited;
      } finally {
        clearInterval(collectPids);
      }
    }
  } finally {
    clearInterval(ticker);
  }
  const all = sampler.stop();
  const productPages = sum(result.contexts.map((c) => c.products.pages));
  const childFigures = all.filter((p) => childPids.includes(p.pid));
  // Measured by the child itself, from its start: process start-up is not counted.
  const elapsedMs = opts.baseline === 'inline' ? Date.now() - t : result.elapsedMs;
  return {
    mode: opts.baseline === 'inline' ? 'inline' : 'process',
    elapsedSeconds: seconds(elapsedMs),
    productPages,
    productReads: sum(result.contexts.map((c) => c.products.read)),
    productsPerSecond: (productPages * PRODUCT_PAGE_SIZE) / (elapsedMs / 1000),
    occtooEqualsCatalog: false,
    differences: [],
    cpuSeconds: {
      simulators: cpuOf(all, [process.pid]),
      // The child's own count covers the sync only, not tsx's start-up; inline it is mixed with the simulators'.
      sync: opts.baseline === 'inline' ? 0 : Math.round(result.cpuSeconds * 10) / 10,
      temporalServer: cpuOf(all, temporalPids),
    },
    syncCpuByThread: opts.baseline === 'inline' ? undefined : result.cpuByThread,
    machineCpu: machineCpu(busyAtStart, all),
    peakRssMb: childFigures.length ? Math.max(...childFigures.map((p) => p.peakRssMb)) : undefined,
  };
}

/**
 * Every run of the workflow chain (continue-as-new) with its history length, from visibility.
 * Visibility is eventually consistent: wait (bounded) until every run is listed and closed.
 */
async function historyOf(testEnv: BenchTemporal, workflowId: string, expectedRuns: number) {
  const deadline = Date.now() + 20_000;
  let runs: { runId: string; status: string; historyLength: number }[] = [];
  while (Date.now() < deadline) {
    runs = [];
    for await (const ex of testEnv.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      runs.push({ runId: ex.runId, status: ex.status.name, historyLength: ex.historyLength });
    }
    if (runs.length >= expectedRuns && runs.every((r) => r.status !== 'RUNNING' && r.historyLength > 0))
      break;
    await new Promise((r) => setTimeout(r, 500));
  }
  // Fall back to the histories themselves where visibility has no length.
  for (const run of runs) {
    if (run.historyLength > 0) continue;
    const history = await testEnv.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    run.historyLength = history.events?.length ?? 0;
  }
  return runs.reverse();
}

// ---- helpers -------------------------------------------------------------------------------

function machineCpu(busyAtStart: number, ours: ProcessFigures[]): RunFigures['machineCpu'] {
  const busy = machineBusySeconds() - busyAtStart;
  const mine = sum(ours.map((p) => p.cpuSeconds));
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    busySeconds: round(busy),
    oursSeconds: round(mine),
    othersSeconds: round(Math.max(0, busy - mine)),
    loadAverage1m: round(os.loadavg()[0]),
  };
}

/** The run with the median products/s (the lower middle one for an even count). */
function medianRun<T extends RunFigures>(runs: T[]): T {
  const sorted = [...runs].sort((a, b) => a.productsPerSecond - b.productsPerSecond);
  return structuredClone(sorted[Math.floor((sorted.length - 1) / 2)]);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function cpuOf(all: ProcessFigures[], pids: number[]): number {
  return Math.round(sum(all.filter((p) => pids.includes(p.pid)).map((p) => p.cpuSeconds)) * 10) / 10;
}

/** The node process that runs the worker (tsx starts it as a child): the tree's largest. */
function largestNode(child: TsChild): { pid: number; rssMb: number } | undefined {
  const sampler = new TreeSampler(child.child.pid!);
  sampler.sample();
  const largest = sampler.largest();
  return largest ? { pid: largest.pid, rssMb: largest.peakRssMb } : undefined;
}

function progressTicker(sims: Simulators, label: string): NodeJS.Timeout {
  const t = Date.now();
  const timer = setInterval(() => {
    const pages = sum(Object.values(sims.bluestone.stats.cursorPageReads));
    say(
      `  ${label}: ${fmt(pages * PRODUCT_PAGE_SIZE)} product reads after ${Math.round((Date.now() - t) / 1000)} s`,
    );
  }, 10_000);
  timer.unref();
  return timer;
}

/** Two empty states compare equal: a catalog without products would make the verdict meaningless. */
function guardAgainstEmpty(expected: ExpectedState): void {
  if (expected.products.size === 0) {
    throw new Error('The expected Occtoo state has no products: the comparison would prove nothing.');
  }
}

function printReport(
  figures: { catalog: { products: number } },
  temporal: TemporalFigures,
  baseline: BaselineFigures | undefined,
  ratio: number | undefined,
  cursorLimit: number | undefined,
  limitRatio: number | undefined,
  opts: BenchArgs,
): void {
  const verdict = (ok: boolean) => (ok ? 'yes' : 'NO');
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const run = (name: string, r: RunFigures) => [
    `${name}`,
    `  elapsed                 ${fmt(r.elapsedSeconds, 2)} s`,
    `  products/s              ${fmt(r.productsPerSecond)}  (${fmt(r.productPages)} product pages × ${PRODUCT_PAGE_SIZE} ÷ elapsed; ${fmt(r.productReads)} product-context reads)`,
    `  CPU seconds             simulators ${r.cpuSeconds.simulators}, sync ${r.cpuSeconds.sync}${r.cpuSeconds.temporalServer !== undefined ? `, Temporal server ${r.cpuSeconds.temporalServer}` : ''}`,
    ...(r.syncCpuByThread
      ? [
          `  sync CPU by thread      ${Object.entries(r.syncCpuByThread)
            .slice(0, 6)
            .map(([name, s]) => `${name} ${s}`)
            .join(', ')}`,
        ]
      : []),
    `  machine CPU             ${r.machineCpu.busySeconds} s busy: ${r.machineCpu.oursSeconds} s this benchmark, ${r.machineCpu.othersSeconds} s other programs; load ${r.machineCpu.loadAverage1m} on ${os.cpus().length} CPUs`,
    `  Occtoo equals catalog   ${verdict(r.occtooEqualsCatalog)}${r.differences.length ? `\n    ${r.differences.join('\n    ')}` : ''}`,
  ];
  say('');
  say(
    [
      ...run('Temporal full sync (fullSync workflow, worker process)', temporal),
      `  worker RSS              peak ${fmt(temporal.worker.peakRssDuringSyncMb)} MB during the sync; VmHWM ${fmt(temporal.worker.hwmMb)} MB (start-up bundling included); ${fmt(temporal.worker.rssWhenPollingMb)} MB when it began polling`,
      `  history                 ${fmt(temporal.historyEvents)} events in ${temporal.runs} run(s) → ${fmt(temporal.historyEventsPer1000Products, 1)} per 1,000 products (sum of historyLength over the continue-as-new chain)`,
      `  set aside / restarts    ${temporal.setAside} / ${temporal.restarts}`,
      ...(baseline
        ? [
            '',
            ...run(
              `Baseline without Temporal (${baseline.mode === 'process' ? 'own process' : 'in this process'})`,
              baseline,
            ),
          ]
        : []),
      ...(baseline?.peakRssMb !== undefined
        ? [`  process RSS             peak ${fmt(baseline.peakRssMb)} MB`]
        : []),
      '',
      ...(ratio !== undefined
        ? [
            `Temporal ÷ baseline      ${fmt(ratio, 2)}  (target ≥ ${TARGET_RATIO}: ${met(ratio >= TARGET_RATIO)})`,
          ]
        : []),
      ...(cursorLimit !== undefined && limitRatio !== undefined
        ? [
            `Cursor-read limit       ${fmt(cursorLimit)} products/s (${PRODUCT_PAGE_SIZE} per page ÷ ${opts.latencyMs} ms per read × ${opts.contexts} contexts)`,
            `Temporal ÷ limit        ${fmt(limitRatio, 2)}  (target ≥ ${TARGET_RATIO}: ${met(limitRatio >= TARGET_RATIO)})`,
          ]
        : []),
      `Occtoo equals catalog   Temporal ${verdict(temporal.occtooEqualsCatalog)}${baseline ? `, baseline ${verdict(baseline.occtooEqualsCatalog)}` : ''}`,
      `(${fmt(figures.catalog.products)} catalog products per context)`,
    ].join('\n'),
  );
}

// ---- entry ---------------------------------------------------------------------------------

runUntilDone(main, 'the benchmark');
