import {
  allHandlersFinished,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { fullSyncProgressQuery } from '../shared/messages';
import { setupSync } from './setup-sync';
import { chunkActivityOptions, planOptions } from './activity-options';
import { SyncKind } from '../shared/search-attributes';
import type { Reconciliation } from '../shared/reconciliation';
import { addSetAsideReasons, handledCount, setAsideReasonsOf } from '../shared/set-aside';
import { failWhenTooManySetAside } from './set-aside-limit';
import { forgetFailedDryRun, reconcileFullSync } from './reconciliation';
import {
  addCounts,
  addSetAside,
  emptySourceProgress,
  type ChunkResult,
  type ContextPlan,
  type ContextProgress,
  type FullSyncInput,
  type FullSyncProgress,
  type FullSyncResult,
  type SourceProgress,
  type SyncSource,
} from '../shared/sync-types';

const DEFAULT_PAGES_PER_CHUNK = 20;
const DEFAULT_MAX_HISTORY_EVENTS = 2_000;
/** Runs started before the record (issue #12) neither ask it for notes nor mark themselves complete. */
const RECORD_PATCH = 'sync-record';
/** Runs started before reconciliation (issue #13) end without it. */
const RECONCILE_PATCH = 'reconcile';

/**
 * Copies the whole published catalog into Occtoo: categories, then products (with media), for
 * every configured context (contexts run side by side). Each step is a chunk activity that
 * streams a few pages and heartbeats the cursor after every pushed page, so a crashed worker
 * resumes where it stopped. History holds cursors and counts only, and the workflow continues
 * as new before it grows large.
 */
export async function fullSync(input: FullSyncInput = {}): Promise<FullSyncResult> {
  if (!input.dryRun) return await syncAll(input);
  try {
    return await syncAll(input);
  } catch (err) {
    // A failed dry run empties its scratch notes; one that continues as new keeps them.
    if (!(err instanceof ContinueAsNew))
      await CancellationScope.nonCancellable(() => forgetFailedDryRun(workflowInfo().firstExecutionRunId));
    throw err;
  }
}

async function syncAll(input: FullSyncInput): Promise<FullSyncResult> {
  const dryRun = input.dryRun === true;
  const syncCategories = input.categories ?? true;
  const syncProducts = input.products ?? true;
  const options = input.options ?? {};
  const { planFullSync, emptyRecordNotes, completeFullSync } = proxyActivities<Activities>(planOptions);
  // The record knows this sync by its first run: stable across continue-as-new.
  const runId = workflowInfo().firstExecutionRunId;
  let notes = input.state?.notes ?? [];
  const chunks = proxyActivities<Activities>(chunkActivityOptions(options.heartbeatTimeoutSeconds));

  const progress: FullSyncProgress = input.state?.progress ?? {
    phase: 'planning',
    startedAt: new Date().toISOString(),
    elapsedSeconds: 0,
    contexts: [],
    setAsideCount: 0,
    setAside: [],
    runs: 0,
  };
  setHandler(fullSyncProgressQuery, () => ({
    ...progress,
    elapsedSeconds: elapsedSince(progress.startedAt),
  }));
  if (!input.state) upsertSearchAttributes([{ key: SyncKind, value: 'full' }]);

  let plan: ContextPlan[];
  if (input.state) {
    plan = input.state.plan;
  } else {
    // Setup data first: it validates the contexts and publishes the schema to Occtoo (not in a dry run).
    if (!dryRun)
      await executeChild(setupSync, {
        workflowId: `${workflowInfo().workflowId}/setup`,
        staticSummary: 'Setup data · first step of a full sync',
      });
    plan = await planFullSync({ contexts: input.contexts });
    if (patched(RECORD_PATCH))
      notes = await emptyRecordNotes({ categories: syncCategories, products: syncProducts });
    progress.contexts = plan.map((p) => ({
      context: p.context,
      language: p.language,
      categories: { ...emptySourceProgress(), done: !syncCategories },
      products: { ...emptySourceProgress(), done: !syncProducts },
    }));
  }
  report(progress);

  let pausing = false;
  const shouldPause = () => {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      info.historyLength >= (options.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS)
    );
  };

  const runSource = async (source: SyncSource, ctx: ContextProgress) => {
    const pass = plan.find((p) => p.context === ctx.context)!;
    const state = ctx[source];
    while (!state.done && !pausing) {
      const chunkInput = {
        pass,
        cursor: state.cursor,
        head: state.head,
        maxPages: options.pagesPerChunk ?? DEFAULT_PAGES_PER_CHUNK,
        runId,
        force: input.force,
        ...(dryRun ? { dryRun } : {}),
      };
      // The chunk's summary in the Temporal UI (merged into the chunk options): source, context, pages.
      const call = {
        summary: `${source === 'categories' ? 'Categories' : 'Products'} · ${ctx.context} (${ctx.language}) · pages ${state.pages + 1}–${state.pages + chunkInput.maxPages}${dryRun ? ' · dry run' : ''}`,
      };
      const result =
        source === 'categories'
          ? await chunks.syncCategoryChunk.executeWithOptions(call, [chunkInput])
          : await chunks.syncProductChunk.executeWithOptions(call, [chunkInput]);
      record(progress, state, result, ctx.context);
      report(progress);
      if (shouldPause()) pausing = true;
    }
  };

  for (const source of ['categories', 'products'] as const) {
    if (progress.contexts.every((c) => c[source].done)) continue;
    progress.phase = source;
    await Promise.all(progress.contexts.map((ctx) => runSource(source, ctx)));
    if (pausing) {
      // Handlers (queries) must finish before the history is handed over.
      await condition(allHandlersFinished);
      progress.runs += 1;
      return await continueAsNew<typeof fullSync>({ ...input, state: { plan, progress, notes } });
    }
  }

  const scope = { categories: syncCategories, products: syncProducts, contexts: plan.map((p) => p.context) };
  // Over SET_ASIDE_MAX_PERCENT the run fails before the record calls it complete: a failed full
  // sync covers nothing (neither for the record nor for the refresh).
  await failWhenTooManySetAside('This full sync', {
    handled: progress.contexts.reduce(
      (n, c) => n + handledCount(c.categories) + handledCount(c.products),
      progress.setAsideCount,
    ),
    setAside: progress.setAsideCount,
    reasons: progress.setAsideReasons ?? [],
  });
  // Every stream finished: remove what Bluestone no longer publishes (a dry run only counts it).
  const dryRunReport = patched(RECONCILE_PATCH)
    ? await reconcileFullSync({ runId, scope, input, progress, report })
    : undefined;
  // Every stream finished (a failed one fails the workflow): the record may call this sync complete.
  if (patched(RECORD_PATCH) && !dryRun) await completeFullSync({ runId, scope });
  progress.phase = 'done';
  progress.elapsedSeconds = elapsedSince(progress.startedAt);
  report(progress);
  return {
    status: 'completed',
    // A dry run covered nothing in Occtoo: the refresh must not take it for a full sync.
    scope: dryRun ? { categories: false, products: false, contexts: [] } : scope,
    progress,
    ...(notes.length ? { notes } : {}),
    ...(dryRunReport ? { dryRun: dryRunReport } : {}),
  };
}

