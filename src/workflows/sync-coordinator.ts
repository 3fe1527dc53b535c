import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  executeChild,
  metricMeter,
  ParentClosePolicy,
  patched,
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
  archiveNoticeProblem,
  incrementalSyncWorkflowId,
  noticeProblem,
  shownValue,
  type ArchiveNotice,
  type CoordinatorState,
  type SyncCoordinatorInput,
  type SyncDoneNotice,
  type SyncLookup,
  type SyncLookupFailure,
} from '../shared/sync-types';
import { archiveNoticeSignal, coordinatorStateQuery, syncDoneSignal } from '../shared/messages';
import { coordinatorLookupOptions } from './activity-options';
import { archiveProducts } from './archive-products';
import { incrementalSync } from './incremental-sync';
import { NoticeTraces } from './notice-traces';

/**
 * Runs started before this patch keep their first loop (`legacyLoop`) until they continue as new:
 * it looked every notice up in one call and remembered every sync id it had seen, failed ones too.
 */
const QUEUE_PATCH = 'coordinator-queue';

/** Notices one lookup activity takes at most: a retry repeats a bounded call, not the backlog. */
export const LOOKUP_BATCH = 100;
/** Ids of applied or skipped syncs remembered to count redeliveries as duplicates (the child's id is the durable guard). */
const COMPLETED_CAP = 1_000;
/** Sync ids remembered by runs started before QUEUE_PATCH. */
const SEEN_CAP = 1_000;
const RECENT_CAP = 50;

type Outcome = CoordinatorState['recent'][number];

/** What the coordinator holds between steps; all of it is carried across continue-as-new. */
interface Queue {
  /** Notices received, not looked up yet, in arrival order. */
  incoming: SyncDoneNotice[];
  /** Syncs looked up, oldest first (Bluestone's createdAt). */
  waiting: SyncLookup[];
  /** Recently applied or skipped sync ids, oldest first, capped. */
  completed: string[];
  /** Archive notices waiting, oldest first (their timestamp); they need no lookup. */
  archives: ArchiveNotice[];
}

/**
 * The one coordinator per deployment (fed by signal-with-start from the gateway and the refresh
 * job). It applies syncs one at a time, oldest first by Bluestone's creation time: each sync is
 * re-read when it is applied, so with no two applications overlapping, Occtoo can only move
 * forward — an older sync never overwrites what a newer one sent. Each sync runs as a child
 * `incrementalSync` whose id is derived from the sync id: a completed sync is never applied
 * again, a failed one is, when its webhook is redelivered or the refresh hands it over.
 *
 * Nothing a notice holds stops the queue: a notice that cannot name a Bluestone sync fails at
 * once, a sync whose lookup fails for good (Bluestone refused or does not know it) fails in its
 * child run with the reason, and the coordinator moves on. Only a Bluestone outage makes it wait.
 */
