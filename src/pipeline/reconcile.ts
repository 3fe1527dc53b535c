import type { BluestoneClient } from '../bluestone/client';
import { allContexts, type Config } from '../config';
import type { Logger } from '../logger';
import { ApiError, FailureType } from '../http/api-error';
import { mapWithConcurrency } from '../http/concurrency';
import { categoryKeyOf, deleteEntity, productKeyOf } from '../mapping';
import { decideProduct } from '../mapping/filters';
import type { OcctooClient } from '../occtoo/client';
import { pushEntities } from '../occtoo/push';
import type { OcctooEntity } from '../occtoo/types';
import {
  RECONCILE_SAMPLE_SIZE,
  type KeyTally,
  type Reconciliation,
  type SourceReconciliation,
} from '../shared/reconciliation';
import type { SightingQuery, SyncRecord, UnseenKey } from '../state/record';
import { recordCleared, recordDeleted } from '../telemetry';
import { vanishedProperties } from './record-diff';

/**
 * Reconciliation (issue #13): after a full sync read a whole source, what this service sent to it
 * earlier and the run did not see is what Bluestone no longer publishes. A key seen in no language
 * read is deleted (and forgotten); a key seen in some languages has the values of the others
 * cleared (and those rows forgotten). Only keys in the record are touched, so entities other
 * providers wrote into the same data source stay. Media entities no entity read shows any more
 * are deleted with their Occtoo files, when MEDIA_DELETE asks for it.
 *
 * Not seen is not proof of gone: PAPI's product cursor can skip products when earlier ones are
 * removed during the run (bluestone-papi.md §4.2). So every delete and clear is first confirmed
 * by reading the candidates by id, batch by batch; what Bluestone still serves is kept.
 */

/** The reads that confirm a candidate is really gone. */
export type BluestoneReads = Pick<BluestoneClient, 'getProductsByIds' | 'getCategory'>;

export interface ReconcileDeps {
  config: Config;
  logger: Logger;
  occtoo: OcctooClient;
  bluestone: BluestoneReads;
  record?: SyncRecord;
  tuning?: { importConcurrency: number; mediaConcurrency: number };
}

/** What a full sync covered, as its workflow knows it. */
export interface ReconcileScope {
  categories: boolean;
  products: boolean;
  contexts: string[];
}

export interface ReconcileInput {
  /** The full sync's first run id: what the record marks as seen by it. */
  runId: string;
  /** When the full sync started (epoch ms): rows written since are newer syncs', never removed. */
  startedAt: number;
  scope: ReconcileScope;
  dryRun?: boolean;
}

/** Keys reconciled per batch: one look-up, one import per action, one forget. */
export const RECONCILE_BATCH_KEYS = 200;

/** Heartbeat details of the reconcile activity: where to resume after a crash. */
export interface ReconcileCheckpoint {
  /** The source being reconciled (index into `plan.sources`). */
  sourceIndex: number;
  /** The last key handled in it. */
  after?: string;
  /** What was removed so far. */
  done: SourceReconciliation[];
}

interface Target {
  source: string;
  kind: SourceReconciliation['kind'];
  languages: string[];
}

/** The sources a full sync of this scope reconciles, and why it leaves the others alone. */
export function reconcileTargets(
  config: Config,
  scope: ReconcileScope,
  hasRecord: boolean,
): { targets: Target[]; skipped: Reconciliation['skipped'] } {
  const { productsSource, categoriesSource, mediaSource } = config.occtoo;
  const contexts = allContexts(config);
  const languages = contexts.map((c) => c.language);
  if (!hasRecord) {
    return {
      targets: [],
      skipped: [productsSource, categoriesSource, mediaSource].map((source) => ({
        source,
        reason: 'no record of what was sent (DATABASE_URL): nothing is known to remove',
      })),
    };
  }
  const whole = contexts.every((c) => scope.contexts.includes(c.context));
  const partly = `the run read only ${scope.contexts.join(', ')} of the configured contexts ${contexts.map((c) => c.context).join(', ')}`;
  const targets: Target[] = [];
  const skipped: Reconciliation['skipped'] = [];
  for (const [kind, source, read] of [
    ['categories', categoriesSource, scope.categories],
    ['products', productsSource, scope.products],
  ] as const) {
    if (!read) continue;
    if (whole) targets.push({ source, kind, languages });
    else skipped.push({ source, reason: partly });
  }
  // Products and categories both show media: only a run that read both knows what nothing shows.
  if (config.mapping.handleMedia !== 'ignore') {
    const reason = !config.sync.mediaDelete
      ? 'MEDIA_DELETE is off: media entities stay'
      : !(scope.categories && scope.products)
        ? 'media are reconciled only by a full sync of categories and products'
        : !whole
          ? partly
          : undefined;
    if (reason) skipped.push({ source: mediaSource, reason });
    else targets.push({ source: mediaSource, kind: 'media', languages: [contexts[0].language] });
  }
  return { targets, skipped };
}

