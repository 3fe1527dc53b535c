import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SyncKind } from '../shared/search-attributes';
import type { ArchiveProductsInput, ArchiveProductsResult } from '../shared/sync-types';
import { archiveOptions } from './activity-options';

/**
 * Deletes archived products (and, with MEDIA_DELETE, the media no other entity shows) from Occtoo;
 * a product published again after the notice stays. Run by the coordinator, in time order with
 * the syncs, as a child under the id the gateway derived from the notice's delivery.
 */
export async function archiveProducts(input: ArchiveProductsInput): Promise<ArchiveProductsResult> {
  const { deleteArchivedProducts } = proxyActivities<Activities>(archiveOptions);
  upsertSearchAttributes([{ key: SyncKind, value: 'archive' }]);
  const result = await deleteArchivedProducts(input);
  const list = (title: string, items: { productId: string; reason: string }[] = []) =>
    items.length ? `\n\n${title}:\n${items.map((n) => `- ${n.productId}: ${n.reason}`).join('\n')}` : '';
  setCurrentDetails(
    `**Archive** (${input.state}): ${result.deleted.length} deleted, ${result.kept?.length ?? 0} kept, ` +
      `${result.mediaDeleted.length} media deleted` +
      (result.mediaKept?.length
        ? `, ${result.mediaKept.length} media kept (still shown by other entities)`
        : '') +
      list('Kept', result.kept) +
      list('Not deleted', result.notDeleted),
  );
  return result;
}