export async function syncCoordinator(input: SyncCoordinatorInput = {}): Promise<void> {
  // First, before any command: which loop this run follows for its whole life.
  const queued = patched(QUEUE_PATCH);
  const { lookupSyncs } = proxyActivities<Activities>(coordinatorLookupOptions);
  const state: CoordinatorState = input.state ?? {
    pending: [],
    applied: 0,
    skipped: 0,
    failed: 0,
    duplicates: 0,
    recent: [],
  };
  const q: Queue = {
    incoming: [...(input.incoming ?? [])],
    waiting: [...(input.waiting ?? [])],
    completed: [...(input.completed ?? [])],
    archives: [...(input.archives ?? [])],
  };
  // Child ids share the coordinator's prefix (the deployment's task queue), taken from its own id
  // rather than from the task queue it runs on, so that replays see the same ids.
  const prefix = workflowInfo().workflowId.replace(/\/sync-coordinator$/, '');
  // The deployment's SYNC_ENVIRONMENT, set by whoever started the coordinator, goes to every child.
  const environment = workflowInfo().typedSearchAttributes.get(SyncEnvironment);

  let lookingUp = 0;
  const traces = new NoticeTraces();
  setHandler(syncDoneSignal, (notice) => {
    traces.remember((notice as Partial<SyncDoneNotice> | undefined)?.syncId);
    q.incoming.push(notice);
    reportBacklog(q);
  });
  setHandler(coordinatorStateQuery, () => ({
    ...state,
    pending: q.waiting.map(summary),
    ...(q.archives.length ? { pendingArchives: q.archives.map(archiveSummary) } : {}),
    // Notices being looked up count too: a coordinator in a lookup is not idle.
    toLookUp: q.incoming.length + lookingUp,
  }));
  if (!input.state) upsertSearchAttributes([{ key: SyncKind, value: 'coordinator' }]);

  const remember = (outcome: Outcome) => {
    state.recent = [outcome, ...state.recent].slice(0, RECENT_CAP);
    report(state, q);
  };

  // After `remember`: signals that came with the start are handled as the handler is set.
  setHandler(archiveNoticeSignal, (notice) => {
    const invalid = archiveNoticeProblem(notice);
    const id = invalid
      ? shownValue((notice as Partial<ArchiveNotice> | undefined)?.workflowId)
      : notice.workflowId;
    if (invalid || q.archives.some((a) => a.workflowId === id) || state.applying === id) {
      if (invalid) state.failed++;
      else state.duplicates++;
      remember({
        syncId: id,
        context: invalid ? shownValue(notice?.context) : (notice.context ?? '-'),
        outcome: invalid ? 'failed' : 'duplicate',
        detail: invalid ?? 'archive notice already waiting',
        kind: 'archive',
      });
      return;
    }
    traces.remember(notice.workflowId);
    // Only what the archive run needs: ids, state, context and time.
    const { workflowId, productIds, state: productState, context, timestamp } = notice;
    q.archives.push({
      workflowId,
      productIds,
      state: productState,
      timestamp,
      ...(context ? { context } : {}),
    });
    // Stable: notices of one time keep their arrival order.
    q.archives.sort((a, b) => a.timestamp - b.timestamp);
  });

  /** Applies one looked-up sync as its child run; the outcome is counted and remembered. */
  const apply = async (next: SyncLookup): Promise<Outcome['outcome']> => {
    state.applying = next.syncId;
    report(state, q);
    const { syncId, context } = next;
    let outcome: Outcome;
    try {
      const result = await traces.within(syncId, () =>
        executeChild(incrementalSync, {
          workflowId: incrementalSyncWorkflowId(prefix, syncId),
          args: [
            {
              syncId,
              context,
              pass: next.pass,
              problem: next.problem,
              ...(next.failure ? { failure: next.failure } : {}),
            },
          ],
          // A failed sync may be applied again (by a redelivery or the refresh job); a completed one not.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: SyncKind, value: 'incremental' },
            { key: SyncId, value: syncId },
            { key: BluestoneContext, value: context },
            ...(environment ? [{ key: SyncEnvironment, value: environment }] : []),
          ],
          staticSummary: `Sync ${syncId} · ${context}`,
        }),
      );
      if (result.status === 'applied') state.applied++;
      else state.skipped++;
      outcome = { syncId, context, outcome: result.status, detail: result.reason };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        state.duplicates++;
        outcome = { syncId, context, outcome: 'duplicate', detail: 'already applied' };
      } else {
        state.failed++;
        outcome = { syncId, context, outcome: 'failed', detail: reasonOf(err) };
      }
    }
    state.applying = undefined;
    remember(outcome);
    return outcome.outcome;
  };

  /**
   * Applies one archive notice as its child `archiveProducts` run, under the id the gateway derived
   * from the delivery: a completed archive is not applied again, a failed one may be.
   */
  const applyArchive = async (notice: ArchiveNotice): Promise<void> => {
    const { workflowId, productIds, context } = notice;
    state.applying = workflowId;
    report(state, q);
    const base = { syncId: workflowId, context: context ?? '-', kind: 'archive' as const };
    let outcome: Outcome;
    try {
      const result = await traces.within(workflowId, () =>
        executeChild(archiveProducts, {
          workflowId,
          args: [
            {
              productIds,
              state: notice.state,
              ...(context ? { context } : {}),
              noticeTime: notice.timestamp,
            },
          ],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: SyncKind, value: 'archive' },
            ...(environment ? [{ key: SyncEnvironment, value: environment }] : []),
          ],
          staticSummary: `Archive · ${productIds.length === 1 ? `product ${productIds[0]}` : `${productIds.length} products`} · ${notice.state}`,
        }),
      );
      state.archived = (state.archived ?? 0) + 1;
      const kept = result.kept?.length ?? 0;
      outcome = {
        ...base,
        outcome: 'applied',
        detail:
          `${result.deleted.length} deleted` +
          (kept ? `, ${kept} kept (published again after the notice)` : '') +
          (result.notDeleted.length ? `, ${result.notDeleted.length} not deleted` : ''),
      };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        state.duplicates++;
        outcome = { ...base, outcome: 'duplicate', detail: 'already applied' };
      } else {
        state.failed++;
        outcome = { ...base, outcome: 'failed', detail: reasonOf(err) };
      }
    }
    state.applying = undefined;
    remember(outcome);
  };

  /**
   * True when the oldest archive notice comes before the oldest looked-up sync. On a tie the notice
   * goes first: Bluestone sends it when the product is archived, before the publish that drops it.
   */
  const archiveIsNext = () =>
    q.archives.length > 0 &&
    (q.waiting.length === 0 || q.archives[0].timestamp <= (q.waiting[0].createdAt ?? -1));

  const continueWhenDue = async () => {
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= (input.maxHistoryEvents ?? 2_000)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof syncCoordinator>({
        state: { ...state, pending: [] },
        incoming: q.incoming,
        waiting: q.waiting,
        completed: q.completed,
        ...(q.archives.length ? { archives: q.archives } : {}),
        maxHistoryEvents: input.maxHistoryEvents,
      });
    }
  };

  if (!queued) {
    return legacyLoop({
      input,
      state,
      q,
      lookupSyncs,
      apply,
      remember,
      seen: [...(input.seen ?? [])],
    });
  }

  /** Takes in up to LOOKUP_BATCH notices: malformed ones fail, duplicates are counted, the rest looked up. */
  const takeIn = async (count: number) => {
    const fresh: SyncDoneNotice[] = [];
    for (const notice of q.incoming.splice(0, count)) {
      const invalid = noticeProblem(notice);
      if (invalid) {
        const sent = (notice ?? {}) as Partial<SyncDoneNotice>;
        state.failed++;
        remember({
          syncId: shownValue(sent.syncId),
          context: shownValue(sent.context),
          outcome: 'failed',
          detail: invalid,
        });
        continue;
      }
      const known =
        q.completed.includes(notice.syncId) ||
        q.waiting.some((w) => w.syncId === notice.syncId) ||
        fresh.some((n) => n.syncId === notice.syncId);
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
      }
    }
    if (fresh.length === 0) return;
    let found: SyncLookup[];
    lookingUp = fresh.length;
    try {
      found = await lookupSyncs({ notices: fresh.map(({ syncId, context }) => ({ syncId, context })) });
    } catch (err) {
      // Only a failure no retry fixes gets here (an outage is retried): these syncs fail with it.
      const failure = lookupFailureOf(err);
      found = fresh.map(({ syncId, context }) => ({ syncId, context, failure }));
    } finally {
      lookingUp = 0;
    }
    q.waiting.push(...found.map(compact));
    // Oldest first; syncs without a creation time (failed lookups) go first, to be reported at once.
    q.waiting.sort((a, b) => (a.createdAt ?? -1) - (b.createdAt ?? -1));
  };

  // Notices to look up before the next sync is applied: those that had arrived when the last one
  // ended. Later ones wait for the following round, so a steady stream of notices never holds
  // back applying, while a backlog that arrived at once is all looked up, and so ordered, first.
  let beforeNext = q.incoming.length;
  // Whether the notices that arrived with the archive notice next in line were looked up (once).
  let archiveCaughtUp = false;
  for (;;) {
    await condition(() => q.incoming.length > 0 || q.waiting.length > 0 || q.archives.length > 0);
    if (beforeNext > 0 && q.incoming.length > 0) {
      const count = Math.min(beforeNext, LOOKUP_BATCH);
      beforeNext -= count;
      await takeIn(count);
    } else if (archiveIsNext()) {
      // Syncs notified meanwhile are ordered first (once, so a stream of notices cannot hold it back).
      if (q.incoming.length > 0 && !archiveCaughtUp) {
        archiveCaughtUp = true;
        beforeNext = q.incoming.length;
        continue;
      }
      archiveCaughtUp = false;
      await applyArchive(q.archives.shift()!);
      beforeNext = q.incoming.length;
    } else if (q.waiting.length > 0) {
      const next = q.waiting.shift()!;
      const outcome = await apply(next);
      // A failed sync is not remembered: a redelivery or the refresh applies it again.
      if (outcome === 'applied' || outcome === 'skipped') {
        q.completed.push(next.syncId);
        q.completed.splice(0, Math.max(0, q.completed.length - COMPLETED_CAP));
      }
      beforeNext = q.incoming.length;
    } else {
      beforeNext = q.incoming.length;
      continue;
    }
    report(state, q);
    await continueWhenDue();
  }
}

