import type { Client } from '@temporalio/client';
import { createArchiveActivities } from './archive';
import type { SyncDeps } from './deps';
import { createFullSyncActivities } from './full-sync';
import { createHealthActivities } from './health';
import { createIncrementalSyncActivities } from './incremental-sync';
import { createRefreshActivities } from './refresh';
import { createResyncActivities } from './resync';
import { createSetupActivities } from './setup';
import { createSetAsideActivities } from './set-aside';
import { activityAwareLogger } from '../telemetry';

/** What activities receive: their clients, config and logger (tests pass real or simulated ones). */
export interface ActivityDeps extends SyncDeps {
  /** For activities that talk to Temporal itself (the refresh hands syncs to the coordinator). */
  temporal?: Client;
}

export function createActivities(input: ActivityDeps) {
  // Log lines written from activities carry their workflow id, run id and activity type.
  const deps = { ...input, logger: activityAwareLogger(input.logger) };
  return {
    ...createHealthActivities(deps),
    ...createFullSyncActivities(deps),
    ...createIncrementalSyncActivities(deps),
    ...createArchiveActivities(deps),
    ...createRefreshActivities(deps),
    ...createSetupActivities(deps),
    ...createSetAsideActivities(deps),
    ...createResyncActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
