import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { Config } from '../config';
import { BluestoneContext, SyncId, SyncKind } from '../shared/search-attributes';
import { healthCheck } from '../workflows/health-check';

/** One workflow run as Temporal's visibility lists it, with the sync's search attributes. */
export interface SyncRun {
  type: string;
  workflowId: string;
  runId: string;
  status: string;
  startTime: string;
  closeTime?: string;
  syncKind?: string;
  syncId?: string;
  context?: string;
}

const quoted = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * A visibility query over this deployment's workflows: its task queue (which SYNC_ENVIRONMENT
 * also sets), so that deployments sharing a namespace stay apart. Health checks are left out.
 */
export function deploymentQuery(config: Pick<Config, 'temporal'>, ...conditions: string[]): string {
  return [
    `TaskQueue = ${quoted(config.temporal.taskQueue)}`,
    `WorkflowType != '${healthCheck.name}'`,
    ...conditions,
  ].join(' AND ');
}

export function byType(type: string): string {
  return `WorkflowType = ${quoted(type)}`;
}

export function toSyncRun(info: WorkflowExecutionInfo): SyncRun {
  const attributes = info.typedSearchAttributes;
  return {
    type: info.type,
    workflowId: info.workflowId,
    runId: info.runId,
    status: info.status.name,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
    syncKind: attributes.get(SyncKind),
    syncId: attributes.get(SyncId),
    context: attributes.get(BluestoneContext),
  };
}

/** Up to `limit` runs matching the query, newest first (closed ones by close time). */
export async function listRuns(client: Client, query: string, limit: number): Promise<SyncRun[]> {
  const runs: SyncRun[] = [];
  for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    runs.push(toSyncRun(info));
    if (runs.length >= limit) break;
  }
  const newest = (r: SyncRun) => Date.parse(r.closeTime ?? r.startTime);
  return runs.sort((a, b) => newest(b) - newest(a));
}
