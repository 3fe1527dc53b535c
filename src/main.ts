/**
 * `npm start` (worker + gateway + embedded Temporal server when TEMPORAL_ADDRESS is unset),
 * `npm run worker`, `npm run gateway`. Runs until Ctrl-C / SIGTERM (or until the worker stops),
 * then stops the service in its one sequence (src/service.ts).
 */
import { ConfigError, loadConfig, loadDotEnv, secretsOf } from './config';
import { createLogger, type Logger } from './logger';
import { startService, type Roles, type RunningService } from './service';
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
  const service = await startService(config, role, { logger });
  logger.info('Shutting down', { reason: await untilShutdown(logger, service) });
  await service.stop();
  logger.info('Stopped');
}

async function untilShutdown(
  logger: Logger,
  service: RunningService,
): Promise<NodeJS.Signals | 'worker-stopped'> {
  return new Promise((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
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
