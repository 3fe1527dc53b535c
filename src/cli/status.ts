import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { describeSync, queryProgress, type SyncStatus } from '../client/syncs';
import type { Config } from '../config';
import {
  syncCoordinatorWorkflowId,
  type CoordinatorState,
  type FullSyncProgress,
  type FullSyncResult,
  type IncrementalSyncResult,
  type RefreshSyncsResult,
  type SetupResult,
} from '../shared/sync-types';
import { coordinatorStateQuery } from '../shared/messages';
import { fullSync, incrementalSync, refreshSyncs, setupSync, syncCoordinator } from '../workflows';
import { PROGRAM } from './args';
import type { Command } from './command';
import { UsageError } from '../command-line';
import { CliError, EXIT } from './errors';
import { fullSyncSummary, setAsideLines, table, time } from './format';
import type { Output } from './output';
import { progressLine } from './progress';
import { deploymentQuery, listRuns, type SyncRun } from './visibility';

/** Queries wait for a worker: a stopped one must not hang `status`. */
const QUERY_DEADLINE_MS = 5_000;
const DEFAULT_RECENT = 20;

async function coordinatorState(client: Client, config: Config): Promise<CoordinatorState | undefined> {
  const handle = client.workflow.getHandle(syncCoordinatorWorkflowId(config.temporal.taskQueue));
  return client
    .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(coordinatorStateQuery))
    .catch(() => undefined);
}

function coordinatorLines(state: CoordinatorState): string[] {
  const pending = state.pending.map((p) => `${p.syncId} (${p.context})`).join(', ');
  return [
    `Coordinator: applying ${state.applying ?? 'nothing'}, ${state.pending.length} pending${pending ? `: ${pending}` : ''}`,
    `  so far ${state.applied} applied, ${state.skipped} skipped, ${state.failed} failed, ${state.duplicates} duplicate notice(s)`,
    ...state.recent
      .slice(0, 5)
      .map((r) => `  ${r.outcome.padEnd(9)} ${r.syncId} (${r.context})${r.detail ? `: ${r.detail}` : ''}`),
  ];
}

function totalsLines(result: IncrementalSyncResult): string[] {
  const rows = [['source', 'read', 'sent', 'unchanged', 'deleted', 'filtered', 'set aside', 'pages']];
  for (const source of ['categories', 'products'] as const) {
    const t = result[source];
    rows.push([
      source,
      ...[t.read, t.sent, t.unchanged ?? 0, t.deleted, t.filtered ?? 0, t.setAside, t.pages].map(String),
    ]);
  }
  const setAside = result.categories.setAside + result.products.setAside;
  return [
    `Sync ${result.syncId} (${result.context}): ${result.status}${result.reason ? ` — ${result.reason}` : ''}`,
    ...table(rows),
    ...setAsideLines(result.setAside, setAside),
  ];
}

/** What a sync did or is doing, in the words of its type. */
function detailLines(status: SyncStatus): string[] {
  // A full sync's result wraps its progress; the other syncs' results are their whole story.
  const data = status.type === fullSync.name ? status.progress : (status.result ?? status.progress);
  if (status.failure) return [`Failure: ${status.failure}`];
  if (data === undefined) return [];
  switch (status.type) {
    case fullSync.name: {
      const progress = data as FullSyncProgress;
      if (!progress.contexts) break;
      return [
        ...(status.status === 'RUNNING'
          ? [`Phase ${progress.phase}, ${progress.elapsedSeconds} s so far`]
          : [`Took ${progress.elapsedSeconds} s`]),
        ...fullSyncSummary(progress),
        ...((status.result as FullSyncResult | undefined)?.notes ?? []).map((n) => `Note: ${n}`),
      ];
    }
    case incrementalSync.name:
      return totalsLines(data as IncrementalSyncResult);
    case refreshSyncs.name: {
      const r = data as RefreshSyncsResult;
      return [
        `Found ${r.found.length} sync(s): ${r.applied.length} applied, ${r.skipped.length} skipped, ${r.failed.length} failed`,
        ...r.failed.map((f) => `  failed ${f.syncId}: ${f.reason}`),
      ];
    }
    case setupSync.name: {
      const r = data as SetupResult;
      return [
        `Contexts: ${r.contexts.map((c) => `${c.context}${c.configured ? '' : ' (not synced)'}`).join(', ')}`,
        `Attributes: ${r.attributes}, relations: ${r.relations}, pushed: ${r.pushed}`,
      ];
    }
  }
  return [JSON.stringify(data, null, 2)];
}

