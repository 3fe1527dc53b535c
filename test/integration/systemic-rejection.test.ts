/**
 * A systemic Occtoo rejection (say, a property type changed in a data source) fails the sync with
 * its reasons instead of completing it: a failed full sync counts neither as complete for the
 * record nor as covering older syncs for the refresh, and a failed incremental sync loses nothing
 * (applied again once Occtoo takes the entities). One bad entity still only sets that one aside.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { createRefreshActivities } from '../../src/activities/refresh';
import { createLogger } from '../../src/logger';
import { createClients } from '../../src/service';
import { FailureType } from '../../src/shared/failures';
import { incrementalSyncWorkflowId, type IncrementalSyncResult } from '../../src/shared/sync-types';
import { fullSync, incrementalSync } from '../../src/workflows';
import { waitFor } from '../support/processes';
import { startSyncFixture, type SyncFixture } from '../support/service';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

const SCHEMA_CHANGED = "Property 'Weight' is a number in this data source";

describe('a systemic Occtoo rejection fails the sync', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let fixture: SyncFixture;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });
  beforeEach(async () => {
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'systemic-rejection',
      // One context and no media entities: every product is sent once, so counts are exact.
      sims: { catalog: { products: 30, seed: 23 } },
      config: { BLUESTONE_ADDITIONAL_CONTEXTS: '', HANDLE_MEDIA: 'ignore' },
    });
  });
  afterEach(async () => {
    await fixture.close();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const taskQueue = () => fixture.config.temporal.taskQueue;
  /** Ids of the catalog's products that are their own Occtoo key (PRODUCT_KEY=id, nothing to sanitize). */
  const plainProductIds = () => fixture.sims.catalog.productIds().filter((id) => /^[A-Za-z0-9_-]+$/.test(id));

  function runFullSync(name: string) {
    return env.client.workflow.execute(fullSync, {
      taskQueue: taskQueue(),
      workflowId: `${name}-${taskQueue()}`,
    });
  }

  /** The TooManySetAside failure a workflow ended with. */
  async function failureOf(run: Promise<unknown>): Promise<{ type?: string; message: string }> {
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe(FailureType.TooManySetAside);
    return cause;
  }

  /** How the lookback refresh sees a Bluestone sync, once visibility has the full sync's end. */
  async function refreshSees(
    sync: { id: string; createdAt: number },
    fullSyncStatus: 'Completed' | 'Failed',
  ) {
    await waitFor(`the full sync to be listed as ${fullSyncStatus}`, async () => {
      const query = `WorkflowType = 'fullSync' AND ExecutionStatus = '${fullSyncStatus}' AND TaskQueue = '${taskQueue()}'`;
      for await (const _ of env.client.workflow.list({ query })) return true;
      return undefined;
    });
    const refresh = createRefreshActivities({
      config: fixture.config,
      bluestone: createClients(fixture.config, createLogger({ level: 'WARN' })).bluestone,
      temporal: env.client,
    });
    const statuses = await refresh.syncApplicationStatus({
      syncs: [{ syncId: sync.id, createdAt: sync.createdAt }],
    });
    return statuses[sync.id];
  }

  it('a full sync whose every product Occtoo rejects ends FAILED with the count, the share and the reasons', async () => {
    const { sims, service } = fixture;
    // A publish whose webhook was lost: a complete full sync started after it would cover it.
    const lost = sims.bluestone.publish({ contexts: ['en'], change: [plainProductIds()[0]], deliver: false });
    sims.occtoo.rejectEntities('products', { message: SCHEMA_CHANGED });

    const failure = await failureOf(runFullSync('full-sync'));
    const products = sims.catalog.productsIn('en').length;
    expect(failure.message).toMatch(
      new RegExp(
        `^This full sync set aside ${products} \\([\\d.]+ %\\) of the \\d+ entities it handled \\(sent, found unchanged or set aside\\), more than SET_ASIDE_MAX_PERCENT \\(5 %\\)`,
      ),
    );
    expect(failure.message).toContain(SCHEMA_CHANGED);
    expect(failure.message).toMatch(/products ×\d+: Occtoo rejected it: .*\(e\.g\. [^)]+\)/);

    // Categories arrived; no product did; nothing calls this sync complete.
    expect(sims.occtoo.entities('categories').size).toBeGreaterThan(0);
    expect(sims.occtoo.entities('products').size).toBe(0);
    expect((await service.record!.summary()).lastCompleteFullSync).toBeUndefined();
    expect(await refreshSees(lost.syncs[0], 'Failed')).toBe('not-applied');

    // Occtoo takes products again: the next full sync sends them all (none was recorded as sent).
    sims.occtoo.rejectEntities('products');
    const again = await runFullSync('full-sync-again');
    expect(again.status).toBe('completed');
    expect(again.progress.setAsideCount).toBe(0);
    expect(sims.occtoo.entities('products').size).toBe(products);
  });

  it('an incremental sync whose products Occtoo rejects ends FAILED with the reasons, and applies once Occtoo takes them', async () => {
    const { sims } = fixture;
    await runFullSync('initial-full-sync');
    const [a, b, c] = plainProductIds();
    const published = sims.bluestone.publish({
      contexts: ['en'],
      change: [
        { id: a, name: 'Renamed A' },
        { id: b, name: 'Renamed B' },
        { id: c, name: 'Renamed C' },
      ],
      deliver: false,
    });
    const syncId = published.syncs[0].id;
    const workflowId = incrementalSyncWorkflowId(taskQueue(), syncId);
    const start = () =>
      env.client.workflow.execute(incrementalSync, {
        taskQueue: taskQueue(),
        workflowId,
        args: [{ syncId, context: 'en' }],
      });
    sims.occtoo.rejectEntities('products', { message: SCHEMA_CHANGED });

    const failure = await failureOf(start());
    expect(failure.message).toMatch(
      new RegExp(`^Sync ${syncId} \\(en\\) set aside 3 \\(100 %\\) of the 3 entities it handled`),
    );
    expect(failure.message).toContain(SCHEMA_CHANGED);
    for (const id of [a, b, c]) expect(failure.message).toContain(id);
    // Occtoo still holds what it had.
    const name = (id: string) =>
      sims.occtoo.entity('products', id)?.properties.find((p) => p.id === 'Name' && p.language === 'en')
        ?.value;
    expect(name(a)).not.toBe('Renamed A');

    // Fixed in Occtoo: the same sync, applied again (as the refresh or a redelivery does), sends them.
    sims.occtoo.rejectEntities('products');
    const applied: IncrementalSyncResult = await start();
    expect(applied).toMatchObject({ status: 'applied', products: { sent: 3, setAside: 0 } });
    expect([name(a), name(b), name(c)]).toEqual(['Renamed A', 'Renamed B', 'Renamed C']);
  });

  it('a single bad entity completes the full sync with that one set aside, and the sync covers older ones', async () => {
    const { sims } = fixture;
    const lost = sims.bluestone.publish({ contexts: ['en'], change: [plainProductIds()[1]], deliver: false });
    const [bad] = plainProductIds().slice(-1);
    sims.occtoo.rejectEntities('products', { keys: [bad], message: SCHEMA_CHANGED });

    const result = await runFullSync('full-sync');
    expect(result.status).toBe('completed');
    expect(result.progress.setAsideCount).toBe(1);
    expect(result.progress.setAside).toEqual([
      expect.objectContaining({
        source: 'products',
        id: bad,
        reason: expect.stringContaining(SCHEMA_CHANGED),
      }),
    ]);
    expect(result.progress.setAsideReasons).toEqual([
      expect.objectContaining({ source: 'products', count: 1, samples: [bad] }),
    ]);
    const products = sims.occtoo.entities('products');
    expect(products.size).toBe(sims.catalog.productsIn('en').length - 1);
    expect(products.has(bad)).toBe(false);
    expect(await refreshSees(lost.syncs[0], 'Completed')).toBe('covered-by-full-sync');
  });
});
