import { heartbeat, sleep } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { allContexts, type Config } from '../config';
import { signalSyncDone } from '../client/webhooks';
import {
  incrementalSyncWorkflowId,
  type FullSyncResult,
  type IncrementalSyncResult,
  type SyncDoneNotice,
} from '../shared/sync-types';
import { ApiError, FailureType, toActivityFailure } from '../http/api-error';
import type { BluestoneClient } from '../bluestone/client';
import { mapWithConcurrency } from '../http/concurrency';
import { fullSync } from '../workflows/full-sync';

export interface RefreshDeps {
  config: Config;
  bluestone: BluestoneClient;
  /** The refresh hands syncs to the coordinator and reads their outcome through Temporal. */
  temporal?: Client;
}

export interface RecentSync {
  syncId: string;
  context: string;
  createdAt: number;
  state?: string;
}

/** Where a sync stands in this deployment. */
export type ApplicationStatus = 'applied' | 'running' | 'failed' | 'not-applied' | 'covered-by-full-sync';

export interface SyncOutcome {
  syncId: string;
  context: string;
  outcome: 'applied' | 'skipped' | 'failed';
  detail?: string;
}

/**
 * The lookback refresh (Optimizely's "Refresh published products"): Bluestone's recent syncs,
 * which of them this deployment has not applied yet, and handing those to the coordinator —
 * the same ordered path and the same per-sync workflow ids as the webhook, so nothing is
 * applied twice.
 */
