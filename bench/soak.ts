/**
 * The chaos soak: the service as deployed (a worker process, a gateway process, a Temporal dev
 * server persisted to a file, an embedded PostgreSQL) against simulated Bluestone and Occtoo,
 * while PIM work streams in and things break at random moments:
 *
 *   npm run soak -- --minutes N [--seed S] [--products P] [--max-faults F] [--keep] [--json]
 *
 * 1. Starts both simulators (this process, a generated catalog with media), the Temporal dev
 *    server on a fixed loopback port with its database in a file (so workflows survive a
 *    restart), an embedded PostgreSQL for the record, the worker (`src/main.ts worker`) and the
 *    gateway (`bench/lib/soak-gateway.ts`: the gateway role on 127.0.0.1) as separate processes,
 *    and a full sync.
 * 2. For N minutes: publishes (changes, value removals, additions, unpublishes, archives,
 *    category changes) whose webhooks go to the gateway; and, one after another at seeded random
 *    moments, faults: the worker killed (SIGKILL) and started again, the Temporal dev server
 *    restarted, the gateway restarted (SIGKILL or SIGTERM). Everything stays on 127.0.0.1.
 * 3. Waits for the webhooks to be delivered or given up, then for quiet (nothing running but an
 *    idle coordinator), runs a refresh (`src/cli/main.ts refresh --wait`), waits for quiet again,
 *    and compares Occtoo with the catalog entity by entity (src/sim/expected-state.ts).
 * 4. Prints the faults, the figures and every entity that differs, and a final JSON line; exits
 *    0 only when no entity differs (and the service settled, the full sync completed).
 *
 * What it configures, and so what the comparison holds the service to: docs/benchmarks.md#soak.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startFullSync } from '../src/client/syncs';
import { commandLineOrExit } from '../src/command-line';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { freePort } from '../src/ports';
import { mulberry32 } from '../src/sim/catalog';
import { startSimulators } from '../src/sim/main';
import type { RefreshSyncsResult } from '../src/shared/sync-types';
import { spawnTs } from './lib/children';
import { startBenchDatabase } from './lib/database';
import { cleanup, cleanups, lastResort, runUntilDone, say, setQuiet } from './lib/lifecycle';
import { parseSoakArgs, SOAK_USAGE, type SoakArgs } from './lib/soak-args';
import { compareOcctooWithCatalog, waitForQuiet, type Comparison, type Quiet } from './lib/soak-check';
import { RestartableTemporal, SupervisedProcess } from './lib/soak-processes';
import { SoakPublisher } from './lib/soak-publisher';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

type FaultKind = 'worker-kill' | 'temporal-restart' | 'gateway-restart';

/** How often each fault is picked (relative weights). */
const FAULT_WEIGHTS: [FaultKind, number][] = [
  ['worker-kill', 45],
  ['temporal-restart', 25],
  ['gateway-restart', 30],
];
/** Between one fault's recovery and the next fault, seconds. */
const FAULT_GAP_S = { min: 5, max: 25 };
/**
 * How long a part stays down, seconds. The gateway's may outlast Bluestone's retries of a
 * webhook (two, RETRY_INTERVAL_MS apart): the refresh at the end must recover those syncs.
 */
const DOWN_S: Record<FaultKind, { min: number; max: number }> = {
  'worker-kill': { min: 0, max: 4 },
  'temporal-restart': { min: 0, max: 4 },
  'gateway-restart': { min: 0, max: 12 },
};
/** Between Bluestone's retries of a webhook that got no answer (Bluestone's own: ten minutes). */
const RETRY_INTERVAL_MS = 3_000;
/** Between two publishes, seconds. */
const PUBLISH_GAP_S = { min: 0.7, max: 3 };

interface Fault {
  kind: FaultKind;
  /** Seconds since the soak began. */
  at: number;
  how: string;
  /** Seconds until the part was back (ready). */
  recoveredAfter: number;
}

