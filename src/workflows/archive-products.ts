import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_FAILURES } from '../shared/failures';
import { SyncKind } from '../shared/search-attributes';
import type { ArchiveProductsInput, ArchiveProductsResult } from '../shared/sync-types';

const { deleteArchivedProducts } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  scheduleToCloseTimeout: '24 hours',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
});

/** Deletes archived products (and, with MEDIA_DELETE, their media) from Occtoo. */
export async function archiveProducts(input: ArchiveProductsInput): Promise<ArchiveProductsResult> {
  upsertSearchAttributes([{ key: SyncKind, value: 'archive' }]);
  const result = await deleteArchivedProducts(input);
  setCurrentDetails(
    `**Archive** (${input.state}): ${result.deleted.length} deleted, ${result.mediaDeleted.length} media deleted` +
      (result.notDeleted.length
        ? `\n\nNot deleted:\n${result.notDeleted.map((n) => `- ${n.productId}: ${n.reason}`).join('\n')}`
        : ''),
  );
  return result;
}
