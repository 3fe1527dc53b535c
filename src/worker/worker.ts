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
import { workflowTracingSinks, type Tracing } from '../tracing';
import { prepareWorkflowBundle } from './workflow-bundle';

let runtimeInstalled = false;
let coreMetricsUrl: string | undefined;

/**
 * Installs the Temporal runtime once per process, with our logger. Signals are left to our
 * own shutdown sequence (worker first, then the gateway, then the embedded server). With
 * `metricsAddress` (a loopback host:port that the worker endpoint relays, src/worker/endpoint.ts),
 * the SDK exports Temporal's metrics and the sync's there, named the Prometheus way: counters end
 * in `_total`, durations are seconds and end in `_seconds`. Returns the exporter's URL when this
 * process's runtime has one (a runtime installed earlier without it, as in tests, has none).
 */
export function installRuntime(logger: Logger, metricsAddress?: string): string | undefined {
  if (runtimeInstalled) return coreMetricsUrl;
  Runtime.install({
    logger,
    shutdownSignals: [],
    ...(metricsAddress
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: {
                bindAddress: metricsAddress,
                countersTotalSuffix: true,
                unitSuffix: true,
                useSecondsForDurations: true,
              },
            },
          },
        }
      : {}),
  });
  runtimeInstalled = true;
  coreMetricsUrl = metricsAddress ? `http://${metricsAddress}/metrics` : undefined;
  return coreMetricsUrl;
}

export interface SyncWorkerOptions {
  connection: NativeConnection;
  config: Config;
  activities: Activities;
  /** Prebuilt bundle (tests bundle once per file); defaults to bundling src/workflows. */
  workflowBundle?: WorkflowBundleOption;
  taskQueue?: string;
  overrides?: WorkerOverrides;
  /** Traces (src/tracing.ts); without it the bundle's workflow interceptors export nowhere. */
  tracing?: Tracing;
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
    // The workflow interceptors are in every bundle (TRACING_WORKFLOW_MODULES): their sink always exists.
    interceptors: options.tracing?.workerInterceptors,
    sinks: workflowTracingSinks(options.tracing),
    ...deploymentOptions(config),
    ...options.overrides,
  });
}

/**
 * Worker Deployment Versioning, when WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID are set: this
 * worker takes only the tasks routed to its version. Workflows upgrade to the current version by
 * default; those that must finish on the code that started them say PINNED themselves
 * (setWorkflowOptions in src/workflows). Unset, the worker is unversioned, as before.
 */
export function deploymentOptions(config: Config): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  const version = config.temporal.deployment;
  if (!version) return {};
  return {
    workerDeploymentOptions: {
      useWorkerVersioning: true,
      version,
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    },
  };
}
