import type { Config } from '../config';
import type { Logger } from '../logger';
import {
  addCounts,
  emptyCounts,
  type ContextPlan,
  type SetAsideEntity,
  type SyncCounts,
  type SyncSource,
} from '../shared/sync-types';
import type { BluestoneClient } from '../bluestone/client';
import type { Category, MediaAsset, Product } from '../bluestone/types';
import {
  categoryKeyOf,
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
import { pushEntities } from '../occtoo/push';
import { filterProducts, withSyncedAttributes } from '../mapping/filters';
import type { SyncRecord } from '../state/record';
import type { Candidate } from './record-diff';
import { pageRun, pushAgainstRecord, recordPage, type PageRun } from './recorded-push';

/** What pushing one page of products or categories did (every entity set aside, uncapped). */
export interface PageOutcome extends SyncCounts {
  setAside: SetAsideEntity[];
}

export interface PageDeps {
  config: Config;
  logger: Logger;
  bluestone: BluestoneClient;
  occtoo: OcctooClient;
  /** What was sent before; absent (some tests, the benchmark's baseline): everything is sent. */
  record?: SyncRecord;
}

/** One product or category as mapped for a pass, with what the record compares. */
interface Mapped {
  id: string;
  /** Its Occtoo key; undefined when it has none (then it is set aside). */
  key?: string;
  lastUpdate?: number;
  result: MappedEntity;
}

export function emptyOutcome(read = 0): PageOutcome {
  return { ...emptyCounts(read), setAside: [] };
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
  const { config, bluestone, occtoo, logger, record } = deps;
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
      uploadedBefore: record,
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
    mapped: Mapped[],
    outcome: PageOutcome,
    run: PageRun,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const candidates: Candidate[] = [];
    const idByKey = new Map<string, string>();
    const media = new Map<string, Candidate>();
    const kind = source === 'products' ? 'product' : 'category';
    for (const { id, key, lastUpdate, result } of mapped) {
      // Set aside (no key, too large): neither sent nor cleared; the record keeps what Occtoo has.
      if (result.setAside) {
        outcome.setAside.push({ source, context: pass.context, id, reason: result.setAside.reason });
      } else if (key !== undefined) {
        candidates.push({ key, bluestoneId: id, kind, entity: result.entity, lastUpdate });
        idByKey.set(key, id);
      }
      for (const m of result.media) {
        const assetId = m.properties.find((p) => p.id === 'Id' && !p.language)?.value ?? m.key;
        media.set(m.key, { key: m.key, bluestoneId: assetId, kind: 'media', entity: m });
      }
      for (const warning of result.warnings) logger.warn(warning, { context: pass.context, source });
    }
    const options = {
      concurrency: tuning.importConcurrency,
      batchSize: config.occtoo.batchSize,
      correlationId: undefined,
      signal,
    };
    const target = source === 'products' ? config.occtoo.productsSource : config.occtoo.categoriesSource;
    const settings = {
      language: pass.language,
      readAt: run.readAt,
      runId: run.runId,
      fullSyncRunId: run.fullSyncRunId,
      force: run.force,
      clearWith: config.mapping.clearWith,
    };
    const pushes = await Promise.all([
      pushAgainstRecord(occtoo, record, candidates, { ...settings, source: target }, options),
      pushAgainstRecord(
        occtoo,
        record,
        [...media.values()],
        { ...settings, source: config.occtoo.mediaSource },
        options,
      ),
    ]);
    const superseded = await recordPage(record, pushes, logger);
    const [pushed, pushedMedia] = pushes.map((p) => p.pushed);
    outcome.sent += pushed.sent;
    // Not sent because Occtoo already holds this version (or a newer one).
    outcome.unchanged += pushes[0].diff.unchanged.length + pushes[0].diff.older.length;
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
    return superseded.filter((e) => e.source === target).map((e) => e.bluestoneId);
  }

  /**
   * Never roll back, the narrow case: a newer version was recorded between this page's look-up and
   * its push, so Occtoo may hold the older one now. Read those entities again and send what
   * Bluestone serves now (once: a further race is as unlikely as it is repaired by the next sync).
   */
  async function sendAgain<T>(
    ids: string[],
    read: () => Promise<T[]>,
    process: (items: T[]) => Promise<PageOutcome>,
    outcome: PageOutcome,
    pass: ContextPlan,
  ): Promise<void> {
    if (ids.length === 0) return;
    logger.info('A newer version was recorded while this page was pushed: sending the current one', {
      context: pass.context,
      ids,
    });
    const again = await process(await read());
    // Read again, not read anew: `read` counts the page once.
    addCounts(outcome, { ...again, read: 0 });
    outcome.setAside.push(...again.setAside);
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
    const refused = new Set(pushed.setAside.map((s) => s.key));
    // Deleted: forgotten, so that the product is sent in full if it comes back.
    await record?.forget(
      config.occtoo.productsSource,
      [...idByKey.keys()].filter((k) => !refused.has(k)),
    );
    for (const s of pushed.setAside) {
      outcome.setAside.push({
        source: 'products',
        context: pass.context,
        id: idByKey.get(s.key) ?? s.key,
        reason: `not deleted (SYNC_LABELS_EXCLUDE): ${s.reason}`,
      });
    }
  }

  const processor = {
    async processProducts(
      pass: ContextPlan,
      products: Product[],
      signal?: AbortSignal,
      given?: Partial<PageRun>,
    ): Promise<PageOutcome> {
      const run = pageRun(given);
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
        key: productKeyOf(p, settings),
        lastUpdate: p.lastUpdate,
        result: mapProduct(p, pass, settings, { occtooFiles, relatedKeys }),
      }));
      const labelled = deleted.map((d) => d.product);
      const [superseded] = await Promise.all([
        push('products', pass, mapped, outcome, run, signal),
        deleteProducts(pass, labelled, outcome, signal),
      ]);
      if (!run.sendingAgain) {
        await sendAgain(
          superseded,
          () => bluestone.getProductsByIds(superseded, pass.context, { signal }),
          (again) => processor.processProducts(pass, again, signal, sendingAgain(run)),
          outcome,
          pass,
        );
      }
      return outcome;
    },

    async processCategories(
      pass: ContextPlan,
      categories: Category[],
      signal?: AbortSignal,
      given?: Partial<PageRun>,
    ): Promise<PageOutcome> {
      const run = pageRun(given);
      const outcome = emptyOutcome(categories.length);
      const occtooFiles = await occtooFilesFor(pass, categories, outcome, signal);
      const mapped = categories.map((c) => ({
        id: c.id,
        key: categoryKeyOf(c),
        result: mapCategory(withSyncedAttributes(c, config.filters), pass, settings, { occtooFiles }),
      }));
      const superseded = await push('categories', pass, mapped, outcome, run, signal);
      if (!run.sendingAgain) {
        await sendAgain(
          superseded,
          () =>
            Promise.all(
              superseded.map((id) => bluestone.getCategory(id, pass.context, undefined, { signal })),
            ),
          (again) => processor.processCategories(pass, again, signal, sendingAgain(run)),
          outcome,
          pass,
        );
      }
      return outcome;
    },
  };
  return processor;
}

export type PageProcessor = ReturnType<typeof createPageProcessor>;

/** The run of a re-send: read now, by the same run, and not repeated. */
function sendingAgain(run: PageRun): Partial<PageRun> {
  return { runId: run.runId, fullSyncRunId: run.fullSyncRunId, force: run.force, sendingAgain: true };
}
