import os from 'node:os';
import type { ActivityDeps } from './index';

/** Proves a worker is polling the task queue: the gateway's deep health check runs it. */
export function createHealthActivities(deps: Pick<ActivityDeps, 'config'>) {
  return {
    async reportWorkerHealth(): Promise<{ worker: string; taskQueue: string; checkedAt: string }> {
      return {
        worker: `${os.hostname()}/${process.pid}`,
        taskQueue: deps.config.temporal.taskQueue,
        checkedAt: new Date().toISOString(),
      };
    },
  };
}
