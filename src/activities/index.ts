import type { Config } from '../config';
import type { Logger } from '../logger';
import { createHealthActivities } from './health';

/** What activities receive: their clients, config and logger (tests pass real or simulated ones). */
export interface ActivityDeps {
  config: Config;
  logger: Logger;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
