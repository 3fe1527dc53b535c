import {
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { BluestoneContext, SyncEnvironment, SyncId, SyncKind } from '../shared/search-attributes';
import {
  incrementalSyncWorkflowId,
  type CoordinatorState,
  type SyncCoordinatorInput,
  type SyncDoneNotice,
  type SyncLookup,
} from '../shared/sync-types';
import { coordinatorStateQuery, syncDoneSignal } from '../shared/messages';
import { coordinatorLookupOptions } from './activity-options';
import { incrementalSync } from './incremental-sync';

/** Sync ids remembered for de-duplication (the per-sync workflow id is the durable guard). */
const SEEN_CAP = 1_000;
const RECENT_CAP = 50;

/**
 * The one coordinator per deployment (fed by signal-with-start from the gateway and the refresh
 * job). It applies syncs one at a time, oldest first by Bluestone's creation time: each sync is
 * re-read when it is applied, so with no two applications overlapping, Occtoo can only move
 * forward — an older sync never overwrites what a newer one sent. Each sync runs as a child
 * `incrementalSync` whose id is derived from the sync id, so a sync is applied at most once.
 */
export async function syncCoordinator(input: SyncCoordinatorInput = {}): Promise<void> {
  const { lookupSyncs } = proxyActivities<Activities>(coordinatorLookupOptions);
  const state: CoordinatorState = input.state ?? {
    pending: [],
    applied: 0,
    skipped: 0,
    failed: 0,
    duplicates: 0,
    recent: [],
  };
  const incoming: SyncDoneNotice[] = [...(input.incoming ?? [])];
  let waiting: SyncLookup[] = [...(input.waiting ?? [])];
  const seen: string[] = [...(input.seen ?? [])];
  // Child ids share the coordinator's prefix (the deployment's task queue), taken from its own id
  // rather than from the task queue it runs on, so that replays see the same ids.
  const prefix = workflowInfo().workflowId.replace(/\/sync-coordinator$/, '');
  // The deployment's SYNC_ENVIRONMENT, set by whoever started the coordinator, goes to every child.
  const environment = workflowInfo().typedSearchAttributes.get(SyncEnvironment);

  setHandler(syncDoneSignal, (notice) => {
    incoming.push(notice);
  });
  setHandler(coordinatorStateQuery, () => ({ ...state, pending: waiting.map(summary) }));
  if (!input.state) upsertSearchAttributes([{ key: SyncKind, value: 'coordinator' }]);

  const remember = (outcome: CoordinatorState['recent'][number]) => {
    state.recent = [outcome, ...state.recent].slice(0, RECENT_CAP);
    report(state, waiting);
  };

  for (;;) {
    await condition(() => incoming.length > 0 || waiting.length > 0);

    if (incoming.length > 0) {
      const fresh: SyncDoneNotice[] = [];
      for (const notice of incoming.splice(0)) {
        const known = seen.includes(notice.syncId) || fresh.some((n) => n.syncId === notice.syncId);
        if (known) {
          state.duplicates++;
          remember({
            syncId: notice.syncId,
            context: notice.context,
            outcome: 'duplicate',
            detail: `via ${notice.via}`,
          });
        } else {
          fresh.push(notice);
          seen.push(notice.syncId);
        }
      }
      seen.splice(0, Math.max(0, seen.length - SEEN_CAP));
      if (fresh.length > 0) {
        waiting = [...waiting, ...(await lookupSyncs({ notices: fresh }))];
        // Oldest first; syncs Bluestone does not know (no creation time) are reported at once.
        waiting.sort((a, b) => (a.createdAt ?? -1) - (b.createdAt ?? -1));
      }
      // Take in everything that arrived meanwhile before choosing which sync goes first.
      if (incoming.length > 0) continue;
    }

    const next = waiting.shift();
    if (next) {
      state.applying = next.syncId;
      report(state, waiting);
      try {
        const result = await executeChild(incrementalSync, {
          workflowId: incrementalSyncWorkflowId(prefix, next.syncId),
          args: [{ syncId: next.syncId, context: next.context, pass: next.pass, problem: next.problem }],
          // A failed sync may be applied again (by a redelivery or the refresh job); a completed one not.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: SyncKind, value: 'incremental' },
            { key: SyncId, value: next.syncId },
            { key: BluestoneContext, value: next.context },
            ...(environment ? [{ key: SyncEnvironment, value: environment }] : []),
          ],
          staticSummary: `Incremental sync ${next.syncId} (${next.context})`,
        });
        if (result.status === 'applied') state.applied++;
        else state.skipped++;
        remember({
          syncId: next.syncId,
          context: next.context,
          outcome: result.status,
          detail: result.reason,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          state.duplicates++;
          remember({
            syncId: next.syncId,
            context: next.context,
            outcome: 'duplicate',
            detail: 'already applied',
          });
        } else {
          state.failed++;
          remember({
            syncId: next.syncId,
            context: next.context,
            outcome: 'failed',
            detail:
              err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err),
          });
        }
      }
      state.applying = undefined;
    }

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= (input.maxHistoryEvents ?? 2_000)) {
      await condition(allHandlersFinished);
      return await continueAsNew<typeof syncCoordinator>({
        state,
        incoming,
        waiting,
        seen,
        maxHistoryEvents: input.maxHistoryEvents,
      });
    }
  }
}

function summary(l: SyncLookup) {
  return { syncId: l.syncId, context: l.context, createdAt: l.createdAt };
}

function report(state: CoordinatorState, waiting: SyncLookup[]): void {
  const recent = state.recent
    .slice(0, 10)
    .map((r) => `- ${r.syncId} (${r.context}): ${r.outcome}${r.detail ? ` — ${r.detail}` : ''}`);
  setCurrentDetails(
    [
      `**Sync coordinator** — applying: ${state.applying ?? 'nothing'}, waiting: ${waiting.length}`,
      `applied ${state.applied}, skipped ${state.skipped}, failed ${state.failed}, duplicates ${state.duplicates}`,
      '',
      ...recent,
    ].join('\n'),
  );
}
