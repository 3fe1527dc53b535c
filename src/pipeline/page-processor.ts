import type { Config } from '../config';
import type { Logger } from '../logger';
import type { ContextPlan, SetAsideEntity, SyncCounts, SyncSource } from '../shared/sync-types';
import type { BluestoneClient } from '../bluestone/client';
import type { Category, MediaAsset, Product } from '../bluestone/types';
import {
  deleteEntity,
  mapCategory,
  mapProduct,
  mediaAssetsOf,
  productKeyOf,
  relatedProductIdsOf,
  type MappedEntity,
  type OcctooFile,
} from '../mapping';
import { ensureMediaInOcctoo } from '../occtoo/media-upload';
import type { OcctooClient } from '../occtoo/client';
import type { OcctooEntity } from '../occtoo/types';
import { pushEntities } from '../occtoo/push';
import { filterProducts, withSyncedAttributes } from '../mapping/filters';

/** What pushing one page of products or categories did (every entity set aside, uncapped). */
export interface PageOutcome extends SyncCounts {
  setAside: SetAsideEntity[];
}

export interface PageDeps {
  config: Config;
  logger: Logger;
  bluestone: BluestoneClient;
  occtoo: OcctooClient;
}

export function emptyOutcome(read = 0): PageOutcome {
  return { read, sent: 0, deleted: 0, filtered: 0, mediaUploaded: 0, mediaSent: 0, setAside: [] };
}

/** Tuning of the push side; defaults suit Occtoo's documented limits. */
export interface PushTuning {
  importConcurrency: number;
  mediaConcurrency: number;
  mediaTimeoutMs: number;
  mediaPollIntervalMs: number;
}

export const DEFAULT_PUSH_TUNING: PushTuning = {
  importConcurrency: 4,
  mediaConcurrency: 8,
  mediaTimeoutMs: 180_000,
  mediaPollIntervalMs: 1000,
};

/**
 * Maps a page of Bluestone products or categories for one context and pushes it to Occtoo:
 * entities to their source, media (default context only) to the media source, uploading to
 * Occtoo's media service first when HANDLE_MEDIA=occtoo. Shared by every sync kind, so that
 * full, incremental and refresh syncs send exactly the same entities.
 */
