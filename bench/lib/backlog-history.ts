/**
 * What Temporal recorded of a backlog: every run of the sync coordinator (followed from its first
 * run along the continue-as-new chain, so none is missed while visibility catches up), the
 * notices each run received, and the incremental-sync runs it started, in start order.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { SyncDoneNotice } from '../../src/shared/sync-types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CoordinatorRun {
  runId: string;
  /** Events in the run's history, signals included. */
  events: number;
  /** Sync-done notices (signals) the run received. */
  signals: number;
  /** Events the coordinator's own steps produced: everything but the signals. */
  ownEvents: number;
  /** Bytes of the continue-as-new input the run handed on (absent for the last run). */
  continueAsNewInputBytes?: number;
  /** How the run ended: `continued`, or `open` for the run still running. */
  end: 'continued' | 'open' | 'closed';
}

export interface CoordinatorHistory {
  runs: CoordinatorRun[];
  /** Every notice received, across all runs, in the order the runs recorded them. */
  notices: SyncDoneNotice[];
}

/** Follows the coordinator from `firstRunId` along the continue-as-new chain to the current run. */
export async function coordinatorHistory(
  client: Client,
  workflowId: string,
  firstRunId: string,
): Promise<CoordinatorHistory> {
  const runs: CoordinatorRun[] = [];
  const notices: SyncDoneNotice[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    let signals = 0;
    let next: string | undefined;
    let continueAsNewInputBytes: number | undefined;
    let closed = false;
    for (const e of events) {
      const signal = e.workflowExecutionSignaledEventAttributes;
      if (signal) {
        signals++;
        const payload = signal.input?.payloads?.[0];
        if (payload) notices.push(defaultPayloadConverter.fromPayload<SyncDoneNotice>(payload));
      }
      const continued = e.workflowExecutionContinuedAsNewEventAttributes;
      if (continued) {
        next = continued.newExecutionRunId ?? undefined;
        continueAsNewInputBytes = (continued.input?.payloads ?? []).reduce(
          (sum, p) => sum + (p.data?.length ?? 0),
          0,
        );
      }
      if (
        e.workflowExecutionCompletedEventAttributes ||
        e.workflowExecutionFailedEventAttributes ||
        e.workflowExecutionTerminatedEventAttributes ||
        e.workflowExecutionTimedOutEventAttributes ||
        e.workflowExecutionCanceledEventAttributes
      ) {
        closed = true;
      }
    }
    runs.push({
      runId,
      events: events.length,
      signals,
      ownEvents: events.length - signals,
      continueAsNewInputBytes,
      end: next ? 'continued' : closed ? 'closed' : 'open',
    });
    runId = next;
  }
  return { runs, notices };
}

export interface ChildRun {
  workflowId: string;
  status: string;
  startTime: number;
  closeTime?: number;
}

/**
 * The incremental-sync runs of a task queue, as visibility lists them, in start order; waits
 * (up to `timeoutMs`) until `expected` of them are listed and closed, visibility being eventual.
 */
export async function incrementalRuns(
  client: Client,
  taskQueue: string,
  expected: number,
  timeoutMs = 60_000,
): Promise<ChildRun[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed: ChildRun[] = [];
    for await (const run of client.workflow.list({
      query: `WorkflowType = 'incrementalSync' AND TaskQueue = '${taskQueue}'`,
    })) {
      listed.push({
        workflowId: run.workflowId,
        status: run.status.name,
        startTime: run.startTime.getTime(),
        closeTime: run.closeTime?.getTime(),
      });
    }
    const settled = listed.length >= expected && listed.every((r) => r.closeTime !== undefined);
    if (settled || Date.now() > deadline) {
      return listed.sort((a, b) => a.startTime - b.startTime || a.workflowId.localeCompare(b.workflowId));
    }
    await sleep(1_000);
  }
}
