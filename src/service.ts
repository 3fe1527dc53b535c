/**
 * The one composition root: the Temporal runtime and connections, the embedded Temporal server,
 * the database (DATABASE_URL or the embedded PostgreSQL) and its record, the refresh schedule, the
 * worker and the gateway, started in that order and stopped in one sequence. `npm start` and its
 * `worker` and `gateway` roles, the demo, the benchmarks and the integration tests all start the
 * service here.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection, type ConnectionLike } from '@temporalio/client';
import { msToNumber, type Duration } from '@temporalio/common/lib/time';
import { NativeConnection, type Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { createApp } from './api/app';
import { BluestoneClient } from './bluestone/client';
import { secretsOf, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { OcctooClient } from './occtoo/client';
import type { PushTuning } from './pipeline/page-processor';
import { DatabaseUnreachable, openDatabase, prepareDatabase, type Database } from './state/database';
import { PostgresRecord } from './state/postgres-record';
import type { SyncRecord } from './state/record';
import { activityAwareLogger, recordRetry } from './telemetry';
import { startTracing, type Tracing, type TracingOptions } from './tracing';
import { freePort } from './ports';
import { startDevServer, type DevServer } from './worker/dev-server';
import { readinessOf, startWorkerEndpoint } from './worker/endpoint';
import { ensureRefreshSchedule } from './worker/schedules';
import { requireTemporalCli } from './worker/temporal-cli';
import { gatewayConnection, temporalConnectionOptions } from './worker/temporal-connection';
import { createSyncWorker, installRuntime, type WorkerOverrides } from './worker/worker';

/**
 * How long stop() may take beyond the worker's grace time (SHUTDOWN_GRACE_SECONDS): activities
 * that ignore their cancellation (WORKER_CANCEL_ALLOWANCE_MS), then the gateway, the connections
 * and the embedded servers (each forced after SERVER_STOP_GRACE_MS). `npm start` exits by then.
 */
export const STOP_ALLOWANCE_SECONDS = 15;
const WORKER_CANCEL_ALLOWANCE_MS = 3_000;

/** `all`: worker and gateway (with the embedded Temporal server when TEMPORAL_ADDRESS is unset). */
export type Roles = 'all' | 'worker' | 'gateway';

export interface ServiceOptions {
  /** Defaults to one from the config's LOG_LEVEL, LOG_FORMAT and secrets. */
  logger?: Logger;
  /** Connections the caller owns (tests: the run's dev server): used as they are, never closed. */
  temporal?: { connection: NativeConnection; client: Client };
  /** A prebuilt workflow bundle (tests bundle once per file); defaults to bundling src/workflows. */
  workflowBundle?: WorkflowBundleOption;
  /** Media concurrency and polling (the demo and tests poll the quick simulator more often). */
  tuning?: PushTuning;
  worker?: WorkerOverrides;
  /** Where the gateway listens: every interface on PORT by default; port 0 takes a free one. */
  gateway?: { host?: string; port?: number };
  /** Where traces go instead of OTEL_EXPORTER_OTLP_ENDPOINT (tests: an in-memory exporter). */
  tracing?: TracingOptions;
}

export interface RunningGateway {
  url: string;
  webhookUrl: string;
  port: number;
  server: Server;
}

export interface RunningService {
  /** The service's Temporal client (the gateway's, for the gateway role alone). */
  temporal: Client;
  worker?: Worker;
  gateway?: RunningGateway;
  devServer?: DevServer;
  /** The database (its pool), closed by stop() after the worker drained. */
  database?: Database;
  /** The worker's record of what was sent, scoped to its task queue. */
  record?: SyncRecord;
  /**
   * Settles when the worker stops, whether by stop() or on its own; rejects with its failure.
   * Without a worker, resolves when stop() is called.
   */
  done: Promise<void>;
  /**
   * Worker first (in-flight activities get SHUTDOWN_GRACE_SECONDS), gateway, connections, the
   * database, the embedded servers.
   */
  stop(): Promise<void>;
}

