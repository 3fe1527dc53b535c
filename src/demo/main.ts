/**
 * `npm run demo`: the whole service on an embedded default, with no configuration. Starts the
 * embedded Temporal server, both simulators with a generated catalog, the worker and the
 * gateway wired to them; runs a setup sync and a full sync (with a live progress bar), then a
 * publish on the Bluestone simulator whose webhooks flow through the gateway; prints a summary
 * and where to look. Runs until Ctrl-C, or stops after the summary with `--exit`.
 *
 *   npm run demo                       explore afterwards; Ctrl-C stops everything
 *   npm run demo -- --exit             exit code 0 only when Occtoo equals the catalog
 *   npm run demo -- --products 5000
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createActivities, createClients } from '../activities';
import type { SetupResult } from '../shared/sync-types';
import { DEFAULT_PUSH_TUNING, type PushTuning } from '../pipeline/page-processor';
import { createApp } from '../api/app';
import { startFullSync } from '../client/syncs';
import { syncSearchAttributes } from '../client/search-attributes';
import { loadConfig, secretsOf, type Config } from '../config';
import { createLogger } from '../logger';
import { SET_ASIDE_LIST_CAP, syncCoordinatorWorkflowId, type FullSyncResult } from '../shared/sync-types';
import { startSimulators, type Simulators } from '../sim/main';
import { startDevServer, type DevServer } from '../worker/dev-server';
import { ensureRefreshSchedule } from '../worker/schedules';
import { requireTemporalCli, TemporalCliNotFound } from '../worker/temporal-cli';
import { createSyncWorker, installRuntime } from '../worker/worker';
import { commandLineOrExit } from '../command-line';
import { DEMO_USAGE, parseDemoArgs, type DemoArgs } from './args';
import { claimDemoDataDir, DemoAlreadyRunning, releaseDemoDataDir } from './data-dir';
import { pickPorts, type PickedPort } from './ports';
import { watchFullSync } from './progress';
import {
  awaitIncremental,
  compareOcctoo,
  publishOnBluestone,
  type Comparison,
  type DemoPublish,
  type IncrementalOutcome,
} from './publish';
import {
  DEMO_SOURCES,
  formatSummary,
  setAsideBySource,
  type DemoSource,
  type SourceCounts,
  type WorkflowLink,
} from './summary';

/** Its own folder under `.data`, wiped at every start: each demo begins with an empty Temporal. */
const DATA_DIR = path.resolve('.data', 'demo');
const CONTEXTS = 3;
/** How long the incremental syncs may take before the demo calls it a failure. */
const INCREMENTAL_TIMEOUT_MS = 60_000;

/**
 * The simulated media service turns an upload into a file in about 50 ms; polling its state
 * every 50 ms (instead of every second, which suits the real Occtoo) keeps the demo short.
 */
const DEMO_PUSH_TUNING: PushTuning = {
  ...DEFAULT_PUSH_TUNING,
  mediaConcurrency: 16,
  mediaPollIntervalMs: 50,
};