async function main(): Promise<number> {
  const opts = commandLineOrExit(parseSoakArgs, SOAK_USAGE);
  setQuiet(opts.json);
  const began = Date.now();
  const clock = () => Date.now() - began;
  const hardLimitMs = (opts.minutes * 60 + opts.settleSeconds + 600) * 1000;
  const timeoutTimer = setTimeout(() => {
    console.error(`The soak did not finish within ${hardLimitMs / 1000} s: stopping.`);
    void cleanup().then(() => process.exit(124));
  }, hardLimitMs);
  timeoutTimer.unref();
  cleanups.push(() => clearTimeout(timeoutTimer));

  // Each webhook waiting for its retry listens to the simulator's closing signal: while the gateway
  // is down, dozens wait at once, past Node's default warning threshold of 10.
  setMaxListeners(1_000);

  const runDir = mkdtempSync(path.join(os.tmpdir(), 'bos-soak-'));
  const logDir = path.join(runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  let keepRunDir = opts.keep;
  cleanups.push(() => {
    if (keepRunDir) say(`The run's folder (logs of every process, Temporal's database): ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  });
  // This process's own service parts (the dev server's start and stop) log to a file.
  const logger = createLogger({
    level: 'INFO',
    format: 'json',
    write: (line) => appendFileSync(path.join(logDir, 'soak.log'), `${line}\n`),
  });
  say(
    `Chaos soak: ${opts.minutes} min, seed ${opts.seed}, ${opts.products} products × ${opts.contexts} contexts, at most ${opts.maxFaults} faults`,
  );

  // 1. Simulators, Temporal, PostgreSQL, the worker and the gateway.
  const sims = await startSimulators({
    products: opts.products,
    seed: opts.seed,
    contexts: opts.contexts,
    mediaPerProduct: 1,
    webhookSecret: randomBytes(18).toString('base64url'),
  });
  cleanups.push(() => sims.close());
  const temporal = new RestartableTemporal({
    port: await freePort(),
    uiPort: await freePort(),
    dataDir: path.join(runDir, 'temporal'),
    logger,
  });
  await temporal.start();
  cleanups.push(() => temporal.stop());
  const database = await startBenchDatabase();
  cleanups.push(() => database.stop());

  const gatewayPort = await freePort();
  const taskQueue = `soak-${opts.seed}-${randomUUID().slice(0, 8)}`;
  const env: Record<string, string> = {
    ...sims.env,
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PORT: String(gatewayPort),
    // What the comparison holds the service to (docs/benchmarks.md#soak).
    HANDLE_MEDIA: 'occtoo',
    DELETE_ON_UNPUBLISH: 'true',
    ARCHIVE_STATES: 'ARCHIVED',
    MEDIA_DELETE: 'false',
    // The soak runs the refresh itself, at the end.
    REFRESH_SCHEDULE: 'off',
    LOOKBACK_DAYS: '1',
    SHUTDOWN_GRACE_SECONDS: '5',
    ADMIN_TOKEN: randomBytes(18).toString('base64url'),
    WORKER_METRICS_ADDRESS: 'off',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'INFO',
  };
  const config = loadConfig(env);
  const worker = new SupervisedProcess({
    name: 'worker',
    script: 'src/main.ts',
    args: ['worker'],
    env,
    ready: (l) => l.includes('Worker polling'),
    logDir,
    clock,
  });
  const gateway = new SupervisedProcess({
    name: 'gateway',
    script: 'bench/lib/soak-gateway.ts',
    args: [],
    env,
    ready: (l) => l.includes('Gateway listening'),
    logDir,
    clock,
  });
  for (const part of [worker, gateway]) {
    cleanups.push(() => part.stop());
    lastResort.push(() => part.kill());
  }
  await Promise.all([worker.ensureUp(), gateway.ensureUp()]);
  sims.bluestone.webhooks.configure({
    url: `http://127.0.0.1:${gatewayPort}/webhooks/bluestone`,
    secret: config.gateway.webhookSecret,
    secretMode: 'header',
    // A webhook Bluestone gives up on is what the refresh at the end must recover.
    retryIntervalMs: RETRY_INTERVAL_MS,
  });
  const connection = await Connection.connect({ address: temporal.address });
  cleanups.push(() => connection.close());
  const client = new Client({ connection, namespace: config.temporal.namespace });
  say(
    `Ready after ${seconds(clock())} s: Temporal ${temporal.address} (${path.join(runDir, 'temporal')}), worker and gateway processes, gateway 127.0.0.1:${gatewayPort}`,
  );

  // 2. The chaos window: a full sync, publishes, faults.
  const full = await startFullSync(client, config, {});
  const windowEnd = Date.now() + opts.minutes * 60_000;
  const publisher = new SoakPublisher(
    sims,
    mulberry32(opts.seed * 104_729 + 3),
    config.sync.archiveStates[0],
  );
  const publishErrors: string[] = [];
  const publishing = (async () => {
    const random = mulberry32(opts.seed * 7_919 + 5);
    if (opts.publishAfterFullSync) await untilClosed(client, full.workflowId, windowEnd);
    while (Date.now() < windowEnd) {
      try {
        publisher.publishOnce();
      } catch (err) {
        publishErrors.push(String(err));
      }
      await sleep(between(random, PUBLISH_GAP_S) * 1000);
    }
  })();
  const faults: Fault[] = [];
  const faulting = injectFaults(opts, windowEnd, clock, { worker, gateway, temporal }, faults);
  const ticker = setInterval(
    () =>
      say(
        `  ${seconds(clock())} s: ${publisher.figures.publishes} publishes, ${faults.length} faults (${faults
          .slice(-1)
          .map((f) => `last: ${f.kind}`)
          .join('')})`,
      ),
    30_000,
  );
  try {
    await Promise.all([publishing, faulting]);
  } finally {
    clearInterval(ticker);
  }
  const chaosSeconds = seconds(clock());
  say(
    `Chaos window over after ${chaosSeconds} s: ${publisher.figures.publishes} publishes, ${faults.length} faults.`,
  );

  // 3. Settle: every part up, webhooks final, quiet; the refresh; quiet again.
  const settleDeadline = Date.now() + opts.settleSeconds * 1000;
  await Promise.all([worker.ensureUp(), gateway.ensureUp()]);
  const deliveries = await Promise.race([
    publisher.settledDeliveries(),
    sleep(Math.max(0, settleDeadline - Date.now())).then(() => undefined),
  ]);
  const lost = (deliveries ?? []).filter((d) => d.outcome !== 'delivered');
  const firstQuiet = await waitForQuiet(client, taskQueue, settleDeadline);
  say(
    `Quiet after ${seconds(clock())} s${firstQuiet.quiet ? '' : ` — NOT quiet: ${firstQuiet.busy.join('; ')}`}`,
  );
  const fullSync = await client.workflow
    .getHandle(full.workflowId)
    .describe()
    .then((d) => d.status.name)
    .catch((err: unknown) => `unknown (${String(err)})`);
  const refresh = await runRefresh(env, settleDeadline);
  say(
    `Refresh: exit ${refresh.exitCode}${refresh.result ? `, ${refresh.result.found.length} syncs found, ${refresh.result.applied.length} applied, ${refresh.result.skipped.length} skipped, ${refresh.result.failed.length} failed` : `: ${refresh.problem}`}`,
  );
  const quiet: Quiet = await waitForQuiet(client, taskQueue, settleDeadline);
  const settleSeconds = seconds(clock()) - chaosSeconds;

  // 4. The comparison and the report.
  const comparison = compareOcctooWithCatalog(sims, config, publisher.keptMedia);
  const incremental = await countIncremental(client, taskQueue);
  const passed = comparison.differing.length === 0 && quiet.quiet && fullSync === 'COMPLETED';
  keepRunDir ||= !passed;
  const figures = {
    benchmark: 'soak',
    date: new Date(began).toISOString(),
    args: { ...opts, json: undefined },
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
    },
    configuration: {
      HANDLE_MEDIA: env.HANDLE_MEDIA,
      DELETE_ON_UNPUBLISH: env.DELETE_ON_UNPUBLISH,
      ARCHIVE_STATES: env.ARCHIVE_STATES,
      MEDIA_DELETE: env.MEDIA_DELETE,
    },
    durationSeconds: {
      chaos: chaosSeconds,
      settle: Math.round(settleSeconds * 10) / 10,
      total: seconds(clock()),
    },
    faults: {
      injected: faults.length,
      byKind: countBy(faults.map((f) => f.kind)),
      list: faults,
      unplannedExits: {
        worker: worker.unplannedExits.map(({ at, code }) => ({ at: seconds(at), code })),
        gateway: gateway.unplannedExits.map(({ at, code }) => ({ at: seconds(at), code })),
      },
    },
    publishes: { ...publisher.figures, errors: publishErrors.slice(0, 10) },
    webhooks: {
      deliveries: deliveries?.length,
      delivered: deliveries ? deliveries.length - lost.length : undefined,
      givenUp: lost.length,
      givenUpReasons: countBy(lost.map((d) => d.reason ?? d.outcome)),
    },
    syncs: {
      fullSync,
      incremental,
      coordinator: quiet.coordinator && {
        applied: quiet.coordinator.applied,
        skipped: quiet.coordinator.skipped,
        failed: quiet.coordinator.failed,
        duplicates: quiet.coordinator.duplicates,
      },
      refresh: refresh.result
        ? {
            exitCode: refresh.exitCode,
            found: refresh.result.found.length,
            applied: refresh.result.applied.length,
            skipped: refresh.result.skipped.length,
            failed: refresh.result.failed,
          }
        : { exitCode: refresh.exitCode, problem: refresh.problem },
    },
    quiet: { reached: quiet.quiet, busy: quiet.busy },
    entities: {
      compared: comparison.compared,
      differing: comparison.differing.length,
      ignoredMedia: comparison.ignoredMedia,
      differences: comparison.differing.slice(0, 50),
    },
    passed,
  };
  printReport(figures, faults, comparison, worker, gateway);
  console.log(JSON.stringify(figures));
  return passed ? 0 : 1;
}

/** One fault at a time, at seeded random moments, each followed by the part's recovery. */
async function injectFaults(
  opts: SoakArgs,
  windowEnd: number,
  clock: () => number,
  parts: { worker: SupervisedProcess; gateway: SupervisedProcess; temporal: RestartableTemporal },
  faults: Fault[],
): Promise<void> {
  const random = mulberry32(opts.seed * 15_485_863 + 7);
  while (faults.length < opts.maxFaults) {
    const gapMs = between(random, FAULT_GAP_S) * 1000;
    const kind = pickWeighted(random, FAULT_WEIGHTS);
    const downMs = between(random, DOWN_S[kind]) * 1000;
    const gentle = random() < 0.5;
    if (Date.now() + gapMs >= windowEnd) return;
    await sleep(gapMs);
    // A part that exited on its own is back before the next fault.
    await Promise.all([parts.worker.ensureUp(), parts.gateway.ensureUp()]);
    const at = clock();
    let how: string;
    if (kind === 'worker-kill') {
      how = `SIGKILL, started again after ${seconds(downMs)} s`;
      await parts.worker.takeDown('SIGKILL');
      await sleep(downMs);
      await parts.worker.ensureUp();
    } else if (kind === 'gateway-restart') {
      how = `${gentle ? 'SIGTERM' : 'SIGKILL'}, started again after ${seconds(downMs)} s`;
      await parts.gateway.takeDown(gentle ? 'SIGTERM' : 'SIGKILL');
      await sleep(downMs);
      await parts.gateway.ensureUp();
    } else {
      how = `stopped (SIGTERM), started again after ${seconds(downMs)} s on the same port and database`;
      await parts.temporal.stop();
      await sleep(downMs);
      await parts.temporal.start();
    }
    faults.push({ kind, at: seconds(at), how, recoveredAfter: seconds(clock() - at) });
  }
}

/** Until the workflow is no longer running (or `deadline`); Temporal may be away meanwhile. */
async function untilClosed(client: Client, workflowId: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const status = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => d.status.name)
      .catch(() => 'RUNNING');
    if (status !== 'RUNNING') return;
    await sleep(1_000);
  }
}

