/**
 * Starts the one Temporal dev server of this test run (a real `temporal server start-dev`,
 * spawned by @temporalio/testing from the installed CLI), or uses TEMPORAL_TEST_ADDRESS; and the
 * run's one PostgreSQL (embedded, in a temporary folder), or uses BOS_TEST_DATABASE_URL; and
 * bundles the workflows once for every test file (webpack takes seconds per bundle).
 * A missing CLI fails the run loudly: integration tests never skip silently.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createLogger } from '../../src/logger';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/state/embedded';
import { requireTemporalCli } from '../../src/worker/temporal-cli';
import { bundleWorkflows, WORKFLOW_BUNDLE_ENV } from './temporal';

/** What globalTeardown stops (both run in jest's main process). */
export interface TestRunServers {
  __temporalTestEnv?: TestWorkflowEnvironment;
  __postgresTestServer?: { server: EmbeddedPostgres; dataDir: string };
  __workflowBundleDir?: string;
}

export default async function globalSetup(): Promise<void> {
  await Promise.all([startTemporal(), startPostgres(), bundleOnce()]);
}

async function bundleOnce(): Promise<void> {
  const { code } = await bundleWorkflows();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bos-test-workflows-'));
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, code);
  (globalThis as TestRunServers).__workflowBundleDir = dir;
  process.env[WORKFLOW_BUNDLE_ENV] = file;
}

async function startTemporal(): Promise<void> {
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
  (globalThis as TestRunServers).__temporalTestEnv = env;
  process.env.BOS_TEST_TEMPORAL_ADDRESS = env.address;
}

async function startPostgres(): Promise<void> {
  if (process.env.BOS_TEST_DATABASE_URL) return;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bos-test-postgres-'));
  const server = await startEmbeddedPostgres({
    dataDir,
    logger: createLogger({ level: 'WARN' }),
    // Thrown away after the run: durability only costs time.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  (globalThis as TestRunServers).__postgresTestServer = { server, dataDir };
  process.env.BOS_TEST_DATABASE_URL = server.url;
}