const say = (line = '') => process.stdout.write(`${line}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const fmt = (n: number) => n.toLocaleString('en-US');

/** What runs, so that any exit (done, Ctrl-C, failure) stops it in order. */
interface Running {
  devServer?: DevServer;
  sims?: Simulators;
  connections: (() => Promise<void>)[];
  worker?: Worker;
  workerDone?: Promise<void>;
  gateway?: Server;
}

const running: Running = { connections: [] };
let stopping: Promise<void> | undefined;

/** Worker first (in-flight activities finish), then the gateway, the simulators, the server. */
function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    const step = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (err) {
        say(`Stopping ${what} failed: ${String(err)}`);
      }
    };
    const { worker, workerDone, gateway, sims, devServer } = running;
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    if (workerDone) await step('the worker', () => workerDone);
    if (gateway) {
      await step(
        'the gateway',
        () =>
          new Promise<void>((resolve) => {
            gateway.close(() => resolve());
            gateway.closeAllConnections();
          }),
      );
    }
    // Pending webhook retries would keep the process alive: closing gives them up.
    if (sims) await step('the simulators', () => sims.close());
    for (const close of running.connections.reverse()) await step('a Temporal connection', close);
    if (devServer) await step('the embedded Temporal server', () => devServer.stop());
    releaseDemoDataDir(DATA_DIR);
  })();
  return stopping;
}

function listen(server: ReturnType<typeof createApp>, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Local only: the demo prints its admin token and webhook secret.
    const http = server.listen(port, '127.0.0.1');
    http.once('listening', () => resolve(http));
    http.once('error', reject);
  });
}

function demoConfig(
  sims: Simulators,
  ports: Record<'temporal' | 'ui' | 'gateway' | 'metrics', PickedPort>,
): Config {
  // Built from scratch, never from process.env or .env: a developer's real credentials stay out.
  return loadConfig({
    ...sims.env,
    // Upload media to Occtoo's media service: the demo then shows uploads, files and their URLs.
    HANDLE_MEDIA: 'occtoo',
    OCCTOO_SETUP_SOURCE: 'bluestoneSetup',
    ADMIN_TOKEN: randomBytes(18).toString('base64url'),
    // No lookback refresh: every workflow in the UI is one the demo started (or a webhook did).
    REFRESH_SCHEDULE: 'off',
    PORT: String(ports.gateway.port),
    TEMPORAL_DEV_PORT: String(ports.temporal.port),
    TEMPORAL_UI_PORT: String(ports.ui.port),
    DATA_DIR,
    WORKER_METRICS_ADDRESS: `127.0.0.1:${ports.metrics.port}`,
    // The demo's own output is the progress bar and the summary; the service logs warnings only.
    LOG_LEVEL: 'WARN',
    SHUTDOWN_GRACE_SECONDS: '5',
  });
}

function describeSetup(result: SetupResult): string {
  const contexts = result.contexts
    .map(
      (c) =>
        `${c.context}${c.contextName ? ` (${c.contextName})` : ''}${c.configured ? '' : ' [not synced]'}`,
    )
    .join(', ');
  const pushed = result.setupSource
    ? `; ${fmt(result.pushed)} definitions pushed to ${result.setupSource}`
    : '';
  return `contexts ${contexts}; ${fmt(result.attributes)} attributes, ${fmt(result.relations)} relations${pushed}`;
}

function describeCounts(sims: Simulators, config: Config): string {
  const count = (source: string) => fmt(sims.occtoo.entities(source).size);
  return (
    `Occtoo holds ${count(config.occtoo.productsSource)} products, ${count(config.occtoo.categoriesSource)} categories, ` +
    `${count(config.occtoo.mediaSource)} media, ${fmt(sims.occtoo.mediaFiles().length)} media files`
  );
}

async function closeTimeOf(client: Client, workflowId: string): Promise<number | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  return description.closeTime?.getTime();
}

async function run(args: DemoArgs): Promise<number> {
  const t0 = Date.now();
  const cliPath = requireTemporalCli();
  claimDemoDataDir(DATA_DIR);
  const ports = await pickPorts(
    { temporal: 7233, ui: 8233, gateway: 3000, bluestone: 4010, occtoo: 4020, metrics: 9464 },
    {
      temporal: 'Temporal',
      ui: 'Temporal UI',
      bluestone: 'Bluestone simulator',
      occtoo: 'Occtoo simulator',
      metrics: 'worker metrics',
    },
  );
  const moved = Object.values(ports).filter((p) => p.moved);
  if (moved.length > 0) {
    say(
      `Some usual ports are in use (perhaps \`npm start\` or \`npm run sim\` is running), so the demo takes others: ` +
        moved.map((p) => `${p.name} ${p.preferred} → ${p.port}`).join(', '),
    );
  }
  const gatewayUrl = `http://127.0.0.1:${ports.gateway.port}`;
  const webhookUrl = `${gatewayUrl}/webhooks/bluestone`;

  say(
    `Starting the embedded Temporal server and simulated Bluestone and Occtoo (${fmt(args.products)} products, ${CONTEXTS} contexts, media)...`,
  );
  // A quiet logger until the configuration exists (the server start-up logs one line at INFO).
  const bootLogger = createLogger({ level: 'WARN' });
  const [devServer, sims] = await Promise.allSettled([
    startDevServer({
      cliPath,
      port: ports.temporal.port,
      uiPort: ports.ui.port,
      namespace: 'default',
      dataDir: DATA_DIR,
      logger: bootLogger,
    }),
    startSimulators({
      products: args.products,
      seed: args.seed,
      contexts: CONTEXTS,
      // One image per product keeps the uploads (a few HTTP calls each, all in this process) quick.
      mediaPerProduct: 1,
      bluestonePort: ports.bluestone.port,
      occtooPort: ports.occtoo.port,
      webhookUrl,
      webhookSecret: randomBytes(18).toString('base64url'),
    }),
  ]);
  if (devServer.status === 'fulfilled') running.devServer = devServer.value;
  if (sims.status === 'fulfilled') running.sims = sims.value;
  if (devServer.status === 'rejected') throw devServer.reason;
  if (sims.status === 'rejected') throw sims.reason;
  const { catalog } = sims.value;

  const config = demoConfig(sims.value, ports);
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    secrets: secretsOf(config),
  });
  installRuntime(logger, config.temporal.metricsAddress);
  const address = devServer.value.address;

  const connection = await NativeConnection.connect({ address });
  running.connections.push(() => connection.close());
  const clientConnection = await Connection.connect({ address });
  running.connections.push(() => clientConnection.close());
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  await ensureRefreshSchedule(client, config, logger);
  const worker = await createSyncWorker({
    connection,
    config,
    activities: createActivities({
      config,
      logger,
      temporal: client,
      tuning: DEMO_PUSH_TUNING,
      ...createClients(config, logger),
    }),
  });
  running.worker = worker;
  running.workerDone = worker.run();
  const workerFailed = running.workerDone.then(
    () => new Error('The worker stopped unexpectedly.'),
    (err: unknown) => new Error(`The worker failed: ${err instanceof Error ? err.message : String(err)}`),
  );
  // Lazy, as in `npm start`: the gateway answers 503 rather than failing while Temporal is away.
  const gatewayConnection = Connection.lazy({ address });
  running.connections.push(() => gatewayConnection.close());
  running.gateway = await listen(
    createApp({
      temporal: new Client({ connection: gatewayConnection, namespace: config.temporal.namespace }),
      config,
      logger,
    }),
    ports.gateway.port,
  );
  say(`Ready in ${secs(Date.now() - t0)}: Temporal Web UI ${config.temporal.uiUrl}, gateway ${gatewayUrl}`);

  /** A step of the demo, or the worker's failure, whichever comes first. */
  const step = <T>(promise: Promise<T>): Promise<T> =>
    Promise.race([promise, workerFailed.then((err) => Promise.reject(err))]);
  const taskQueue = config.temporal.taskQueue;
  const links: WorkflowLink[] = [];

  // 1. Setup data: contexts checked against Bluestone, attribute and relation definitions pushed.
  let t = Date.now();
  const setupId = `${taskQueue}/setup-sync`;
  const setupHandle = await client.workflow.start('setupSync', {
    taskQueue,
    workflowId: setupId,
    typedSearchAttributes: syncSearchAttributes('setup', config),
  });
  const setup = (await step(setupHandle.result())) as SetupResult;
  links.push({ label: 'setup sync', workflowId: setupId, runId: setupHandle.firstExecutionRunId });
  say(`\nSetup sync done in ${secs(Date.now() - t)}: ${describeSetup(setup)}`);

  // 2. The full sync, with its progress.
  t = Date.now();
  // Two pages per chunk: the progress moves every 200 products instead of every 2,000.
  const full = await startFullSync(client, config, { options: { pagesPerChunk: 2 } });
  links.push({ label: 'full sync', workflowId: full.workflowId, runId: full.runId });
  const contexts = sims.value.contexts.map((c) => c.context);
  say(`\nFull sync started: ${full.uiUrl}`);
  say(`(counts cover every context: ${contexts.join(', ')}; media are uploaded in the default context)`);
  const fullResult: FullSyncResult = await step(
    watchFullSync(client, full.workflowId, {
      totals: {
        products: contexts.reduce((n, c) => n + catalog.productsIn(c).length, 0),
        categories: contexts.reduce((n, c) => n + catalog.categoriesIn(c).length, 0),
      },
      tty: process.stdout.isTTY === true,
      write: (text) => process.stdout.write(text),
    }),
  );
  say(
    `Full sync done in ${secs(Date.now() - t)} (${fullResult.progress.runs + 1} run${fullResult.progress.runs ? 's' : ''}): ` +
      describeCounts(sims.value, config),
  );

  // 3. A publish in Bluestone; its webhooks go through the gateway to the incremental syncs.
  const publish: DemoPublish = publishOnBluestone(sims.value, config);
  say(
    `\nPublished on Bluestone: ${publish.changed.length} products and ${publish.categoriesChanged.length} category changed ` +
      `in ${publish.contexts.join(' and ')}, ${publish.added.length} products added, ${publish.archived.length} archived; ` +
      `webhooks to ${webhookUrl}`,
  );
  let incremental: IncrementalOutcome | undefined;
  let incrementalProblem: string | undefined;
  let latency: { publishToOcctooMs: number; webhooksAnsweredMs: number; syncs: number } | undefined;
  const deliveries = await step(publish.deliveries);
  const webhooksAnsweredMs = Date.now() - publish.startedAt;
  const undelivered = deliveries.filter((d) => d.outcome !== 'delivered');
  let final: Comparison;
  if (undelivered.length > 0) {
    incrementalProblem = `${undelivered.length} webhook(s) not delivered: ${undelivered.map((d) => d.reason).join('; ')}`;
    final = compareOcctoo(sims.value, config, publish.keptMedia);
  } else {
    const deadline = publish.startedAt + INCREMENTAL_TIMEOUT_MS;
    try {
      incremental = await step(awaitIncremental(client, config, publish, deadline));
      // Occtoo holds the publish once the last of these workflows closed.
      const closed = await Promise.all(
        [...incremental.syncs.map((s) => s.workflowId), incremental.archive.workflowId].map((id) =>
          closeTimeOf(client, id),
        ),
      );
      final = compareOcctoo(sims.value, config, publish.keptMedia);
      const lastClosed = Math.max(...closed.map((c) => c ?? Date.now()));
      latency = {
        publishToOcctooMs: lastClosed - publish.startedAt,
        webhooksAnsweredMs,
        syncs: incremental.syncs.length,
      };
      say(`Incremental syncs and the archive done ${secs(latency.publishToOcctooMs)} after the publish.`);
    } catch (err) {
      incrementalProblem = err instanceof Error ? err.message : String(err);
      final = compareOcctoo(sims.value, config, publish.keptMedia);
    }
  }

  // 4. The summary.
  const equal = final.differences.length === 0 && !incrementalProblem;
  const lists = [fullResult.progress.setAside, ...(incremental?.syncs.map((s) => s.result.setAside) ?? [])];
  const setAside = setAsideBySource(lists);
  const counts = Object.fromEntries(
    DEMO_SOURCES.map((source) => [
      source,
      { expected: final.expected[source].size, inOcctoo: final.inOcctoo[source], setAside: setAside[source] },
    ]),
  ) as Record<DemoSource, SourceCounts>;
  for (const s of incremental?.syncs ?? []) {
    const r = s.result;
    links.push({
      label: `incremental ${s.info.contextId} (${s.publish})`,
      workflowId: s.workflowId,
      note:
        r.status === 'applied'
          ? `applied: products ${r.products.read} read, ${r.products.sent} sent; categories ${r.categories.read} read, ${r.categories.sent} sent`
          : `skipped: ${r.reason ?? ''}`,
    });
  }
  links.push({ label: 'coordinator', workflowId: syncCoordinatorWorkflowId(taskQueue) });
  links.push({
    label: 'archive',
    workflowId: publish.archiveWorkflowId,
    note: incremental
      ? `${incremental.archive.result.deleted.length} products deleted from Occtoo, ${incremental.archive.result.mediaDeleted.length} media deleted`
      : undefined,
  });
  say(
    formatSummary({
      config,
      sims: sims.value,
      counts,
      setAsideComplete: lists.every((l) => l.length < SET_ASIDE_LIST_CAP),
      ignoredMedia: final.ignoredMedia,
      archivedCount: publish.archived.length,
      equal,
      differences: final.differences,
      latency,
      incrementalProblem,
      workflows: links,
      temporalUiUrl: config.temporal.uiUrl,
      gatewayUrl,
      webhookUrl,
      workerMetricsUrl: `http://${config.temporal.metricsAddress}/metrics`,
      ports: Object.values(ports),
      dataDir: path.relative(process.cwd(), DATA_DIR) || DATA_DIR,
      settings: [
        `HANDLE_MEDIA=${config.mapping.handleMedia} (media state polled every ${DEMO_PUSH_TUNING.mediaPollIntervalMs} ms: the simulator is quick)`,
        `REFRESH_SCHEDULE=${config.sync.refreshSchedule}`,
        `MEDIA_DELETE=${config.sync.mediaDelete ? 'on' : 'off'}`,
      ],
      exitAfter: args.exit,
      totalMs: Date.now() - t0,
    }),
  );
  return equal ? 0 : 1;
}

