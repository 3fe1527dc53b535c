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
  mediaKeyOf,
  mediaUniqueIdentifier,
  productKeyOf,
  relatedProductIdsOf,
  type MappedEntity,
  type OcctooFile,
} from '../mapping';
import { ensureMediaInOcctoo } from '../occtoo/media-upload';
import type { OcctooClient } from '../occtoo/client';
import { pushEntities } from '../occtoo/push';
import { filterProducts, withSyncedAttributes } from '../mapping/filters';
import type { SentEntity, SyncRecord } from '../state/record';
import type { Candidate } from './record-diff';
import { deleteEntities } from './delete-entities';
import { stillServedKeys } from './reconcile';
import {
  alsoClearOf,
  lastSentOf,
  letLookUpsStart,
  lookUpEarly,
  pageRun,
  pushAgainstRecord,
  recordPage,
  type EarlyLookup,
  type PageRun,
  type Sightings,
} from './recorded-push';

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

/** A page's record look-ups, started before its mapping (recorded-push.ts). */
interface PageLookups {
  entities?: EarlyLookup;
  media?: EarlyLookup;
  /**
   * PRODUCT_KEY=number, default pass: every key recorded for the page's products, so that a
   * product whose number changed has its entity under the old number deleted.
   */
  ownKeys?: Promise<SentEntity[]>;
}

/** One product or category as mapped for a pass, with what the record compares. */
interface Mapped {
  id: string;
  /** Its Occtoo key; undefined when it has none (then it is set aside). */
  key?: string;
  lastUpdate?: number;
  result: MappedEntity;
  /** The Occtoo keys of the media it shows (default pass): seen, even those left out of the page. */
  mediaKeys: string[];
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

  function targetOf(source: SyncSource): string {
    return source === 'products' ? config.occtoo.productsSource : config.occtoo.categoriesSource;
  }

  /** The media keys an owner shows, in the pass that sends media. */
  function mediaKeysOf(pass: ContextPlan, owner: Product | Category): string[] {
    if (!pass.isDefault || settings.handleMedia === 'ignore') return [];
    return mediaAssetsOf(owner).flatMap((m) => mediaKeyOf(m) ?? []);
  }

  /**
   * A dry run's media files: those the record says were uploaded; the others would be uploaded
   * (counted), and nothing is uploaded or looked up in Occtoo.
   */
  async function knownOcctooFiles(owners: { media: MediaAsset[] }[], outcome: PageOutcome) {
    const assets = owners.flatMap(mediaAssetsOf);
    const uploaded = record
      ? await record.uploadedMedia(assets.map(mediaUniqueIdentifier))
      : new Map<string, { fileId: string; publicUrl: string }>();
    const files = new Map<string, OcctooFile>();
    for (const asset of assets) {
      const file = uploaded.get(mediaUniqueIdentifier(asset));
      if (file) files.set(asset.id, { id: file.fileId, publicUrl: file.publicUrl });
    }
    outcome.mediaUploaded += new Set(assets.filter((a) => !files.has(a.id)).map((a) => a.id)).size;
    return files;
  }

  /** Starts the page's look-ups in the record: its entities' keys, and its media's in the default pass. */
  async function lookUpPage<T extends Product | Category>(
    source: SyncSource,
    pass: ContextPlan,
    owners: T[],
    keyOf: (owner: T) => string | undefined,
  ): Promise<PageLookups> {
    const lookups = {
      entities: lookUpEarly(record, targetOf(source), pass.language, owners.map(keyOf)),
      media: pass.isDefault
        ? lookUpEarly(
            record,
            config.occtoo.mediaSource,
            pass.language,
            owners.flatMap((o) => mediaAssetsOf(o).map(mediaKeyOf)),
          )
        : undefined,
    };
    const ownKeys =
      source === 'products' && record && settings.productKey === 'number' && pass.isDefault && owners.length
        ? record.sentOfIds(
            targetOf(source),
            owners.map((o) => o.id),
          )
        : undefined;
    // Awaited after the push; a page that fails before it must not leave an unhandled rejection.
    ownKeys?.catch(() => undefined);
    if (lookups.entities || lookups.media || ownKeys) await letLookUpsStart();
    return { ...lookups, ownKeys };
  }

