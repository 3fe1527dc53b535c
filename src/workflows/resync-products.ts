import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SyncKind } from '../shared/search-attributes';
import type { ResyncInput, ResyncResult } from '../shared/sync-types';
import { chunkActivityOptions } from './activity-options';

/**
 * Resync (issue #13): reads chosen products again in every configured context (or some), sends
 * them even when the record says Occtoo holds them, and deletes or clears where Bluestone no
 * longer serves them. Started by `cli resync` and the admin route `POST /resync`.
 */
export async function resyncProducts(input: ResyncInput): Promise<ResyncResult> {
  const { resendProducts } = proxyActivities<Activities>(chunkActivityOptions());
  upsertSearchAttributes([{ key: SyncKind, value: 'resync' }]);
  setCurrentDetails(`**Resync** of ${input.productIds.length} product(s): running`);
  const result = await resendProducts(input);
  const count = (name: 'sent' | 'deleted' | 'cleared' | 'notServed') =>
    result.passes.map((p) => `${p.context} ${p[name].length}`).join(', ');
  setCurrentDetails(
    `**Resync** of ${result.productIds.length} product(s)\n\n` +
      `- sent: ${count('sent')}\n- deleted: ${count('deleted')}\n- cleared: ${count('cleared')}\n` +
      `- not served, nothing to remove: ${count('notServed')}\n- set aside: ${result.setAsideCount ?? result.setAside.length}` +
      (result.setAside.length
        ? `\n\nSet aside:\n${result.setAside.map((s) => `- ${s.id} (${s.context ?? ''}): ${s.reason}`).join('\n')}`
        : ''),
  );
  return result;
}
