import { allContexts, type Config } from '../config';
import type { Logger } from '../logger';
import type {
  ArchiveProductsInput,
  ArchiveProductsResult,
  ChunkResult,
  ContextPlan,
  SyncDoneNotice,
  SyncLookup,
} from '../shared/sync-types';
import { ApiError, FailureType, toActivityFailure } from '../http/api-error';
import { DIFFERENCES_PAGE_SIZE, type BluestoneClient } from '../bluestone/client';
import type { Category, Difference } from '../bluestone/types';
import { runChunk } from '../pipeline/chunk';
import { numberedPageReader } from '../pipeline/page-stream';
import { mapWithConcurrency } from '../http/concurrency';
import {
  deleteEntity,
  mediaAssetsOf,
  mediaKeyOf,
  mediaUniqueIdentifier,
  productKeyOf,
  sanitizeKey,
} from '../mapping';
import type { OcctooClient } from '../occtoo/client';
import { pushEntities } from '../occtoo/push';
import {
  createPageProcessor,
  emptyOutcome,
  type PageOutcome,
  type PushTuning,
} from '../pipeline/page-processor';
import type { SyncRecord } from '../state/record';

export interface IncrementalSyncDeps {
  config: Config;
  logger: Logger;
  bluestone: BluestoneClient;
  occtoo: OcctooClient;
  tuning?: PushTuning;
  record?: SyncRecord;
}

export interface DifferencesChunkInput {
  syncId: string;
  source: 'categories' | 'products';
  pass: ContextPlan;
  /** Differences page number where this chunk starts. */
  cursor?: string;
  maxPages: number;
}

/** Differences per page; each page's changed products are re-read in one by-ids call (≤ 100). */
const CATEGORY_READ_CONCURRENCY = 8;

/**
 * Incremental sync: a Bluestone sync's differences, page by page, re-read in the sync's own
 * context and pushed with the full sync's mapping. Deletions are checked against Bluestone's
 * current state first, so a sync applied late never deletes what a newer sync brought back.
 */
