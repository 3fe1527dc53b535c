/**
 * The refresh skips a sync only when this deployment applied it, or when a full sync started
 * after it and provably carried out its deletes: reconciliation done on both the products and the
 * categories source. Anything less (a dry run, a run without a record, some contexts only, an
 * older run without reconciliation) covers nothing, and the refresh applies the sync.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { coversEarlierSyncs, createRefreshActivities } from '../../../src/activities/refresh';
import type { BluestoneClient } from '../../../src/bluestone/client';
import type { Reconciliation, SourceReconciliation } from '../../../src/shared/reconciliation';
import type { FullSyncResult } from '../../../src/shared/sync-types';
import { testConfig } from '../../support/config';

const config = testConfig({ BLUESTONE_ADDITIONAL_CONTEXTS: 'l3471:sv' });
const CONTEXTS = ['en', 'l3471'];
const T0 = Date.parse('2026-11-30T10:00:00Z');
const minutes = (n: number) => T0 + n * 60_000;

function source(kind: SourceReconciliation['kind'], more: Partial<SourceReconciliation> = {}) {
  return {
    source: kind,
    kind,
    recorded: 30,
    deleted: { count: 1, samples: ['p1'] },
    cleared: [{ language: 'sv', recorded: 30, count: 0, samples: [] }],
    ...more,
  };
}

const reconciled: Reconciliation = {
  state: 'done',
  sources: [source('categories'), source('products')],
  skipped: [{ source: 'media', reason: 'MEDIA_DELETE is off: media entities stay' }],
  maxPercent: 10,
};

/** A completed full sync of everything that started at `startedAt`, with `changes` applied. */
function fullSyncResult(startedAt: number, changes: Partial<FullSyncResult> = {}): FullSyncResult {
  return {
    status: 'completed',
    scope: { categories: true, products: true, contexts: CONTEXTS },
    progress: {
      phase: 'done',
      startedAt: new Date(startedAt).toISOString(),
      elapsedSeconds: 60,
      contexts: [],
      setAsideCount: 0,
      setAside: [],
      runs: 0,
      reconciliation: reconciled,
    },
    ...changes,
  };
}

const withReconciliation = (startedAt: number, reconciliation: Reconciliation | undefined) => {
  const result = fullSyncResult(startedAt);
  return { ...result, progress: { ...result.progress, reconciliation } };
};

const dryRun = (startedAt: number) => ({
  ...withReconciliation(startedAt, { ...reconciled, state: 'planned' }),
  scope: { categories: false, products: false, contexts: [] },
  dryRun: { sends: [], mediaUploads: 0, reconciliation: { ...reconciled, state: 'planned' as const } },
});

/**
 * A Temporal client that knows completed full syncs (listed newest close first) and no
 * incremental sync: every sync asked about was never applied here.
 */
function temporalWith(fullSyncs: FullSyncResult[]) {
  const queries: string[] = [];
  const client = {
    workflow: {
      list({ query }: { query: string }) {
        queries.push(query);
        return (async function* () {
          for (const [i] of fullSyncs.entries()) yield { workflowId: `full-${i}`, runId: `run-${i}` };
        })();
      },
      getHandle(workflowId: string) {
        return {
          async result() {
            return fullSyncs[Number(workflowId.replace('full-', ''))];
          },
          async describe() {
            throw new WorkflowNotFoundError('not found', workflowId, undefined);
          },
        };
      },
    },
  } as unknown as Client;
  const { syncApplicationStatus } = createRefreshActivities({
    config,
    bluestone: {} as BluestoneClient,
    temporal: client,
  });
  return { syncApplicationStatus, queries };
}

/** Statuses of syncs created at 0, 20 and 40 minutes past T0. */
async function statusesWith(fullSyncs: FullSyncResult[]) {
  const { syncApplicationStatus } = temporalWith(fullSyncs);
  return await syncApplicationStatus({
    syncs: [
      { syncId: 'at-0', createdAt: minutes(0) },
      { syncId: 'at-20', createdAt: minutes(20) },
      { syncId: 'at-40', createdAt: minutes(40) },
    ],
  });
}

