/**
 * `npm start` (worker + gateway + embedded Temporal server when TEMPORAL_ADDRESS is unset),
 * `npm run worker`, `npm run gateway`. Ctrl-C / SIGTERM: the worker drains first (in-flight
 * activities get SHUTDOWN_GRACE_SECONDS), then the gateway closes, then the embedded server stops.
 */
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createActivities, createClients } from './activities';
import { createApp } from './api/app';
import { ConfigError, loadConfig, loadDotEnv, secretsOf } from './config';
import { createLogger, type Logger } from './logger';
import { startDevServer, type DevServer } from './worker/dev-server';
import { requireTemporalCli, TemporalCliNotFound } from './worker/temporal-cli';
import { ensureRefreshSchedule } from './worker/schedules';
import { temporalConnectionOptions } from './worker/temporal-connection';
import { createSyncWorker, installRuntime } from './worker/worker';

type Role = 'all' | 'worker' | 'gateway';

function parseRole(arg: string | undefined): Role {
  if (arg === undefined || arg === 'all') return 'all';
  if (arg === 'worker' || arg === 'gateway') return arg;
  throw new Error(`Unknown role "${arg}": use worker, gateway, or nothing for both.`);
}

async function main(): Promise<void> {
  const role = parseRole(process.argv[2]);
  loadDotEnv();
  const config = loadConfig();
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    secrets: secretsOf(config),
  });
  installRuntime(logger, role === 'gateway' ? undefined : config.temporal.metricsAddress);

  const stack: (() => Promise<void>)[] = [];
  let devServer: DevServer | undefined;
  let address = config.temporal.address;
  if (!address && role === 'all') {
    devServer = await startDevServer({
      cliPath: requireTemporalCli(),
      port: config.temporal.devPort,
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      dataDir: config.temporal.dataDir,
      logger,
    });
    stack.push(() => devServer!.stop());
    address = devServer.address;
  }
  // A separate worker or gateway without TEMPORAL_ADDRESS joins the embedded server of `npm start`.
  address ??= `127.0.0.1:${config.temporal.devPort}`;

  let worker: Worker | undefined;
  let workerDone: Promise<void> | undefined;
  if (role !== 'gateway') {
    const connection = await NativeConnection.connect(temporalConnectionOptions(config, address));
    stack.push(() => connection.close());
    // Activities that talk to Temporal (the refresh) and the schedule use a client connection.
    const clientConnection = await Connection.connect(temporalConnectionOptions(config, address));
    stack.push(() => clientConnection.close());
    const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
    await ensureRefreshSchedule(temporal, config, logger);
    worker = await createSyncWorker({
      connection,
      config,
      activities: createActivities({ config, logger, temporal, ...createClients(config, logger) }),
    });
    workerDone = worker.run();
    logger.info('Worker polling', {
      address,
      taskQueue: config.temporal.taskQueue,
      environment: config.temporal.environment,
      metrics: config.temporal.metricsAddress ? `http://${config.temporal.metricsAddress}/metrics` : 'off',
    });
  }

  let server: Server | undefined;
  if (role !== 'worker') {
    // Lazy: the gateway starts (and answers 503) even while Temporal is unreachable.
    const connection = Connection.lazy(temporalConnectionOptions(config, address));
    const temporal = new Client({ connection, namespace: config.temporal.namespace });
    stack.push(() => connection.close());
    server = await listen(createApp({ temporal, config, logger }), config.gateway.port);
    stack.push(() => new Promise<void>((resolve) => server!.close(() => resolve())));
    logger.info('Gateway listening', { url: `http://localhost:${config.gateway.port}` });
  }
  if (devServer) logger.info('Temporal Web UI', { url: devServer.uiUrl });

  await waitForShutdown(logger, worker, workerDone);
  for (const step of stack.reverse()) {
    await step().catch((err) => logger.warn('Shutdown step failed', { error: String(err) }));
  }
  logger.info('Stopped');
}

function listen(app: ReturnType<typeof createApp>, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port);
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

async function waitForShutdown(logger: Logger, worker?: Worker, workerDone?: Promise<void>): Promise<void> {
  const signal = await new Promise<NodeJS.Signals | 'worker-stopped'>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
    workerDone?.then(
      () => resolve('worker-stopped'),
      (err) => {
        logger.error('Worker failed', { error: String(err) });
        process.exitCode = 1;
        resolve('worker-stopped');
      },
    );
  });
  logger.info('Shutting down', { reason: signal });
  if (worker && worker.getState() === 'RUNNING') {
    worker.shutdown();
    await workerDone?.catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    for (const problem of err.problems) console.error(`Configuration error: ${problem}`);
    console.error('Set these in the environment or in a .env file (see .env.example and the README).');
    process.exit(2);
  }
  if (err instanceof TemporalCliNotFound || (err instanceof Error && err.name === 'DevServerError')) {
    console.error((err as Error).message);
    process.exit(3);
  }
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
