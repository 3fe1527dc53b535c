/**
 * A worker process killed (SIGKILL) in the middle of a full sync: a new worker process finishes
 * the same workflow, resuming each context's stream at the last checkpoint the server holds: a page
 * is read twice only if it had been read and not yet checkpointed when the worker died (the page
 * being pushed, and one whose checkpoint the SDK still held back in its heartbeat throttle).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { compareWithOcctoo, expectedOcctooState } from '../../src/sim/expected-state';
import { fullSync } from '../../src/workflows';
import { testConfig } from '../support/config';
import { freshTestDatabase } from '../support/database';
import { killProcessGroup, runTs, waitFor, type RunningProcess } from '../support/processes';
import { startSims, type Sims } from '../support/sims';
import { connectTestEnv, uniqueTaskQueue } from '../support/temporal';

describe('full sync survives a worker crash', () => {
  let env: TestWorkflowEnvironment;
  let sims: Sims;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    env = await connectTestEnv();
    // Slow APIs, so that the kill lands while pages are being read and pushed.
    sims = await startSims({
      catalog: { products: 700, seed: 17, mediaPerProduct: 1 },
      bluestone: { faults: { latencyMs: 150 } },
      occtoo: { faults: { latencyMs: 150 } },
    });
  });
  afterAll(async () => {
    for (const w of workers) killProcessGroup(w);
    await sims?.close();
    await env?.teardown();
  });

  it('resumes from the last pushed page and completes with the full catalog in Occtoo', async () => {
    const taskQueue = uniqueTaskQueue('crash');
    const workerEnv = {
      ...sims.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WEBHOOK_SECRET: 'crash-test-webhook-secret',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'WARN',
      // The restarted worker process reads the record the killed one wrote.
      DATABASE_URL: await freshTestDatabase(),
    };
    const config = testConfig(workerEnv);
    const startWorker = () => {
      const worker = runTs('src/main.ts', ['worker'], workerEnv, { detached: true });
      workers.push(worker);
      return worker;
    };

    const first = startWorker();
    const handle = await env.client.workflow.start(fullSync, {
      taskQueue,
      workflowId: `crash-${taskQueue}`,
      // A dead worker's chunk is retried after 2 s instead of 30 s.
      args: [{ options: { heartbeatTimeoutSeconds: 2 } }],
    });
    const pagesRead = () => Object.values(sims.bluestone.stats.cursorPageReads).reduce((a, b) => a + b, 0);
    // Kill once each context has pushed a few product pages (8 pages per context in all).
    await waitFor(
      'product pages to be read',
      async () => (pagesRead() >= 10 ? true : undefined),
      120_000,
      20,
    );
    killProcessGroup(first);
    expect(await first.exited).not.toBe(0);
    // Reads the dead worker had sent are still answered (the simulator counts a page when it
    // serves it, 150 ms later): count them as read before the kill. No worker runs meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const readsAtKill = { ...sims.bluestone.stats.cursorPageReads };
    // What the server holds of the killed worker's product chunks: the pages each had checkpointed.
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    const checkpointed = pending
      .filter((a) => a.activityType?.name === 'syncProductChunk')
      .map((a) => a.heartbeatDetails?.payloads?.[0]?.data)
      .reduce(
        (n, data) => n + (data ? (JSON.parse(Buffer.from(data).toString()) as { pages: number }).pages : 0),
        0,
      );

    startWorker();
    const result = await handle.result();
    expect(result.status).toBe('completed');

    const expected = expectedOcctooState(sims.catalog, config);
    expect(compareWithOcctoo(expected, sims.occtoo, config.occtoo)).toEqual([]);

    const reads = sims.bluestone.stats.cursorPageReads;
    // Re-read: only pages read before the kill that the server held no checkpoint for.
    const readTwice = Object.values(reads).filter((n) => n > 1).length;
    const readBeforeKillInAll = Object.keys(readsAtKill).length;
    expect(readTwice).toBeLessThanOrEqual(readBeforeKillInAll - checkpointed);
    for (const { context } of sims.catalog.contexts) {
      const pages = Object.entries(reads).filter(([page]) => page.startsWith(`${context}@`));
      // No page more than twice: one attempt died, one finished.
      expect(Math.max(...pages.map(([, n]) => n))).toBeLessThanOrEqual(2);
      // Resumed at the last checkpoint, not from the start of the stream.
      const readBeforeKill = Object.keys(readsAtKill).filter((p) => p.startsWith(`${context}@`)).length;
      if (readBeforeKill > 1) expect(reads[`${context}@0`]).toBe(1);
    }
  });
});
