import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { reportWorkerHealth } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/** A trivial round trip through a worker: used by `GET /health?deep=true` and the tests. */
export async function healthCheck(): Promise<{ worker: string; taskQueue: string; checkedAt: string }> {
  return await reportWorkerHealth();
}