export function createIncrementalSyncActivities(deps: IncrementalSyncDeps) {
  const { config, bluestone, occtoo, logger, record } = deps;
  const pages = createPageProcessor(deps, deps.tuning);
  const plans = (): ContextPlan[] => allContexts(config).map((c, i) => ({ ...c, isDefault: i === 0 }));
  const pushOptions = (signal?: AbortSignal) => ({
    concurrency: deps.tuning?.importConcurrency ?? 4,
    batchSize: config.occtoo.batchSize,
    signal,
  });

  async function deleteFromOcctoo(
    source: string,
    keys: string[],
    outcome: PageOutcome,
    signal?: AbortSignal,
  ) {
    if (keys.length === 0) return;
    const entities = keys.map(deleteEntity);
    const pushed = await pushEntities(occtoo, source, entities, pushOptions(signal));
    outcome.deleted += pushed.sent;
    // Deleted: forgotten, so that the entity is sent in full if it comes back.
    const refused = new Set(pushed.setAside.map((s) => s.key));
    await record?.forget(
      source,
      entities.map((e) => e.key).filter((k) => !refused.has(k)),
    );
    for (const s of pushed.setAside)
      outcome.setAside.push({ source: 'products', id: s.key, reason: s.reason });
  }

  async function applyProductDifferences(pass: ContextPlan, diffs: Difference[], signal: AbortSignal) {
    const ids = [...new Set(diffs.map((d) => d.id))];
    const readAt = Date.now();
    const found = ids.length ? await bluestone.getProductsByIds(ids, pass.context, { signal }) : [];
    const outcome = found.length
      ? await pages.processProducts(pass, found, signal, { readAt })
      : emptyOutcome();
    const present = new Set(found.map((p) => p.id));
    const gone = diffs.filter((d) => d.diffType === 'DELETE' && !present.has(d.id)).map((d) => d.id);
    // Occtoo holds one entity per product for every language: only the default context's
    // unpublish removes it, and only when DELETE_ON_UNPUBLISH asks for it.
    if (gone.length && config.sync.deleteOnUnpublish && pass.isDefault) {
      if (config.mapping.productKey === 'number') {
        for (const id of gone) {
          outcome.setAside.push({
            source: 'products',
            context: pass.context,
            id,
            reason:
              'unpublished, but with PRODUCT_KEY=number its Occtoo key (the number) is unknown once Bluestone no longer serves it; delete it in Occtoo by hand',
          });
        }
      } else {
        await deleteFromOcctoo(config.occtoo.productsSource, gone, outcome, signal);
      }
    }
    return outcome;
  }

  async function applyCategoryDifferences(pass: ContextPlan, diffs: Difference[], signal: AbortSignal) {
    const ids = [...new Set(diffs.map((d) => d.id))];
    const readAt = Date.now();
    const read = await mapWithConcurrency(ids, CATEGORY_READ_CONCURRENCY, async (id) => {
      try {
        return await bluestone.getCategory(id, pass.context, 0, { signal });
      } catch (err) {
        if (err instanceof ApiError && err.type === FailureType.BluestoneNotFound) return undefined;
        throw err;
      }
    });
    const found = read.filter((c): c is Category => c !== undefined);
    const outcome = found.length
      ? await pages.processCategories(pass, found, signal, { readAt })
      : emptyOutcome();
    const present = new Set(found.map((c) => c.id));
    const gone = diffs.filter((d) => d.diffType === 'DELETE' && !present.has(d.id)).map((d) => d.id);
    // As in the original provider, a deleted category is deleted in Occtoo (from the default context).
    if (gone.length && pass.isDefault)
      await deleteFromOcctoo(config.occtoo.categoriesSource, gone, outcome, signal);
    return outcome;
  }

  return {
    /**
     * What the coordinator needs before it orders syncs: each sync's creation time, and the
     * context plan — or the reason it cannot be applied (unknown sync, unconfigured context).
     */
    async lookupSyncs(input: {
      notices: Pick<SyncDoneNotice, 'syncId' | 'context'>[];
    }): Promise<SyncLookup[]> {
      const configured = plans();
      return mapWithConcurrency(input.notices, 4, async ({ syncId, context }): Promise<SyncLookup> => {
        let info;
        try {
          info = await bluestone.getSync(syncId);
        } catch (err) {
          if (err instanceof ApiError && err.type === FailureType.BluestoneNotFound) {
            return {
              syncId,
              context,
              problem: `Bluestone has no sync "${syncId}": the webhook named an unknown sync id`,
            };
          }
          throw toActivityFailure(err);
        }
        // Bluestone's own record of the sync wins over what the webhook said.
        const actual = info.contextId ?? context;
        const pass = configured.find((c) => c.context === actual);
        if (!pass) {
          return {
            syncId,
            context: actual,
            createdAt: info.createdAt,
            problem: `context "${actual}" is not configured (configured: ${configured.map((c) => c.context).join(', ')}); add it to BLUESTONE_ADDITIONAL_CONTEXTS to sync it`,
          };
        }
        return { syncId, context: actual, createdAt: info.createdAt, pass };
      });
    },

    async applyDifferencesChunk(input: DifferencesChunkInput): Promise<ChunkResult> {
      return runChunk<Difference>({
        source: input.source,
        cursor: input.cursor,
        maxPages: input.maxPages,
        readAhead: config.sync.readAheadPages,
        readPage: numberedPageReader(DIFFERENCES_PAGE_SIZE, (page, signal) =>
          bluestone.differencesPage(input.syncId, input.source, page, { signal }),
        ),
        processPage: (diffs, signal) =>
          input.source === 'products'
            ? applyProductDifferences(input.pass, diffs, signal)
            : applyCategoryDifferences(input.pass, diffs, signal),
      });
    },

    /**
     * Deletes archived products from Occtoo. Keyed by id, no Bluestone read is needed; keyed by
     * number, the number is read first (and a product Bluestone no longer serves is reported).
     * With MEDIA_DELETE, the products' media entities (and Occtoo files) go too.
     */
    async deleteArchivedProducts(input: ArchiveProductsInput): Promise<ArchiveProductsResult> {
      const ids = [...new Set(input.productIds.filter((id) => id.trim() !== ''))];
      const result: ArchiveProductsResult = {
        status: 'completed',
        deleted: [],
        mediaDeleted: [],
        notDeleted: [],
      };
      const context = config.bluestone.defaultContext.context;
      const needRead = config.mapping.productKey === 'number' || config.sync.mediaDelete;
      try {
        const products = needRead && ids.length ? await bluestone.getProductsByIds(ids, context) : [];
        const byId = new Map(products.map((p) => [p.id, p]));
        const keys: string[] = [];
        for (const id of ids) {
          const product = byId.get(id);
          const key =
            config.mapping.productKey === 'id'
              ? sanitizeKey(id)
              : product && productKeyOf(product, config.mapping);
          if (key) keys.push(key);
          else {
            result.notDeleted.push({
              productId: id,
              reason: product
                ? 'the product has no number, so it was never sent with PRODUCT_KEY=number'
                : `PRODUCT_KEY=number and Bluestone no longer serves product ${id} in context ${context}, so its number (the Occtoo key) is unknown; delete it in Occtoo by hand or use PRODUCT_KEY=id`,
            });
          }
        }
        const outcome = emptyOutcome();
        await deleteFromOcctoo(config.occtoo.productsSource, keys, outcome);
        const refused = new Map(outcome.setAside.map((s) => [s.id, s.reason]));
        result.deleted = keys.filter((k) => !refused.has(k));
        for (const [key, reason] of refused) result.notDeleted.push({ productId: key, reason });

        if (config.sync.mediaDelete) {
          const assets = products.flatMap(mediaAssetsOf);
          const mediaKeys = [...new Set(assets.map(mediaKeyOf).filter((k): k is string => !!k))];
          const mediaOutcome = emptyOutcome();
          await deleteFromOcctoo(config.occtoo.mediaSource, mediaKeys, mediaOutcome);
          result.mediaDeleted = mediaKeys;
          if (config.mapping.handleMedia === 'occtoo' && assets.length) {
            const files = await occtoo.findFilesByUniqueIds(assets.map(mediaUniqueIdentifier));
            for (const file of files.values()) await occtoo.deleteFile(file.id);
            await record?.forgetUploads(assets.map(mediaUniqueIdentifier));
          }
          for (const id of ids.filter((i) => !byId.has(i))) {
            result.notDeleted.push({
              productId: id,
              reason: 'media not deleted: Bluestone no longer serves the product, so its media are unknown',
            });
          }
        }
      } catch (err) {
        throw toActivityFailure(err);
      }
      logger.info('Archived products deleted from Occtoo', {
        deleted: result.deleted.length,
        notDeleted: result.notDeleted.length,
      });
      return result;
    },
  };
}
