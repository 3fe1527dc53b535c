import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SetupResult } from '../shared/sync-types';
import { SyncKind } from '../shared/search-attributes';
import { setupDataOptions } from './activity-options';

/**
 * Setup data (Optimizely's "Synchronize setup data"): validates the configured contexts against
 * Bluestone and pushes attribute and relation definitions to OCCTOO_SETUP_SOURCE. Runs before
 * every full sync (as its first step) and on demand.
 */
export async function setupSync(): Promise<SetupResult> {
  const { syncSetupData } = proxyActivities<Activities>(setupDataOptions);
  upsertSearchAttributes([{ key: SyncKind, value: 'setup' }]);
  const result = await syncSetupData();
  setCurrentDetails(
    `**Setup data**: contexts ${result.contexts.map((c) => `${c.context}${c.configured ? '' : ' (not synced)'}`).join(', ')}; ` +
      `${result.attributes} attributes, ${result.relations} relations` +
      (result.setupSource ? `, ${result.pushed} pushed to ${result.setupSource}` : ''),
  );
  return result;
}
