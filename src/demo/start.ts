import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { formatCount } from '../cli/format';
import { loadConfig, type Config } from '../config';
import { DEFAULT_PUSH_TUNING, type PushTuning } from '../pipeline/page-processor';
import { startService, type RunningService } from '../service';
import { startSimulators, type Simulators } from '../sim/main';
import { requireTemporalCli } from '../worker/temporal-cli';
import type { DemoArgs } from './args';
import { claimDemoDataDir } from './data-dir';
import { pickPorts, type PickedPort } from './ports';

/**
 * The demo's bring-up: its ports, both simulators with a generated catalog, and the service
 * (embedded Temporal server, worker, gateway on 127.0.0.1) wired to them by startService.
 */

/** Its own folder under `.data`, wiped at every start: each demo begins with an empty Temporal. */
export const DATA_DIR = path.resolve('.data', 'demo');
export const CONTEXTS = 3;

/**
 * The simulated media service turns an upload into a file in about 50 ms; polling its state
 * every 50 ms (instead of every second, which suits the real Occtoo) keeps the demo short.
 */
export const DEMO_PUSH_TUNING: PushTuning = {
  ...DEFAULT_PUSH_TUNING,
  mediaConcurrency: 16,
  mediaPollIntervalMs: 50,
};

export const say = (line = '') => process.stdout.write(`${line}\n`);
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export type DemoPorts = Record<
  'temporal' | 'ui' | 'gateway' | 'bluestone' | 'occtoo' | 'metrics',
  PickedPort
>;

/** What runs, so that any exit (done, Ctrl-C, failure) stops it in order. */
export interface DemoRunning {
  sims?: Simulators;
  service?: RunningService;
}

export interface StartedDemo {
  sims: Simulators;
  service: RunningService;
  config: Config;
  ports: DemoPorts;
  gatewayUrl: string;
  webhookUrl: string;
  startedAt: number;
}

/** Starts everything, recording each part in `running` as soon as it runs. */
export async function startDemo(args: DemoArgs, running: DemoRunning): Promise<StartedDemo> {
  const t0 = Date.now();
  // Before anything starts: a missing CLI is reported at once.
  requireTemporalCli();
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
    `Starting the embedded Temporal server and simulated Bluestone and Occtoo (${formatCount(args.products)} products, ${CONTEXTS} contexts, media)...`,
  );
  const sims = await startSimulators({
    products: args.products,
    seed: args.seed,
    contexts: CONTEXTS,
    // One image per product keeps the uploads (a few HTTP calls each, all in this process) quick.
    mediaPerProduct: 1,
    bluestonePort: ports.bluestone.port,
    occtooPort: ports.occtoo.port,
    webhookUrl,
    webhookSecret: randomBytes(18).toString('base64url'),
  });
  running.sims = sims;
  const config = demoConfig(sims, ports);
  // Local only: the demo prints its admin token and webhook secret.
  running.service = await startService(config, 'all', {
    tuning: DEMO_PUSH_TUNING,
    gateway: { host: '127.0.0.1' },
  });
  say(`Ready in ${secs(Date.now() - t0)}: Temporal Web UI ${config.temporal.uiUrl}, gateway ${gatewayUrl}`);
  return { sims, service: running.service, config, ports, gatewayUrl, webhookUrl, startedAt: t0 };
}

function demoConfig(sims: Simulators, ports: DemoPorts): Config {
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
