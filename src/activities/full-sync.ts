import { Context } from '@temporalio/activity';
import type { SyncDeps } from './deps';
import { allContexts } from '../config';
import type { ChunkResult, ContextPlan } from '../shared/sync-types';
import { ApiError, FailureType, toActivityFailure } from '../http/api-error';
import { CATEGORY_PAGE_SIZE, PRODUCT_PAGE_SIZE } from '../bluestone/client';
import { runChunk } from '../pipeline/chunk';
import { numberedPageReader } from '../pipeline/page-stream';
import type { Category, Product } from '../bluestone/types';
import { createPageProcessor } from '../pipeline/page-processor';
import {
  applyReconciliation,
  planReconciliation,
  type ReconcileCheckpoint,
  type ReconcileInput,
} from '../pipeline/reconcile';
import {
  pruneRefusal,
  RECONCILE_SAMPLE_SIZE,
  type DryRunReport,
  type Reconciliation,
} from '../shared/reconciliation';

export interface ChunkInput {
  pass: ContextPlan;
  /** Product cursor or category page number where this chunk starts; undefined = the beginning. */
  cursor?: string;
  /** First product id of the stream, once known (restart detection). */
  head?: string;
  maxPages: number;
  /** The full sync's first run id (stable across continue-as-new): what the record says sent or saw it. */
  runId?: string;
  /** full-sync --force: re-send unchanged entities. */
  force?: boolean;
  /** full-sync --dry-run: push and record nothing; note what would be sent (by runId). */
  dryRun?: boolean;
}

/** The sources a full sync covers, as its result reports them. */
export interface FullSyncScope {
  categories: boolean;
  products: boolean;
  contexts: string[];
}

/**
 * Full-sync activities: one plan step, then chunk activities that stream a few pages each.
 * Each chunk heartbeats its checkpoint after every pushed page; a retry (for instance after a
 * worker crash) resumes from that checkpoint rather than from the chunk's start.
 */
