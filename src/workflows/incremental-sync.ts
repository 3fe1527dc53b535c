import {
  ApplicationFailure,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { chunkActivityOptions, syncLookupOptions } from './activity-options';
import { BluestoneContext, SyncId, SyncKind } from '../shared/search-attributes';
import {
  addCounts,
  addSetAside,
  emptySourceTotals,
  type IncrementalSyncInput,
  type IncrementalSyncResult,
} from '../shared/sync-types';
import { incrementalSyncProgressQuery } from '../shared/messages';
import { addSetAsideReasons, handledCount, setAsideReasonsOf } from '../shared/set-aside';
import { failWhenTooManySetAside } from './set-aside-limit';

const DEFAULT_PAGES_PER_CHUNK = 20;

/**
 * Applies one Bluestone sync: its category and product differences, re-read in the sync's own
 * context and pushed with the full sync's mapping. One workflow per sync id (the id is derived
 * from it), so a redelivered webhook never applies a sync twice. Normally started by the
 * coordinator, which applies syncs one at a time in Bluestone's order; it can also be started
 * by hand with just `{ syncId, context }`.
 */
export async function incrementalSync(input: IncrementalSyncInput): Promise<IncrementalSyncResult> {
  const options = input.options ?? {};
  const { lookupSyncs } = proxyActivities<Activities>(syncLookupOptions);
  const { applyDifferencesChunk } = proxyActivities<Activities>(
    chunkActivityOptions(options.heartbeatTimeoutSeconds),
  );

  const result: IncrementalSyncResult = {
    status: 'applied',
    syncId: input.syncId,
    context: input.context,
    categories: emptySourceTotals(),
    products: emptySourceTotals(),
    setAside: [],
  };
  setHandler(incrementalSyncProgressQuery, () => result);
  upsertSearchAttributes([
    { key: SyncKind, value: 'incremental' },
    { key: SyncId, value: input.syncId },
    { key: BluestoneContext, value: input.context },
  ]);

  let { pass, problem, failure } = input;
  if (!pass && !problem && !failure) {
    const [lookup] = await lookupSyncs({ notices: [{ syncId: input.syncId, context: input.context }] });
    ({ pass, problem, failure } = lookup);
    result.context = lookup.context;
  }
  // A lookup that failed for good fails the run (not skipped): a redelivery or the refresh retries it.
  if (failure) throw ApplicationFailure.nonRetryable(failure.message, failure.type);
  if (problem || !pass) {
    result.status = 'skipped';
    result.reason = problem ?? 'no context plan';
    setCurrentDetails(`**Skipped** sync ${input.syncId}: ${result.reason}`);
    return result;
  }

  // What the set-aside limit compares with: every entity sent, deleted, unchanged or set aside.
  let handled = 0;
  // Categories and products side by side: one sync's latency is that of its larger half.
  const applySource = async (source: 'categories' | 'products') => {
    const totals = result[source];
    let cursor: string | undefined;
    for (;;) {
      const maxPages = options.pagesPerChunk ?? DEFAULT_PAGES_PER_CHUNK;
      // The chunk's summary in the Temporal UI (merged into the chunk options): source, context, pages.
      const summary = `${source === 'categories' ? 'Categories' : 'Products'} of sync ${input.syncId} · ${pass.context} · pages ${totals.pages + 1}–${totals.pages + maxPages}`;
      const chunk = await applyDifferencesChunk.executeWithOptions({ summary }, [
        { syncId: input.syncId, source, pass, cursor, maxPages },
      ]);
      addCounts(totals, chunk);
      totals.setAside += chunk.setAsideCount;
      result.setAside = addSetAside(result.setAside, chunk.setAside);
      result.setAsideReasons = addSetAsideReasons(
        result.setAsideReasons,
        chunk.setAsideReasons ?? setAsideReasonsOf(chunk.setAside),
      );
      handled += handledCount(chunk) + chunk.setAsideCount;
      setCurrentDetails(
        `**Incremental sync** ${input.syncId} (${pass.context}): categories ${result.categories.sent} sent, ` +
          `${result.categories.unchanged ?? 0} unchanged, ${result.categories.deleted} deleted; ` +
          `products ${result.products.read} read, ${result.products.sent} sent, ${result.products.unchanged ?? 0} unchanged, ` +
          `${result.products.deleted} deleted, ${result.products.setAside + result.categories.setAside} set aside`,
      );
      if (chunk.done) break;
      cursor = chunk.nextCursor;
    }
  };
  await Promise.all([applySource('categories'), applySource('products')]);
  await failWhenTooManySetAside(`Sync ${input.syncId} (${pass.context})`, {
    handled,
    setAside: result.categories.setAside + result.products.setAside,
    reasons: result.setAsideReasons ?? [],
  });
  return result;
}
