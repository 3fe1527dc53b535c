import type { Client, Workflow } from '@temporalio/client';
import { syncSearchAttributes } from '../client/search-attributes';
import { failureMessage, workflowUiUrl, type StartedSync } from '../client/syncs';
import type { Config } from '../config';
import { PROGRAM } from './args';
import type { Output } from './output';

/** Starts a one-off workflow of this deployment (a manual refresh, a setup run) under a fresh id. */
export async function startOnce(
  client: Client,
  config: Config,
  spec: { workflow: Workflow; idPrefix: string; kind: string; args: unknown[]; summary: string },
): Promise<StartedSync> {
  const workflowId = `${config.temporal.taskQueue}/${spec.idPrefix}-${Date.now()}`;
  const handle = await client.workflow.start(spec.workflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: spec.args,
    typedSearchAttributes: syncSearchAttributes(spec.kind, config),
    staticSummary: spec.summary,
  });
  return {
    workflowId,
    runId: handle.firstExecutionRunId,
    uiUrl: workflowUiUrl(config, workflowId, handle.firstExecutionRunId),
  };
}

export function announce(out: Output, what: string, started: StartedSync, wait: boolean): void {
  out.line(`Started ${what}: ${started.workflowId}`);
  out.line(`Temporal UI: ${started.uiUrl}`);
  if (!wait) out.line(`Follow it with: ${PROGRAM} status ${started.workflowId}`);
}

/** The workflow's result, or its failure as one line. */
export async function outcome<T>(
  client: Client,
  started: StartedSync,
): Promise<{ ok: true; result: T } | { ok: false; failure: string }> {
  try {
    return { ok: true, result: (await client.workflow.getHandle(started.workflowId).result()) as T };
  } catch (err) {
    return { ok: false, failure: failureMessage(err) };
  }
}
