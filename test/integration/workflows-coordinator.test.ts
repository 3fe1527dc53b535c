/**
 * The sync coordinator's own rules, in seconds: the real `syncCoordinator` and its
 * `incrementalSync` children on the run's dev server, with stub activities (no simulators, no
 * Bluestone or Occtoo). The end-to-end behaviour is in incremental-sync.test.ts.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { coordinatorStateQuery, syncDoneSignal } from '../../src/shared/messages';
import {
  emptyChunkResult,
  syncCoordinatorWorkflowId,
  type ChunkResult,
  type CoordinatorState,
  type SyncCoordinatorInput,
  type SyncDoneNotice,
  type SyncLookup,
} from '../../src/shared/sync-types';
import { syncCoordinator } from '../../src/workflows';
import { waitFor } from '../support/processes';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue } from '../support/temporal';

/** Bluestone's creation times of the syncs these tests send (epoch ms): A is the oldest. */
const CREATED_AT: Record<string, number> = { X: 500, A: 1_000, B: 2_000, C: 3_000 };

/** Stub activities: lookups from CREATED_AT, and a record of which syncs were applied, in order. */
class StubActivities {
  /** Sync ids in the order their products were applied. */
  readonly applied: string[] = [];
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

  /** The only activities the coordinator and its children call. */
  activities(): Pick<Activities, 'lookupSyncs' | 'applyDifferencesChunk'> {
    return {
      lookupSyncs: async ({ notices }): Promise<SyncLookup[]> =>
        notices.map(({ syncId, context }) => ({
          syncId,
          context,
          createdAt: CREATED_AT[syncId],
          pass: { context, language: 'en', isDefault: true },
        })),
      applyDifferencesChunk: async ({ syncId, source }): Promise<ChunkResult> => {
        await this.gates.get(syncId)?.opened;
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

  /** Hands a sync to the coordinator, starting it if needed, exactly as the gateway does. */
  const signal = (syncId: string, input: SyncCoordinatorInput = {}, via?: SyncDoneNotice['via']) =>
    env.client.workflow.signalWithStart(syncCoordinator, {
      workflowId: syncCoordinatorWorkflowId(taskQueue),
      taskQueue,
      signal: syncDoneSignal,
      signalArgs: [notice(syncId, via)],
      args: [input],
    });

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
    const started = await signal('X', { maxHistoryEvents: 10 });
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
});
