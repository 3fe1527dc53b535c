import type { Context } from '@temporalio/activity';
import { currentActivity } from '../telemetry';
import type { SyncDeps } from './deps';
import { allContexts } from '../config';
import {
  noticeProblem,
  shownValue,
  type ChunkResult,
  type ContextPlan,
  type SyncDoneNotice,
  type SyncLookup,
  type SyncLookupFailure,
} from '../shared/sync-types';
import { ApiError, FailureType, toActivityFailure } from '../http/api-error';
import { DIFFERENCES_PAGE_SIZE } from '../bluestone/client';
import type { Category, Difference } from '../bluestone/types';
import { sanitizeKey } from '../mapping';
import { runChunk } from '../pipeline/chunk';
import { numberedPageReader } from '../pipeline/page-stream';
import { mapWithConcurrency } from '../http/concurrency';
import { deleteEntities } from '../pipeline/delete-entities';
import { removeProducts } from '../pipeline/remove-products';
import { createPageProcessor, emptyOutcome, type PageOutcome } from '../pipeline/page-processor';

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

/** Sync lookups one coordinator call makes side by side. */
const LOOKUP_CONCURRENCY = 4;
const LOOKUP_KEEP_ALIVE_MS = 5_000;
/**
 * Attempts after which a sync whose lookup still gets an unreadable answer fails: a proxy's error
 * page passes, an answer Bluestone gives for this one sync every time does not.
 */
const LOOKUP_INVALID_RESPONSE_ATTEMPTS = 5;

/** Heartbeat details of lookupSyncs: the lookups done so far, by notice. */
interface LookupCheckpoint {
  lookups: (SyncLookup | null)[];
}

/**
 * Incremental sync: a Bluestone sync's differences, page by page, re-read in the sync's own
 * context and pushed with the full sync's mapping. Deletions are checked against Bluestone's
 * current state first, so a sync applied late never deletes what a newer sync brought back.
 */
export function createIncrementalSyncActivities(deps: SyncDeps) {
  const { config, bluestone, occtoo, logger, record } = deps;
  const pages = createPageProcessor(deps, deps.tuning);
  const plans = (): ContextPlan[] => allContexts(config).map((c, i) => ({ ...c, isDefault: i === 0 }));
  const removeDeps = { ...deps, importConcurrency: deps.tuning?.importConcurrency };
  const deleteDeps = {
    occtoo,
    record,
    batchSize: config.occtoo.batchSize,
    importConcurrency: deps.tuning?.importConcurrency,
  };

  /** Deletes categories by Bluestone id, under the keys they were sent with (sanitized ids). */
  async function deleteCategories(
    pass: ContextPlan,
    ids: string[],
    outcome: PageOutcome,
    signal?: AbortSignal,
  ) {
    const idOfKey = new Map(ids.map((id) => [sanitizeKey(id), id]));
    const source = config.occtoo.categoriesSource;
    const removed = await deleteEntities(deleteDeps, source, [...idOfKey.keys()], signal);
    outcome.deleted += removed.deleted.length;
    for (const s of removed.refused)
      outcome.setAside.push({
        source: 'categories',
        context: pass.context,
        id: idOfKey.get(s.key) ?? s.key,
        reason: s.reason,
      });
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
    // Unpublished: deleted in the default context, that language cleared in another one
    // (DELETE_ON_UNPUBLISH=false keeps them all).
    if (gone.length && config.sync.deleteOnUnpublish) {
      const removed = await removeProducts(removeDeps, pass, gone, signal);
      outcome.deleted += removed.deleted.length;
      // A clear is a send of nulls.
      outcome.sent += removed.cleared.length;
      outcome.setAside.push(...removed.setAside);
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
    if (gone.length && pass.isDefault) await deleteCategories(pass, gone, outcome, signal);
    return outcome;
  }

  /** One notice's lookup: found, skipped, or failed for good; throws only on an outage (retried). */
  async function lookUp(
    { syncId, context }: Pick<SyncDoneNotice, 'syncId' | 'context'>,
    configured: ContextPlan[],
    ctx: Context | undefined,
  ): Promise<SyncLookup> {
    const invalid = noticeProblem({ syncId, context });
    if (invalid)
      return { syncId, context, failure: { type: FailureType.InvalidSyncNotice, message: invalid } };
    let info;
    try {
      info = await bluestone.getSync(syncId, { signal: ctx?.cancellationSignal });
    } catch (err) {
      const failure = lookupFailure(err, syncId, ctx);
      if (!failure) throw toActivityFailure(err);
      logger.warn('Sync lookup failed; the sync is marked failed', {
        syncId,
        context,
        failure: failure.type,
      });
      return { syncId, context, failure };
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
  }

  return {
    /**
     * What the coordinator needs before it orders syncs: each sync's creation time and context
     * plan, or why it is skipped (an unconfigured context), or why its lookup failed for good
     * (Bluestone refused or does not know the id, an id that cannot be sent): each notice is
     * classified on its own, so one bad notice never fails the others. Only an outage throws
     * (retried); what was looked up before it is kept in the heartbeat, so a retry resumes.
     */
    async lookupSyncs(input: {
      notices: Pick<SyncDoneNotice, 'syncId' | 'context'>[];
    }): Promise<SyncLookup[]> {
      const configured = plans();
      const ctx = currentActivity();
      const resumed = ctx?.info.heartbeatDetails as LookupCheckpoint | undefined;
      const lookups: (SyncLookup | null)[] =
        resumed?.lookups?.length === input.notices.length ? resumed.lookups : input.notices.map(() => null);
      const beat = () => ctx?.heartbeat({ lookups } satisfies LookupCheckpoint);
      // A call waiting out Bluestone's retries still shows the worker alive.
      const keepAlive = ctx && setInterval(beat, LOOKUP_KEEP_ALIVE_MS);
      try {
        await mapWithConcurrency(input.notices, LOOKUP_CONCURRENCY, async (notice, i) => {
          if (lookups[i]) return;
          lookups[i] = await lookUp(notice, configured, ctx);
          beat();
        });
      } finally {
        if (keepAlive) clearInterval(keepAlive);
      }
      return lookups as SyncLookup[];
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
  };
}

/**
 * Why a sync's lookup can never succeed as it stands, or undefined for an outage (to be retried):
 * Bluestone's 400, 401/403 and 404, an id that cannot go into a URL, and an answer that stays
 * unreadable attempt after attempt.
 */
function lookupFailure(
  err: unknown,
  syncId: string,
  ctx: Context | undefined,
): SyncLookupFailure | undefined {
  if (ctx?.cancellationSignal.aborted) return undefined;
  if (err instanceof ApiError) {
    if (err.type === FailureType.BluestoneNotFound) {
      return {
        type: err.type,
        message: `Bluestone has no sync "${syncId}": the webhook named an unknown sync id (${err.message})`,
      };
    }
    if (!err.retryable) return { type: err.type, message: err.message };
    if (
      err.type === FailureType.InvalidResponse &&
      (ctx?.info.attempt ?? 1) >= LOOKUP_INVALID_RESPONSE_ATTEMPTS
    )
      return { type: err.type, message: err.message };
    return undefined;
  }
  if (err instanceof URIError) {
    return {
      type: FailureType.InvalidSyncNotice,
      message: `sync id ${shownValue(syncId)} cannot be sent to Bluestone (${err.message})`,
    };
  }
  // Anything else (a bug, a failure no retry fixes): the sync fails with it, the queue moves on.
  const e = err instanceof Error ? err : new Error(String(err));
  return { type: e.name || 'Error', message: `looking up sync ${shownValue(syncId)} failed: ${e.message}` };
}
