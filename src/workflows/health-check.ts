import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HealthCheckResult } from '../shared/sync-types';
import { healthCheckOptions } from './activity-options';

/** A trivial round trip through a worker: used by `GET /health?deep=true` and the tests. */
export async function healthCheck(): Promise<HealthCheckResult> {
  const { reportWorkerHealth } = proxyActivities<Activities>(healthCheckOptions);
  return await reportWorkerHealth();
}