export function createPageProcessor(deps: PageDeps, tuning: PushTuning = DEFAULT_PUSH_TUNING) {
  const { config, bluestone, occtoo, logger } = deps;
  const settings = config.mapping;

  async function occtooFilesFor(
    pass: ContextPlan,
    owners: { media: MediaAsset[] }[],
    outcome: PageOutcome,
    signal?: AbortSignal,
  ): Promise<Map<string, OcctooFile> | undefined> {
    if (settings.handleMedia !== 'occtoo' || !pass.isDefault) return undefined;
    const uploads = await ensureMediaInOcctoo(occtoo, owners.flatMap(mediaAssetsOf), {
      concurrency: tuning.mediaConcurrency,
      timeoutMs: tuning.mediaTimeoutMs,
      pollIntervalMs: tuning.mediaPollIntervalMs,
      signal,
    });
    outcome.mediaUploaded += uploads.uploaded;
    for (const failure of uploads.failures) {
      outcome.setAside.push({
        source: 'media',
        context: pass.context,
        id: failure.assetId,
        reason: failure.reason,
      });
    }
    return uploads.files;
  }

  /** PRODUCT_KEY=number: Occtoo keys of related products, read from Bluestone when not on the page. */
  async function relatedKeysFor(
    pass: ContextPlan,
    sending: Product[],
    page: Product[],
    signal?: AbortSignal,
  ) {
    if (settings.productKey !== 'number') return undefined;
    const keys = new Map<string, string>();
    const wanted = new Set(sending.flatMap(relatedProductIdsOf));
    // The whole page, filtered-out products included: relations to them stay (sync-filters.ts).
    for (const p of page) {
      const key = productKeyOf(p, settings);
      if (key) keys.set(p.id, key);
    }
    const missing = [...wanted].filter((id) => !keys.has(id));
    if (missing.length > 0) {
      for (const p of await bluestone.getProductsByIds(missing, pass.context, { signal })) {
        const key = productKeyOf(p, settings);
        if (key) keys.set(p.id, key);
      }
    }
    return keys;
  }

  async function push(
    source: SyncSource,
    pass: ContextPlan,
    mapped: { id: string; result: MappedEntity }[],
    outcome: PageOutcome,
    signal?: AbortSignal,
  ): Promise<void> {
    const entities: OcctooEntity[] = [];
    const idByKey = new Map<string, string>();
    const media = new Map<string, OcctooEntity>();
    for (const { id, result } of mapped) {
      if (result.entity) {
        entities.push(result.entity);
        idByKey.set(result.entity.key, id);
      }
      if (result.setAside) {
        outcome.setAside.push({ source, context: pass.context, id, reason: result.setAside.reason });
      }
      for (const m of result.media) media.set(m.key, m);
      for (const warning of result.warnings) logger.warn(warning, { context: pass.context, source });
    }
    const options = {
      concurrency: tuning.importConcurrency,
      batchSize: config.occtoo.batchSize,
      correlationId: undefined,
      signal,
    };
    const target = source === 'products' ? config.occtoo.productsSource : config.occtoo.categoriesSource;
    const [pushed, pushedMedia] = await Promise.all([
      pushEntities(occtoo, target, entities, options),
      pushEntities(occtoo, config.occtoo.mediaSource, [...media.values()], options),
    ]);
    outcome.sent += pushed.sent;
    outcome.mediaSent += pushedMedia.sent;
    for (const s of pushed.setAside) {
      outcome.setAside.push({
        source,
        context: pass.context,
        id: idByKey.get(s.key) ?? s.key,
        reason: s.reason,
      });
    }
    for (const s of pushedMedia.setAside) {
      outcome.setAside.push({ source: 'media', context: pass.context, id: s.key, reason: s.reason });
    }
  }

  /**
   * SYNC_LABELS_EXCLUDE: deletes the products under the key they would be sent with, so it works
   * with either PRODUCT_KEY. A product without a key was never sent and needs no delete.
   */
  async function deleteProducts(
    pass: ContextPlan,
    products: Product[],
    outcome: PageOutcome,
    signal?: AbortSignal,
  ): Promise<void> {
    const idByKey = new Map<string, string>();
    for (const p of products) {
      const key = productKeyOf(p, settings);
      if (key !== undefined) idByKey.set(key, p.id);
    }
    if (idByKey.size === 0) return;
    const deletes = [...idByKey.keys()].map(deleteEntity);
    const pushed = await pushEntities(occtoo, config.occtoo.productsSource, deletes, {
      concurrency: tuning.importConcurrency,
      batchSize: config.occtoo.batchSize,
      signal,
    });
    outcome.deleted += pushed.sent;
    for (const s of pushed.setAside) {
      outcome.setAside.push({
        source: 'products',
        context: pass.context,
        id: idByKey.get(s.key) ?? s.key,
        reason: `not deleted (SYNC_LABELS_EXCLUDE): ${s.reason}`,
      });
    }
  }

  return {
    async processProducts(
      pass: ContextPlan,
      products: Product[],
      signal?: AbortSignal,
    ): Promise<PageOutcome> {
      const outcome = emptyOutcome(products.length);
      // Filtered out before anything else: no media uploads, no media entities, no related-key reads.
      const { send, skipped, deleted } = filterProducts(products, config.filters);
      outcome.filtered += skipped.length + deleted.length;
      if (outcome.filtered > 0) {
        logger.debug('Sync filters kept products out', {
          context: pass.context,
          skipped: skipped.map((s) => `${s.product.id}: ${s.reason}`),
          deleted: deleted.map((d) => `${d.product.id}: ${d.reason}`),
        });
      }
      const [occtooFiles, relatedKeys] = await Promise.all([
        occtooFilesFor(pass, send, outcome, signal),
        relatedKeysFor(pass, send, products, signal),
      ]);
      const mapped = send.map((p) => ({
        id: p.id,
        result: mapProduct(p, pass, settings, { occtooFiles, relatedKeys }),
      }));
      const labelled = deleted.map((d) => d.product);
      await Promise.all([
        push('products', pass, mapped, outcome, signal),
        deleteProducts(pass, labelled, outcome, signal),
      ]);
      return outcome;
    },

    async processCategories(
      pass: ContextPlan,
      categories: Category[],
      signal?: AbortSignal,
    ): Promise<PageOutcome> {
      const outcome = emptyOutcome(categories.length);
      const occtooFiles = await occtooFilesFor(pass, categories, outcome, signal);
      const mapped = categories.map((c) => ({
        id: c.id,
        result: mapCategory(withSyncedAttributes(c, config.filters), pass, settings, { occtooFiles }),
      }));
      await push('categories', pass, mapped, outcome, signal);
      return outcome;
    },
  };
}

export type PageProcessor = ReturnType<typeof createPageProcessor>;
