/**
 * The soak's gateway process: `src/main.ts gateway` as the soak needs it — the same composition
 * root (startService, gateway role), but listening on 127.0.0.1 only (the soak stays on loopback;
 * `npm run gateway` listens on every interface). Configured through the environment; stops on
 * SIGINT/SIGTERM, and is killed with SIGKILL by the soak too.
 *
 *   tsx bench/lib/soak-gateway.ts
 */
import { loadConfig, secretsOf } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startService } from '../../src/service';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, format: 'json', secrets: secretsOf(config) });
  const service = await startService(config, 'gateway', { logger, gateway: { host: '127.0.0.1' } });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
  });
  logger.info('Shutting down', { reason: signal });
  await service.stop();
  logger.info('Stopped');
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
