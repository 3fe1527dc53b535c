/**
 * `npm start` (worker + gateway + embedded Temporal server when TEMPORAL_ADDRESS is unset),
 * `npm run worker`, `npm run gateway`. Runs until Ctrl-C / SIGTERM (or until the worker stops),
 * then stops the service in its one sequence (src/service.ts), within SHUTDOWN_GRACE_SECONDS +
 * STOP_ALLOWANCE_SECONDS; a second Ctrl-C stops at once.
 */
import { ConfigError, loadConfig, loadDotEnv, secretsOf } from './config';
import { createLogger, type Logger } from './logger';
import { startService, STOP_ALLOWANCE_SECONDS, type Roles, type RunningService } from './service';
import { TemporalCliNotFound } from './worker/temporal-cli';

function parseRole(arg: string | undefined): Roles {
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
  const shutdown = watchSignals(logger);
  const service = await startService(config, role, { logger });
  shutdown.started();
  logger.info('Shutting down', { reason: await untilShutdown(logger, service, shutdown.requested) });
  const deadlineSeconds = config.temporal.shutdownGraceSeconds + STOP_ALLOWANCE_SECONDS;
  const deadline = setTimeout(() => {
    logger.error('The stop sequence did not finish in time: stopping at once', { deadlineSeconds });
    process.exit(1);
  }, deadlineSeconds * 1000);
  await service.stop();
  clearTimeout(deadline);
  logger.info('Stopped');
  // Whatever an abandoned activity left (a timer, a socket) must not keep the process alive.
  process.exit();
}

/** The same Ctrl-C often arrives twice: from the terminal and relayed by npm or tsx. */
const REPEATED_SIGNAL_MS = 1_000;

/**
 * Ctrl-C and SIGTERM for the whole life of the process. During start-up they stop at once
 * (nothing to drain yet); once started, the first asks for the stop sequence, and one that comes
 * again after REPEATED_SIGNAL_MS stops at once. Stopping at once is process.exit, which takes the
 * embedded servers with it (src/server-process.ts).
 */
function watchSignals(logger: Logger): { requested: Promise<NodeJS.Signals>; started(): void } {
  let running = false;
  let first: number | undefined;
  let request: (signal: NodeJS.Signals) => void = () => undefined;
  const requested = new Promise<NodeJS.Signals>((resolve) => (request = resolve));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!running) {
        logger.warn('Stopped during start-up', { signal });
        process.exit(130);
      }
      if (first === undefined) {
        first = Date.now();
        request(signal);
      } else if (Date.now() - first >= REPEATED_SIGNAL_MS) {
        logger.warn('Stopping at once', { signal });
        process.exit(130);
      }
    });
  }
  return { requested, started: () => (running = true) };
}

async function untilShutdown(
  logger: Logger,
  service: RunningService,
  signalled: Promise<NodeJS.Signals>,
): Promise<NodeJS.Signals | 'worker-stopped'> {
  return new Promise((resolve) => {
    void signalled.then(resolve);
    service.done.then(
      () => resolve('worker-stopped'),
      (err) => {
        logger.error('Worker failed', { error: String(err) });
        process.exitCode = 1;
        resolve('worker-stopped');
      },
    );
  });
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