export async function startService(
  config: Config,
  roles: Roles,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const logger =
    options.logger ??
    createLogger({ level: config.log.level, format: config.log.format, secrets: secretsOf(config) });
  const runsWorker = roles !== 'gateway';
  // The worker's endpoint (/metrics, /healthz, /readyz on WORKER_METRICS_ADDRESS) relays the
  // metrics the SDK exports on a loopback port of this process.
  const endpointAddress = runsWorker ? config.temporal.metricsAddress : undefined;
  // The worker's native runtime (the gateway's connection is plain gRPC and needs none).
  const coreMetricsUrl = runsWorker
    ? installRuntime(logger, endpointAddress ? `127.0.0.1:${await freePort()}` : undefined)
    : undefined;

  // Closed in reverse order by stop(), after the worker drained.
  const closers: { what: string; close: () => Promise<void> }[] = [];
  let worker: Worker | undefined;
  let workerDone: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  // From the first stop() on, the worker's /readyz says "draining".
  let stopping = false;
  let markStopped: () => void = () => undefined;
  const stopCalled = new Promise<void>((resolve) => (markStopped = resolve));

  // In-flight activities get the grace time; one that ignores its cancellation after that does
  // not hold up the rest of the sequence for longer than WORKER_CANCEL_ALLOWANCE_MS.
  const workerGraceMs = msOf(options.worker?.shutdownGraceTime, config.temporal.shutdownGraceSeconds * 1000);
  const stop = () => {
    stopped ??= (async () => {
      markStopped();
      stopping = true;
      if (worker && workerDone) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        const drained = await within(workerGraceMs + WORKER_CANCEL_ALLOWANCE_MS, workerDone);
        if (!drained) {
          logger.warn('Activities did not stop after their cancellation: stopping without them', {
            graceSeconds: workerGraceMs / 1000,
          });
        }
      }
      for (const { what, close } of closers.reverse()) {
        await close().catch((err) => logger.warn('Shutdown step failed', { step: what, error: String(err) }));
      }
    })();
    return stopped;
  };

  try {
    // First, so that it closes last: the worker's and the gateway's last spans are exported.
    const tracing = startTracing(config.tracing, options.tracing);
    if (tracing) closers.push({ what: 'tracing', close: () => tracing.shutdown() });
    const clientOf = (connection: ConnectionLike) =>
      serviceClient(connection, config.temporal.namespace, tracing);
    // A caller's client as it is; with tracing, a client of the service's over its connection.
    const given = options.temporal && {
      client: tracing ? clientOf(options.temporal.client.connection) : options.temporal.client,
    };

    // Not when this process's runtime was installed before without an exporter (tests running
    // several services in one process): nothing to relay, and no fixed port to contend for.
    if (endpointAddress && coreMetricsUrl) {
      // First, so that it answers ("starting") while the rest starts, and closes last.
      const endpoint = await startWorkerEndpoint({
        address: endpointAddress,
        coreMetricsUrl,
        readiness: () => readinessOf(worker?.getState(), stopping),
        describe: () => ({ taskQueue: config.temporal.taskQueue, identity: worker?.options.identity }),
        logger,
      });
      closers.push({ what: 'the worker endpoint', close: () => endpoint.close() });
    }
    let devServer: DevServer | undefined;
    let address = config.temporal.address;
    if (!address && roles === 'all' && !options.temporal) {
      devServer = await startDevServer({
        cliPath: requireTemporalCli(),
        port: config.temporal.devPort,
        uiPort: config.temporal.uiPort,
        namespace: config.temporal.namespace,
        dataDir: config.temporal.dataDir,
        logger,
      });
      closers.push({ what: 'the embedded Temporal server', close: () => devServer!.stop() });
      address = devServer.address;
    }
    // A separate worker or gateway without TEMPORAL_ADDRESS joins the embedded server of `npm start`.
    address ??= `127.0.0.1:${config.temporal.devPort}`;

    // The same for the database: `npm start` runs an embedded PostgreSQL when DATABASE_URL is unset.
    let database: Database | undefined;
    let databaseProblem: DatabaseUnreachable | undefined;
    try {
      database = await openDatabase({
        url: config.database.url,
        dataDir: config.temporal.dataDir,
        embedded: roles === 'all' ? 'start' : 'join',
        logger,
      });
      const opened = database;
      closers.push({ what: 'the database', close: () => opened.close() });
    } catch (err) {
      // A gateway alone still starts, and its /health says what to fix.
      if (runsWorker || !(err instanceof DatabaseUnreachable)) throw err;
      databaseProblem = err;
    }
    const connect = temporalConnectionOptions(config, address);

    let temporal: Client | undefined = given?.client;
    let record: SyncRecord | undefined;
    if (runsWorker) {
      let connection = options.temporal?.connection;
      if (!connection) {
        const native = await NativeConnection.connect(connect);
        closers.push({ what: 'the worker connection', close: () => native.close() });
        // Activities that talk to Temporal (the refresh) and the schedule use a client connection.
        const clientConnection = await Connection.connect(connect);
        closers.push({ what: 'the client connection', close: () => clientConnection.close() });
        connection = native;
        temporal = clientOf(clientConnection);
      }
      // An unreachable database stops start-up here, with one line naming DATABASE_URL.
      await prepareDatabase(database!, logger);
      record = new PostgresRecord(database!.pool, config.temporal.taskQueue);
      await ensureRefreshSchedule(temporal!, config, logger);
      const running = await createSyncWorker({
        connection,
        config,
        workflowBundle: options.workflowBundle,
        overrides: options.worker,
        tracing,
        activities: createActivities({
          config,
          logger,
          temporal,
          tuning: options.tuning,
          record,
          ...createClients(config, logger),
        }),
      });
      worker = running;
      workerDone = running.run();
      // Never an unhandled rejection: callers read the failure from `done`.
      workerDone.catch(() => undefined);
      logger.info('Worker polling', {
        address,
        taskQueue: config.temporal.taskQueue,
        environment: config.temporal.environment,
        metrics: endpointAddress && coreMetricsUrl ? `http://${endpointAddress}/metrics` : 'off',
      });
    }

    let gateway: RunningGateway | undefined;
    if (roles !== 'worker') {
      let gatewayClient = given?.client;
      if (!gatewayClient) {
        const connection = gatewayConnection(connect);
        closers.push({ what: 'the gateway connection', close: () => connection.close() });
        gatewayClient = clientOf(connection);
      }
      temporal ??= gatewayClient;
      const host = options.gateway?.host;
      const server = await listen(
        createApp({
          temporal: gatewayClient,
          config,
          logger,
          database: { check: () => database?.check() ?? Promise.reject(databaseProblem) },
        }),
        options.gateway?.port ?? config.gateway.port,
        host,
      );
      closers.push({ what: 'the gateway', close: () => closeServer(server) });
      const port = (server.address() as AddressInfo).port;
      const url = `http://${host ?? 'localhost'}:${port}`;
      gateway = { url, webhookUrl: `${url}/webhooks/bluestone`, port, server };
      logger.info('Gateway listening', { url });
    }
    if (devServer) logger.info('Temporal Web UI', { url: devServer.uiUrl });

    return {
      temporal: temporal!,
      worker,
      gateway,
      devServer,
      database,
      record,
      done: workerDone ?? stopCalled,
      stop,
    };
  } catch (err) {
    // What started before the failure stops again: no worker, port or server is left behind.
    await stop();
    throw err;
  }
}

