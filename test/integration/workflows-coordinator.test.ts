/**
 * The sync coordinator's own rules, in seconds: the real `syncCoordinator` and its
 * `incrementalSync` children on the run's dev server, with stub activities (no simulators, no
 * Bluestone or Occtoo). End to end on the simulators: coordinator-queue.test.ts and
 * incremental-sync.test.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { archiveNoticeSignal, coordinatorStateQuery, syncDoneSignal } from '../../src/shared/messages';
import {
  emptyChunkResult,
  type ArchiveNotice,
  type ArchiveProductsInput,
  incrementalSyncWorkflowId,
  syncCoordinatorWorkflowId,
  type ChunkResult,
  type CoordinatorState,
  type SyncCoordinatorInput,
  type SyncDoneNotice,
  type SyncLookup,
  type SyncLookupFailure,
} from '../../src/shared/sync-types';
import { syncCoordinator } from '../../src/workflows';
import { LOOKUP_BATCH } from '../../src/workflows/sync-coordinator';
import { workflowTracingSinks } from '../../src/tracing';
import { waitFor } from '../support/processes';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue } from '../support/temporal';

/** Bluestone's creation times of the syncs these tests send (epoch ms): A is the oldest. */
const CREATED_AT: Record<string, number> = { X: 500, A: 1_000, B: 2_000, C: 3_000 };

/**
 * Stub activities: lookups from CREATED_AT (or `createdAt`), and a record of which syncs were
 * applied, in order.
 */
class StubActivities {
  /** Sync ids in the order their products were applied. */
  readonly applied: string[] = [];
  /** How many notices each lookup call was given. */
  readonly lookupCalls: number[] = [];
  /** Creation times of syncs not in CREATED_AT. */
  readonly createdAt = new Map<string, number>();
  /** Lookups that fail for good, by sync id (as the real activity reports Bluestone's 4xx). */
  readonly lookupFailures = new Map<string, SyncLookupFailure>();
  /** When set, every lookup call fails with it, without retries (a configuration error, say). */
  lookupError?: ApplicationFailure;
  /** Syncs whose next application fails as Occtoo's 403 makes it fail (non-retryable). */
  readonly failNext = new Set<string>();
  private gates = new Map<string, { opened: Promise<void>; open: () => void }>();

  /** Keeps `syncId` "being applied" until `release(syncId)`. */
  hold(syncId: string): void {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.gates.set(syncId, { opened, open });
  }

  release(syncId: string): void {
    this.gates.get(syncId)?.open();
  }

  /** What each archive run was given, in the order they ran. */
  readonly archives: ArchiveProductsInput[] = [];

  /** The only activities the coordinator and its children call. */
  activities(): Pick<Activities, 'lookupSyncs' | 'applyDifferencesChunk' | 'deleteArchivedProducts'> {
    return {
      deleteArchivedProducts: async (input) => {
        this.archives.push(input);
        this.applied.push(`archive:${input.productIds.join(',')}`);
        return { status: 'completed', deleted: input.productIds, mediaDeleted: [], notDeleted: [], kept: [] };
      },
      lookupSyncs: async ({ notices }): Promise<SyncLookup[]> => {
        this.lookupCalls.push(notices.length);
        if (this.lookupError) throw this.lookupError;
        return notices.map(({ syncId, context }) => {
          const failure = this.lookupFailures.get(syncId);
          if (failure) return { syncId, context, failure };
          return {
            syncId,
            context,
            createdAt: CREATED_AT[syncId] ?? this.createdAt.get(syncId),
            pass: { context, language: 'en', isDefault: true },
          };
        });
      },
      applyDifferencesChunk: async ({ syncId, source }): Promise<ChunkResult> => {
        await this.gates.get(syncId)?.opened;
        if (source === 'products' && this.failNext.delete(syncId)) {
          throw ApplicationFailure.create({
            type: 'OcctooForbidden',
            message: 'Occtoo refused data source products (403)',
            nonRetryable: true,
          });
        }
        if (source === 'products') this.applied.push(syncId);
        return { ...emptyChunkResult(), done: true };
      },
    };
  }
}

