/**
 * Integration-test helpers: connect to the run's dev server, the run's one workflow bundle,
 * give each test its own task queue.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TestWorkflowEnvironment, workflowInterceptorModules } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import { createLogger } from '../../src/logger';
import { TRACING_WORKFLOW_MODULES } from '../../src/tracing';
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

/** Where globalSetup left the run's one workflow bundle. */
export const WORKFLOW_BUNDLE_ENV = 'BOS_TEST_WORKFLOW_BUNDLE';

/**
 * The workflows of src/workflows, bundled once per test run (by globalSetup), with the
 * interceptors of production bundles (tracing's); failed assertions fail the workflow instead of
 * retrying the task.
 */
export async function bundleWorkflows(): Promise<WorkflowBundle> {
  const bundled = process.env[WORKFLOW_BUNDLE_ENV];
  if (bundled) return { code: await readFile(bundled, 'utf8') };
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules: [...TRACING_WORKFLOW_MODULES, ...workflowInterceptorModules],
    logger: new DefaultLogger('WARN'),
  });
}

export function uniqueTaskQueue(name: string): string {
  return `test-${name}-${randomUUID()}`;
}