describe('syncApplicationStatus: covered by a full sync', () => {
  it('counts a sync as covered when a later full sync reconciled products and categories', async () => {
    expect(await statusesWith([fullSyncResult(minutes(30))])).toEqual({
      'at-0': 'covered-by-full-sync',
      'at-20': 'covered-by-full-sync',
      'at-40': 'not-applied',
    });
  });

  it('never counts a dry run: it ends planned and deleted nothing', async () => {
    expect(await statusesWith([dryRun(minutes(30))])).toEqual({
      'at-0': 'not-applied',
      'at-20': 'not-applied',
      'at-40': 'not-applied',
    });
  });

  it.each([
    ['ran before reconciliation existed', undefined],
    [
      'had no record, so left every source alone',
      {
        state: 'done',
        sources: [],
        skipped: ['products', 'categories', 'media'].map((s) => ({ source: s, reason: 'no record' })),
        maxPercent: 10,
      },
    ],
    [
      'reconciled categories only',
      { ...reconciled, sources: [source('categories')], skipped: [{ source: 'products', reason: 'x' }] },
    ],
    [
      'had deletes Occtoo refused',
      {
        ...reconciled,
        sources: [source('categories'), source('products', { refused: { count: 1, samples: ['p1'] } })],
      },
    ],
    ['was refused by the mass-delete guard', { ...reconciled, state: 'refused' }],
  ] as [string, Reconciliation | undefined][])('applies the sync when the full sync %s', async (_, r) => {
    expect(await statusesWith([withReconciliation(minutes(30), r)])).toEqual({
      'at-0': 'not-applied',
      'at-20': 'not-applied',
      'at-40': 'not-applied',
    });
  });

  it('does not count a full sync of some contexts or one source only', async () => {
    const someContexts = fullSyncResult(minutes(30), {
      scope: { categories: true, products: true, contexts: ['en'] },
    });
    const productsOnly = fullSyncResult(minutes(30), {
      scope: { categories: false, products: true, contexts: CONTEXTS },
    });
    expect(coversEarlierSyncs(someContexts, CONTEXTS)).toBe(false);
    expect(coversEarlierSyncs(productsOnly, CONTEXTS)).toBe(false);
    expect(coversEarlierSyncs(fullSyncResult(minutes(30)), CONTEXTS)).toBe(true);
  });

  it('looks further back past full syncs that do not cover, to the newest that does', async () => {
    // Listed newest first: a dry run at 50, an unreconciled run at 30, a reconciled one at 10.
    expect(
      await statusesWith([
        dryRun(minutes(50)),
        withReconciliation(minutes(30), undefined),
        fullSyncResult(minutes(10)),
      ]),
    ).toEqual({ 'at-0': 'covered-by-full-sync', 'at-20': 'not-applied', 'at-40': 'not-applied' });
  });

  it('takes the newest start of the covering runs, whatever order they are listed in', async () => {
    expect(await statusesWith([fullSyncResult(minutes(10)), fullSyncResult(minutes(30))])).toEqual({
      'at-0': 'covered-by-full-sync',
      'at-20': 'covered-by-full-sync',
      'at-40': 'not-applied',
    });
  });

  it('reads only full syncs started after the oldest sync asked about, and none for no syncs', async () => {
    const { syncApplicationStatus, queries } = temporalWith([fullSyncResult(minutes(30))]);
    expect(await syncApplicationStatus({ syncs: [] })).toEqual({});
    expect(queries).toEqual([]);
    await syncApplicationStatus({
      syncs: [
        { syncId: 'b', createdAt: minutes(20) },
        { syncId: 'a', createdAt: minutes(0) },
      ],
    });
    expect(queries).toHaveLength(1);
    expect(queries[0]).toContain(`StartTime > '${new Date(minutes(0)).toISOString()}'`);
    expect(queries[0]).toContain(`WorkflowType = 'fullSync'`);
  });
});
