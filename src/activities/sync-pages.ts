import type { Config } from '../config';
import type { Logger } from '../logger';
import type { ContextPlan, SetAsideEntity, SyncSource } from '../shared/sync-types';
import type { BluestoneClient } from './bluestone-client';
import type { Category, MediaAsset, Product } from './bluestone-types';
import {
  mapCategory,
  mapProduct,
  mediaAssetsOf,
  productKeyOf,
  relatedProductIdsOf,
  type MappedEntity,
  type OcctooFile,
} from './mapping';
import { ensureMediaInOcctoo } from './media-upload';
import type { OcctooClient } from './occtoo-client';
import type { OcctooEntity } from './occtoo-types';
import { pushEntities } from './push';

/** What pushing one page of products or categories did. */
export interface PageOutcome {
  read: number;
  sent: number;
  deleted: number;
  mediaUploaded: number;
  mediaSent: number;
  setAside: SetAsideEntity[];
}

export interface PageDeps {
  config: Config;
  logger: Logger;
  bluestone: BluestoneClient;
  occtoo: OcctooClient;
}

export function emptyOutcome(read = 0): PageOutcome {
  return { read, sent: 0, deleted: 0, mediaUploaded: 0, mediaSent: 0, setAside: [] };
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
  async function relatedKeysFor(pass: ContextPlan, products: Product[], signal?: AbortSignal) {
    if (settings.productKey !== 'number') return undefined;
    const keys = new Map<string, string>();
    const wanted = new Set(products.flatMap(relatedProductIdsOf));
    for (const p of products) {
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

  return {
    async processProducts(
      pass: ContextPlan,
      products: Product[],
      signal?: AbortSignal,
    ): Promise<PageOutcome> {
      const outcome = emptyOutcome(products.length);
      const [occtooFiles, relatedKeys] = await Promise.all([
        occtooFilesFor(pass, products, outcome, signal),
        relatedKeysFor(pass, products, signal),
      ]);
      const mapped = products.map((p) => ({
        id: p.id,
        result: mapProduct(p, pass, settings, { occtooFiles, relatedKeys }),
      }));
      await push('products', pass, mapped, outcome, signal);
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
        result: mapCategory(c, pass, settings, { occtooFiles }),
      }));
      await push('categories', pass, mapped, outcome, signal);
      return outcome;
    },
  };
}

export type PageProcessor = ReturnType<typeof createPageProcessor>;