async function main(): Promise<void> {
  const args = commandLineOrExit(parseDemoArgs, DEMO_USAGE);

  // Ctrl-C at any moment stops everything in order; a second one (a while later) does not wait.
  // One Ctrl-C may arrive more than once: from the terminal, and relayed by npm and tsx.
  let exitCode = 130;
  let firstSignalAt = 0;
  let done: ((code: number) => void) | undefined;
  const finished = new Promise<number>((resolve) => (done = resolve));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        if (Date.now() - firstSignalAt < 2000) return;
        say(`\n${signal} again: exiting without waiting.`);
        process.exit(exitCode);
      }
      firstSignalAt = Date.now();
      say(`\n${signal}: stopping the worker, the gateway, the simulators and the Temporal server...`);
      void stopEverything().then(() => done?.(exitCode));
    });
  }

  try {
    exitCode = await run(args);
  } catch (err) {
    if (!stopping) {
      console.error(err instanceof Error ? err.message : String(err));
      exitCode =
        err instanceof TemporalCliNotFound || (err as Error).name === 'DevServerError'
          ? 3
          : err instanceof DemoAlreadyRunning
            ? 2
            : 1;
    }
    await stopEverything();
    process.exit(exitCode);
  }
  if (args.exit) {
    await stopEverything();
  } else {
    // Until Ctrl-C; a worker that stops on its own ends the demo too (as in `npm start`).
    running.workerDone?.then(
      () => undefined,
      (err: unknown) => {
        if (stopping) return;
        console.error(`The worker failed: ${err instanceof Error ? err.message : String(err)}`);
        exitCode = 1;
        void stopEverything().then(() => done?.(exitCode));
      },
    );
    await finished;
  }
  say('Stopped.');
  process.exit(exitCode);
}

void main();
