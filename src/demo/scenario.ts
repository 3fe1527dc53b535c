import path from 'node:path';
import type { Client } from '@temporalio/client';
import { startFullSync } from '../client/syncs';
import { syncSearchAttributes } from '../client/search-attributes';
import { setupSummary } from '../client/summaries';
import { formatCount } from '../cli/format';
import type { Config } from '../config';
import {
  SET_ASIDE_LIST_CAP,
  syncCoordinatorWorkflowId,
  type FullSyncResult,
  type SetupResult,
} from '../shared/sync-types';
import type { Simulators } from '../sim/main';
import { setupSync } from '../workflows/setup-sync';
import type { DemoArgs } from './args';
import { watchFullSync } from './progress';
import {
  awaitIncremental,
  compareOcctoo,
  publishOnBluestone,
  type Comparison,
  type DemoPublish,
  type IncrementalOutcome,
} from './publish';
import { DATA_DIR, DEMO_PUSH_TUNING, say, secs, type StartedDemo } from './start';
import {
  DEMO_SOURCES,
  formatSummary,
  setAsideBySource,
  type MirrorFacts,
  type DemoSource,
  type SourceCounts,
  type WorkflowLink,
} from './summary';

/**
 * What the demo shows, step by step, on the running service: a setup sync, a full sync with
 * its progress, a publish on Bluestone whose webhooks flow through the gateway (one lost), a
 * full sync that repairs what the lost webhook missed, and the summary.
 */

/** How long the incremental syncs may take before the demo calls it a failure. */
const INCREMENTAL_TIMEOUT_MS = 60_000;

function describeSetup(result: SetupResult): string {
  const contexts = result.contexts
    .map(
      (c) =>
        `${c.context}${c.contextName ? ` (${c.contextName})` : ''}${c.configured ? '' : ' [not synced]'}`,
    )
    .join(', ');
  const pushed = result.setupSource
    ? `; ${formatCount(result.pushed)} definitions pushed to ${result.setupSource}`
    : '';
  return `contexts ${contexts}; ${formatCount(result.attributes)} attributes, ${formatCount(result.relations)} relations${pushed}`;
}

function describeCounts(sims: Simulators, config: Config): string {
  const count = (source: string) => formatCount(sims.occtoo.entities(source).size);
  return (
    `Occtoo holds ${count(config.occtoo.productsSource)} products, ${count(config.occtoo.categoriesSource)} categories, ` +
    `${count(config.occtoo.mediaSource)} media, ${formatCount(sims.occtoo.mediaFiles().length)} media files`
  );
}

/** Sent apart from unchanged: what Occtoo received, and what the record let the sync skip. */
function sentAndUnchanged(c: { read: number; sent: number; unchanged?: number }): string {
  return `${formatCount(c.read)} read, ${formatCount(c.sent)} sent, ${formatCount(c.unchanged)} unchanged`;
}

/** The full sync's counts over every context. */
function fullSyncNote(result: FullSyncResult): string {
  const total = (source: 'categories' | 'products') =>
    result.progress.contexts.reduce(
      (n, c) => ({
        read: n.read + c[source].read,
        sent: n.sent + c[source].sent,
        unchanged: n.unchanged + (c[source].unchanged ?? 0),
      }),
      { read: 0, sent: 0, unchanged: 0 },
    );
  return `products ${sentAndUnchanged(total('products'))}; categories ${sentAndUnchanged(total('categories'))} (every context)`;
}

const deletedNote = (t: { deleted: number }) => (t.deleted ? `, ${formatCount(t.deleted)} deleted` : '');

/** What the publish cleared and deleted, and what the full sync after it removed: from the workflows' results. */
function mirrorFacts(
  sims: Simulators,
  config: Config,
  publish: DemoPublish,
  incremental: IncrementalOutcome | undefined,
  repair: FullSyncResult,
): MirrorFacts {
  const { key, property, languages } = publish.cleared;
  const entity = sims.occtoo.entity(config.occtoo.productsSource, key);
  const held = new Set(
    (entity?.properties ?? [])
      .filter((p) => p.id === property && p.value !== null && p.value !== '')
      .map((p) => p.language),
  );
  // The unpublish's own syncs: the archive's syncs delete their products too (DELETE differences).
  const unpublishSyncs = incremental?.syncs.filter((s) => s.publish === 'unpublish');
  return {
    cleared: { ...publish.cleared, stillInOcctoo: languages.filter((l) => held.has(l)) },
    unpublished: publish.unpublished,
    unpublishDeleted: unpublishSyncs?.reduce((n, s) => n + s.result.products.deleted, 0),
    deleteOnUnpublish: config.sync.deleteOnUnpublish,
    archived: publish.archived.length,
    archiveDeleted: incremental?.archive.result.deleted.length,
    lost: {
      syncs: publish.lost.syncs.length,
      changed: publish.lost.changed,
      unpublished: publish.lost.unpublished,
    },
    repairSent: repair.progress.contexts.reduce((n, c) => n + c.products.sent + c.categories.sent, 0),
    contexts: repair.progress.contexts.length,
    reconciliation: repair.progress.reconciliation,
  };
}

