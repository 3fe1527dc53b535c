import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { BluestoneClient } from '../bluestone/client';
import { createArchiveActivities } from './archive';
import { createFullSyncActivities } from './full-sync';
import { createHealthActivities } from './health';
import { createIncrementalSyncActivities } from './incremental-sync';
import { createRefreshActivities } from './refresh';
import { createResyncActivities } from './resync';
import { createSetupActivities } from './setup';
import { createSetAsideActivities } from './set-aside';
import type { OcctooClient } from '../occtoo/client';
import type { PushTuning } from '../pipeline/page-processor';
import { activityAwareLogger } from '../telemetry';
import type { SyncRecord } from '../state/record';

/** What activities receive: their clients, config and logger (tests pass real or simulated ones). */
export interface ActivityDeps {
  config: Config;
  logger: Logger;
  bluestone: BluestoneClient;
  occtoo: OcctooClient;
  /** For activities that talk to Temporal itself (the refresh hands syncs to the coordinator). */
  temporal?: Client;
  tuning?: PushTuning;
  /** What was sent to Occtoo before (issue #12); absent: every sync sends everything, clears nothing. */
  record?: SyncRecord;
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