  async function occtooFilesFor(
    pass: ContextPlan,
    owners: { media: MediaAsset[] }[],
    outcome: PageOutcome,
    signal: AbortSignal | undefined,
    run: PageRun,
  ): Promise<Map<string, OcctooFile> | undefined> {
    if (settings.handleMedia !== 'occtoo' || !pass.isDefault) return undefined;
    if (run.dryRun) return knownOcctooFiles(owners, outcome);
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
    lookups: PageLookups,
    signal?: AbortSignal,
    alsoSeen: { keys: string[]; bluestoneIds: string[]; mediaKeys: string[] } = {
      keys: [],
      bluestoneIds: [],
      mediaKeys: [],
    },
  ): Promise<SentEntity[]> {
    const candidates: Candidate[] = [];
    const idByKey = new Map<string, string>();
    const media = new Map<string, Candidate>();
    const kind = source === 'products' ? 'product' : 'category';
    // Served, but neither sent nor found unchanged: reconciliation must keep what Occtoo has of them.
    const seen = {
      keys: [...alsoSeen.keys],
      bluestoneIds: [...alsoSeen.bluestoneIds],
      mediaKeys: [...alsoSeen.mediaKeys],
    };
    for (const { id, key, lastUpdate, result, mediaKeys } of mapped) {
      seen.mediaKeys.push(...mediaKeys);
      // Set aside (no key, too large): neither sent nor cleared; the record keeps what Occtoo has.
      if (result.setAside) {
        outcome.setAside.push({ source, context: pass.context, id, reason: result.setAside.reason });
        if (key !== undefined) seen.keys.push(key);
        else seen.bluestoneIds.push(id);
      } else if (key !== undefined) {
        candidates.push({ key, bluestoneId: id, kind, entity: result.entity, lastUpdate, mediaKeys });
        idByKey.set(key, id);
      }
      for (const m of result.media) {
        const assetId = m.properties.find((p) => p.id === 'Id' && !p.language)?.value ?? m.key;
        media.set(m.key, { key: m.key, bluestoneId: assetId, kind: 'media', entity: m });
      }
      for (const warning of result.warnings) logger.warn(warning, { context: pass.context, source });
    }
    const target = targetOf(source);
    const sending =
      source === 'products'
        ? await guardProductKeys(pass, candidates, mapped, lookups, outcome, seen, signal)
        : candidates;
    const options = {
      concurrency: tuning.importConcurrency,
      batchSize: config.occtoo.batchSize,
      // The run's id (a full sync's first run, stable across continue-as-new): one per run in Occtoo.
      correlationId: run.runId,
      signal,
      dryRun: run.dryRun,
    };
    const settings = {
      language: pass.language,
      readAt: run.readAt,
      runId: run.runId,
      fullSyncRunId: run.fullSyncRunId,
      force: run.force,
      clearWith: config.mapping.clearWith,
    };
    const pushes = await Promise.all([
      pushAgainstRecord(
        occtoo,
        record,
        sending,
        { ...settings, source: target, alsoClear: alsoClearOf(run.superseded, target, pass.language) },
        options,
        lookups.entities,
      ),
      pushAgainstRecord(
        occtoo,
        record,
        [...media.values()],
        {
          ...settings,
          source: config.occtoo.mediaSource,
          alsoClear: alsoClearOf(run.superseded, config.occtoo.mediaSource, pass.language),
        },
        options,
        lookups.media,
      ),
    ]);
    const [pushed, pushedMedia] = pushes.map((p) => p.pushed);
    const refusedMedia = new Set(pushedMedia.setAside.map((s) => s.key));
    const sightings: Sightings[] = [
      {
        source: target,
        language: pass.language,
        keys: [...seen.keys, ...pushed.setAside.map((s) => s.key)],
        bluestoneIds: seen.bluestoneIds,
      },
      {
        source: config.occtoo.mediaSource,
        language: pass.language,
        // Media the page shows but did not send or find unchanged (left out, refused).
        keys: [...new Set(seen.mediaKeys)].filter((k) => !media.has(k) || refusedMedia.has(k)),
        bluestoneIds: [],
      },
    ].filter((s) => s.keys.length || s.bluestoneIds.length);
    const superseded = await recordPage(record, pushes, logger, { seen: sightings, dryRun: run.dryRun });
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
    if (lookups.ownKeys && !run.dryRun)
      await deleteOldNumbers(pass, sending, pushes[0], lookups.ownKeys, outcome, run.runId, signal);
    return superseded;
  }