describe('syncCoordinator (stub activities)', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let stubs: StubActivities;
  let taskQueue: string;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  beforeEach(async () => {
    stubs = new StubActivities();
    taskQueue = uniqueTaskQueue('coordinator');
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: stubs.activities(),
      sinks: workflowTracingSinks(),
    });
    running = worker.run();
  });

  afterEach(async () => {
    const handle = env.client.workflow.getHandle(syncCoordinatorWorkflowId(taskQueue));
    await handle.terminate('test over').catch(() => undefined);
    worker.shutdown();
    await running;
  });

  const notice = (syncId: string, via: SyncDoneNotice['via'] = 'webhook'): SyncDoneNotice => ({
    syncId,
    context: 'en',
    via,
  });

  /** Hands a notice to the coordinator, starting it if needed, exactly as the gateway does. */
  const send = (sent: SyncDoneNotice, input: SyncCoordinatorInput = {}) =>
    env.client.workflow.signalWithStart(syncCoordinator, {
      workflowId: syncCoordinatorWorkflowId(taskQueue),
      taskQueue,
      signal: syncDoneSignal,
      signalArgs: [sent],
      args: [input],
    });

  const signal = (syncId: string, input: SyncCoordinatorInput = {}, via?: SyncDoneNotice['via']) =>
    send(notice(syncId, via), input);

  const childRun = (syncId: string) =>
    env.client.workflow.getHandle(incrementalSyncWorkflowId(taskQueue, syncId));

  /** The coordinator's state, once it shows what the test asserts. */
  const stateWhen = (what: string, done: (state: CoordinatorState) => boolean) =>
    waitFor(
      what,
      async () => {
        const state = await env.client.workflow
          .getHandle(syncCoordinatorWorkflowId(taskQueue))
          .query(coordinatorStateQuery);
        return done(state) ? state : undefined;
      },
      30_000,
      100,
    );

  it('applies waiting syncs oldest first by creation time, whatever order they were signalled in', async () => {
    stubs.hold('X');
    await signal('X');
    await stateWhen('X to be applied', (s) => s.applying === 'X');
    for (const syncId of ['C', 'A', 'B']) await signal(syncId);
    stubs.release('X');

    const state = await stateWhen('all four to be applied', (s) => s.applied === 4);
    expect(stubs.applied).toEqual(['X', 'A', 'B', 'C']);
    expect(state.recent.map((r) => `${r.syncId}:${r.outcome}`)).toEqual([
      'C:applied',
      'B:applied',
      'A:applied',
      'X:applied',
    ]);
  });

  it('applies archive notices in time order with the syncs, across continue-as-new, each once', async () => {
    const archive = (product: string, timestamp: number): ArchiveNotice => ({
      workflowId: `${taskQueue}/archive-${product}`,
      productIds: [product],
      state: 'ARCHIVED',
      context: 'en',
      timestamp,
    });
    const sendArchive = (n: ArchiveNotice) =>
      env.client.workflow.signalWithStart(syncCoordinator, {
        workflowId: syncCoordinatorWorkflowId(taskQueue),
        taskQueue,
        signal: archiveNoticeSignal,
        signalArgs: [n],
        args: [{ maxHistoryEvents: 20 }],
      });
    stubs.hold('X');
    const started = await signal('X', { maxHistoryEvents: 20 });
    await stateWhen('X to be applied', (s) => s.applying === 'X');
    // Between A (1,000) and B (2,000), and between B and C (3,000); p1 is delivered twice.
    for (const syncId of ['C', 'A']) await signal(syncId);
    await sendArchive(archive('p2', 2_500));
    await sendArchive(archive('p1', 1_500));
    await sendArchive(archive('p1', 1_500));
    await signal('B');
    const waiting = await stateWhen('the notices to wait', (s) => s.pendingArchives?.length === 2);
    expect(waiting.pendingArchives).toEqual([
      { workflowId: `${taskQueue}/archive-p1`, products: 1, state: 'ARCHIVED', timestamp: 1_500 },
      { workflowId: `${taskQueue}/archive-p2`, products: 1, state: 'ARCHIVED', timestamp: 2_500 },
    ]);
    stubs.release('X');

    const state = await stateWhen('all to be applied', (s) => s.applied === 4 && s.archived === 2);
    expect(stubs.applied).toEqual(['X', 'A', 'archive:p1', 'B', 'archive:p2', 'C']);
    // The notice's time goes to the archive run, for the late-notice rule.
    expect(stubs.archives).toEqual([
      { productIds: ['p1'], state: 'ARCHIVED', context: 'en', noticeTime: 1_500 },
      { productIds: ['p2'], state: 'ARCHIVED', context: 'en', noticeTime: 2_500 },
    ]);
    expect(state).toMatchObject({ duplicates: 1, failed: 0 });
    expect(state.recent.filter((r) => r.kind === 'archive').map((r) => `${r.syncId}:${r.outcome}`)).toEqual([
      `${taskQueue}/archive-p2:applied`,
      `${taskQueue}/archive-p1:applied`,
      `${taskQueue}/archive-p1:duplicate`,
    ]);
    const run = await env.client.workflow.getHandle(`${taskQueue}/archive-p1`).describe();
    expect(run).toMatchObject({ type: 'archiveProducts', status: { name: 'COMPLETED' } });
    const latest = await env.client.workflow.getHandle(syncCoordinatorWorkflowId(taskQueue)).describe();
    expect(latest.runId).not.toBe(started.signaledRunId);

    // Redelivered after it was applied: its archive run's id is taken, so it is not applied again.
    await sendArchive(archive('p1', 1_500));
    await stateWhen('the redelivery to be a duplicate', (s) => s.duplicates === 2);
    expect(stubs.archives).toHaveLength(2);
  });

  it('counts a sync id it has seen as a duplicate and does not apply it again', async () => {
    await signal('A');
    await stateWhen('A to be applied', (s) => s.applied === 1);
    await signal('A', {}, 'refresh');

    const state = await stateWhen('the duplicate to be counted', (s) => s.duplicates === 1);
    expect(state.applied).toBe(1);
    expect(state.recent[0]).toEqual({
      syncId: 'A',
      context: 'en',
      outcome: 'duplicate',
      detail: 'via refresh',
    });
    expect(stubs.applied).toEqual(['A']);
  });

  it('continues as new with signals still pending, and applies every one of them in order', async () => {
    stubs.hold('X');
    // Small enough that every run continues as new after applying one sync.
    const started = await signal('X', { maxHistoryEvents: 20 });
    await stateWhen('X to be applied', (s) => s.applying === 'X');
    for (const syncId of ['C', 'A', 'B']) await signal(syncId);
    stubs.release('X');

    const state = await stateWhen('all four to be applied', (s) => s.applied === 4);
    expect(stubs.applied).toEqual(['X', 'A', 'B', 'C']);
    expect(state).toMatchObject({ applied: 4, skipped: 0, failed: 0, duplicates: 0, pending: [] });
    const latest = await env.client.workflow.getHandle(syncCoordinatorWorkflowId(taskQueue)).describe();
    expect(latest.runId).not.toBe(started.signaledRunId);
    // The first run applied X only and handed A, B and C, still pending, to its successor.
    const first = await env.client.workflow
      .getHandle(syncCoordinatorWorkflowId(taskQueue), started.signaledRunId)
      .fetchHistory();
    const events = first.events ?? [];
    expect(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(1);
    expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  });

  it('applies a sync whose run failed again when its notice comes again, but never a completed one', async () => {
    stubs.failNext.add('A');
    await signal('A');
    await stateWhen('A to fail', (s) => s.failed === 1);
    expect((await childRun('A').describe()).status.name).toBe('FAILED');

    // Access restored; the webhook is redelivered (or the refresh hands the sync over).
    await signal('A', {}, 'refresh');
    const state = await stateWhen('A to be applied', (s) => s.applied === 1);
    expect(stubs.applied).toEqual(['A']);
    expect(state.recent.map((r) => `${r.syncId}:${r.outcome}`)).toEqual(['A:applied', 'A:failed']);
    expect(state.recent[1].detail).toMatch(/403/);

    await signal('A');
    await stateWhen('the third notice to be a duplicate', (s) => s.duplicates === 1);
    expect(stubs.applied).toEqual(['A']);
  });

  it('fails a notice that cannot name a Bluestone sync at once, and applies the next sync', async () => {
    const poison: SyncDoneNotice[] = [
      { syncId: '\ud800', context: 'en', via: 'webhook' },
      { syncId: 'a'.repeat(5_000), context: 'en', via: 'webhook' },
      { syncId: 'a/b c?d', context: 'en', via: 'webhook' },
      { syncId: 'A', context: 'x'.repeat(5_000), via: 'webhook' },
      // Signals sent by hand (`temporal workflow signal`) may carry anything.
      null as unknown as SyncDoneNotice,
      { syncId: 42, context: 'en' } as unknown as SyncDoneNotice,
    ];
    for (const p of poison) await send(p);
    await signal('B');

    const state = await stateWhen('B to be applied', (s) => s.applied === 1);
    expect(stubs.applied).toEqual(['B']);
    expect(state.failed).toBe(6);
    const failed = state.recent.filter((r) => r.outcome === 'failed');
    expect(failed.map((r) => r.detail)).toEqual([
      expect.stringMatching(/^a number is not a Bluestone sync id/),
      expect.stringMatching(/^a missing value is not a Bluestone sync id/),
      expect.stringMatching(/^"x{40}"… \(5000 characters\) is not a Bluestone context/),
      expect.stringMatching(/^"a\/b c\?d" is not a Bluestone sync id/),
      expect.stringMatching(/^"a{40}"… \(5000 characters\) is not a Bluestone sync id/),
      expect.stringMatching(/^"\\ud800" is not a Bluestone sync id/),
    ]);
    // Nothing of them reached a lookup or a run; the state stays small.
    expect(stubs.lookupCalls).toEqual([1]);
    expect(JSON.stringify(state).length).toBeLessThan(2_000);
  });

  it('fails a sync whose lookup fails for good in its own run, with the reason, and goes on', async () => {
    stubs.lookupFailures.set('A', {
      type: 'BluestoneForbidden',
      message: 'Bluestone refused the API key on GET /syncs/{id} (403 Forbidden): check BLUESTONE_API_KEY',
    });
    await signal('A');
    await signal('B');
    let state = await stateWhen('B to be applied', (s) => s.applied === 1 && s.failed === 1);
    expect(stubs.applied).toEqual(['B']);
    // The failed run is where an operator (and the refresh) finds the sync and why.
    const failure = await childRun('A')
      .result()
      .catch((e: WorkflowFailedError) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({
      type: 'BluestoneForbidden',
      message: expect.stringMatching(/403 Forbidden/),
    });
    expect(state.recent.find((r) => r.syncId === 'A')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(/check BLUESTONE_API_KEY/),
    });

    // A lookup call that fails without retries fails its syncs, not the coordinator.
    stubs.lookupError = ApplicationFailure.create({
      type: 'ConfigurationError',
      message: 'BLUESTONE_API_URL is not a URL',
      nonRetryable: true,
    });
    await signal('C');
    state = await stateWhen('C to fail', (s) => s.failed === 2);
    expect(state.recent[0]).toMatchObject({
      syncId: 'C',
      outcome: 'failed',
      detail: expect.stringMatching(/could not be looked up: BLUESTONE_API_URL is not a URL/),
    });
    stubs.lookupError = undefined;
    await signal('X');
    await stateWhen('X to be applied', (s) => s.applied === 2);
    expect(stubs.applied).toEqual(['B', 'X']);
    const coordinator = await env.client.workflow.getHandle(syncCoordinatorWorkflowId(taskQueue)).describe();
    expect(coordinator.status.name).toBe('RUNNING');
  });

  it('looks up a backlog of 2,000 notices in bounded calls, applies it oldest first across continue-as-new, and keeps applying while notices stream in', async () => {
    const BACKLOG = 2_000;
    const ids = Array.from({ length: BACKLOG }, (_, i) => `backlog-${i}`);
    // Creation times in an order unrelated to the order the notices arrive in.
    ids.forEach((id, i) => stubs.createdAt.set(id, 10_000 + ((i * 7_919) % BACKLOG)));
    const oldestFirst = [...ids].sort((a, b) => stubs.createdAt.get(a)! - stubs.createdAt.get(b)!);
    const maxHistoryEvents = 60;
    stubs.hold('X');
    await signal('X', { maxHistoryEvents });
    await stateWhen('X to be applied', (s) => s.applying === 'X');
    await sendAll(ids.map((id) => notice(id)));
    stubs.release('X');

    // Every notice was looked up before the next sync was applied, at most LOOKUP_BATCH a call.
    await stateWhen('the oldest of the backlog to be applied', (s) => s.applied >= 2);
    expect(stubs.lookupCalls.slice(1).every((n) => n <= LOOKUP_BATCH)).toBe(true);
    expect(stubs.lookupCalls.reduce((a, b) => a + b, 0)).toBe(BACKLOG + 1);

    // Notices keep streaming in (newer syncs, and redeliveries): applying goes on meanwhile.
    const appliedBefore = stubs.applied.length;
    const newer: string[] = [];
    let redelivered = 0;
    while (stubs.applied.length < appliedBefore + 3) {
      if (newer.length >= 500) throw new Error('nothing was applied while notices streamed in');
      const round = Array.from({ length: 10 }, (_, i) => `newer-${newer.length + i}`);
      round.forEach((id) => stubs.createdAt.set(id, 50_000 + newer.length));
      newer.push(...round);
      await sendAll([...round, ids[redelivered++]].map((id) => notice(id)));
    }

    // A child run takes a few hundred milliseconds on the dev server, so a few dozen show the order.
    const state = await waitFor(
      '30 syncs of the backlog to be applied, and every notice looked up',
      async () => {
        const s = await env.client.workflow
          .getHandle(syncCoordinatorWorkflowId(taskQueue))
          .query(coordinatorStateQuery);
        return s.applied >= 31 && s.toLookUp === 0 ? s : undefined;
      },
      60_000,
      100,
    );
    // Oldest first, whatever the arrival order, across every continue-as-new; nothing lost.
    expect(stubs.applied.slice(0, 31)).toEqual(['X', ...oldestFirst.slice(0, 30)]);
    expect(state).toMatchObject({ failed: 0, skipped: 0, duplicates: redelivered });
    expect(state.applied + state.pending.length + (state.applying ? 1 : 0)).toBe(1 + BACKLOG + newer.length);
    expect(state.pending.map((p) => p.createdAt)).toEqual(
      [...state.pending.map((p) => p.createdAt)].sort((a, b) => a! - b!),
    );

    // History stays bounded: a run continues as new at the first step past the limit (signals
    // aside), and what it hands the next run stays far below Temporal's 2 MB payload limit.
    const runs: { events: number; signals: number; carried: number }[] = [];
    for await (const run of env.client.workflow.list({
      query: `WorkflowId = '${syncCoordinatorWorkflowId(taskQueue)}' AND ExecutionStatus = 'ContinuedAsNew'`,
    })) {
      const history = await env.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const events = history.events ?? [];
      const carried =
        events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads?.[0]?.data;
      runs.push({
        events: events.length,
        signals: events.filter((e) => e.workflowExecutionSignaledEventAttributes).length,
        carried: carried?.length ?? 0,
      });
    }
    expect(runs.length).toBeGreaterThan(5);
    expect(Math.max(...runs.map((r) => r.carried))).toBeLessThan(512 * 1024);
    const quiet = runs.filter((r) => r.signals === 0);
    expect(quiet.length).toBeGreaterThan(0);
    expect(Math.max(...quiet.map((r) => r.events))).toBeLessThan(maxHistoryEvents + 20);
  }, 90_000);

  /** Sends notices side by side, a few dozen at a time, as a busy gateway would. */
  async function sendAll(notices: SyncDoneNotice[]) {
    for (let i = 0; i < notices.length; i += 50) {
      await Promise.all(notices.slice(i, i + 50).map((n) => send(n)));
    }
  }
});