function record(
  progress: FullSyncProgress,
  state: SourceProgress,
  chunk: ChunkResult,
  context: string,
): void {
  addCounts(state, chunk);
  state.setAside += chunk.setAsideCount;
  state.cursor = chunk.nextCursor;
  state.head = chunk.head ?? state.head;
  state.done = chunk.done;
  progress.setAsideCount += chunk.setAsideCount;
  progress.setAside = addSetAside(
    progress.setAside,
    chunk.setAside.map((s) => ({ ...s, context: s.context ?? context })),
  );
  // Chunks of workers older than the summary bring only their capped list.
  progress.setAsideReasons = addSetAsideReasons(
    progress.setAsideReasons,
    chunk.setAsideReasons ?? setAsideReasonsOf(chunk.setAside),
  );
}

function elapsedSince(startedAt: string): number {
  return Math.round((Date.now() - Date.parse(startedAt)) / 1000);
}

/** The run's current details in the Temporal UI: a small Markdown table. */
function report(progress: FullSyncProgress): void {
  const rows = progress.contexts.flatMap((c) =>
    (['categories', 'products'] as const).map(
      (s) =>
        `| ${c.context} (${c.language}) | ${s} | ${c[s].read} | ${c[s].sent} | ${c[s].unchanged ?? 0} | ${c[s].setAside} | ${c[s].mediaUploaded} | ${c[s].pages} | ${c[s].done ? 'done' : 'running'} |`,
    ),
  );
  const setAside = progress.setAside
    .slice(0, 10)
    .map((s) => `- ${s.source} ${s.id}${s.context ? ` (${s.context})` : ''}: ${s.reason}`);
  setCurrentDetails(
    [
      `**Full sync** — phase ${progress.phase}, ${elapsedSince(progress.startedAt)} s, run ${progress.runs + 1}`,
      '',
      '| context | source | read | sent | unchanged | set aside | media uploaded | pages | state |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      ...(progress.setAsideCount ? ['', `**Set aside: ${progress.setAsideCount}**`, ...setAside] : []),
      ...reconciliationLines(progress.reconciliation),
    ].join('\n'),
  );
}

/** Reconciliation in the run's details: per source, what is deleted and cleared, with samples. */
function reconciliationLines(r: Reconciliation | undefined): string[] {
  if (!r) return [];
  const sample = (t: { count: number; samples: string[] }) =>
    t.count ? `${t.count} (${t.samples.join(', ')}${t.count > t.samples.length ? ', …' : ''})` : '0';
  return [
    '',
    `**Reconciliation** — ${r.state}${r.refusal ? `: ${r.refusal}` : ''}`,
    ...r.sources.map(
      (s) =>
        `- ${s.source}: delete ${sample(s.deleted)} of ${s.recorded}${s.cleared
          .filter((c) => c.count > 0)
          .map((c) => `; clear ${c.language} ${sample(c)}`)
          .join(
            '',
          )}${s.stillServed?.count ? `; kept, Bluestone still serves them: ${sample(s.stillServed)}` : ''}`,
    ),
    ...r.skipped.map((s) => `- ${s.source}: left alone (${s.reason})`),
  ];
}
