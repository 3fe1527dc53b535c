import { MockActivityEnvironment } from '@temporalio/testing';
import type { BluestoneClient } from '../../../src/bluestone/client';
import { createLogger } from '../../../src/logger';
import { deleteEntity } from '../../../src/mapping';
import { clearOcctooCaches, OcctooClient } from '../../../src/occtoo/client';
import { pushEntities } from '../../../src/occtoo/push';
import { deleteEntities } from '../../../src/pipeline/delete-entities';
import { createPageProcessor } from '../../../src/pipeline/page-processor';
import {
  applyReconciliation,
  planReconciliation,
  type BluestoneReads,
} from '../../../src/pipeline/reconcile';
import type { ContextPlan } from '../../../src/shared/sync-types';
import { startOcctooSim, type OcctooSim } from '../../../src/sim/occtoo-sim';
import { testConfig } from '../../support/config';
import { MemoryRecord } from '../../support/memory-record';
import { asset, product } from '../mapping/fixtures';

/**
 * Occtoo's `correlationId` (occtoo-ingest.md §3: one per run, in the query): every import call a
 * sync run makes carries the run's id, as the simulated Occtoo received it. A full sync passes its
 * first run id (stable across continue-as-new, the id the sync record and reconciliation use);
 * deletes and any push that names none take the running activity's workflow run id.
 */

const EN: ContextPlan = { context: 'en', language: 'en', isDefault: true };
const PROVIDER = { id: 'test-provider', secret: 'test-provider-secret', allowedSources: ['*'] };
// Temporal run ids are UUIDs, the Guid Occtoo's query expects.
const FULL_SYNC_RUN = '0f8fad5b-d9cb-469f-a165-70867728950e';
const ACTIVITY_RUN = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('correlationId on imports', () => {
  let sim: OcctooSim;
  const clients: OcctooClient[] = [];

  beforeAll(async () => {
    sim = await startOcctooSim({ providers: [PROVIDER], fetchLinks: false });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await sim.close();
  });
  beforeEach(() => {
    clearOcctooCaches();
    sim.reset();
  });

  function setUp() {
    // Two entities per import call: a page of five products takes several batches.
    const config = testConfig({
      OCCTOO_INGEST_URL: sim.url,
      IMPORT_BATCH_SIZE: '2',
      SYNC_LABELS_EXCLUDE: 'discontinued',
    });
    const occtoo = new OcctooClient({
      baseUrl: sim.url,
      dataProviderId: PROVIDER.id,
      dataProviderSecret: PROVIDER.secret,
      timeoutMs: 2000,
      retry: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 },
    });
    clients.push(occtoo);
    const pages = createPageProcessor({
      config,
      logger: createLogger({ level: 'ERROR', write: () => undefined }),
      bluestone: {} as BluestoneClient,
      occtoo,
      record: new MemoryRecord(),
    });
    return { config, occtoo, pages };
  }

  const page = ['p1', 'p2', 'p3', 'p4', 'p5'].map((id) =>
    product({ id, name: `Product ${id}`, lastUpdate: 1000, media: [asset({ id: `m-${id}` })] }),
  );
  const imported = () => sim.imports.map((i) => ({ source: i.source, correlationId: i.correlationId }));

  it("sends the run's id on every import batch of a page: products, media and the filter's deletes", async () => {
    const { pages } = setUp();
    const discontinued = product({ id: 'p6', name: 'Old', lastUpdate: 1000, labels: ['discontinued'] });
    // In another activity's context: the run named by the full sync wins over the activity's own.
    await new MockActivityEnvironment({
      workflowExecution: { workflowId: 'q/full-sync', runId: ACTIVITY_RUN },
    }).run(() => pages.processProducts(EN, [...page, discontinued], undefined, { runId: FULL_SYNC_RUN }));

    const calls = imported();
    // 5 products and 5 media in batches of 2, one delete: 3 + 3 + 1 calls.
    expect(calls.filter((c) => c.source === 'products')).toHaveLength(4);
    expect(calls.filter((c) => c.source === 'media')).toHaveLength(3);
    expect(sim.imports.filter((i) => i.deletes > 0).map((i) => i.keys)).toEqual([['p6']]);
    expect(calls.filter((c) => c.correlationId !== FULL_SYNC_RUN)).toEqual([]);
  });

  it("an incremental page, and deletes that name no run, carry the activity's workflow run id", async () => {
    const { config, occtoo, pages } = setUp();
    await new MockActivityEnvironment({
      workflowExecution: { workflowId: 'q/incremental-1', runId: ACTIVITY_RUN },
    }).run(async () => {
      await pages.processProducts(EN, page);
      await deleteEntities({ occtoo, batchSize: config.occtoo.batchSize }, 'products', ['p1', 'p2', 'p3']);
    });

    const calls = imported();
    expect(calls.length).toBe(3 + 3 + 2);
    expect(sim.imports.filter((i) => i.deletes > 0).flatMap((i) => i.keys)).toEqual(['p1', 'p2', 'p3']);
    expect(calls.filter((c) => c.correlationId !== ACTIVITY_RUN)).toEqual([]);
  });

  it("reconciliation's removals carry the full sync's id, from a later run of it (continue-as-new)", async () => {
    const { config, occtoo } = setUp();
    const record = new MemoryRecord();
    // Sent by an earlier full sync, not seen by this one, and Bluestone no longer serves it.
    await record.recordSent([
      {
        source: 'products',
        key: 'gone',
        language: 'en',
        kind: 'product',
        bluestoneId: 'bs-gone',
        properties: ['Id', 'Name@en'],
        hash: 'h',
        readAt: 1,
        runId: 'earlier',
        fullSyncRunId: 'earlier',
      },
    ]);
    record.get('products', 'gone', 'en')!.recordedAt = 1;
    const bluestone = { getProductsByIds: async () => [] } as unknown as BluestoneReads;
    const deps = {
      config,
      logger: createLogger({ level: 'ERROR', write: () => undefined }),
      occtoo,
      bluestone,
      record,
    };
    const input = {
      runId: FULL_SYNC_RUN,
      startedAt: 10_000,
      scope: { categories: false, products: true, contexts: ['en'] },
    };
    const plan = await planReconciliation(deps, input);
    await new MockActivityEnvironment({
      workflowExecution: { workflowId: 'q/full-sync', runId: ACTIVITY_RUN },
    }).run(() => applyReconciliation(deps, { ...input, plan }));

    expect(
      sim.imports.map((i) => ({ keys: i.keys, deletes: i.deletes, correlationId: i.correlationId })),
    ).toEqual([{ keys: ['gone'], deletes: 1, correlationId: FULL_SYNC_RUN }]);
  });

  it('outside any run (a script), sends no correlationId rather than a made-up one', async () => {
    const { occtoo } = setUp();
    await pushEntities(occtoo, 'products', [deleteEntity('p1')], { concurrency: 1, batchSize: 2 });
    expect(imported()).toEqual([{ source: 'products', correlationId: undefined }]);
  });
});
