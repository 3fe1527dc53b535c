import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SyncInfo } from '../bluestone/types';
import { mediaAssetsOf, mediaKeyOf } from '../mapping';
import { archiveWorkflowId } from '../client/webhooks';
import type { Config } from '../config';
import {
  incrementalSyncWorkflowId,
  type ArchiveProductsResult,
  type IncrementalSyncResult,
} from '../shared/sync-types';
import { compareSource, expectedOcctooState, type ExpectedState } from '../sim/expected-state';
import type { Simulators } from '../sim/main';
import type { DeliveryRecord } from '../sim/webhook-emitter';

/**
 * The demo's publish on the Bluestone simulator, as a PIM user would make it: changes in two
 * contexts (products and a category), a few new products, then an archive. Their webhooks go
 * to the gateway; the demo waits until Occtoo holds the catalog again and measures how long.
 */
export interface DemoPublish {
  startedAt: number;
  changed: string[];
  added: string[];
  archived: string[];
  categoriesChanged: string[];
  /** Contexts of the change publish (the archive publishes in every context). */
  contexts: string[];
  /** Bluestone's syncs, one per context and publish (`changes` or `archive`). */
  syncs: { info: SyncInfo; publish: 'changes' | 'archive' }[];
  archiveWorkflowId: string;
  /** Settles when Bluestone's webhooks are answered (or given up). */
  deliveries: Promise<DeliveryRecord[]>;
  /**
   * Media entities of the archived products: with MEDIA_DELETE off (as in the original
   * provider) they stay in Occtoo, so the comparison leaves out exactly these keys.
   */
  keptMedia: Set<string>;
}

const CHANGE_COUNT = 3;
const ADD_COUNT = 3;
const ARCHIVE_COUNT = 2;

export function publishOnBluestone(sims: Simulators, config: Config): DemoPublish {
  const { bluestone, catalog } = sims;
  const [first, second] = sims.contexts;
  const contexts = [first.context, ...(second ? [second.context] : [])];
  const ids = catalog.productIds(first.context);
  if (ids.length < CHANGE_COUNT + ARCHIVE_COUNT) {
    throw new Error(`The catalog has ${ids.length} products; the demo publish needs at least 5.`);
  }
  const changed = ids.slice(0, CHANGE_COUNT);
  const archived = ids.slice(-ARCHIVE_COUNT);
  const category = catalog.categoriesIn(first.context)[1] ?? catalog.categoriesIn(first.context)[0];
  // Read before the archive removes them from the catalog.
  const keptMedia = new Set(
    archived.flatMap((id) =>
      mediaAssetsOf(catalog.product(id, first.context)!).flatMap((m) => mediaKeyOf(m) ?? []),
    ),
  );

  const startedAt = Date.now();
  const changes = bluestone.publish({
    contexts,
    change: changed,
    add: ADD_COUNT,
    categories: category ? { change: [category.id] } : undefined,
  });
  // Archiving is a product state in Bluestone: the products leave every context.
  const state = config.sync.archiveStates[0] ?? 'ARCHIVED';
  const archive = bluestone.publish({ archive: archived, archivedState: state });
  return {
    startedAt,
    changed,
    added: changes.added,
    archived,
    categoriesChanged: changes.categories.changed,
    contexts,
    syncs: [
      ...changes.syncs.map((info) => ({ info, publish: 'changes' as const })),
      ...archive.syncs.map((info) => ({ info, publish: 'archive' as const })),
    ],
    archiveWorkflowId: archiveWorkflowId(
      config.temporal.taskQueue,
      archived,
      state,
      archive.envelopes[0].timestamp,
    ),
    deliveries: Promise.all([changes.deliveries, archive.deliveries]).then(([a, b]) => [...a, ...b]),
    keptMedia,
  };
}

/** The result of a workflow that someone else (the gateway, the coordinator) starts any moment now. */
export async function resultOnceStarted<T>(client: Client, workflowId: string, deadline: number): Promise<T> {
  const handle = client.workflow.getHandle(workflowId);
  for (;;) {
    try {
      await handle.describe();
      break;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (Date.now() > deadline) throw new Error(`Workflow ${workflowId} was never started.`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return withDeadline(
    handle.result() as Promise<T>,
    deadline,
    `Workflow ${workflowId} did not finish in time.`,
  );
}

function withDeadline<T>(promise: Promise<T>, deadline: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export interface IncrementalOutcome {
  syncs: {
    info: SyncInfo;
    publish: 'changes' | 'archive';
    workflowId: string;
    result: IncrementalSyncResult;
  }[];
  archive: { workflowId: string; result: ArchiveProductsResult };
}

/** Waits for the incremental sync of every recorded sync and for the archive workflow. */
export async function awaitIncremental(
  client: Client,
  config: Config,
  publish: DemoPublish,
  deadline: number,
): Promise<IncrementalOutcome> {
  const taskQueue = config.temporal.taskQueue;
  const [syncs, archive] = await Promise.all([
    Promise.all(
      publish.syncs.map(async ({ info, publish: which }) => {
        const workflowId = incrementalSyncWorkflowId(taskQueue, info.id);
        return {
          info,
          publish: which,
          workflowId,
          result: await resultOnceStarted<IncrementalSyncResult>(client, workflowId, deadline),
        };
      }),
    ),
    resultOnceStarted<ArchiveProductsResult>(client, publish.archiveWorkflowId, deadline),
  ]);
  return { syncs, archive: { workflowId: publish.archiveWorkflowId, result: archive } };
}

export interface Comparison {
  differences: string[];
  expected: ExpectedState;
  /** Entities Occtoo holds per source (media: without the ignored keys). */
  inOcctoo: { products: number; categories: number; media: number };
  /** Media keys present in Occtoo but left out of the comparison (the archived products' media). */
  ignoredMedia: number;
}

/** Occtoo's simulator against what the catalog should map to, entity by entity. */
export function compareOcctoo(sims: Simulators, config: Config, ignoreMedia = new Set<string>()): Comparison {
  // HANDLE_MEDIA=occtoo: expected media URLs are those of the files Occtoo's media service holds.
  const expected = expectedOcctooState(sims.catalog, config, sims.occtoo.mediaFiles());
  const products = sims.occtoo.entities(config.occtoo.productsSource);
  const categories = sims.occtoo.entities(config.occtoo.categoriesSource);
  const media = sims.occtoo.entities(config.occtoo.mediaSource);
  let ignoredMedia = 0;
  for (const key of ignoreMedia) {
    // A medium the catalog still uses elsewhere is compared as usual.
    if (!expected.media.has(key) && media.delete(key)) ignoredMedia += 1;
  }
  return {
    differences: [
      ...compareSource('products', expected.products, products),
      ...compareSource('categories', expected.categories, categories),
      ...compareSource('media', expected.media, media),
    ],
    expected,
    inOcctoo: { products: products.size, categories: categories.size, media: media.size },
    ignoredMedia,
  };
}