export function createFullSyncActivities(deps: SyncDeps) {
  const { config, bluestone, record } = deps;
  const pages = createPageProcessor(deps, deps.tuning);
  const run = (input: ChunkInput, readAt: number) => ({
    readAt,
    runId: input.runId,
    fullSyncRunId: input.runId,
    force: input.force,
    dryRun: input.dryRun,
  });

  return {
    /** Resolves the contexts to sync (setupSync, run just before, has checked them against Bluestone). */
    async planFullSync(input: { contexts?: string[] }): Promise<ContextPlan[]> {
      const configured = allContexts(config).map((c, i) => ({ ...c, isDefault: i === 0 }));
      const wanted = input.contexts?.length ? input.contexts : configured.map((c) => c.context);
      const unknown = wanted.filter((w) => !configured.some((c) => c.context === w));
      if (unknown.length > 0) {
        throw toActivityFailure(
          new ApiError({
            type: FailureType.ConfigurationError,
            message: `Context ${unknown.join(', ')} is not configured; configured contexts: ${configured.map((c) => c.context).join(', ')} (BLUESTONE_DEFAULT_CONTEXT / BLUESTONE_ADDITIONAL_CONTEXTS)`,
            retryable: false,
          }),
        );
      }
      return configured.filter((c) => wanted.includes(c.context));
    },

    /**
     * Notes for the full sync's result: a source with nothing recorded (a new database) cannot
     * have the values cleared in Bluestone before this run cleared in Occtoo.
     */
    async emptyRecordNotes(input: { categories: boolean; products: boolean }): Promise<string[]> {
      if (!record) return [];
      const sources = [
        ...(input.categories ? [config.occtoo.categoriesSource] : []),
        ...(input.products ? [config.occtoo.productsSource] : []),
      ];
      const empty = [];
      for (const source of sources) if (await record.isEmpty(source)) empty.push(source);
      return empty.length
        ? [
            `The record was empty for ${empty.join(', ')}: values cleared in Bluestone before this run could not be cleared in Occtoo, because this service never recorded sending them. This run rebuilds the record; later syncs clear what vanishes.`,
          ]
        : [];
    },

    /** A full sync of everything finished without a failed stream: the record says so. */
    async completeFullSync(input: { runId: string; scope: FullSyncScope }): Promise<void> {
      const everything =
        input.scope.categories &&
        input.scope.products &&
        allContexts(config).every((c) => input.scope.contexts.includes(c.context));
      if (record && everything) await record.recordFullSyncComplete(input.runId);
    },

    /**
     * Counts what this full sync's reconciliation would remove from each source it read whole, and
     * logs it; removes nothing. Over PRUNE_MAX_PERCENT it says so (the workflow then fails unless
     * allowMassDelete). The guard counts what the run did not see, before Bluestone confirms it
     * gone (a real run confirms batch by batch while removing); a dry run then confirms the
     * candidates the same way, so its report gives the counts the real run would reach.
     */
    async planReconciliation(input: ReconcileInput & { allowMassDelete?: boolean }): Promise<Reconciliation> {
      try {
        const unseen = await planReconciliation(deps, input);
        const refusal = pruneRefusal(input.dryRun ? 'A full sync' : 'This full sync', unseen);
        const plan = input.dryRun
          ? await applyReconciliation(
              deps,
              { ...input, plan: unseen },
              { signal: Context.current().cancellationSignal },
            )
          : unseen;
        if (refusal && input.allowMassDelete)
          deps.logger.warn('Mass delete allowed for this run (--allow-mass-delete)', { refusal });
        else if (refusal) deps.logger.error(refusal, { dryRun: input.dryRun ?? false });
        else if (plan.sources.some((s) => s.deleted.count || s.cleared.some((c) => c.count)))
          deps.logger.info('Bluestone no longer publishes entities this service sent', {
            dryRun: input.dryRun ?? false,
            sources: plan.sources.map((s) => ({
              source: s.source,
              delete: s.deleted,
              clear: s.cleared.filter((c) => c.count > 0),
            })),
          });
        return refusal ? { ...plan, refusal } : plan;
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /** Removes what the plan counted; heartbeats a cursor over the unseen keys, so a retry resumes. */
    async reconcile(input: ReconcileInput & { plan: Reconciliation }): Promise<Reconciliation> {
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as ReconcileCheckpoint | undefined;
      if (resumed) ctx.log.info('Resuming reconciliation', { source: resumed.sourceIndex });
      let last: ReconcileCheckpoint | undefined = resumed;
      // A slow batch (Occtoo retrying) still shows the worker alive.
      const keepAlive = setInterval(() => ctx.heartbeat(last), 5_000);
      try {
        return await applyReconciliation(deps, input, {
          resumed,
          signal: ctx.cancellationSignal,
          beat: (checkpoint) => {
            // A copy: the SDK may send it later, after the next batch changed the original.
            last = structuredClone(checkpoint);
            ctx.heartbeat(last);
          },
        });
      } catch (err) {
        throw toActivityFailure(err);
      } finally {
        clearInterval(keepAlive);
      }
    },

    /** A dry run's report of what it would send, from its scratch notes; then the notes are emptied. */
    async dryRunReport(input: { runId: string }): Promise<Pick<DryRunReport, 'sends'>> {
      if (!record) return { sends: [] };
      return { sends: await record.dryRunSends(input.runId, RECONCILE_SAMPLE_SIZE) };
    },

    /** Empties a dry run's scratch notes (also when it failed). */
    async forgetDryRun(input: { runId: string }): Promise<void> {
      await record?.forgetDryRun(input.runId);
    },

    async syncCategoryChunk(input: ChunkInput): Promise<ChunkResult> {
      return runChunk<Category>({
        source: 'categories',
        cursor: input.cursor,
        maxPages: input.maxPages,
        readAhead: config.sync.readAheadPages,
        readPage: numberedPageReader(CATEGORY_PAGE_SIZE, (page, signal) =>
          bluestone.categoryScanPage(input.pass.context, page, { signal }),
        ),
        processPage: (items, signal, readAt) =>
          pages.processCategories(input.pass, items, signal, run(input, readAt)),
      });
    },

    async syncProductChunk(input: ChunkInput): Promise<ChunkResult> {
      // Bluestone silently restarts a stream whose cursor it does not know: notice it. Writes are
      // idempotent, so a restart costs time, not correctness; it is counted and logged.
      const result = await runChunk<Product>({
        source: 'products',
        cursor: input.cursor,
        maxPages: input.maxPages,
        readAhead: config.sync.readAheadPages,
        readPage: async (cursor, signal) => {
          const page = await bluestone.productCursorPage(input.pass.context, cursor, PRODUCT_PAGE_SIZE, {
            signal,
          });
          return { items: page.results, nextCursor: page.nextCursor ?? undefined };
        },
        processPage: (items, signal, readAt) =>
          pages.processProducts(input.pass, items, signal, run(input, readAt)),
        watchRestart: (cursor, items, checkpoint) => {
          // Kept in the checkpoint: a first chunk retried from its heartbeat has no head in its input.
          if (cursor === undefined) checkpoint.head = items[0]?.id;
          checkpoint.head ??= input.head;
          const head = checkpoint.head;
          const restarted = cursor !== undefined && head !== undefined && items[0]?.id === head;
          if (restarted)
            deps.logger.warn('Bluestone restarted the product stream', { context: input.pass.context });
          return restarted;
        },
      });
      return { ...result, head: result.head ?? input.head };
    },
  };
}
