import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SyncKind } from '../shared/search-attributes';
import type { ArchiveProductsInput, ArchiveProductsResult } from '../shared/sync-types';
import { archiveOptions } from './activity-options';

/** Deletes archived products (and, with MEDIA_DELETE, their media) from Occtoo. */
export async function archiveProducts(input: ArchiveProductsInput): Promise<ArchiveProductsResult> {
  const { deleteArchivedProducts } = proxyActivities<Activities>(archiveOptions);
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
