/**
 * Incremental sync end to end: a publish on the Bluestone simulator sends its webhooks to the
 * real gateway, which hands them to Temporal; a real worker applies them; Occtoo's simulator must
 * end with exactly the catalog's new state.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { DEFAULT_CONTEXTS } from '../../src/sim/catalog';
import { compareSource, compareWithOcctoo, expectedOcctooState } from '../../src/sim/expected-state';
import { mediaAssetsOf, mediaKeyOf } from '../../src/mapping';
import type { Config } from '../../src/config';
import { incrementalSyncWorkflowId, syncCoordinatorWorkflowId } from '../../src/shared/sync-types';
import { fullSync, syncCoordinator } from '../../src/workflows';
import { coordinatorStateQuery, syncDoneSignal } from '../../src/shared/messages';
import type { IncrementalSyncResult } from '../../src/shared/sync-types';
import type { RunningGateway, RunningService } from '../../src/service';
import { waitFor } from '../support/processes';
import { startSyncFixture, startTestService, type SyncFixture } from '../support/service';
import type { Sims } from '../support/sims';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

const SECRET = 'incremental-webhook-secret';
const UNSYNCED = { context: 'l3473', contextName: 'Finnish' };

describe('incremental sync and archive deletion through the webhook gateway', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let sims: Sims;
  let config: Config;
  let gateway: RunningGateway;
  let fixture: SyncFixture;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });

  beforeEach(async () => {
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'incremental',
      roles: 'all',
      // A fourth context that this deployment does not sync.
      sims: { catalog: { products: 30, seed: 13, contexts: [...DEFAULT_CONTEXTS, UNSYNCED] } },
      config: { BLUESTONE_ADDITIONAL_CONTEXTS: 'l3471:sv,l3472:de', WEBHOOK_SECRET: SECRET },
    });
    ({ sims, config } = fixture);
    gateway = fixture.gateway!;
    sims.bluestone.webhooks.configure({ url: gateway.webhookUrl, secret: SECRET, secretMode: 'header' });
    await env.client.workflow.execute(fullSync, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `initial-${config.temporal.taskQueue}`,
    });
  });

  afterEach(async () => {
    await env.client.workflow
      .getHandle(syncCoordinatorWorkflowId(config.temporal.taskQueue))
      .terminate()
      .catch(() => undefined);
    await fixture.close();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const occtooEqualsCatalog = () =>
    compareWithOcctoo(expectedOcctooState(sims.catalog, config), sims.occtoo, config.occtoo);

  /** The result of a workflow that the coordinator (or gateway) starts a moment from now. */
  async function resultOf<T>(workflowId: string): Promise<T> {
    const handle = env.client.workflow.getHandle(workflowId);
    await waitFor(`workflow ${workflowId} to exist`, () => handle.describe().then(() => true));
    return (await handle.result()) as T;
  }

  it('applies a publish that changes, adds and archives products in two contexts', async () => {
    const [a, b, c, d] = sims.catalog.productIds();
    // MEDIA_DELETE is off (as in the original provider): the archived products' media stay.
    const keptMedia = new Set(
      [c, d].flatMap((id) => mediaAssetsOf(sims.catalog.product(id, 'en')!).map((m) => mediaKeyOf(m)!)),
    );
    const published = sims.bluestone.publish({
      contexts: ['en', 'l3471'],
      change: [a, b],
      add: 2,
      categories: { change: [sims.catalog.categoriesIn('en')[1].id] },
    });
    // Archiving is a product state in Bluestone: it leaves every context.
    const archived = sims.bluestone.publish({ archive: [c, d] });
    expect(published.syncs.map((s) => s.contextId)).toEqual(['en', 'l3471']);
    const deliveries = [...(await published.deliveries), ...(await archived.deliveries)];
    expect(deliveries.every((r) => r.outcome === 'delivered')).toBe(true);

    const differences = () => {
      const expected = expectedOcctooState(sims.catalog, config);
      const media = new Map([...sims.occtoo.entities('media')].filter(([key]) => !keptMedia.has(key)));
      return [
        ...compareSource('products', expected.products, sims.occtoo.entities('products')),
        ...compareSource('categories', expected.categories, sims.occtoo.entities('categories')),
        ...compareSource('media', expected.media, media),
      ];
    };
    await waitFor(
      'Occtoo to equal the catalog',
      async () => (differences().length === 0 ? true : undefined),
      30_000,
    ).catch(() => undefined);
    expect(differences()).toEqual([]);

    const products = sims.occtoo.entities('products');
    expect(products.has(c)).toBe(false);
    expect(products.has(d)).toBe(false);
    expect(published.added).toHaveLength(2);
    for (const id of published.added) expect(products.has(id)).toBe(true);
    const changed = sims.catalog.product(a, 'l3471')!;
    expect(products.get(a)!.properties).toContainEqual({ id: 'Name', value: changed.name, language: 'sv' });

    for (const sync of published.syncs) {
      const result: IncrementalSyncResult = await resultOf(
        incrementalSyncWorkflowId(config.temporal.taskQueue, sync.id),
      );
      expect(result).toMatchObject({ status: 'applied', syncId: sync.id });
    }
  });

  it('applies two syncs oldest first, one after the other, though their webhooks came newest first', async () => {
    // Every sync re-reads the product when applied, so the final name alone cannot tell the order:
    // what shows it is when each sync's run started and closed, on Temporal.
    const [id] = sims.catalog.productIds();
    const older = sims.bluestone.publish({
      contexts: ['en'],
      change: [{ id, name: 'Older name' }],
      deliver: false,
    });
    const newer = sims.bluestone.publish({
      contexts: ['en'],
      change: [{ id, name: 'Newer name' }],
      deliver: false,
    });
    // No worker polls the task queue until both notices are with the coordinator: it sees them at
    // once and its order alone decides which sync is applied first.
    await fixture.service.stop();
    const held = await startTestService(env, undefined, config, { roles: 'gateway' });
    let worker: RunningService | undefined;
    try {
      sims.bluestone.webhooks.configure({
        url: held.gateway!.webhookUrl,
        secret: SECRET,
        secretMode: 'header',
      });
      for (const publish of [newer, older])
        expect((await sims.bluestone.redeliver(publish.envelopes[0])).outcome).toBe('delivered');
      const coordinator = env.client.workflow.getHandle(syncCoordinatorWorkflowId(config.temporal.taskQueue));
      const history = (await coordinator.fetchHistory()).events ?? [];
      expect(history.filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(2);

      worker = await startTestService(env, workflowBundle, config);
      await waitFor('both syncs to be applied', async () => {
        const state = await coordinator.query(coordinatorStateQuery);
        return state.applied === 2 ? state : undefined;
      });
      const run = (publish: typeof older) =>
        env.client.workflow
          .getHandle(incrementalSyncWorkflowId(config.temporal.taskQueue, publish.syncs[0].id))
          .describe();
      const [olderRun, newerRun] = await Promise.all([run(older), run(newer)]);
      expect([olderRun.status.name, newerRun.status.name]).toEqual(['COMPLETED', 'COMPLETED']);
      // Oldest first, and not side by side: the older sync's run closed before the newer one started.
      expect(olderRun.closeTime!.getTime()).toBeLessThanOrEqual(newerRun.startTime.getTime());
      expect(sims.occtoo.entity('products', id)!.properties).toContainEqual({
        id: 'Name',
        value: 'Newer name',
        language: 'en',
      });
      expect(occtooEqualsCatalog()).toEqual([]);
    } finally {
      await worker?.stop();
      await held.stop();
    }
  });

  it('starts one incremental sync for a delivery sent three times to two gateways', async () => {
    const secondGateway = await startTestService(env, workflowBundle, config, { roles: 'gateway' });
    const second = secondGateway.gateway!;
    try {
      const [id] = sims.catalog.productIds();
      const published = sims.bluestone.publish({ contexts: ['en'], change: [id], deliver: false });
      const envelope = published.envelopes[0];
      const send = (url: string) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-bluestone-secret': SECRET },
          body: JSON.stringify(envelope),
        });
      const answers = await Promise.all([
        send(gateway.webhookUrl),
        send(second.webhookUrl),
        send(gateway.webhookUrl),
      ]);
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
      const syncId = published.syncs[0].id;
      await resultOf(incrementalSyncWorkflowId(config.temporal.taskQueue, syncId));
      // The child's result comes before the coordinator records it: wait for both counts asserted.
      const state = await waitFor('the sync to be applied and the duplicates counted', async () => {
        const s = await env.client.workflow
          .getHandle(syncCoordinatorWorkflowId(config.temporal.taskQueue))
          .query(coordinatorStateQuery);
        return s.applied >= 1 && s.duplicates >= 2 ? s : undefined;
      });
      expect(state.applied).toBe(1);
      const runs = await env.client.workflow.count(
        `WorkflowType = 'incrementalSync' AND WorkflowId = '${incrementalSyncWorkflowId(config.temporal.taskQueue, syncId)}'`,
      );
      expect(runs.count).toBe(1);
    } finally {
      await secondGateway.stop();
    }
  });

  it('ends an unknown sync id or an unconfigured context with a visible reason, not a crash loop', async () => {
    const handle = await env.client.workflow.signalWithStart(syncCoordinator, {
      workflowId: syncCoordinatorWorkflowId(config.temporal.taskQueue),
      taskQueue: config.temporal.taskQueue,
      signal: syncDoneSignal,
      signalArgs: [{ syncId: 'ffffffffffffffffffffffff', context: 'en', via: 'webhook' }],
      args: [{}],
    });
    // Failed, not skipped: a redelivery or the refresh tries it again (Bluestone may not have it yet).
    const unknown = await resultOf(
      incrementalSyncWorkflowId(config.temporal.taskQueue, 'ffffffffffffffffffffffff'),
    ).catch((e: unknown) => e);
    expect((unknown as { cause?: Error }).cause?.message).toMatch(/unknown sync id/);

    // A real sync, of a context this deployment does not sync.
    const published = sims.bluestone.publish({
      contexts: [UNSYNCED.context],
      change: [sims.catalog.productIds()[0]],
      deliver: false,
    });
    await handle.signal(syncDoneSignal, {
      syncId: published.syncs[0].id,
      context: UNSYNCED.context,
      via: 'webhook',
    });
    const unsynced: IncrementalSyncResult = await resultOf(
      incrementalSyncWorkflowId(config.temporal.taskQueue, published.syncs[0].id),
    );
    expect(unsynced.status).toBe('skipped');
    expect(unsynced.reason).toMatch(/context "l3473" is not configured.*BLUESTONE_ADDITIONAL_CONTEXTS/);
    // The coordinator keeps going.
    const state = await handle.query(coordinatorStateQuery);
    expect(state).toMatchObject({ skipped: 1, failed: 1 });
  });
});