function queryOf(input: ReconcileInput, target: Target): SightingQuery {
  return {
    source: target.source,
    languages: target.languages,
    runId: input.runId,
    startedAt: input.startedAt,
    dryRun: input.dryRun,
  };
}

/** Counts what reconciliation would remove, source by source; removes nothing. */
export async function planReconciliation(
  deps: ReconcileDeps,
  input: ReconcileInput,
): Promise<Reconciliation> {
  const { config, record } = deps;
  const { targets, skipped } = reconcileTargets(config, input.scope, record !== undefined);
  const sources: SourceReconciliation[] = [];
  for (const target of targets) {
    const tally = await record!.unseenTally(queryOf(input, target), RECONCILE_SAMPLE_SIZE);
    sources.push({
      source: target.source,
      kind: target.kind,
      recorded: tally.recorded,
      deleted: tally.gone,
      cleared: tally.languages,
    });
  }
  return { state: 'planned', sources, skipped, maxPercent: config.sync.pruneMaxPercent };
}

function emptyTally(): KeyTally {
  return { count: 0, samples: [] };
}

function add(tally: KeyTally, keys: string[]): void {
  tally.count += keys.length;
  const fresh = keys.filter((k) => !tally.samples.includes(k));
  tally.samples.push(...fresh.slice(0, Math.max(0, RECONCILE_SAMPLE_SIZE - tally.samples.length)));
}

/** Categories read at once while confirming (one request each). */
const CATEGORY_CONFIRM_CONCURRENCY = 8;

/** A 404 about the entity itself, not about the context (which must never read as "every entity gone"). */
function isAbsent(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    err.type === FailureType.BluestoneNotFound &&
    !/^Bluestone (has no context|context ")/.test(err.message)
  );
}

/**
 * Of these candidates for a delete or clear, the keys Bluestone still serves in `context` under
 * the same key, read by id (products: one request per 100). Absent means gone; so does a
 * product SYNC_LABELS_EXCLUDE removes or whose number (PRODUCT_KEY=number) no longer gives this
 * key. Any other error is thrown: nothing of the batch is removed, and the activity is retried.
 */