interface LegacyLoop {
  input: SyncCoordinatorInput;
  state: CoordinatorState;
  q: Queue;
  lookupSyncs: (input: { notices: Pick<SyncDoneNotice, 'syncId' | 'context'>[] }) => Promise<SyncLookup[]>;
  apply: (next: SyncLookup) => Promise<Outcome['outcome']>;
  remember: (outcome: Outcome) => void;
  seen: string[];
}

/**
 * The loop of runs started before QUEUE_PATCH, kept command for command so that they replay;
 * such a run continues as new into the current loop.
 */
async function legacyLoop({
  input,
  state,
  q,
  lookupSyncs,
  apply,
  remember,
  seen,
}: LegacyLoop): Promise<void> {
  for (;;) {
    await condition(() => q.incoming.length > 0 || q.waiting.length > 0);

    if (q.incoming.length > 0) {
      const fresh: SyncDoneNotice[] = [];
      for (const notice of q.incoming.splice(0)) {
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
        q.waiting.push(...(await lookupSyncs({ notices: fresh })));
        q.waiting.sort((a, b) => (a.createdAt ?? -1) - (b.createdAt ?? -1));
      }
      if (q.incoming.length > 0) continue;
    }

    const next = q.waiting.shift();
    if (next) await apply(next);

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= (input.maxHistoryEvents ?? 2_000)) {
      await condition(allHandlersFinished);
      return await continueAsNew<typeof syncCoordinator>({
        state: { ...state, pending: [] },
        incoming: q.incoming,
        waiting: q.waiting.map(compact),
        ...(q.archives.length ? { archives: q.archives } : {}),
        maxHistoryEvents: input.maxHistoryEvents,
      });
    }
  }
}

