/**
 * Starts the one Temporal dev server of this test run (a real `temporal server start-dev`,
 * spawned by @temporalio/testing from the installed CLI), or uses TEMPORAL_TEST_ADDRESS.
 * A missing CLI fails the run loudly: integration tests never skip silently.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { requireTemporalCli } from '../../src/worker/temporal-cli';

export default async function globalSetup(): Promise<void> {
  if (process.env.TEMPORAL_TEST_ADDRESS) {
    process.env.BOS_TEST_TEMPORAL_ADDRESS = process.env.TEMPORAL_TEST_ADDRESS;
    return;
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: requireTemporalCli() },
      searchAttributes: SEARCH_ATTRIBUTES,
      extraArgs: ['--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true'],
      log: { format: 'pretty', level: process.env.TEMPORAL_TEST_LOG ?? 'warn' },
    },
  });
  (globalThis as { __temporalTestEnv?: TestWorkflowEnvironment }).__temporalTestEnv = env;
  process.env.BOS_TEST_TEMPORAL_ADDRESS = env.address;
}
