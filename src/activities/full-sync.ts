import { allContexts, type Config } from '../config';
import type { Logger } from '../logger';
import type { ChunkResult, ContextPlan } from '../shared/sync-types';
import { ApiError, FailureType, toActivityFailure } from '../http/api-error';
import { CATEGORY_PAGE_SIZE, PRODUCT_PAGE_SIZE, type BluestoneClient } from '../bluestone/client';
import type { OcctooClient } from '../occtoo/client';
import { runChunk } from '../pipeline/chunk';
import { numberedPageReader } from '../pipeline/page-stream';
import type { Category, Product } from '../bluestone/types';
import { createPageProcessor, type PushTuning } from '../pipeline/page-processor';

export interface FullSyncDeps {
  config: Config;
  logger: Logger;
  bluestone: BluestoneClient;
  occtoo: OcctooClient;
  tuning?: PushTuning;
}

export interface ChunkInput {
  pass: ContextPlan;
  /** Product cursor or category page number where this chunk starts; undefined = the beginning. */
  cursor?: string;
  /** First product id of the stream, once known (restart detection). */
  head?: string;
  maxPages: number;
}

/**
 * Full-sync activities: one plan step, then chunk activities that stream a few pages each.
 * Each chunk heartbeats its checkpoint after every pushed page; a retry (for instance after a
 * worker crash) resumes from that checkpoint rather than from the chunk's start.
 */
export function createFullSyncActivities(deps: FullSyncDeps) {
  const { config, bluestone } = deps;
  const pages = createPageProcessor(deps, deps.tuning);

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

    async syncCategoryChunk(input: ChunkInput): Promise<ChunkResult> {
      return runChunk<Category>({
        source: 'categories',
        cursor: input.cursor,
        maxPages: input.maxPages,
        readAhead: config.sync.readAheadPages,
        readPage: numberedPageReader(CATEGORY_PAGE_SIZE, (page, signal) =>
          bluestone.categoryScanPage(input.pass.context, page, { signal }),
        ),
        processPage: (items, signal) => pages.processCategories(input.pass, items, signal),
      });
    },

    async syncProductChunk(input: ChunkInput): Promise<ChunkResult> {
      // Bluestone silently restarts a stream whose cursor it does not know: notice it. Writes are
      // idempotent, so a restart costs time, not correctness; it is counted and logged.
      let head = input.head;
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
        processPage: (items, signal) => pages.processProducts(input.pass, items, signal),
        watchRestart: (cursor, items) => {
          if (cursor === undefined) head = items[0]?.id;
          const restarted = cursor !== undefined && head !== undefined && items[0]?.id === head;
          if (restarted)
            deps.logger.warn('Bluestone restarted the product stream', { context: input.pass.context });
          return restarted;
        },
      });
      return { ...result, head };
    },
  };
}