/** The service's Temporal client: with tracing, each call a span whose context travels in its headers. */
function serviceClient(connection: ConnectionLike, namespace: string, tracing: Tracing | undefined): Client {
  return new Client({
    connection,
    namespace,
    ...(tracing ? { interceptors: { workflow: tracing.clientInterceptors } } : {}),
  });
}

/** The API clients a worker uses, built from configuration. */
export function createClients(
  config: Config,
  baseLogger: Logger,
): Pick<ActivityDeps, 'bluestone' | 'occtoo'> {
  // Retries happen inside activities: their log lines name the workflow too.
  const logger = activityAwareLogger(baseLogger);
  return {
    bluestone: new BluestoneClient({
      baseUrl: config.bluestone.apiUrl,
      apiKey: config.bluestone.apiKey,
      onRetry: (e) => {
        recordRetry('bluestone', e.reason);
        logger.warn('Retrying Bluestone call', { ...e });
      },
    }),
    occtoo: new OcctooClient({
      baseUrl: config.occtoo.ingestUrl,
      dataProviderId: config.occtoo.dataProviderId,
      dataProviderSecret: config.occtoo.dataProviderSecret,
      maxBatchEntities: config.occtoo.batchSize,
      onRetry: (e) => {
        recordRetry('occtoo', e.reason);
        logger.warn('Retrying Occtoo call', { ...e });
      },
    }),
  };
}

/** A duration option (ms number or a string like '5s') in ms, or `fallback` when unset. */
function msOf(value: Duration | undefined, fallback: number): number {
  return value === undefined ? fallback : msToNumber(value);
}

/** True when `promise` settled within `ms` (either way), false when it was still pending. */
async function within(ms: number, promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The gateway's one `listen`. */
function listen(app: ReturnType<typeof createApp>, port: number, host: string | undefined): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = host === undefined ? app.listen(port) : app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`Port ${port} is already in use: choose another with PORT=...`)
          : err,
      ),
    );
  });
}

/** Stops accepting, and ends idle keep-alive connections, which would otherwise hold it open. */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
