import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, createClients } from '../../src/activities';
import type { PushTuning } from '../../src/pipeline/page-processor';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';

/** A real worker on the config's task queue, with real clients (pointed at the simulators). */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  workflowBundle: WorkflowBundle,
  config: Config,
  tuning?: PushTuning,
): Promise<Worker> {
  const logger = createLogger({ level: 'WARN' });
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue: config.temporal.taskQueue,
    workflowBundle,
    activities: createActivities({
      config,
      logger,
      temporal: env.client,
      ...createClients(config, logger),
      tuning,
    }),
    // Checkpoints reach the server after every pushed page, not once per throttle interval.
    maxHeartbeatThrottleInterval: '250ms',
  });
}
