import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { syncSearchAttributes } from '../client/search-attributes';
import { refreshSummary } from '../client/summaries';
import { refreshSyncs } from '../workflows/refresh-syncs';

export function refreshScheduleId(config: Pick<Config, 'temporal'>): string {
  return `${config.temporal.taskQueue}/refresh-syncs`;
}

function specOf(schedule: string): ScheduleOptions['spec'] {
  // `15m`, `1h`, `1d`: an interval; anything else was validated as a 5-field cron expression.
  return /^\d+[smhd]$/.test(schedule)
    ? { intervals: [{ every: schedule as `${number}${'s' | 'm' | 'h' | 'd'}` }] }
    : { cronExpressions: [schedule] };
}

/**
 * Creates, updates or removes the lookback refresh's Temporal Schedule, from REFRESH_SCHEDULE,
 * at worker start-up. Idempotent: several workers starting at once end with one schedule.
 */
export async function ensureRefreshSchedule(
  client: Client,
  config: Config,
  logger: Logger,
): Promise<'created' | 'updated' | 'removed' | 'absent'> {
  const scheduleId = refreshScheduleId(config);
  const handle = client.schedule.getHandle(scheduleId);
  if (config.sync.refreshSchedule === 'off') {
    try {
      await handle.delete();
      logger.info('Refresh schedule removed (REFRESH_SCHEDULE=off)', { scheduleId });
      return 'removed';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'absent';
      throw err;
    }
  }
  const spec = specOf(config.sync.refreshSchedule);
  const action: ScheduleOptions['action'] = {
    type: 'startWorkflow',
    workflowType: refreshSyncs,
    args: [{ days: config.sync.lookbackDays }],
    taskQueue: config.temporal.taskQueue,
    workflowId: `${config.temporal.taskQueue}/refresh-syncs`,
    typedSearchAttributes: syncSearchAttributes('refresh', config),
    staticSummary: refreshSummary(config.sync.lookbackDays, config.sync.refreshSchedule),
  };
  const policies = { overlap: 'SKIP' as const, catchupWindow: '1 hour' as const };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    logger.info('Refresh schedule created', { scheduleId, every: config.sync.refreshSchedule });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
    logger.info('Refresh schedule updated', { scheduleId, every: config.sync.refreshSchedule });
    return 'updated';
  }
}