export async function stillServedKeys(
  deps: Pick<ReconcileDeps, 'bluestone' | 'config'>,
  kind: 'products' | 'categories',
  context: string,
  candidates: Pick<UnseenKey, 'key' | 'bluestoneId'>[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const { bluestone, config } = deps;
  const served = new Set<string>();
  if (candidates.length === 0) return served;
  if (kind === 'products') {
    const ids = candidates.map((c) => c.bluestoneId);
    const byId = new Map((await bluestone.getProductsByIds(ids, context, { signal })).map((p) => [p.id, p]));
    for (const c of candidates) {
      const p = byId.get(c.bluestoneId);
      if (
        p &&
        decideProduct(p, config.filters).action !== 'delete' &&
        productKeyOf(p, config.mapping) === c.key
      )
        served.add(c.key);
    }
    return served;
  }
  await mapWithConcurrency(candidates, CATEGORY_CONFIRM_CONCURRENCY, async (c) => {
    try {
      const category = await bluestone.getCategory(c.bluestoneId, context, 0, { signal });
      if (categoryKeyOf(category) === c.key) served.add(c.key);
    } catch (err) {
      if (!isAbsent(err)) throw err;
    }
  });
  return served;
}

/** What has been removed from a source so far: the plan's shape, with counts from zero. */
function started(planned: SourceReconciliation): SourceReconciliation {
  return {
    ...planned,
    deleted: emptyTally(),
    cleared: planned.cleared.map((c) => ({ ...c, ...emptyTally() })),
    refused: emptyTally(),
    stillServed: emptyTally(),
    ...(planned.kind === 'media' ? { filesDeleted: 0 } : {}),
  };
}

/**
 * Removes what the plan counted, in batches of keys in key order; `beat` receives a checkpoint
 * after every batch, and a retry given the last one resumes after it. Each batch is confirmed
 * with Bluestone first (`stillServedKeys`): what it still serves is neither deleted nor cleared,
 * only counted as `stillServed` and left in the record for the next full sync. Deletes and
 * clears Occtoo refuses stay in the record, so the next full sync tries them again.
 *
 * With `dryRun` it confirms and counts the same way, and touches nothing in Occtoo or the record
 * (state stays `planned`): the dry run's report gives the counts a real run would reach.
 */
export async function applyReconciliation(
  deps: ReconcileDeps,
  input: ReconcileInput & { plan: Reconciliation },
  options: {
    resumed?: ReconcileCheckpoint;
    beat?: (checkpoint: ReconcileCheckpoint) => void;
    signal?: AbortSignal;
  } = {},
): Promise<Reconciliation> {
  const { config, logger, occtoo, record } = deps;
  const { plan } = input;
  const dryRun = input.dryRun === true;
  const checkpoint: ReconcileCheckpoint = options.resumed ?? {
    sourceIndex: 0,
    done: plan.sources.map(started),
  };
  const finalState = dryRun ? 'planned' : 'done';
  if (!record) return { ...plan, state: finalState, sources: checkpoint.done };
  const push = {
    concurrency: deps.tuning?.importConcurrency ?? 4,
    batchSize: config.occtoo.batchSize,
    // The full sync's id (its first run): its removals carry the same correlationId as its sends.
    correlationId: input.runId,
    signal: options.signal,
  };
  const contexts = allContexts(config);
  const contextOf = (language: string): string => {
    const found = contexts.find((c) => c.language === language);
    // The languages come from this configuration (reconcileTargets): a miss is a bug, never a delete.
    if (!found) throw new Error(`No configured context has the Occtoo language "${language}"`);
    return found.context;
  };

  /** Imports removals; returns the keys Occtoo accepted, and counts those it refused. */
  async function send(source: string, entities: OcctooEntity[], done: SourceReconciliation) {
    if (entities.length === 0 || dryRun) return entities.map((e) => e.key);
    const pushed = await pushEntities(occtoo, source, entities, push);
    const refused = new Set(pushed.setAside.map((s) => s.key));
    if (refused.size > 0) {
      add(done.refused!, [...refused]);
      logger.warn('Occtoo refused to remove entities Bluestone no longer publishes', {
        source,
        refused: pushed.setAside.slice(0, RECONCILE_SAMPLE_SIZE),
      });
    }
    return entities.map((e) => e.key).filter((k) => !refused.has(k));
  }

  async function deleteFiles(assetIds: string[], done: SourceReconciliation) {
    if (dryRun) return;
    const uploads = await record!.uploadsOfAssets(assetIds);
    if (uploads.length === 0) return;
    await mapWithConcurrency(uploads, deps.tuning?.mediaConcurrency ?? 8, (u) =>
      occtoo.deleteFile(u.fileId, options.signal),
    );
    await record!.forgetUploads(uploads.map((u) => u.uniqueIdentifier));
    done.filesDeleted = (done.filesDeleted ?? 0) + uploads.length;
  }

  /**
   * Of one batch, what Bluestone still serves: keys to delete (read in the default context) and,
   * per language, keys to clear (read in that language's context). Media have no read by id:
   * the media source is skipped instead when anything was kept (see `mediaLeftAlone`).
   */
  async function confirm(target: SourceReconciliation, batch: UnseenKey[], done: SourceReconciliation) {
    const served = { gone: new Set<string>(), byLanguage: new Map<string, Set<string>>() };
    if (target.kind === 'media') return served;
    const read = (context: string, candidates: UnseenKey[]) =>
      stillServedKeys(deps, target.kind as 'products' | 'categories', context, candidates, options.signal);
    served.gone = await read(
      contexts[0].context,
      batch.filter((k) => k.gone),
    );
    for (const { language } of done.cleared) {
      const candidates = batch.filter((k) => !k.gone && k.unseen.some((u) => u.language === language));
      if (candidates.length > 0) served.byLanguage.set(language, await read(contextOf(language), candidates));
    }
    const kept = [...served.byLanguage.values()].reduce((n, keys) => n + keys.size, served.gone.size);
    if (kept > 0) {
      add(done.stillServed!, [...served.gone]);
      for (const keys of served.byLanguage.values()) add(done.stillServed!, [...keys]);
      logger.warn(
        'Bluestone still serves entities the full sync did not list (its product cursor can skip some): kept, not removed',
        {
          source: target.source,
          dryRun,
          delete: [...served.gone].slice(0, RECONCILE_SAMPLE_SIZE),
          clear: Object.fromEntries(
            [...served.byLanguage]
              .filter(([, keys]) => keys.size > 0)
              .map(([language, keys]) => [language, [...keys].slice(0, RECONCILE_SAMPLE_SIZE)]),
          ),
        },
      );
    }
    return served;
  }

  async function reconcileBatch(
    target: SourceReconciliation,
    batch: UnseenKey[],
    done: SourceReconciliation,
  ) {
    const served = await confirm(target, batch, done);
    const gone = batch.filter((k) => k.gone && !served.gone.has(k.key));
    const deleted = await send(
      target.source,
      gone.map((k) => deleteEntity(k.key)),
      done,
    );
    // Files before the record forgets the entity: a retry after a crash finds the key again.
    if (target.kind === 'media' && config.mapping.handleMedia === 'occtoo') {
      const deletedKeys = new Set(deleted);
      await deleteFiles(
        gone.filter((k) => deletedKeys.has(k.key)).map((k) => k.bluestoneId),
        done,
      );
    }
    if (!dryRun) {
      await record!.forget(target.source, deleted);
      recordDeleted(target.source, deleted.length);
    }
    add(done.deleted, deleted);
    for (const language of done.cleared) {
      const kept = served.byLanguage.get(language.language);
      const rows = batch.flatMap((k) =>
        k.gone || kept?.has(k.key)
          ? []
          : k.unseen.filter((u) => u.language === language.language).map((u) => ({ key: k.key, ...u })),
      );
      if (rows.length === 0) continue;
      const clears = rows
        .filter((r) => r.properties.length > 0)
        .map((r) => ({
          key: r.key,
          properties: vanishedProperties(r.properties, [], config.mapping.clearWith),
        }));
      const accepted = new Set(await send(target.source, clears, done));
      // A row with nothing recorded has nothing to clear: forgotten all the same.
      const cleared = rows.filter((r) => r.properties.length === 0 || accepted.has(r.key)).map((r) => r.key);
      if (!dryRun) {
        await record!.forgetLanguage(target.source, language.language, cleared);
        recordCleared(target.source, cleared.length);
      }
      add(language, cleared);
    }
  }

  for (; checkpoint.sourceIndex < plan.sources.length; checkpoint.sourceIndex++) {
    const target = plan.sources[checkpoint.sourceIndex];
    const done = checkpoint.done[checkpoint.sourceIndex];
    const query = queryOf(input, {
      source: target.source,
      kind: target.kind,
      languages: target.cleared.map((c) => c.language),
    });
    const work = target.deleted.count > 0 || target.cleared.some((c) => c.count > 0);
    if (work && !mediaLeftAlone(checkpoint.done, checkpoint.sourceIndex)) {
      for (;;) {
        options.signal?.throwIfAborted();
        const batch = await record.unseenKeys(query, checkpoint.after, RECONCILE_BATCH_KEYS);
        if (batch.length === 0) break;
        await reconcileBatch(target, batch, done);
        checkpoint.after = batch[batch.length - 1].key;
        options.beat?.(checkpoint);
      }
    }
    checkpoint.after = undefined;
    options.beat?.(checkpoint);
  }
  const leftAlone = checkpoint.done.flatMap((s, i) =>
    mediaLeftAlone(checkpoint.done, i)
      ? [
          {
            source: s.source,
            reason:
              'Bluestone still serves entities the run did not list, so the media they show were not seen: media are left for the next full sync',
          },
        ]
      : [],
  );
  const result: Reconciliation = {
    ...plan,
    state: finalState,
    sources: checkpoint.done,
    skipped: [...plan.skipped, ...leftAlone],
  };
  logger.info(
    dryRun
      ? 'Confirmed with Bluestone what a full sync would remove'
      : 'Reconciled Occtoo with what Bluestone publishes',
    {
      sources: result.sources.map((s) => ({
        source: s.source,
        deleted: s.deleted.count,
        cleared: Object.fromEntries(s.cleared.map((c) => [c.language, c.count])),
        refused: s.refused?.count ?? 0,
        stillServed: s.stillServed?.count ?? 0,
        ...(s.filesDeleted ? { filesDeleted: s.filesDeleted } : {}),
      })),
    },
  );
  return result;
}

/**
 * True for a media source after a source whose deletes or clears Bluestone still serves: the
 * media those entities show were not seen by the run, so deleting "unseen" media could remove
 * media still shown. Media removal waits for a run that listed everything.
 */
function mediaLeftAlone(done: SourceReconciliation[], index: number): boolean {
  return done[index].kind === 'media' && done.slice(0, index).some((s) => (s.stillServed?.count ?? 0) > 0);
}
