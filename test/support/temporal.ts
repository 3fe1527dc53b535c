/**
 * Integration-test helpers: connect to the run's dev server, bundle workflows once per file,
 * give each test its own task queue.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment, workflowInterceptorModules } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import { createLogger } from '../../src/logger';
import { installRuntime } from '../../src/worker/worker';

export async function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  const address = process.env.BOS_TEST_TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error(
      'No Temporal test server: run the integration tests through jest (globalSetup starts one).',
    );
  }
  // The service's own (once per process), so that startService in a test finds it installed.
  installRuntime(createLogger({ level: 'WARN' }));
  return TestWorkflowEnvironment.createFromExistingServer({ address });
}

/** Bundles src/workflows once; failed assertions fail the workflow instead of retrying the task. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules,
    logger: new DefaultLogger('WARN'),
  });
}

export function uniqueTaskQueue(name: string): string {
  return `test-${name}-${randomUUID()}`;
}