async function showOne(client: Client, config: Config, out: Output, workflowId: string): Promise<number> {
  let status: SyncStatus;
  try {
    // Queries wait for a worker: a stopped one must not hang `status`.
    status = await client.withDeadline(Date.now() + 20_000, () => describeSync(client, config, workflowId));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw new CliError(
      `No workflow "${workflowId}" in namespace ${config.temporal.namespace}: list this deployment's syncs with \`${PROGRAM} status\``,
      EXIT.failed,
      { workflowId },
    );
  }
  const coordinator =
    status.type === syncCoordinator.name && status.status === 'RUNNING'
      ? await coordinatorState(client, config)
      : undefined;
  out.line(`${status.type} ${status.workflowId}`);
  out.line(`  status:  ${status.status}`);
  out.line(`  started: ${time(status.startTime)}`);
  if (status.closeTime) out.line(`  closed:  ${time(status.closeTime)}`);
  out.line(`  Temporal UI: ${status.uiUrl}`);
  out.lines(coordinator ? coordinatorLines(coordinator) : detailLines(status));
  out.document({ ...status, ...(coordinator ? { coordinator } : {}) });
  return status.status === 'FAILED' || status.status === 'TIMED_OUT' ? EXIT.failed : EXIT.ok;
}

/** A running sync's progress in one line, when it answers. */
async function liveProgress(client: Client, run: SyncRun): Promise<unknown> {
  return client
    .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => queryProgress(client, run.workflowId, run.type))
    .catch(() => undefined);
}

function progressSummary(run: SyncRun, progress: unknown): string | undefined {
  if (progress === undefined) return undefined;
  if (run.type === fullSync.name) return progressLine(progress as FullSyncProgress);
  const r = progress as IncrementalSyncResult;
  const counts = (t: IncrementalSyncResult['products']) =>
    `${t.read} read, ${t.sent} sent, ${t.unchanged ?? 0} unchanged`;
  return `products ${counts(r.products)}; categories ${counts(r.categories)}`;
}

function runRows(runs: readonly (SyncRun & { progress?: unknown })[]): string[] {
  const rows = [['type', 'status', 'started', 'closed', 'sync', 'workflow id']];
  for (const r of runs) {
    const sync = [r.syncKind, r.syncId, r.context].filter(Boolean).join(' ');
    rows.push([r.type, r.status, time(r.startTime), time(r.closeTime), sync || '-', r.workflowId]);
  }
  const lines = table(rows);
  // Live progress under each running sync that answers.
  return lines.flatMap((line, i) => {
    const run = runs[i - 1];
    const summary = run ? progressSummary(run, run.progress) : undefined;
    return summary ? [line, `      ${summary}`] : [line];
  });
}

async function showList(client: Client, config: Config, out: Output, recentLimit: number): Promise<number> {
  const [running, recent, coordinator] = await Promise.all([
    listRuns(client, deploymentQuery(config, `ExecutionStatus = 'Running'`), 100),
    listRuns(client, deploymentQuery(config, `ExecutionStatus != 'Running'`), recentLimit),
    coordinatorState(client, config),
  ]);
  const withProgress = await Promise.all(
    running.map(async (run) => ({ ...run, progress: await liveProgress(client, run) })),
  );
  out.line(`Task queue ${config.temporal.taskQueue} (namespace ${config.temporal.namespace})`);
  out.line();
  if (withProgress.length === 0) out.line('Running: none');
  else {
    out.line(`Running: ${withProgress.length}`);
    out.lines(runRows(withProgress));
  }
  out.line();
  if (recent.length === 0) out.line('Recent: none');
  else {
    out.line(`Recent (newest first, at most ${recentLimit}):`);
    out.lines(runRows(recent));
  }
  if (coordinator) {
    out.line();
    out.lines(coordinatorLines(coordinator));
  }
  out.line();
  out.line(`Details of one: ${PROGRAM} status <workflow id>`);
  out.document({
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
    running: withProgress,
    recent,
    ...(coordinator ? { coordinator } : {}),
  });
  return EXIT.ok;
}

export const statusCommand: Command = {
  name: 'status',
  synopsis: '[workflowId] [--limit N]',
  summary: "running and recent syncs of this deployment, or one sync's progress or result",
  details: [
    'workflowId   one workflow: status, progress (running) or result (closed), UI link',
    '--limit N    recent closed workflows to list (default 20)',
  ],
  options: { limit: { type: 'string' } },
  positionals: { names: ['workflowId'], required: 0 },

  async run({ values, positionals, out, session }) {
    const rawLimit = values.limit as string | undefined;
    const limit = rawLimit === undefined ? DEFAULT_RECENT : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new UsageError(`--limit must be a whole number from 1 to 1000 (got "${rawLimit}")`);
    }
    const { client, config } = await session();
    const [workflowId] = positionals;
    return workflowId ? showOne(client, config, out, workflowId) : showList(client, config, out, limit);
  },
};
