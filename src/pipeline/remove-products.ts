import type { BluestoneClient } from '../bluestone/client';
import { allContexts, type Config } from '../config';
import type { Logger } from '../logger';
import { sanitizeKey } from '../mapping';
import { decideProduct } from '../mapping/filters';
import type { OcctooClient } from '../occtoo/client';
import { pushEntities } from '../occtoo/push';
import type { ContextPlan, SetAsideEntity } from '../shared/sync-types';
import type { SyncRecord } from '../state/record';
import { recordCleared } from '../telemetry';
import { deleteEntities } from './delete-entities';
import { deleteMediaNoLongerShown } from './media-references';
import { vanishedProperties } from './record-diff';

/**
 * Removing products Bluestone no longer serves in one context (issue #13): an unpublish (a
 * `DELETE` difference) and a resync of a product that is gone. Occtoo holds one entity per
 * product for every language, so only the default context's absence deletes it; an additional
 * context's absence clears that language's values, as reconciliation does (reconcile.ts).
 */

export interface RemoveDeps {
  config: Config;
  logger: Logger;
  occtoo: OcctooClient;
  /** Confirms, before a language is cleared, that the default context still serves the product. */
  bluestone: Pick<BluestoneClient, 'getProductsByIds'>;
  record?: SyncRecord;
  importConcurrency?: number;
}

export interface ProductRemoval {
  /** Bluestone ids whose entity was deleted (under every key recorded for them). */
  deleted: string[];
  /** Bluestone ids whose values in the pass's language were cleared. */
  cleared: string[];
  /** Products not removed, and why (refused by Occtoo, or no key known). */
  setAside: SetAsideEntity[];
}

/**
 * Removes these products from Occtoo as absent from `pass`'s context: in the default context the
 * entity is deleted under every key the record holds for the id (keyed by id without a record:
 * the id's key, as before the record; keyed by number: set aside, the number being unknown) and
 * forgotten; in an additional context the language's recorded values are cleared and that
 * language's rows forgotten. The caller has confirmed that Bluestone no longer serves them.
 */
export async function removeProducts(
  deps: RemoveDeps,
  pass: ContextPlan,
  bluestoneIds: string[],
  signal?: AbortSignal,
  options: {
    /**
     * Delete only keys the record holds (a resync: an id never sent is reported, not deleted).
     * Otherwise, keyed by id, an id with nothing recorded is deleted under its key all the same.
     */
    recordedOnly?: boolean;
  } = {},
): Promise<ProductRemoval> {
  const { config, record } = deps;
  const ids = [...new Set(bluestoneIds)];
  const removal: ProductRemoval = { deleted: [], cleared: [], setAside: [] };
  if (ids.length === 0) return removal;
  const source = config.occtoo.productsSource;
  const rows = record ? await record.sentOfIds(source, ids) : [];
  const setAside = (id: string, reason: string) =>
    removal.setAside.push({ source: 'products', context: pass.context, id, reason });

  if (pass.isDefault) {
    const keysOf = new Map<string, string[]>();
    for (const id of ids) {
      const recorded = [...new Set(rows.filter((r) => r.bluestoneId === id).map((r) => r.key))];
      if (recorded.length > 0) keysOf.set(id, recorded);
      else if (options.recordedOnly && record) continue;
      else if (config.mapping.productKey === 'id') keysOf.set(id, [sanitizeKey(id)]);
      else
        setAside(
          id,
          'not deleted: with PRODUCT_KEY=number its Occtoo key (the number) is known only from the record, which holds nothing for it (never sent by this deployment, or the record was lost); delete it in Occtoo by hand if it is there',
        );
    }
    const removed = await deleteEntities(
      {
        occtoo: deps.occtoo,
        record,
        batchSize: config.occtoo.batchSize,
        importConcurrency: deps.importConcurrency,
      },
      source,
      [...keysOf.values()].flat(),
      signal,
    );
    const refused = new Map(removed.refused.map((r) => [r.key, r.reason]));
    for (const [id, keys] of keysOf) {
      const why = keys.filter((k) => refused.has(k)).map((k) => `${k}: ${refused.get(k)}`);
      if (why.length === 0) removal.deleted.push(id);
      else setAside(id, `not deleted: Occtoo refused the delete (${why.join('; ')})`);
    }
    // MEDIA_DELETE: media only these products showed go with them (their rows, read above).
    if (config.sync.mediaDelete && removal.deleted.length) {
      const tuning = { importConcurrency: deps.importConcurrency };
      await deleteMediaNoLongerShown(
        { config, occtoo: deps.occtoo, record, tuning },
        new Set(removal.deleted),
        rows,
        [],
      );
    }
  } else {
    // Gone from the default context too: its delete removes the entity, and a clear landing after
    // that delete (the contexts' syncs run side by side) would bring an empty entity back.
    const recorded = rows.filter((r) => r.language === pass.language);
    const inDefault = recorded.length
      ? await deps.bluestone.getProductsByIds(
          [...new Set(recorded.map((r) => r.bluestoneId))],
          allContexts(config)[0].context,
          { signal },
        )
      : [];
    const served = new Set(
      inDefault.filter((p) => decideProduct(p, config.filters).action !== 'delete').map((p) => p.id),
    );
    const language = recorded.filter((r) => served.has(r.bluestoneId));
    const clears = language
      .filter((r) => r.properties.length > 0)
      .map((r) => ({
        key: r.key,
        properties: vanishedProperties(r.properties, [], config.mapping.clearWith),
      }));
    const pushed = clears.length
      ? await pushEntities(deps.occtoo, source, clears, {
          concurrency: deps.importConcurrency ?? 4,
          batchSize: config.occtoo.batchSize,
          signal,
        })
      : { sent: 0, setAside: [] };
    const refused = new Map(pushed.setAside.map((s) => [s.key, s.reason]));
    recordCleared(source, clears.filter((c) => !refused.has(c.key)).length);
    // A row with nothing recorded has nothing to clear: forgotten all the same.
    await record?.forgetLanguage(
      source,
      pass.language,
      language.filter((r) => !refused.has(r.key)).map((r) => r.key),
    );
    for (const id of new Set(language.map((r) => r.bluestoneId))) {
      const why = language
        .filter((r) => r.bluestoneId === id && refused.has(r.key))
        .map((r) => `${r.key}: ${refused.get(r.key)}`);
      if (why.length === 0) removal.cleared.push(id);
      else setAside(id, `not cleared in ${pass.language}: Occtoo refused (${why.join('; ')})`);
    }
  }
  if (removal.deleted.length || removal.cleared.length || removal.setAside.length) {
    deps.logger.info('Removed products Bluestone no longer serves', {
      context: pass.context,
      deleted: removal.deleted,
      cleared: removal.cleared,
      notRemoved: removal.setAside.map((s) => `${s.id}: ${s.reason}`),
    });
  }
  return removal;
}
