import type { Config } from '../config';

/**
 * The set-aside limit, read from the worker's configuration when a run ends having set something
 * aside: workflows stay free of configuration, and a changed SET_ASIDE_MAX_PERCENT applies to the
 * runs that end after the workers restart with it.
 */
export function createSetAsideActivities(deps: { config: Config }) {
  return {
    async setAsideLimit(): Promise<{ maxPercent: number }> {
      return { maxPercent: deps.config.sync.setAsideMaxPercent };
    },
  };
}