/** `src/cli/main.ts refresh --wait --json`, as an operator runs `npm run cli -- refresh --wait`. */
async function runRefresh(
  env: Record<string, string>,
  deadline: number,
): Promise<{ exitCode: number | null; result?: RefreshSyncsResult; problem?: string }> {
  const cli = spawnTs('src/cli/main.ts', ['refresh', '--wait', '--json'], env);
  let out = '';
  cli.child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const exitCode = await Promise.race([
    cli.exited,
    sleep(Math.max(1_000, deadline - Date.now())).then(() => 'late' as const),
  ]);
  if (exitCode === 'late') {
    await cli.stop(2_000);
    return { exitCode: null, problem: `the refresh did not finish in time:\n${cli.tail()}` };
  }
  try {
    const document = JSON.parse(out.slice(out.indexOf('{'))) as { result?: RefreshSyncsResult };
    if (document.result) return { exitCode, result: document.result };
    return { exitCode, problem: out.trim() };
  } catch {
    return { exitCode, problem: cli.tail() };
  }
}

/** incrementalSync runs on the task queue, by status. */
async function countIncremental(client: Client, taskQueue: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const status of ['Completed', 'Failed', 'Running', 'Terminated', 'TimedOut', 'Canceled']) {
    const query = `WorkflowType = 'incrementalSync' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = '${status}'`;
    const { count } = await client.workflow.count(query).catch(() => ({ count: NaN }));
    if (count) counts[status.toLowerCase()] = count;
  }
  return counts;
}

