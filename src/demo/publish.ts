import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SyncInfo } from '../bluestone/types';
import { mediaAssetsOf, mediaKeyOf, productKeyOf } from '../mapping';
import { archiveWorkflowId } from '../client/webhooks';
import { allContexts, type Config } from '../config';
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
 * contexts (products, one of them losing its description, and a category), a few new products,
 * a product unpublished, two archived; their webhooks go to the gateway. Then one more publish (a
 * change and an unpublish) whose webhook is lost: the following full sync repairs it. The demo
 * waits until Occtoo holds the catalog again and measures how long.
 */
export type PublishKind = 'changes' | 'unpublish' | 'archive' | 'lost';

export interface DemoPublish {
  startedAt: number;
  changed: string[];
  added: string[];
  archived: string[];
  categoriesChanged: string[];
  /** A product whose description the change publish removes, in its contexts: Occtoo must drop it there. */
  cleared: { id: string; key: string; property: string; languages: string[] };
  /** Unpublished in every context, webhook delivered. */
  unpublished: string[];
  /** A publish whose webhook never reaches the gateway (a delivery Bluestone gave up on). */
  lost: { syncs: SyncInfo[]; changed: string[]; unpublished: string[] };
  /** Contexts of the change publish (the other publishes are in every context). */
  contexts: string[];
  /** Bluestone's syncs whose webhooks were delivered, one per context and publish. */
  syncs: { info: SyncInfo; publish: Exclude<PublishKind, 'lost'> }[];
  archiveWorkflowId: string;
  /** Settles when Bluestone's webhooks are answered (or given up). */
  deliveries: Promise<DeliveryRecord[]>;
  /**
   * Media entities of the archived and unpublished products: with MEDIA_DELETE off (as in the
   * original provider) they stay in Occtoo, so the comparison leaves out exactly these keys.
   */
  keptMedia: Set<string>;
}

const CHANGE_COUNT = 2;
const ADD_COUNT = 3;
const ARCHIVE_COUNT = 2;

export function publishOnBluestone(sims: Simulators, config: Config): DemoPublish {
  const { bluestone, catalog } = sims;
  const [first, second] = sims.contexts;
  const contexts = [first.context, ...(second ? [second.context] : [])];
  const ids = catalog.productIds(first.context);
  // Plain products for the clear and the unpublishes: no group, variant or bundle depends on them.
  const plain = ids.filter((id) => {
    const p = catalog.product(id, first.context)!;
    return p.type === 'SINGLE' && !p.variantParentId;
  });
  const changed = ids.slice(0, CHANGE_COUNT);
  const archived = ids.slice(-ARCHIVE_COUNT);
  const free = plain.filter((id) => !changed.includes(id) && !archived.includes(id));
  const clearedId = free.find((id) => catalog.product(id, first.context)!.description !== undefined);
  const [unpublished, lostUnpublished, lostChanged] = free.filter((id) => id !== clearedId);
  if (!clearedId || !lostChanged) {
    throw new Error(`The catalog has ${ids.length} products; the demo publish needs at least 10.`);
  }
  const category = catalog.categoriesIn(first.context)[1] ?? catalog.categoriesIn(first.context)[0];
  const clearedProduct = catalog.product(clearedId, first.context)!;
  // Read before the archive and the unpublishes remove them from the catalog.
  const keptMedia = new Set(
    [...archived, unpublished, lostUnpublished].flatMap((id) =>
      mediaAssetsOf(catalog.product(id, first.context)!).flatMap((m) => mediaKeyOf(m) ?? []),
    ),
  );

  const startedAt = Date.now();
  const changes = bluestone.publish({
    contexts,
    change: [...changed, { id: clearedId, name: clearedProduct.name, description: null }],
    add: ADD_COUNT,
    categories: category ? { change: [category.id] } : undefined,
  });
  // Taken out of every context's publication: a DELETE difference, no other event.
  const unpublish = bluestone.publish({ unpublish: [unpublished] });
  // Archiving is a product state in Bluestone: the products leave every context.
  const state = config.sync.archiveStates[0] ?? 'ARCHIVED';
  const archive = bluestone.publish({ archive: archived, archivedState: state });
  // One webhook (every context's sync in one envelope) that never arrives.
  const lost = bluestone.publish({
    change: [lostChanged],
    unpublish: [lostUnpublished],
    combineEvents: true,
    deliver: false,
  });
  const languages = allContexts(config)
    .filter((c) => contexts.includes(c.context))
    .map((c) => c.language);
  return {
    startedAt,
    changed: [...changed, clearedId],
    added: changes.added,
    archived,
    categoriesChanged: changes.categories.changed,
    cleared: {
      id: clearedId,
      key: productKeyOf(clearedProduct, config.mapping) ?? clearedId,
      property: 'Description',
      languages,
    },
    unpublished: [unpublished],
    lost: { syncs: lost.syncs, changed: [lostChanged], unpublished: [lostUnpublished] },
    contexts,
    syncs: [
      ...changes.syncs.map((info) => ({ info, publish: 'changes' as const })),
      ...unpublish.syncs.map((info) => ({ info, publish: 'unpublish' as const })),
      ...archive.syncs.map((info) => ({ info, publish: 'archive' as const })),
    ],
    archiveWorkflowId: archiveWorkflowId(
      config.temporal.taskQueue,
      archived,
      state,
      archive.envelopes[0].timestamp,
    ),
    deliveries: Promise.all([changes.deliveries, unpublish.deliveries, archive.deliveries]).then((all) =>
      all.flat(),
    ),
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
    publish: Exclude<PublishKind, 'lost'>;
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
