import type { Config } from '../config';
import type { Logger } from '../logger';
import type { BluestoneClient } from '../bluestone/client';
import type { OcctooClient } from '../occtoo/client';
import type { PushTuning } from '../pipeline/page-processor';
import type { SyncRecord } from '../state/record';

/** What the sync activities receive: clients, config, logger, and the record (tests pass real or simulated ones). */
export interface SyncDeps {
  config: Config;
  logger: Logger;
  bluestone: BluestoneClient;
  occtoo: OcctooClient;
  tuning?: PushTuning;
  /** What was sent to Occtoo before (issue #12); absent: every sync sends everything, clears nothing. */
  record?: SyncRecord;
}
