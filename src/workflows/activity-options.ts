import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_FAILURES } from '../shared/failures';

/**
 * Every activity-option preset of the workflows, in one place. Typed non-retryable failures (bad
 * credentials, configuration) fail at once everywhere; other failures are retried as each
 * activity's job allows.
 */

export const DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 30;

/**
 * Transient failures retried with backoff, at most a minute apart, for as long as the timeouts
 * allow. (The first interval and the growth are Temporal's defaults, written out.)
 */
const retryWithBackoff: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
};

/**
 * Options of the chunk activities every sync kind uses: heartbeats (a dead worker is noticed
 * after `heartbeatTimeoutSeconds`), transient failures retried with backoff for a bounded time.
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
    retry: retryWithBackoff,
  };
}

/** A full sync's plan (contexts and languages): a few attempts, then the sync fails. */
export const planOptions: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
};

/** An incremental sync started by hand looks its sync up itself: ten attempts. */
export const syncLookupOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
};

/**
 * The coordinator's lookups (at most LOOKUP_BATCH notices a call) wait out a Bluestone outage
 * for as long as it lasts: the activity throws only then, since a notice that can never be
 * looked up comes back as that sync's failure. It heartbeats what it has looked up, so a retry
 * (or another worker, after a crash) resumes instead of starting over.
 */
export const coordinatorLookupOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: retryWithBackoff,
};

/** The refresh's short steps: listing syncs, their status here, handing them to the coordinator. */
export const refreshStepOptions: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { ...retryWithBackoff, maximumAttempts: 10 },
};

/**
 * Waiting (heartbeating) for the coordinator to apply the syncs the refresh handed over: a
 * backlog of thousands takes a while, but a refresh that never hears back fails in the end
 * rather than waiting for ever (its caller, `refresh --wait`, with it).
 */
export const awaitSyncOutcomesOptions: ActivityOptions = {
  startToCloseTimeout: '6 hours',
  scheduleToCloseTimeout: '12 hours',
  heartbeatTimeout: '1 minute',
  retry: retryWithBackoff,
};

export const setupDataOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  scheduleToCloseTimeout: '2 hours',
  retry: retryWithBackoff,
};

export const archiveOptions: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  scheduleToCloseTimeout: '24 hours',
  retry: retryWithBackoff,
};

/** A health check answers quickly or reports the worker missing. */
export const healthCheckOptions: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
};