export function createRefreshActivities(deps: RefreshDeps) {
  const { config, bluestone } = deps;
  const temporal = (): Client => {
    if (deps.temporal) return deps.temporal;
    throw toActivityFailure(
      new ApiError({
        type: FailureType.ConfigurationError,
        message: 'the worker was started without a Temporal client, so it cannot run the refresh',
        retryable: false,
      }),
    );
  };
  const taskQueue = config.temporal.taskQueue;
  const contexts = allContexts(config).map((c) => c.context);

  /**
   * Start time of the newest completed full sync that covers the syncs created before it, if any
   * (see `coversEarlierSyncs`). Only runs started after `since` can cover a sync asked about, so
   * older ones are not read.
   */
  async function lastCoveringFullSyncStart(client: Client, since: number): Promise<number | undefined> {
    const query =
      `WorkflowType = '${fullSync.name}' AND ExecutionStatus = 'Completed' AND TaskQueue = '${taskQueue}'` +
      ` AND StartTime > '${new Date(since).toISOString()}'`;
    let newest: number | undefined;
    for await (const execution of client.workflow.list({ query, pageSize: 20 })) {
      const result = (await client.workflow.getHandle(execution.workflowId, execution.runId).result()) as
        FullSyncResult | undefined;
      if (!result || !coversEarlierSyncs(result, contexts)) continue;
      // Listed by close time, not start time: the newest start wins.
      const startedAt = Date.parse(result.progress.startedAt);
      if (newest === undefined || startedAt > newest) newest = startedAt;
    }
    return newest;
  }

  return {
    /** Syncs Bluestone created in the last `days`, for the configured contexts (or a subset). */
    async listRecentSyncs(input: { days: number; contexts?: string[]; now?: number }): Promise<RecentSync[]> {
      const createdAfter = (input.now ?? Date.now()) - input.days * 24 * 60 * 60 * 1000;
      const wanted = contexts.filter((c) => !input.contexts?.length || input.contexts.includes(c));
      try {
        const perContext = await mapWithConcurrency(wanted, 4, (context) =>
          bluestone.allSyncs({ context, createdAfter }),
        );
        return perContext
          .flatMap((syncs, i) =>
            syncs.map((s) => ({
              syncId: s.id,
              context: s.contextId ?? contexts[i],
              createdAt: s.createdAt,
              state: s.state,
            })),
          )
          .sort((a, b) => a.createdAt - b.createdAt);
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /**
     * Whether each sync's incremental workflow exists here and how it ended — or whether a
     * completed full sync of everything started after Bluestone created it, read its data and
     * removed what it deleted (its reconciliation).
     */
    async syncApplicationStatus(input: {
      syncs: { syncId: string; createdAt: number }[];
    }): Promise<Record<string, ApplicationStatus>> {
      const client = temporal();
      if (input.syncs.length === 0) return {};
      const oldest = Math.min(...input.syncs.map((s) => s.createdAt));
      const coveredUntil = await lastCoveringFullSyncStart(client, oldest);
      const statuses = await mapWithConcurrency(
        input.syncs,
        8,
        async ({ syncId, createdAt }): Promise<ApplicationStatus> => {
          try {
            const { status } = await client.workflow
              .getHandle(incrementalSyncWorkflowId(taskQueue, syncId))
              .describe();
            if (status.name === 'COMPLETED') return 'applied';
            if (status.name === 'RUNNING') return 'running';
            return 'failed';
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
            return coveredUntil !== undefined && createdAt < coveredUntil
              ? 'covered-by-full-sync'
              : 'not-applied';
          }
        },
      );
      return Object.fromEntries(input.syncs.map((s, i) => [s.syncId, statuses[i]]));
    },

    /** Hands syncs to the coordinator (signal-with-start), as the webhook does. */
    async handSyncsToCoordinator(input: { notices: SyncDoneNotice[] }): Promise<void> {
      const client = temporal();
      for (const notice of input.notices) await signalSyncDone(client, config.temporal, notice);
    },

    /**
     * Waits until each handed-over sync has an outcome; heartbeats while it waits. A run that
     * ended before `handedOverAt` is an earlier, failed attempt: the outcome is that of the next.
     */
    async awaitSyncOutcomes(input: {
      syncs: { syncId: string; context: string }[];
      /** When the syncs were handed to the coordinator (epoch ms); absent from older refreshes. */
      handedOverAt?: number;
      pollMs?: number;
    }): Promise<SyncOutcome[]> {
      const client = temporal();
      const outcomes = new Map<string, SyncOutcome>();
      for (;;) {
        for (const { syncId, context } of input.syncs) {
          if (outcomes.has(syncId)) continue;
          const handle = client.workflow.getHandle(incrementalSyncWorkflowId(taskQueue, syncId));
          try {
            const { status, closeTime } = await handle.describe();
            if (status.name === 'COMPLETED') {
              // Final whenever it ended: a completed sync is never applied again.
              const result = (await handle.result()) as IncrementalSyncResult;
              outcomes.set(syncId, { syncId, context, outcome: result.status, detail: result.reason });
            } else if (
              closeTime &&
              input.handedOverAt !== undefined &&
              closeTime.getTime() < input.handedOverAt
            ) {
              // An attempt that failed before the hand-over: the coordinator has not started the next yet.
            } else if (status.name !== 'RUNNING') {
              outcomes.set(syncId, { syncId, context, outcome: 'failed', detail: await failureOf(handle) });
            }
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
            // Not started yet: the coordinator may still be applying older syncs.
          }
        }
        heartbeat({ done: outcomes.size });
        if (outcomes.size === input.syncs.length) return input.syncs.map((s) => outcomes.get(s.syncId)!);
        await sleep(input.pollMs ?? 500);
      }
    },
  };
}

/** Why a closed sync run did not complete: the reason it failed with, or how it ended. */
async function failureOf(handle: WorkflowHandle): Promise<string> {
  try {
    await handle.result();
    return 'completed';
  } catch (err) {
    // The innermost reason (an activity's), not the wrappers'.
    let e: unknown = err;
    while (e instanceof Error && e.cause instanceof Error) e = e.cause;
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Whether a completed full sync makes every sync Bluestone created before it started redundant.
 * Reading everything brings each product's current values, but a sync's DELETE differences are
 * only carried out by the run's reconciliation, so it covers only when that reconciliation
 * removed what Bluestone no longer serves from both the products and the categories source:
 * done (a dry run stays 'planned', a refused one 'refused'), neither source left alone (no
 * record, some contexts only) and nothing Occtoo refused to delete. Runs older than
 * reconciliation have none, and cover nothing.
 */
export function coversEarlierSyncs(result: FullSyncResult, contexts: string[]): boolean {
  const { scope } = result;
  if (!scope?.categories || !scope.products || !contexts.every((c) => scope.contexts.includes(c)))
    return false;
  const reconciliation = result.progress?.reconciliation;
  if (reconciliation?.state !== 'done' || result.dryRun) return false;
  return (['products', 'categories'] as const).every((kind) =>
    reconciliation.sources.some((s) => s.kind === kind && !s.refused?.count),
  );
}