function printReport(
  figures: {
    durationSeconds: { chaos: number; settle: number; total: number };
    publishes: { publishes: number; syncs: number; byKind: Record<string, number> };
    webhooks: { deliveries?: number; givenUp: number; givenUpReasons: Record<string, number> };
    syncs: {
      fullSync: string;
      incremental: Record<string, number>;
      coordinator?: { applied: number; skipped: number; failed: number; duplicates: number };
    };
    quiet: { reached: boolean; busy: string[] };
    passed: boolean;
  },
  faults: Fault[],
  comparison: Comparison,
  worker: SupervisedProcess,
  gateway: SupervisedProcess,
): void {
  const f = figures;
  const lines = [
    '',
    'Faults injected',
    ...faults.map(
      (x) =>
        `  ${String(x.at).padStart(6)} s  ${x.kind.padEnd(17)} ${x.how}; back after ${x.recoveredAfter} s`,
    ),
    `  ${faults.length} in all: ${Object.entries(countBy(faults.map((x) => x.kind)))
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}`,
    ...[worker, gateway].flatMap((p) =>
      p.unplannedExits.map(
        (e) =>
          `  UNPLANNED: the ${p.name} exited on its own at ${seconds(e.at)} s (code ${e.code}):\n    ${e.tail.split('\n').slice(-5).join('\n    ')}`,
      ),
    ),
    '',
    `Publishes               ${f.publishes.publishes} (${Object.entries(f.publishes.byKind)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}), ${f.publishes.syncs} Bluestone syncs`,
    `Webhooks                ${f.webhooks.deliveries ?? '?'} sent, ${f.webhooks.givenUp} given up${
      f.webhooks.givenUp
        ? ` (${Object.entries(f.webhooks.givenUpReasons)
            .map(([r, n]) => `${n}× ${r}`)
            .join('; ')})`
        : ''
    }`,
    `Full sync               ${f.syncs.fullSync}`,
    `Incremental syncs       ${Object.entries(f.syncs.incremental)
      .map(([s, n]) => `${n} ${s}`)
      .join(
        ', ',
      )}${f.syncs.coordinator ? `; coordinator: ${f.syncs.coordinator.applied} applied, ${f.syncs.coordinator.skipped} skipped, ${f.syncs.coordinator.failed} failed, ${f.syncs.coordinator.duplicates} duplicates` : ''}`,
    `Quiet at the end        ${f.quiet.reached ? 'yes' : `NO: ${f.quiet.busy.join('; ')}`}`,
    `Entities compared       ${comparison.compared} (${comparison.ignoredMedia} media of unpublished or archived products left out: MEDIA_DELETE=false keeps them)`,
    `Entities differing      ${comparison.differing.length}`,
    ...comparison.differing
      .slice(0, 20)
      .map(
        (d) =>
          `  ${d.source} ${d.key}:\n    ${d.problems.slice(0, 6).join('\n    ')}${d.problems.length > 6 ? `\n    … ${d.problems.length - 6} more` : ''}` +
          (d.timeline?.length ? `\n    timeline:\n      ${d.timeline.slice(-12).join('\n      ')}` : ''),
      ),
    ...(comparison.differing.length > 20
      ? [`  … and ${comparison.differing.length - 20} more entities`]
      : []),
    `Duration                chaos ${f.durationSeconds.chaos} s, settling ${f.durationSeconds.settle} s, total ${f.durationSeconds.total} s`,
    `Result                  ${f.passed ? 'PASS' : 'FAIL'}`,
  ];
  say(lines.join('\n'));
}

function between(random: () => number, range: { min: number; max: number }): number {
  return range.min + random() * (range.max - range.min);
}

function pickWeighted<T>(random: () => number, weights: [T, number][]): T {
  let at = random() * weights.reduce((n, [, w]) => n + w, 0);
  for (const [item, weight] of weights) {
    at -= weight;
    if (at < 0) return item;
  }
  return weights[0][0];
}

function countBy(items: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

// ---- entry ---------------------------------------------------------------------------------

runUntilDone(main, 'the soak');
