import type { SyncDeps } from './deps';
import type { ArchiveProductsInput, ArchiveProductsResult } from '../shared/sync-types';
import { toActivityFailure } from '../http/api-error';
import type { Product } from '../bluestone/types';
import { deleteEntity, mediaAssetsOf, productKeyOf, sanitizeKey } from '../mapping';
import { pushEntities } from '../occtoo/push';
import { deleteMediaNoLongerShown } from '../pipeline/media-references';
import type { SentEntity } from '../state/record';
import { recordDeleted } from '../telemetry';

/** Archive notices: products Bluestone archived are deleted from Occtoo, unless published again since. */
export function createArchiveActivities(deps: SyncDeps) {
  const { config, bluestone, occtoo, logger, record } = deps;
  const { productsSource } = config.occtoo;
  const { context } = config.bluestone.defaultContext;
  const push = { concurrency: deps.tuning?.importConcurrency ?? 4, batchSize: config.occtoo.batchSize };

  /**
   * The keys to delete per product: every key the record holds for it (every language, an older
   * number too); for a product the record does not know (sent before the record existed), the key
   * it maps to: its id, or its number when Bluestone still serves it.
   */
  function keysOf(ids: string[], recorded: SentEntity[], served: Map<string, Product>) {
    const keys = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
    for (const row of recorded) keys.get(row.bluestoneId)?.add(row.key);
    for (const [id, own] of keys) {
      if (own.size > 0) continue;
      const product = served.get(id);
      const key =
        config.mapping.productKey === 'id'
          ? sanitizeKey(id)
          : product && productKeyOf(product, config.mapping);
      if (key) own.add(key);
    }
    return keys;
  }

  return {
    /**
     * Deletes archived products from Occtoo. Bluestone is read first (default context): a product
     * it serves with a `lastUpdate` later than the notice was published again after it, and stays
     * (`kept`). The others go under every key the record holds for them, so PRODUCT_KEY=number
     * works when Bluestone no longer serves the product. With MEDIA_DELETE their media go too,
     * except media another entity still shows.
     */
    async deleteArchivedProducts(input: ArchiveProductsInput): Promise<ArchiveProductsResult> {
      const ids = [...new Set(input.productIds.filter((id) => id.trim() !== ''))];
      const kept: { productId: string; reason: string }[] = [];
      const result: ArchiveProductsResult = {
        status: 'completed',
        deleted: [],
        mediaDeleted: [],
        notDeleted: [],
        kept,
      };
      try {
        const products = ids.length ? await bluestone.getProductsByIds(ids, context) : [];
        const served = new Map(products.map((p) => [p.id, p]));
        const archived: string[] = [];
        for (const id of ids) {
          const lastUpdate = served.get(id)?.lastUpdate;
          if (input.noticeTime !== undefined && lastUpdate !== undefined && lastUpdate > input.noticeTime) {
            kept.push({
              productId: id,
              reason: `published again after the archive notice: Bluestone serves it with lastUpdate ${iso(lastUpdate)}, later than the notice's ${iso(input.noticeTime)}; archive it again in Bluestone to delete it`,
            });
          } else archived.push(id);
        }

        const recorded = record ? await record.sentOfIds(productsSource, archived) : [];
        const keys = keysOf(archived, recorded, served);
        const idOfKey = new Map<string, string>();
        for (const [id, own] of keys) {
          for (const key of own) idOfKey.set(key, id);
          if (own.size === 0) {
            result.notDeleted.push({
              productId: id,
              reason: served.has(id)
                ? 'the product has no number, so it was never sent with PRODUCT_KEY=number'
                : `PRODUCT_KEY=number, Bluestone no longer serves product ${id} in context ${context} and the record holds no key for it, so its Occtoo key is unknown; delete it in Occtoo by hand`,
            });
          }
        }
        // Deleted in Occtoo now, forgotten only after the media: a retry still finds what they showed.
        const pushed = await pushEntities(
          occtoo,
          productsSource,
          [...idOfKey.keys()].map(deleteEntity),
          push,
        );
        const refused = new Map(pushed.setAside.map((s) => [s.key, s.reason]));
        result.deleted = [...idOfKey.keys()].filter((k) => !refused.has(k));
        recordDeleted(productsSource, result.deleted.length);
        for (const [key, reason] of refused)
          result.notDeleted.push({
            productId: idOfKey.get(key) ?? key,
            reason: `Occtoo refused to delete ${key}: ${reason}`,
          });

        if (config.sync.mediaDelete) {
          const gone = new Set(
            [...keys]
              .filter(([, own]) => own.size > 0 && [...own].every((k) => !refused.has(k)))
              .map(([id]) => id),
          );
          const media = await deleteMediaNoLongerShown(
            { config, occtoo, record, tuning: deps.tuning },
            gone,
            recorded,
            [...gone].flatMap((id) => {
              const product = served.get(id);
              return product ? mediaAssetsOf(product) : [];
            }),
          );
          result.mediaDeleted = media.deleted;
          result.mediaKept = media.kept;
          for (const { key, reason } of media.refused)
            result.notDeleted.push({ productId: key, reason: `media entity not deleted: ${reason}` });
        }
        await record?.forget(productsSource, result.deleted);
      } catch (err) {
        throw toActivityFailure(err);
      }
      logger.info('Archived products deleted from Occtoo', {
        deleted: result.deleted.length,
        kept: kept.length,
        notDeleted: result.notDeleted.length,
        mediaDeleted: result.mediaDeleted.length,
      });
      return result;
    },
  };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
