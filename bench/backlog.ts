/**
 * Sync-queue backlog benchmark: N distinct Bluestone syncs whose N sync-done webhooks all arrive
 * at once, in a shuffled order, through the real gateway. The coordinator must apply every one,
 * one at a time, oldest first (Bluestone's creation time), continuing as new with a small
 * `maxHistoryEvents`, and lose no notice on the way.
 *
 *   npm run bench:backlog -- [--syncs 2000] [--max-history-events 200] [--seed N] [--json]
 *
 * What it starts is what bench/incremental.ts starts: both simulators and the gateway in this
 * process, a headless Temporal dev server, an embedded PostgreSQL, the worker in its own process.
 * By default (`--arrival backlog`) the worker is stopped after the initial full sync and started
 * again once every webhook was answered: the coordinator then finds the whole backlog at once,
 * as after a worker outage or on a new deployment's first refresh.
 *
 * The coordinator's `maxHistoryEvents` has no configuration variable (the gateway starts the
 * coordinator with `{}`), so this benchmark starts the coordinator itself, with
 * `{ maxHistoryEvents }`, before the first webhook; the gateway's signal-with-start then signals
 * that run, and every continue-as-new carries the setting on.
 *
 * Checks (each failing one makes the exit code 1):
 * - applied = N, none failed or skipped, every sync run completed;
 * - order: the incremental-sync runs' start times (Temporal visibility) follow creation order, and
 *   so does Occtoo's import log (the first import holding each sync's products); no run started
 *   before the previous one closed;
 * - no notice lost: every sync's notice reached the coordinator (signals in its runs' histories),
 *   and applied + skipped + failed + duplicates = notices received;
 * - bounded history: every coordinator run's own events (signals aside) ≤ maxHistoryEvents + 40;
 * - Occtoo equals the catalog (src/sim/expected-state.ts).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { cleanup, cleanups, lastResort, runUntilDone, say, setQuiet } from './lib/lifecycle';
import { sanitizeKey } from '../src/mapping';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startService } from '../src/service';
import { syncSearchAttributes } from '../src/client/search-attributes';
import {
  incrementalSyncWorkflowId,
  syncCoordinatorWorkflowId,
  type CoordinatorState,
} from '../src/shared/sync-types';
import { coordinatorStateQuery } from '../src/shared/messages';
import { startSimulators } from '../src/sim/main';
import { mulberry32 } from '../src/sim/catalog';
import { compareWithOcctoo, expectedOcctooState } from '../src/sim/expected-state';
import type { DeliveryRecord } from '../src/sim/webhook-emitter';
import type { WebhookEnvelope } from '../src/bluestone/types';
import { fullSync, syncCoordinator } from '../src/workflows';
import { commandLineOrExit } from '../src/command-line';
import { spawnTs, type TsChild } from './lib/children';
import { BACKLOG_USAGE, parseBacklogArgs } from './lib/backlog-args';
import { startBenchTemporal } from './lib/temporal-server';
import { startBenchDatabase } from './lib/database';
import { coordinatorHistory, incrementalRuns } from './lib/backlog-history';
import { firstAppearances, orderFigures, overlaps, shuffled } from './lib/backlog-checks';

/** Events a coordinator run may add after it passed maxHistoryEvents: its last step and continue-as-new. */
const HISTORY_SLACK = 40;
/** Temporal's limit on a payload (the continue-as-new input is one). */
const PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024;
/** How often the coordinator's state is asked while waiting, and a progress line printed. */
const POLL_MS = 1_000;
const PROGRESS_MS = 15_000;
/** Idle this long with syncs unsettled: the rest is not coming (a notice was lost). */
const IDLE_END_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => Math.round(ms / 10) / 100;