  /**
   * Two Bluestone products must not share one Occtoo key (PRODUCT_KEY=number): Occtoo would merge
   * them into one entity. The first product keeps the key; a later one is set aside, naming both:
   * later on the same page, or when the record holds the key for another product that Bluestone
   * still serves with that number (read by id). When the other product no longer has the number
   * (changed, or gone), this one takes the key over. Returns the candidates to send.
   */
  async function guardProductKeys(
    pass: ContextPlan,
    candidates: Candidate[],
    mapped: Mapped[],
    lookups: PageLookups,
    outcome: PageOutcome,
    seen: { keys: string[]; bluestoneIds: string[] },
    signal?: AbortSignal,
  ): Promise<Candidate[]> {
    const what = settings.productKey === 'number' ? 'number' : 'key';
    const conflicts: { candidate: Candidate; reason: string }[] = [];
    const first = new Map<string, string>();
    const unique: Candidate[] = [];
    for (const c of candidates) {
      const holder = first.get(c.key);
      if (holder === undefined || holder === c.bluestoneId) {
        first.set(c.key, c.bluestoneId);
        unique.push(c);
      } else {
        conflicts.push({
          candidate: c,
          reason: `products ${holder} and ${c.bluestoneId} have the same ${what} "${c.key}" (the Occtoo key): ${c.bluestoneId} is set aside, ${holder} is sent; give one of them another ${what} in Bluestone`,
        });
      }
    }
    let sending = unique;
    if (record && settings.productKey === 'number' && unique.length) {
      const recorded = await lastSentOf(
        record,
        { source: config.occtoo.productsSource, language: pass.language },
        unique.map((c) => c.key),
        lookups.entities,
      );
      const onPage = new Set(mapped.map((m) => m.id));
      // Held by another product that is not on this page (there, it has another key now): still its?
      const held = unique.flatMap((c) => {
        const other = recorded.get(c.key)?.bluestoneId;
        return other !== undefined && other !== c.bluestoneId && !onPage.has(other)
          ? [{ candidate: c, other }]
          : [];
      });
      const served = await stillServedKeys(
        { bluestone, config },
        'products',
        pass.context,
        held.map((h) => ({ key: h.candidate.key, bluestoneId: h.other })),
        signal,
      );
      const refused = new Set<Candidate>();
      for (const { candidate, other } of held) {
        if (!served.has(candidate.key)) continue;
        refused.add(candidate);
        conflicts.push({
          candidate,
          reason: `products ${other} and ${candidate.bluestoneId} have the same number "${candidate.key}" (the Occtoo key): ${candidate.bluestoneId} is set aside, ${other} keeps the entity it was sent as; give one of them another number in Bluestone`,
        });
      }
      sending = unique.filter((c) => !refused.has(c));
    }
    for (const { candidate, reason } of conflicts) {
      outcome.setAside.push({ source: 'products', context: pass.context, id: candidate.bluestoneId, reason });
      // Still served: what Occtoo holds of it (under an earlier number) stays through reconciliation.
      seen.bluestoneIds.push(candidate.bluestoneId);
    }
    if (conflicts.length > 0) {
      logger.warn('Two Bluestone products map to one Occtoo key: the later one is set aside', {
        context: pass.context,
        conflicts: conflicts.map((c) => c.reason),
      });
    }
    return sending;
  }

  /**
   * PRODUCT_KEY=number, default pass: a product sent under its new number has the entity under
   * its old number deleted (and forgotten), once Occtoo holds the new one. Not an old key that
   * another product on this page now sends, nor one whose default row another product holds.
   */
  async function deleteOldNumbers(
    pass: ContextPlan,
    sent: Candidate[],
    pushedEntities: { pushed: { setAside: { key: string }[] } },
    ownKeys: Promise<SentEntity[]>,
    outcome: PageOutcome,
    correlationId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const refused = new Set(pushedEntities.pushed.setAside.map((s) => s.key));
    const keyOf = new Map(sent.filter((c) => !refused.has(c.key)).map((c) => [c.bluestoneId, c.key]));
    const pageKeys = new Set(sent.map((c) => c.key));
    const old = (await ownKeys).filter(
      (r) =>
        r.language === pass.language &&
        keyOf.has(r.bluestoneId) &&
        r.key !== keyOf.get(r.bluestoneId) &&
        !pageKeys.has(r.key),
    );
    if (old.length === 0) return;
    const removed = await deleteEntities(
      {
        occtoo,
        record,
        batchSize: config.occtoo.batchSize,
        importConcurrency: tuning.importConcurrency,
        correlationId,
      },
      config.occtoo.productsSource,
      old.map((r) => r.key),
      signal,
    );
    outcome.deleted += removed.deleted.length;
    const idOf = new Map(old.map((r) => [r.key, r.bluestoneId]));
    for (const r of removed.refused) {
      outcome.setAside.push({
        source: 'products',
        context: pass.context,
        id: idOf.get(r.key) ?? r.key,
        reason: `its number changed, but Occtoo refused to delete the entity under the old number "${r.key}": ${r.reason}`,
      });
    }
    logger.info('Product numbers changed: the entities under the old numbers were deleted', {
      context: pass.context,
      deleted: removed.deleted.map((key) => `${idOf.get(key)}: ${key} → ${keyOf.get(idOf.get(key)!)}`),
    });
  }

