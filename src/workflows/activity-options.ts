import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_FAILURES } from '../shared/failures';

export const DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 30;

/**
 * Options of the chunk activities every sync kind uses: heartbeats (a dead worker is noticed
 * after `heartbeatTimeoutSeconds`), transient failures retried with backoff for a bounded time,
 * and typed non-retryable failures (bad credentials, configuration) failing at once.
 */
export function chunkActivityOptions(
  heartbeatTimeoutSeconds = DEFAULT_HEARTBEAT_TIMEOUT_SECONDS,
): ActivityOptions {
  return {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: `${heartbeatTimeoutSeconds}s`,
    scheduleToCloseTimeout: '24 hours',
    // Chunks go to whichever worker polls, so several workers share a sync (not eagerly to this one).
    allowEagerDispatch: false,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
    },
  };
}
