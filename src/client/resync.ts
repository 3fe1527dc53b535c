import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { ResyncInput } from '../shared/sync-types';
import { resyncProducts } from '../workflows/resync-products';
import { syncSearchAttributes } from './search-attributes';
import { resyncSummary } from './summaries';
import { workflowUiUrl, type StartedSync } from './syncs';

/** Resyncs may overlap (each names its own products): every start gets an id of its own. */
export function resyncWorkflowId(taskQueue: string): string {
  return `${taskQueue}/resync-${randomUUID()}`;
}

/**
 * Starts a resync of chosen products (the CLI's `resync` and the admin route `POST /resync`). The
 * input is checked by the caller (resyncInputProblem) and again by the activity.
 */
export async function startResync(client: Client, config: Config, input: ResyncInput): Promise<StartedSync> {
  const workflowId = resyncWorkflowId(config.temporal.taskQueue);
  const handle = await client.workflow.start(resyncProducts, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [input],
    typedSearchAttributes: syncSearchAttributes('resync', config),
    staticSummary: resyncSummary(input),
  });
  return {
    workflowId,
    runId: handle.firstExecutionRunId,
    uiUrl: workflowUiUrl(config, workflowId, handle.firstExecutionRunId),
  };
}
