/**
 * The lookback refresh's Temporal Schedule, as worker start-up leaves it: created, updated (not
 * duplicated) when REFRESH_SCHEDULE changes, removed when it is `off` — checked with the
 * Temporal CLI, as an operator would (`temporal schedule list`).
 */
import { execFileSync } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { requireTemporalCli } from '../../src/worker/temporal-cli';
import { testConfig } from '../support/config';
import { freshTestDatabase } from '../support/database';
import { runTs, waitFor } from '../support/processes';
import { connectTestEnv, uniqueTaskQueue } from '../support/temporal';

describe('refresh schedule', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await connectTestEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const taskQueue = uniqueTaskQueue('schedule');
  const scheduleId = `${taskQueue}/refresh-syncs`;
  const cli = (...args: string[]) =>
    execFileSync(requireTemporalCli(), [...args, '--address', env.address], { encoding: 'utf8' });
  const listed = () =>
    (JSON.parse(cli('schedule', 'list', '-o', 'json') || '[]') as { scheduleId: string }[]).filter(
      (s) => s.scheduleId === scheduleId,
    );

  /** Starts a worker process with this REFRESH_SCHEDULE, waits until it polls, and stops it. */
  async function startWorkerWith(refreshSchedule: string): Promise<void> {
    const env2 = {
      BLUESTONE_API_KEY: 'k',
      OCCTOO_DATA_PROVIDER_ID: 'p',
      OCCTOO_DATA_PROVIDER_SECRET: 'schedule-test-secret',
      OCCTOO_PRODUCTS_SOURCE: 'products',
      OCCTOO_CATEGORIES_SOURCE: 'categories',
      OCCTOO_MEDIA_SOURCE: 'media',
      WEBHOOK_SECRET: 'schedule-test-webhook',
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      REFRESH_SCHEDULE: refreshSchedule,
      LOOKBACK_DAYS: '3',
      LOG_FORMAT: 'json',
      // A worker process of its own needs the record's database.
      DATABASE_URL: await freshTestDatabase(),
    };
    testConfig(env2); // the configuration is valid
    const worker = runTs('src/main.ts', ['worker'], env2);
    try {
      await waitFor('the worker to start polling', async () =>
        worker.output().includes('Worker polling') ? true : undefined,
      );
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    }
  }

  it('is created at worker start-up, updated when REFRESH_SCHEDULE changes, and removed when off', async () => {
    await startWorkerWith('15m');
    expect(listed()).toHaveLength(1);
    const described = JSON.parse(cli('schedule', 'describe', '--schedule-id', scheduleId, '-o', 'json'));
    expect(JSON.stringify(described.schedule.spec)).toContain('900s');
    expect(JSON.stringify(described.schedule.action)).toContain('refreshSyncs');
    expect(described.schedule.policies.overlapPolicy).toMatch(/SKIP/);

    await startWorkerWith('*/5 * * * *');
    expect(listed()).toHaveLength(1);
    const updated = JSON.parse(cli('schedule', 'describe', '--schedule-id', scheduleId, '-o', 'json'));
    expect(JSON.stringify(updated.schedule.spec)).not.toContain('900s');

    await startWorkerWith('off');
    expect(listed()).toHaveLength(0);
  });
});
