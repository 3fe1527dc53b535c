/**
 * Integration-test helpers: connect to the run's dev server, bundle workflows once per file,
 * give each test its own task queue.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment, workflowInterceptorModules } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';

let runtimeInstalled = false;

export async function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  const address = process.env.BOS_TEST_TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error(
      'No Temporal test server: run the integration tests through jest (globalSetup starts one).',
    );
  }
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
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
