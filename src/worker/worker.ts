import {
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import type { Activities } from '../activities';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { prepareWorkflowBundle } from './workflow-bundle';

let runtimeInstalled = false;

/**
 * Installs the Temporal runtime once per process, with our logger. Signals are left to our
 * own shutdown sequence (worker first, then the gateway, then the embedded server).
 */
export function installRuntime(logger: Logger, metricsAddress?: string): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger,
    shutdownSignals: [],
    // Temporal's own worker metrics and the sync's (src/telemetry.ts), for Prometheus.
    ...(metricsAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } }
      : {}),
  });
  runtimeInstalled = true;
}

export interface SyncWorkerOptions {
  connection: NativeConnection;
  config: Config;
  activities: Activities;
  /** Prebuilt bundle (tests bundle once per file); defaults to bundling src/workflows. */
  workflowBundle?: WorkflowBundleOption;
  taskQueue?: string;
  overrides?: WorkerOverrides;
}

/** What tests change: e.g. no shutdown grace, so a test's worker stops at once between tests. */
export type WorkerOverrides = Partial<Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime'>>;

export async function createSyncWorker(options: SyncWorkerOptions): Promise<Worker> {
  const { config } = options;
  const bundle = options.workflowBundle ? undefined : await prepareWorkflowBundle();
  try {
    return await createWorker(options, config, options.workflowBundle ?? { codePath: bundle!.codePath });
  } finally {
    // The worker has read the bundle by now.
    bundle?.cleanup();
  }
}

function createWorker(options: SyncWorkerOptions, config: Config, workflowBundle: WorkflowBundleOption) {
  return Worker.create({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue: options.taskQueue ?? config.temporal.taskQueue,
    activities: options.activities,
    workflowBundle,
    // In-flight activities get this long to finish on SIGTERM; the default (0) cancels them at once.
    shutdownGraceTime: `${config.temporal.shutdownGraceSeconds}s`,
    shutdownForceTime: `${config.temporal.shutdownGraceSeconds + 15}s`,
    // Sync chunks heartbeat a checkpoint after every pushed page; sending it promptly (instead of
    // once per 80% of the heartbeat timeout) is what lets a retry resume at the last page. Beats
    // come about once a page, so a short window costs few calls.
    maxHeartbeatThrottleInterval: '100ms',
    ...options.overrides,
  });
}
