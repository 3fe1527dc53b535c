/**
 * The service as the integration tests run it: startService over the run's dev server, on the
 * configuration's (unique) task queue and a fresh database of the run's PostgreSQL; and the usual
 * fixture of both simulators plus the service.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { PushTuning } from '../../src/pipeline/page-processor';
import {
  startService,
  type Roles,
  type RunningGateway,
  type RunningService,
  type ServiceOptions,
} from '../../src/service';
import { testConfig } from './config';
import { freshTestDatabase } from './database';
import { startSims, type Sims } from './sims';
import { uniqueTaskQueue } from './temporal';

export interface TestServiceOptions {
  /** `worker` unless a test needs the gateway too. */
  roles?: Roles;
  tuning?: PushTuning;
  /** Traces to an exporter of the test's (an in-memory one). */
  tracing?: ServiceOptions['tracing'];
}

/**
 * startService with the run's connections and workflow bundle; the gateway on a free loopback port.
 * A config without a database of its own gets a fresh one; pass one that has (a fixture's config)
 * to share its record, as several workers of one deployment do.
 */
export async function startTestService(
  env: TestWorkflowEnvironment,
  /** Needed with a worker; a gateway alone does without. */
  workflowBundle: WorkflowBundle | undefined,
  config: Config,
  options: TestServiceOptions = {},
): Promise<RunningService> {
  // No refresh schedule: its interval fires on the clock, and would start refreshes mid-test.
  const service = { ...(await withOwnDatabase(config)), sync: { ...config.sync, refreshSchedule: 'off' } };
  return startService(service, options.roles ?? 'worker', {
    logger: createLogger({ level: 'WARN' }),
    temporal: { connection: env.nativeConnection, client: env.client },
    workflowBundle,
    tuning: options.tuning,
    tracing: options.tracing,
    // A test's worker stops at once between tests: in-flight activities are cancelled, not awaited.
    worker: { shutdownGraceTime: 0 },
    gateway: { host: '127.0.0.1', port: 0 },
  });
}

export interface SyncFixtureOptions extends TestServiceOptions {
  /** Names the task queue (`test-<name>-<uuid>`). */
  name: string;
  sims?: Parameters<typeof startSims>[0];
  /** Settings on top of the simulators' (env-style, as for testConfig); may depend on their catalog. */
  config?: Record<string, string> | ((sims: Sims) => Record<string, string>);
}

export interface SyncFixture {
  sims: Sims;
  config: Config;
  service: RunningService;
  /** Present with the gateway role. */
  gateway: RunningGateway | undefined;
  /** Stops the service (worker first), then the simulators. */
  close(): Promise<void>;
}

/** Both simulators and the service pointed at them, on a task queue of its own. */
export async function startSyncFixture(
  env: TestWorkflowEnvironment,
  workflowBundle: WorkflowBundle,
  options: SyncFixtureOptions,
): Promise<SyncFixture> {
  const sims = await startSims(options.sims);
  try {
    const config = await withOwnDatabase(
      testConfig({
        ...sims.env,
        TEMPORAL_TASK_QUEUE: uniqueTaskQueue(options.name),
        ...(typeof options.config === 'function' ? options.config(sims) : options.config),
      }),
    );
    const service = await startTestService(env, workflowBundle, config, options);
    return {
      sims,
      config,
      service,
      gateway: service.gateway,
      async close() {
        await service.stop();
        await sims.close();
      },
    };
  } catch (err) {
    await sims.close();
    throw err;
  }
}

/** The config on a fresh database, unless it names one other than the run's shared default. */
export async function withOwnDatabase(config: Config): Promise<Config> {
  const url = config.database.url;
  if (url && url !== process.env.BOS_TEST_DATABASE_URL) return config;
  return { ...config, database: { ...config.database, url: await freshTestDatabase() } };
}