async function closeTimeOf(client: Client, workflowId: string): Promise<number | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  return description.closeTime?.getTime();
}

/** Runs the steps; 0 when Occtoo equals the catalog at the end. */
export async function runScenario(args: DemoArgs, demo: StartedDemo): Promise<number> {
  const { config, ports, gatewayUrl, webhookUrl, sims, startedAt: t0 } = demo;
  const client = demo.service.temporal;
  const { catalog } = sims;
  const workerFailed = demo.service.done.then(
    () => new Error('The worker stopped unexpectedly.'),
    (err: unknown) => new Error(`The worker failed: ${err instanceof Error ? err.message : String(err)}`),
  );

  /** A step of the demo, or the worker's failure, whichever comes first. */
  const step = <T>(promise: Promise<T>): Promise<T> =>
    Promise.race([promise, workerFailed.then((err) => Promise.reject(err))]);
  const taskQueue = config.temporal.taskQueue;
  const links: WorkflowLink[] = [];

  // 1. Setup data: contexts checked against Bluestone, attribute and relation definitions pushed.
  let t = Date.now();
  const setupId = `${taskQueue}/setup-sync`;
  const setupHandle = await client.workflow.start(setupSync, {
    taskQueue,
    workflowId: setupId,
    typedSearchAttributes: syncSearchAttributes('setup', config),
    staticSummary: setupSummary('demo'),
  });
  const setup = (await step(setupHandle.result())) as SetupResult;
  links.push({ label: 'setup sync', workflowId: setupId, runId: setupHandle.firstExecutionRunId });
  say(`\nSetup sync done in ${secs(Date.now() - t)}: ${describeSetup(setup)}`);

  // 2. The full sync, with its progress.
  t = Date.now();
  // Two pages per chunk: the progress moves every 200 products instead of every 2,000.
  const full = await startFullSync(client, config, { options: { pagesPerChunk: 2 } });
  const fullLink: WorkflowLink = { label: 'full sync', workflowId: full.workflowId, runId: full.runId };
  links.push(fullLink);
  const contexts = sims.contexts.map((c) => c.context);
  say(`\nFull sync started: ${full.uiUrl}`);
  say(`(counts cover every context: ${contexts.join(', ')}; media are uploaded in the default context)`);
  const fullResult: FullSyncResult = await step(
    watchFullSync(client, full.workflowId, {
      totals: {
        products: contexts.reduce((n, c) => n + catalog.productsIn(c).length, 0),
        categories: contexts.reduce((n, c) => n + catalog.categoriesIn(c).length, 0),
      },
      tty: process.stdout.isTTY === true,
      write: (text) => process.stdout.write(text),
    }),
  );
  say(
    `Full sync done in ${secs(Date.now() - t)} (${fullResult.progress.runs + 1} run${fullResult.progress.runs ? 's' : ''}): ` +
      describeCounts(sims, config),
  );
  fullLink.note = fullSyncNote(fullResult);
  for (const note of fullResult.notes ?? []) say(`Note: ${note}`);

  // 3. A publish in Bluestone; its webhooks go through the gateway to the incremental syncs.
  const publish: DemoPublish = publishOnBluestone(sims, config);
  say(
    `\nPublished on Bluestone: ${publish.changed.length} products and ${publish.categoriesChanged.length} category changed ` +
      `in ${publish.contexts.join(' and ')} (one product's description removed), ${publish.added.length} products added, ` +
      `${publish.unpublished.length} unpublished, ${publish.archived.length} archived; webhooks to ${webhookUrl}`,
  );
  say(
    `Then ${publish.lost.changed.length} product changed and ${publish.lost.unpublished.length} unpublished in one more publish, ` +
      `whose webhook is lost: the next full sync repairs that.`,
  );
  let incremental: IncrementalOutcome | undefined;
  let incrementalProblem: string | undefined;
  let latency: { publishToOcctooMs: number; webhooksAnsweredMs: number; syncs: number } | undefined;
  const deliveries = await step(publish.deliveries);
  const webhooksAnsweredMs = Date.now() - publish.startedAt;
  const undelivered = deliveries.filter((d) => d.outcome !== 'delivered');
  if (undelivered.length > 0) {
    incrementalProblem = `${undelivered.length} webhook(s) not delivered: ${undelivered.map((d) => d.reason).join('; ')}`;
  } else {
    const deadline = publish.startedAt + INCREMENTAL_TIMEOUT_MS;
    try {
      incremental = await step(awaitIncremental(client, config, publish, deadline));
      // Occtoo holds the publish once the last of these workflows closed.
      const closed = await Promise.all(
        [...incremental.syncs.map((s) => s.workflowId), incremental.archive.workflowId].map((id) =>
          closeTimeOf(client, id),
        ),
      );
      const lastClosed = Math.max(...closed.map((c) => c ?? Date.now()));
      latency = {
        publishToOcctooMs: lastClosed - publish.startedAt,
        webhooksAnsweredMs,
        syncs: incremental.syncs.length,
      };
      say(`Incremental syncs and the archive done ${secs(latency.publishToOcctooMs)} after the publish.`);
    } catch (err) {
      incrementalProblem = err instanceof Error ? err.message : String(err);
    }
  }

  // 4. A full sync: it reads everything again, sends what the lost webhook missed and removes
  // what Bluestone no longer publishes (reconciliation).
  t = Date.now();
  const repair = await startFullSync(client, config, {});
  const repairLink: WorkflowLink = {
    label: 'full sync (repair)',
    workflowId: repair.workflowId,
    runId: repair.runId,
  };
  say(`\nFull sync started again, to repair what the lost webhook missed: ${repair.uiUrl}`);
  const repairResult: FullSyncResult = await step(
    watchFullSync(client, repair.workflowId, {
      totals: {
        products: contexts.reduce((n, c) => n + catalog.productsIn(c).length, 0),
        categories: contexts.reduce((n, c) => n + catalog.categoriesIn(c).length, 0),
      },
      tty: process.stdout.isTTY === true,
      write: (text) => process.stdout.write(text),
    }),
  );
  say(`Full sync done in ${secs(Date.now() - t)}: ${describeCounts(sims, config)}`);
  repairLink.note = fullSyncNote(repairResult);
  const final: Comparison = compareOcctoo(sims, config, publish.keptMedia);
  const mirror: MirrorFacts = mirrorFacts(sims, config, publish, incremental, repairResult);

  // 5. The summary.
  const equal = final.differences.length === 0 && !incrementalProblem;
  const lists = [
    fullResult.progress.setAside,
    ...(incremental?.syncs.map((s) => s.result.setAside) ?? []),
    repairResult.progress.setAside,
  ];
  const setAside = setAsideBySource(lists);
  const counts = Object.fromEntries(
    DEMO_SOURCES.map((source) => [
      source,
      { expected: final.expected[source].size, inOcctoo: final.inOcctoo[source], setAside: setAside[source] },
    ]),
  ) as Record<DemoSource, SourceCounts>;
  for (const s of incremental?.syncs ?? []) {
    const r = s.result;
    links.push({
      label: `incremental ${s.info.contextId} (${s.publish})`,
      workflowId: s.workflowId,
      note:
        r.status === 'applied'
          ? `applied: products ${sentAndUnchanged(r.products)}${deletedNote(r.products)}; categories ${sentAndUnchanged(r.categories)}${deletedNote(r.categories)}`
          : `skipped: ${r.reason ?? ''}`,
    });
  }
  links.push({ label: 'coordinator', workflowId: syncCoordinatorWorkflowId(taskQueue) });
  links.push({
    label: 'archive',
    workflowId: publish.archiveWorkflowId,
    note: incremental
      ? `${incremental.archive.result.deleted.length} products deleted from Occtoo, ${incremental.archive.result.mediaDeleted.length} media deleted`
      : undefined,
  });
  links.push(repairLink);
  say(
    formatSummary({
      config,
      sims: sims,
      counts,
      setAsideComplete: lists.every((l) => l.length < SET_ASIDE_LIST_CAP),
      ignoredMedia: final.ignoredMedia,
      removedCount: publish.archived.length + publish.unpublished.length + publish.lost.unpublished.length,
      mirror,
      equal,
      differences: final.differences,
      latency,
      incrementalProblem,
      workflows: links,
      temporalUiUrl: config.temporal.uiUrl,
      gatewayUrl,
      webhookUrl,
      workerMetricsUrl: `http://${config.temporal.metricsAddress}/metrics`,
      ports: Object.values(ports),
      dataDir: path.relative(process.cwd(), DATA_DIR) || DATA_DIR,
      settings: [
        `HANDLE_MEDIA=${config.mapping.handleMedia} (media state polled every ${DEMO_PUSH_TUNING.mediaPollIntervalMs} ms: the simulator is quick)`,
        `REFRESH_SCHEDULE=${config.sync.refreshSchedule}`,
        `MEDIA_DELETE=${config.sync.mediaDelete ? 'on' : 'off'}`,
      ],
      exitAfter: args.exit,
      totalMs: Date.now() - t0,
    }),
  );
  return equal ? 0 : 1;
}