interface PublishedSync {
  index: number;
  syncId: string;
  context: string;
  createdAt: number;
  products: string[];
  envelope: WebhookEnvelope;
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function main(): Promise<number> {
  const opts = commandLineOrExit(parseBacklogArgs, BACKLOG_USAGE);
  setQuiet(opts.json);
  const startedAt = new Date();
  const timeoutTimer = setTimeout(() => {
    console.error(`The benchmark did not finish within --timeout-s ${opts.timeoutSeconds}: stopping.`);
    void cleanup().then(() => process.exit(124));
  }, opts.timeoutSeconds * 1000);
  timeoutTimer.unref();
  cleanups.push(() => clearTimeout(timeoutTimer));
  const deadline = Date.now() + opts.timeoutSeconds * 1000;

  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1e9),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: Math.round(os.loadavg()[0] * 100) / 100,
  };
  say(
    `Sync-queue backlog benchmark: ${opts.syncs} distinct syncs, their webhooks at once (${opts.arrival}), ` +
      `coordinator maxHistoryEvents ${opts.maxHistoryEvents}, seed ${opts.seed}`,
  );
  say(
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}, load average ${machine.loadAverageAtStart}`,
  );

  // 1. Simulators, Temporal, the record's database (as bench/incremental.ts).
  const sims = await startSimulators({ products: opts.products, seed: opts.seed, contexts: opts.contexts });
  cleanups.push(() => sims.close());
  let t = Date.now();
  const temporal = await startBenchTemporal();
  cleanups.push(() => temporal.stop());
  lastResort.push(() => temporal.kill());
  say(`Temporal dev server at ${temporal.address} (in memory, headless), started in ${Date.now() - t} ms`);
  t = Date.now();
  const database = await startBenchDatabase();
  cleanups.push(() => database.stop());
  say(`Embedded PostgreSQL for the record started in ${Date.now() - t} ms`);

  const taskQueue = `bench-backlog-${randomUUID()}`;
  const serviceEnv: Record<string, string> = {
    ...sims.env,
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'INFO',
    SHUTDOWN_GRACE_SECONDS: '2',
    WORKER_METRICS_ADDRESS: 'off',
    // No refresh hands syncs over meanwhile: the notices counted are exactly the webhooks'.
    REFRESH_SCHEDULE: 'off',
  };
  const config = loadConfig(serviceEnv);

  let worker: TsChild | undefined;
  const startWorker = async () => {
    const w = spawnTs('src/main.ts', ['worker'], serviceEnv);
    cleanups.push(() => w.stop());
    lastResort.push(() => w.kill());
    await w.waitForLine((l) => l.includes('Worker polling'), 180_000, 'the worker to poll');
    return w;
  };
  t = Date.now();
  worker = await startWorker();
  say(`Worker process (tsx src/main.ts worker) polling after ${Date.now() - t} ms`);

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
    // Bluestone's rules (503 retried only with Retry-After, others twice), its waits shortened
    // tenfold so that a refused delivery shows in the figures rather than stalling the run.
    retryAfterUnitMs: 100,
    retryIntervalMs: 60_000,
    timeoutMs: 60_000,
  });
  say(`Gateway (startService, in this process) at ${webhookUrl}`);

  // 2. The initial full sync: Occtoo holds the catalog before the syncs change it.
  t = Date.now();
  await temporal.client.workflow.execute(fullSync, {
    taskQueue,
    workflowId: `bench-backlog-initial-${randomUUID()}`,
    args: [{}],
    workflowExecutionTimeout: `${opts.timeoutSeconds}s`,
  });
  const fullSyncMs = Date.now() - t;
  say(`Initial full sync of ${opts.products} products × ${opts.contexts} context(s): ${fullSyncMs} ms`);

  // 3. N distinct syncs, each changing one or two products of its own in one context.
  const random = mulberry32(opts.seed * 7_919 + 11);
  const inOcctoo = sims.occtoo.entities(config.occtoo.productsSource);
  const pools = new Map(
    sims.contexts.map(({ context }) => [
      context,
      shuffled(
        sims.catalog
          .productsIn(context)
          .map((p) => p.id)
          .filter((id) => sanitizeKey(id) === id && inOcctoo.has(id)),
        random,
      ),
    ]),
  );
  const used = new Set<string>();
  const take = (context: string): string | undefined => {
    const pool = pools.get(context)!;
    while (pool.length > 0) {
      const id = pool.pop()!;
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
    return undefined;
  };
  const published: PublishedSync[] = [];
  for (let index = 0; index < opts.syncs; index++) {
    const context = sims.contexts[Math.floor(random() * sims.contexts.length)].context;
    const wanted = random() < 0.5 ? 1 : 2;
    const products: string[] = [];
    for (let k = 0; k < wanted; k++) {
      const id = take(context);
      if (id) products.push(id);
    }
    if (products.length === 0) {
      throw new Error(
        `Sync ${index + 1} of ${opts.syncs}: no product of context ${context} left to change (each sync changes products of its own): raise --products.`,
      );
    }
    const outcome = sims.bluestone.publish({
      contexts: [context],
      change: products.map((id) => ({ id, name: `Backlog ${index} ${id}`, contexts: [context] })),
      deliver: false,
    });
    const [sync] = outcome.syncs;
    published.push({
      index,
      syncId: sync.id,
      context,
      createdAt: sync.createdAt,
      products,
      envelope: outcome.envelopes[0],
    });
  }
  const createdInOrder = published.every((s, i) => i === 0 || s.createdAt > published[i - 1].createdAt);
  if (!createdInOrder)
    throw new Error('The simulator gave two syncs the same or a decreasing creation time.');
  const changedProducts = published.reduce((n, s) => n + s.products.length, 0);
  say(`Published ${opts.syncs} syncs (${changedProducts} products changed), webhooks held back`);

  // 4. The coordinator, started here so that it gets maxHistoryEvents (see the header).
  const coordinatorId = syncCoordinatorWorkflowId(taskQueue);
  const coordinator = await temporal.client.workflow.start(syncCoordinator, {
    workflowId: coordinatorId,
    taskQueue,
    args: [{ maxHistoryEvents: opts.maxHistoryEvents }],
    typedSearchAttributes: syncSearchAttributes('coordinator', config),
  });
  const firstRunId = coordinator.firstExecutionRunId;

  if (opts.arrival === 'backlog') {
    t = Date.now();
    await worker.stop();
    worker = undefined;
    say(`Worker stopped (${Date.now() - t} ms): the webhooks arrive while none runs`);
  }

  // 5. Every webhook at once, in a shuffled order, through the gateway.
  const order = shuffled(published, random);
  const deliveryStart = Date.now();
  const records: DeliveryRecord[] = await Promise.all(
    order.map((s) => sims.bluestone.webhooks.deliver(s.envelope)),
  );
  const deliveryMs = Date.now() - deliveryStart;
  const delivered = records.filter((r) => r.outcome === 'delivered').length;
  const attempts = records.reduce((n, r) => n + r.attempts.length, 0);
  const statuses: Record<string, number> = {};
  for (const r of records)
    for (const a of r.attempts) {
      const key = a.status === undefined ? `error` : String(a.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  const undelivered = records
    .filter((r) => r.outcome !== 'delivered')
    .map((r) => `${r.envelope.events[0].changes.syncDoneData?.value}: ${r.outcome} (${r.reason})`);
  say(
    `Delivered ${delivered} of ${opts.syncs} webhooks in ${deliveryMs} ms (${attempts} attempts; answers ${JSON.stringify(statuses)})`,
  );
  for (const line of undelivered.slice(0, 10)) say(`  not delivered: ${line}`);

  let workerStart: number | undefined;
  if (!worker) {
    workerStart = Date.now();
    worker = await startWorker();
    say(`Worker started again: polling after ${Date.now() - workerStart} ms`);
  }

  // 6. Wait until the coordinator is idle with everything received accounted for.
  const waitStart = workerStart ?? deliveryStart;
  let state: CoordinatorState | undefined;
  let lastProgress = Date.now();
  let idleSince: number | undefined;
  for (;;) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for the backlog to be applied.');
    try {
      state = await temporal.client.workflow.getHandle(coordinatorId).query(coordinatorStateQuery);
    } catch {
      // A query may land between two runs of the coordinator: ask again.
      await sleep(POLL_MS);
      continue;
    }
    const settled = state.applied + state.skipped + state.failed;
    // The state shows a lookup in flight as idle (its notices are neither to look up nor waiting):
    // short of every delivered sync settled, only a long idle spell counts as the end.
    const idle = !state.applying && state.pending.length === 0 && (state.toLookUp ?? 0) === 0;
    if (idle && settled >= delivered) break;
    idleSince = idle ? (idleSince ?? Date.now()) : undefined;
    if (idleSince !== undefined && Date.now() - idleSince >= IDLE_END_MS) break;
    if (Date.now() - lastProgress >= PROGRESS_MS) {
      lastProgress = Date.now();
      say(
        `  ${seconds(Date.now() - waitStart)} s: applied ${state.applied} of ${opts.syncs}, waiting ${state.pending.length}, ` +
          `to look up ${state.toLookUp ?? 0}, failed ${state.failed}, duplicates ${state.duplicates}`,
      );
    }
    await sleep(POLL_MS);
  }
  const doneAt = Date.now();
  say(
    `Coordinator idle after ${seconds(doneAt - waitStart)} s: applied ${state.applied}, failed ${state.failed}`,
  );

  // 7. What Temporal and Occtoo recorded.
  const history = await coordinatorHistory(temporal.client, coordinatorId, firstRunId);
  const children = await incrementalRuns(temporal.client, taskQueue, opts.syncs);
  const indexOfWorkflow = new Map(
    published.map((s) => [incrementalSyncWorkflowId(taskQueue, s.syncId), s.index]),
  );
  const indexOfSync = new Map(published.map((s) => [s.syncId, s.index]));
  const syncOfKey = new Map(published.flatMap((s) => s.products.map((id) => [id, s.index] as const)));
  const byStart = orderFigures(
    children.map((c) => indexOfWorkflow.get(c.workflowId) ?? -1),
    opts.syncs,
  );
  const productImports = sims.occtoo.imports.filter((i) => i.source === config.occtoo.productsSource);
  const byImport = orderFigures(
    firstAppearances(
      productImports.filter((i) => Date.parse(i.at) >= deliveryStart).map((i) => i.keys),
      syncOfKey,
    ),
    opts.syncs,
  );
  const overlapping = overlaps(children);
  const notCompleted = children.filter((c) => c.status !== 'COMPLETED');
  const noticed = new Set(history.notices.map((n) => n.syncId));
  const neverNoticed = published.filter((s) => !noticed.has(s.syncId)).map((s) => s.syncId);
  const strangers = history.notices.filter((n) => !indexOfSync.has(n.syncId)).length;
  const received = history.notices.length;
  const accounted = state.applied + state.skipped + state.failed + state.duplicates;
  const continuedRuns = history.runs.filter((r) => r.end === 'continued').length;
  const largestHistory = Math.max(...history.runs.map((r) => r.events));
  const largestOwnHistory = Math.max(...history.runs.map((r) => r.ownEvents));
  const largestInput = Math.max(0, ...history.runs.map((r) => r.continueAsNewInputBytes ?? 0));
  const expected = expectedOcctooState(sims.catalog, config, sims.occtoo.mediaFiles());
  const differences = compareWithOcctoo(expected, sims.occtoo, config.occtoo);
  const firstChildStart = children[0]?.startTime;
  const lastChildClose = Math.max(0, ...children.map((c) => c.closeTime ?? 0));
  const applyMs = firstChildStart === undefined ? undefined : lastChildClose - firstChildStart;

  const strictOrder = opts.arrival === 'backlog';
  const checks: Check[] = [
    {
      name: 'webhooks delivered',
      ok: delivered === opts.syncs,
      detail: `${delivered} of ${opts.syncs} answered 2xx${undelivered.length ? `; not: ${undelivered.slice(0, 3).join('; ')}` : ''}`,
    },
    {
      name: 'all applied',
      ok:
        state.applied === opts.syncs &&
        state.failed === 0 &&
        state.skipped === 0 &&
        children.length === opts.syncs &&
        notCompleted.length === 0,
      detail:
        `applied ${state.applied}, skipped ${state.skipped}, failed ${state.failed}; ${children.length} sync runs, ` +
        `${notCompleted.length} not completed${
          notCompleted.length
            ? ` (${notCompleted
                .slice(0, 3)
                .map((c) => `${c.workflowId} ${c.status}`)
                .join(', ')})`
            : ''
        }`,
    },
    {
      name: 'oldest first (sync runs by start time)',
      ok: strictOrder ? byStart.exact : byStart.observed === opts.syncs,
      detail: `${byStart.observed} runs, ${byStart.inversions} inversions${byStart.examples.length ? `, e.g. ${JSON.stringify(byStart.examples)}` : ''}${strictOrder ? '' : ' (live arrival: reported, not checked)'}`,
    },
    {
      name: 'oldest first (Occtoo import log)',
      ok: strictOrder ? byImport.exact : byImport.observed === opts.syncs,
      detail: `${byImport.observed} syncs seen in imports, ${byImport.inversions} inversions${byImport.examples.length ? `, e.g. ${JSON.stringify(byImport.examples)}` : ''}${strictOrder ? '' : ' (live arrival: reported, not checked)'}`,
    },
    {
      name: 'one at a time',
      ok: overlapping === 0,
      detail: `${overlapping} sync runs started before the previous one closed`,
    },
    {
      name: 'no notice lost',
      ok: neverNoticed.length === 0 && strangers === 0 && accounted === received,
      detail:
        `${received} notices received across ${history.runs.length} runs (${noticed.size} distinct syncs, ${neverNoticed.length} syncs never noticed` +
        `${neverNoticed.length ? `: ${neverNoticed.slice(0, 3).join(', ')}` : ''}); applied + skipped + failed + duplicates = ${accounted}`,
    },
    {
      name: 'history bounded',
      ok:
        largestOwnHistory <= opts.maxHistoryEvents + HISTORY_SLACK && largestInput < PAYLOAD_LIMIT_BYTES / 4,
      detail:
        `${history.runs.length} coordinator runs (${continuedRuns} continued as new); largest history ${largestHistory} events, ` +
        `${largestOwnHistory} without signals (limit ${opts.maxHistoryEvents} + ${HISTORY_SLACK}); largest continue-as-new input ${largestInput} bytes`,
    },
    {
      name: 'Occtoo equals the catalog',
      ok: differences.length === 0,
      detail: differences.length === 0 ? 'every entity equal' : differences.slice(0, 5).join('; '),
    },
  ];

  say('');
  for (const c of checks) say(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  say('');
  const totalMs = doneAt - deliveryStart;
  say(
    `Elapsed: ${seconds(totalMs)} s from the first webhook to idle` +
      (workerStart ? ` (${seconds(doneAt - workerStart)} s from the worker's start)` : '') +
      (firstChildStart === undefined
        ? ''
        : `; first sync run started ${seconds(firstChildStart - waitStart)} s after ${workerStart ? "the worker's start" : 'the first webhook'}`) +
      (applyMs
        ? `; applying: ${seconds(applyMs)} s, ${Math.round((opts.syncs / applyMs) * 100_000) / 100} syncs/s`
        : ''),
  );

  const ok = checks.every((c) => c.ok);
  const figures = {
    benchmark: 'sync-queue-backlog',
    date: startedAt.toISOString(),
    machine: { ...machine, loadAverageAtEnd: Math.round(os.loadavg()[0] * 100) / 100 },
    args: { ...opts, json: undefined },
    setup: {
      worker: 'child process: tsx src/main.ts worker',
      gateway: 'in-process startService (gateway role) on 127.0.0.1',
      coordinator: `started by the benchmark with { maxHistoryEvents: ${opts.maxHistoryEvents} }`,
      initialFullSyncMs: fullSyncMs,
      changedProducts,
    },
    webhooks: { delivered, attempts, statuses, deliveryMs, undelivered: undelivered.slice(0, 20) },
    coordinator: {
      state: { ...state, pending: state.pending.length, recent: undefined },
      runs: history.runs.length,
      continuedAsNew: continuedRuns,
      largestHistoryEvents: largestHistory,
      largestOwnHistoryEvents: largestOwnHistory,
      largestContinueAsNewInputBytes: largestInput,
      noticesReceived: received,
    },
    order: { byStart, byImport, overlapping },
    occtooDifferences: differences.slice(0, 20),
    elapsed: {
      totalSeconds: seconds(totalMs),
      fromWorkerStartSeconds: workerStart ? seconds(doneAt - workerStart) : undefined,
      /** From the worker's start (live: the first webhook) to the first sync run: the lookups. */
      firstAppliedAfterSeconds:
        firstChildStart === undefined ? undefined : seconds(firstChildStart - waitStart),
      applySeconds: applyMs === undefined ? undefined : seconds(applyMs),
      syncsPerSecond: applyMs ? Math.round((opts.syncs / applyMs) * 100_000) / 100 : undefined,
    },
    checks,
    correct: ok,
  };
  console.log(JSON.stringify(figures));
  return ok ? 0 : 1;
}

// ---- entry ---------------------------------------------------------------------------------

runUntilDone(main, 'the benchmark', (err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  console.log(JSON.stringify({ benchmark: 'sync-queue-backlog', correct: false, error: String(err) }));
});
