import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SetupResult } from '../shared/sync-types';
import { NON_RETRYABLE_FAILURES } from '../shared/failures';
import { SyncKind } from '../shared/search-attributes';

const { syncSetupData } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  scheduleToCloseTimeout: '2 hours',
  retry: { maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
});

/**
 * Setup data (Optimizely's "Synchronize setup data"): validates the configured contexts against
 * Bluestone and pushes attribute and relation definitions to OCCTOO_SETUP_SOURCE. Runs before
 * every full sync (as its first step) and on demand.
 */
export async function setupSync(): Promise<SetupResult> {
  upsertSearchAttributes([{ key: SyncKind, value: 'setup' }]);
  const result = await syncSetupData();
  setCurrentDetails(
    `**Setup data**: contexts ${result.contexts.map((c) => `${c.context}${c.configured ? '' : ' (not synced)'}`).join(', ')}; ` +
      `${result.attributes} attributes, ${result.relations} relations` +
      (result.setupSource ? `, ${result.pushed} pushed to ${result.setupSource}` : ''),
  );
  return result;
}