/** A lookup as the waiting list keeps it: only what applying the sync needs. */
function compact(l: SyncLookup): SyncLookup {
  const kept: SyncLookup = { syncId: l.syncId, context: l.context };
  if (l.createdAt !== undefined) kept.createdAt = l.createdAt;
  if (l.pass) kept.pass = l.pass;
  if (l.problem) kept.problem = l.problem;
  if (l.failure) kept.failure = l.failure;
  return kept;
}

/** Why a lookup activity failed for good (a configuration error, say), as the syncs' failure. */
function lookupFailureOf(err: unknown): SyncLookupFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return {
    type: cause instanceof ApplicationFailure && cause.type ? cause.type : 'LookupFailed',
    message: `the sync could not be looked up: ${cause instanceof Error ? cause.message : String(cause)}`,
  };
}

/** A child's failure as one line: the innermost reason (an activity's), not a wrapper's. */
function reasonOf(err: unknown): string {
  let e = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

function summary(l: SyncLookup) {
  return { syncId: l.syncId, context: l.context, createdAt: l.createdAt };
}

function archiveSummary(a: ArchiveNotice) {
  return { workflowId: a.workflowId, products: a.productIds.length, state: a.state, timestamp: a.timestamp };
}

/**
 * The backlog for Prometheus (`sync_coordinator_backlog`): notices waiting, looked up or not,
 * archive notices included. A metric is no command (not recorded while replaying), so no patch.
 */
function reportBacklog(q: Queue): void {
  metricMeter
    .createGauge(
      'sync_coordinator_backlog',
      'int',
      undefined,
      'Syncs and archive notices waiting in the sync coordinator',
    )
    .set(q.incoming.length + q.waiting.length + q.archives.length);
}

function report(state: CoordinatorState, q: Queue): void {
  reportBacklog(q);
  const recent = state.recent
    .slice(0, 10)
    .map(
      (r) =>
        `- ${r.kind === 'archive' ? 'archive ' : ''}${r.syncId} (${r.context}): ${r.outcome}${r.detail ? ` — ${r.detail}` : ''}`,
    );
  setCurrentDetails(
    [
      `**Sync coordinator** — applying: ${state.applying ?? 'nothing'}, waiting: ${q.waiting.length}, ` +
        `to look up: ${q.incoming.length}` +
        (q.archives.length ? `, archive notices waiting: ${q.archives.length}` : ''),
      `applied ${state.applied}, skipped ${state.skipped}, failed ${state.failed}, duplicates ${state.duplicates}` +
        (state.archived ? `, archive notices applied ${state.archived}` : ''),
      '',
      ...recent,
    ].join('\n'),
  );
}
