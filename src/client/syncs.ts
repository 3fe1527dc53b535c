import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { Config } from '../config';
import { syncSearchAttributes } from './search-attributes';
import { fullSyncSummary } from './summaries';
import {
  fullSyncWorkflowId,
  type FullSyncInput,
  type FullSyncProgress,
  type IncrementalSyncResult,
} from '../shared/sync-types';
import { fullSyncProgressQuery, incrementalSyncProgressQuery } from '../shared/messages';
import { fullSync } from '../workflows/full-sync';
import { incrementalSync } from '../workflows/incremental-sync';

/**
 * Starting and inspecting syncs through Temporal: shared by the gateway's admin routes and the
 * CLI, so both behave the same way.
 */

export interface StartedSync {
  workflowId: string;
  runId: string;
  uiUrl: string;
}

/** A full sync whose scope overlaps one that is still running. */
export class SyncConflictError extends Error {
  constructor(public readonly runningWorkflowId: string) {
    super(`A full sync covering the same scope is already running: ${runningWorkflowId}`);
    this.name = 'SyncConflictError';
  }
}

const FULL_SYNC_SCOPES = [
  { categories: true, products: true },
  { categories: true, products: false },
  { categories: false, products: true },
];

export function workflowUiUrl(config: Config, workflowId: string, runId?: string): string {
  const base = `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}` : base;
}

async function isRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * Starts a full sync (categories, products, or both). Categories and products may run side by
 * side; a start whose scope overlaps a running full sync is refused with SyncConflictError.
 * `force: true` re-sends every entity, even those the record says Occtoo already holds.
 */
export async function startFullSync(
  client: Client,
  config: Config,
  input: FullSyncInput = {},
): Promise<StartedSync> {
  const categories = input.categories ?? true;
  const products = input.products ?? true;
  if (!categories && !products) throw new Error('Nothing to sync: choose categories, products, or both.');
  const taskQueue = config.temporal.taskQueue;
  for (const scope of FULL_SYNC_SCOPES) {
    const overlaps = (categories && scope.categories) || (products && scope.products);
    const id = fullSyncWorkflowId(taskQueue, scope);
    if (overlaps && (await isRunning(client, id))) throw new SyncConflictError(id);
  }
  const workflowId = fullSyncWorkflowId(taskQueue, { categories, products });
  try {
    const handle = await client.workflow.start(fullSync, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ ...input, categories, products }],
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: syncSearchAttributes('full', config),
      staticSummary: fullSyncSummary(config, input),
    });
    return {
      workflowId,
      runId: handle.firstExecutionRunId,
      uiUrl: workflowUiUrl(config, workflowId, handle.firstExecutionRunId),
    };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new SyncConflictError(workflowId);
    throw err;
  }
}

export interface SyncStatus {
  workflowId: string;
  runId: string;
  type: string;
  /** Temporal's status name: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT. */
  status: string;
  startTime: string;
  closeTime?: string;
  progress?: unknown;
  result?: unknown;
  failure?: string;
  uiUrl: string;
}

/** Status of any sync workflow: progress while running, the result (or failure) once closed. */
export async function describeSync(client: Client, config: Config, workflowId: string): Promise<SyncStatus> {
  const handle = client.workflow.getHandle(workflowId);
  const description: WorkflowExecutionDescription = await handle.describe();
  const status: SyncStatus = {
    workflowId,
    runId: description.runId,
    type: description.type,
    status: description.status.name,
    startTime: description.startTime.toISOString(),
    closeTime: description.closeTime?.toISOString(),
    uiUrl: workflowUiUrl(config, workflowId, description.runId),
  };
  if (status.status === 'RUNNING') {
    status.progress = await queryProgress(client, workflowId, status.type).catch(() => undefined);
  } else if (status.status === 'COMPLETED') {
    status.result = await handle.result();
    status.progress = (status.result as { progress?: unknown } | undefined)?.progress;
  } else {
    status.failure = await handle.result().then(
      () => undefined,
      (err: unknown) => failureMessage(err),
    );
  }
  return status;
}

/**
 * Live progress of a running sync, through the query of its workflow type: a full sync's
 * progress, an incremental sync's totals; undefined for types without one.
 */
export async function queryProgress(
  client: Client,
  workflowId: string,
  workflowType: string,
): Promise<FullSyncProgress | IncrementalSyncResult | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  if (workflowType === fullSync.name) return await handle.query(fullSyncProgressQuery);
  if (workflowType === incrementalSync.name) return await handle.query(incrementalSyncProgressQuery);
  return undefined;
}

/** The innermost cause's message: what actually went wrong, not "Workflow execution failed". */
export function failureMessage(err: unknown): string {
  let current: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  while (current instanceof Error && current.cause) {
    current = current.cause;
    if (current instanceof Error && current.message) message = current.message;
  }
  return message;
}