  /** The Bluestone ids of a page's entities whose record write a newer version refused. */
  function supersededIds(superseded: SentEntity[], source: SyncSource): string[] {
    return superseded.filter((e) => e.source === targetOf(source)).map((e) => e.bluestoneId);
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
    run: PageRun,
    signal?: AbortSignal,
  ): Promise<void> {
    const idByKey = new Map<string, string>();
    for (const p of products) {
      const key = productKeyOf(p, settings);
      if (key !== undefined) idByKey.set(key, p.id);
    }
    // A dry run deletes nothing: unseen, these count among reconciliation's deletes.
    if (idByKey.size === 0 || run.dryRun) return;
    const deletes = [...idByKey.keys()].map(deleteEntity);
    const pushed = await pushEntities(occtoo, config.occtoo.productsSource, deletes, {
      concurrency: tuning.importConcurrency,
      batchSize: config.occtoo.batchSize,
      correlationId: run.runId,
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
      const [lookups, occtooFiles, relatedKeys] = await Promise.all([
        lookUpPage('products', pass, send, (p) => productKeyOf(p, settings)),
        occtooFilesFor(pass, send, outcome, signal, run),
        relatedKeysFor(pass, send, products, signal),
      ]);
      const mapped = send.map((p) => ({
        id: p.id,
        key: productKeyOf(p, settings),
        lastUpdate: p.lastUpdate,
        result: mapProduct(p, pass, settings, { occtooFiles, relatedKeys }),
        mediaKeys: mediaKeysOf(pass, p),
      }));
      // Skipped by a filter, they stay in Occtoo as they are, and so do the media they show.
      const kept = skipped.map((s) => s.product);
      const keptKeys = kept.map((p) => productKeyOf(p, settings));
      const filteredOut = {
        keys: keptKeys.filter((k): k is string => k !== undefined),
        bluestoneIds: kept.filter((_, i) => keptKeys[i] === undefined).map((p) => p.id),
        mediaKeys: kept.flatMap((p) => mediaKeysOf(pass, p)),
      };
      const labelled = deleted.map((d) => d.product);
      const [superseded] = await Promise.all([
        push('products', pass, mapped, outcome, run, lookups, signal, filteredOut),
        deleteProducts(pass, labelled, outcome, run, signal),
      ]);
      if (!run.sendingAgain) {
        const ids = supersededIds(superseded, 'products');
        await sendAgain(
          ids,
          () => bluestone.getProductsByIds(ids, pass.context, { signal }),
          (again) => processor.processProducts(pass, again, signal, sendingAgain(run, superseded)),
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
      const [lookups, occtooFiles] = await Promise.all([
        lookUpPage('categories', pass, categories, categoryKeyOf),
        occtooFilesFor(pass, categories, outcome, signal, run),
      ]);
      const mapped = categories.map((c) => ({
        id: c.id,
        key: categoryKeyOf(c),
        result: mapCategory(withSyncedAttributes(c, config.filters), pass, settings, { occtooFiles }),
        mediaKeys: mediaKeysOf(pass, c),
      }));
      const superseded = await push('categories', pass, mapped, outcome, run, lookups, signal);
      if (!run.sendingAgain) {
        const ids = supersededIds(superseded, 'categories');
        await sendAgain(
          ids,
          () => Promise.all(ids.map((id) => bluestone.getCategory(id, pass.context, undefined, { signal }))),
          (again) => processor.processCategories(pass, again, signal, sendingAgain(run, superseded)),
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

/**
 * The run of a re-send: read now, by the same run, and not repeated. It also clears what the
 * superseded push sent and the current version lacks: the record (the newer version) does not
 * list those slots, yet the older push may have put them back in Occtoo.
 */
function sendingAgain(run: PageRun, superseded: SentEntity[]): Partial<PageRun> {
  return {
    runId: run.runId,
    fullSyncRunId: run.fullSyncRunId,
    // Forced: the record already holds this (newer) version, but Occtoo got the older push after it.
    force: true,
    dryRun: run.dryRun,
    sendingAgain: true,
    superseded,
  };
}
