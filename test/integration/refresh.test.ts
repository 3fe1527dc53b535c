/**
 * Missed-webhook recovery and setup data: the lookback refresh applies every sync whose webhook
 * was lost, through the same coordinator as the webhook, and never applies a sync twice.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { WorkflowFailedError, type Workflow } from '@temporalio/client';
import type { Config } from '../../src/config';
import { compareWithOcctoo, expectedOcctooState } from '../../src/sim/expected-state';
import { incrementalSyncWorkflowId, syncCoordinatorWorkflowId } from '../../src/shared/sync-types';
import { coordinatorStateQuery, syncDoneSignal } from '../../src/shared/messages';
import { fullSync, refreshSyncs, setupSync, syncCoordinator } from '../../src/workflows';
import { mediaAssetsOf, mediaKeyOf } from '../../src/mapping';
import { filterProblems, filterScenario } from '../support/sync-filters';
import { startSyncFixture, startTestService, type SyncFixture } from '../support/service';
import { SIM_PROVIDER, type Sims } from '../support/sims';
import { waitFor } from '../support/processes';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

const SECRET = 'refresh-webhook-secret';

describe('refreshSyncs and setupSync', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let sims: Sims;
  let config: Config;
  let fixture: SyncFixture | undefined;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });
  afterEach(async () => {
    await env.client.workflow
      .getHandle(syncCoordinatorWorkflowId(config.temporal.taskQueue))
      .terminate()
      .catch(() => undefined);
    await fixture?.close();
    fixture = undefined;
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function setUp(overrides: Record<string, string> = {}): Promise<void> {
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'refresh',
      sims: { catalog: { products: 30, seed: 31 } },
      config: { WEBHOOK_SECRET: SECRET, ...overrides },
    });
    ({ sims, config } = fixture);
  }

  const run = <T>(workflow: Workflow, args: unknown[] = []) =>
    env.client.workflow.execute(workflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `${workflow.name}-${config.temporal.taskQueue}-${Date.now()}`,
      args,
    }) as Promise<T>;

  it('applies every sync whose webhook was lost, and a second refresh applies nothing', async () => {
    await setUp();
    await env.client.workflow.execute(fullSync, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `full-${config.temporal.taskQueue}`,
    });
    const ids = sims.catalog.productIds();
    // Three publishes whose webhooks never arrive.
    const lost = [
      sims.bluestone.publish({ contexts: ['en'], change: [ids[0], ids[1]], deliver: false }),
      sims.bluestone.publish({ contexts: ['l3471', 'l3472'], change: [ids[2]], add: 1, deliver: false }),
      sims.bluestone.publish({
        contexts: ['en'],
        change: [{ id: ids[0], name: 'Renamed while webhooks were lost' }],
        deliver: false,
      }),
    ];
    expect(
      compareWithOcctoo(expectedOcctooState(sims.catalog, config), sims.occtoo, config.occtoo),
    ).not.toEqual([]);
    const lostSyncIds = lost.flatMap((p) => p.syncs.map((s) => s.id));
    // A dry run of everything, started after the lost syncs: it deleted nothing, so it covers none of them.
    await env.client.workflow.execute(fullSync, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `full-dry-${config.temporal.taskQueue}`,
      args: [{ dryRun: true }],
    });

    const first = await run<Awaited<ReturnType<typeof refreshSyncs>>>(refreshSyncs, [{ days: 1 }]);
    expect(first.applied.sort()).toEqual([...lostSyncIds].sort());
    expect(first.failed).toEqual([]);
    expect(compareWithOcctoo(expectedOcctooState(sims.catalog, config), sims.occtoo, config.occtoo)).toEqual(
      [],
    );
    expect(sims.occtoo.entity('products', ids[0])!.properties).toContainEqual({
      id: 'Name',
      value: 'Renamed while webhooks were lost',
      language: 'en',
    });

    // The initial publishes (everything ADD) came before the full sync started: covered by it (the
    // refresh looks past the newer dry run).
    const initial = first.found.filter((s) => !lostSyncIds.includes(s.syncId)).map((s) => s.syncId);
    expect(first.skipped.filter((s) => initial.includes(s.syncId)).map((s) => s.reason)).toEqual(
      initial.map(
        () =>
          'older than the last complete full sync, which read its data and removed what Bluestone no longer publishes',
      ),
    );

    const second = await run<Awaited<ReturnType<typeof refreshSyncs>>>(refreshSyncs, [{ days: 1 }]);
    expect(second.applied).toEqual([]);
    expect(second.found.length).toBe(first.found.length);
    expect(second.skipped.map((s) => s.syncId).sort()).toEqual(first.found.map((s) => s.syncId).sort());
    expect(second.skipped.filter((s) => lostSyncIds.includes(s.syncId)).map((s) => s.reason)).toEqual(
      lostSyncIds.map(() => 'already applied'),
    );
  });

  it('applies the sync filters on the refresh path: a product that gained an excluded label is deleted', async () => {
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'refresh-filters',
      sims: { catalog: { products: 30, seed: 31 } },
      config: (s) => filterScenario(s.catalog).env,
    });
    ({ sims, config } = fixture);
    const scenario = filterScenario(sims.catalog);
    await env.client.workflow.execute(fullSync, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `full-${config.temporal.taskQueue}`,
    });
    const target = sims.catalog
      .productsIn('en')
      .find((p) => p.type === 'SINGLE' && !p.labels.includes(scenario.excludedLabel))!;
    expect(sims.occtoo.entity('products', target.id)).toBeDefined();
    // The label reaches every context; the webhook is lost.
    sims.bluestone.publish({
      change: [{ id: target.id, labels: [...target.labels, scenario.excludedLabel] }],
      deliver: false,
    });

    const result = await run<Awaited<ReturnType<typeof refreshSyncs>>>(refreshSyncs, [{ days: 1 }]);
    expect(result.applied.length).toBeGreaterThan(0);
    expect(sims.occtoo.entity('products', target.id)).toBeUndefined();
    // MEDIA_DELETE is off: the deleted product's media stay, as for archived products.
    const keptMedia = new Set(mediaAssetsOf(target).map((m) => mediaKeyOf(m)!));
    expect(filterProblems(sims, config, scenario, keptMedia)).toEqual([]);
  });

  it('applies a sync again once Occtoo access is restored: on a redelivered webhook, and on the next refresh', async () => {
    // The data provider loses write access to the products source, then gets it back.
    const provider = { ...SIM_PROVIDER, allowedSources: ['products', 'categories', 'media', 'setup'] };
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'refresh-failed',
      sims: { catalog: { products: 30, seed: 31 }, occtoo: { providers: [provider] } },
      config: { WEBHOOK_SECRET: SECRET },
    });
    ({ sims, config } = fixture);
    const taskQueue = config.temporal.taskQueue;
    const [first, second] = sims.catalog.productIds();
    const runOf = (syncId: string) =>
      env.client.workflow.getHandle(incrementalSyncWorkflowId(taskQueue, syncId));
    const ended = (syncId: string, status: string) =>
      waitFor(`sync ${syncId} to end ${status}`, async () => {
        const run = await runOf(syncId)
          .describe()
          .catch(() => undefined);
        return run?.status.name === status ? run : undefined;
      });
    const notify = (syncId: string, context: string) =>
      env.client.workflow.signalWithStart(syncCoordinator, {
        workflowId: syncCoordinatorWorkflowId(taskQueue),
        taskQueue,
        signal: syncDoneSignal,
        signalArgs: [{ syncId, context, via: 'webhook' }],
        args: [{}],
      });

    provider.allowedSources = ['categories', 'media', 'setup'];
    const refused = [first, second].map((id, i) => {
      const [sync] = sims.bluestone.publish({
        contexts: ['en'],
        change: [{ id, name: `Published while Occtoo refused ${i + 1}` }],
        deliver: false,
      }).syncs;
      return sync.id;
    });
    for (const syncId of refused) {
      await notify(syncId, 'en');
      await ended(syncId, 'FAILED');
    }
    const coordinator = env.client.workflow.getHandle(syncCoordinatorWorkflowId(taskQueue));
    const failed = await coordinator.query(coordinatorStateQuery);
    expect(failed.failed).toBe(2);
    expect(failed.recent[0]).toMatchObject({ syncId: refused[1], outcome: 'failed' });
    expect(failed.recent[0].detail).toMatch(/may not write to data source products/);
    expect(sims.occtoo.entity('products', first)).toBeUndefined();

    provider.allowedSources = ['products', 'categories', 'media', 'setup'];
    // Bluestone delivers the first sync's webhook again: applied this time.
    await notify(refused[0], 'en');
    await waitFor('the redelivered sync to be applied', async () => {
      const run = await runOf(refused[0]).describe();
      return run.status.name === 'COMPLETED' ? run : undefined;
    });
    expect(await runOf(refused[0]).result()).toMatchObject({ status: 'applied' });
    expect(sims.occtoo.entity('products', first)!.properties).toContainEqual({
      id: 'Name',
      value: 'Published while Occtoo refused 1',
      language: 'en',
    });

    // The second one's webhook never comes again: the refresh hands it over, and it is applied.
    const refresh = await run<Awaited<ReturnType<typeof refreshSyncs>>>(refreshSyncs, [{ days: 1 }]);
    expect(refresh.applied).toContain(refused[1]);
    expect(refresh.skipped).toContainEqual({ syncId: refused[0], reason: 'already applied' });
    expect(refresh.failed).toEqual([]);
    expect(await runOf(refused[1]).result()).toMatchObject({ status: 'applied' });
    expect(sims.occtoo.entity('products', second)!.properties).toContainEqual({
      id: 'Name',
      value: 'Published while Occtoo refused 2',
      language: 'en',
    });
    expect(await coordinator.query(coordinatorStateQuery)).toMatchObject({ failed: 2 });
  });

  it('applies a sync once when its webhook and the refresh race', async () => {
    await setUp();
    const gateway = await startTestService(env, workflowBundle, config, { roles: 'gateway' });
    try {
      sims.bluestone.webhooks.configure({ url: gateway.gateway!.webhookUrl, secret: SECRET });
      const [id] = sims.catalog.productIds();
      const published = sims.bluestone.publish({ contexts: ['en'], change: [id] });
      const [refresh] = await Promise.all([
        run<Awaited<ReturnType<typeof refreshSyncs>>>(refreshSyncs, [{ days: 1 }]),
        published.deliveries,
      ]);
      const syncId = published.syncs[0].id;
      const workflowId = incrementalSyncWorkflowId(config.temporal.taskQueue, syncId);
      expect(await env.client.workflow.getHandle(workflowId).result()).toMatchObject({ status: 'applied' });
      const runs = await env.client.workflow.count(`WorkflowId = '${workflowId}'`);
      expect(runs.count).toBe(1);
      // Either the refresh applied it or found it applied (or being applied) by the webhook.
      const mentioned = [...refresh.applied, ...refresh.skipped.map((s) => s.syncId)];
      expect(mentioned).toContain(syncId);
    } finally {
      await gateway.stop();
    }
  });

  it('fails setupSync on a misspelled context, naming it and listing the valid contexts', async () => {
    await setUp({ BLUESTONE_ADDITIONAL_CONTEXTS: 'l3471:sv,l3427:de' });
    const err = await run(setupSync).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as { type?: string; message?: string };
    expect(cause.type).toBe('ConfigurationError');
    expect(cause.message).toContain('"l3427"');
    expect(cause.message).toMatch(/valid contexts are: en \(English\), l3471 \(Swedish\), l3472 \(German\)/);
  });

  it('pushes attribute and relation definitions, per language, to OCCTOO_SETUP_SOURCE', async () => {
    await setUp({ OCCTOO_SETUP_SOURCE: 'setup' });
    const result = await run<Awaited<ReturnType<typeof setupSync>>>(setupSync);
    const definitions = sims.catalog.attributesIn('en');
    expect(result.attributes).toBe(definitions.length);
    expect(result.relations).toBe(sims.catalog.relationsIn('en').length);
    const setup = sims.occtoo.entities('setup');
    expect(setup.size).toBe(result.attributes + result.relations);
    const sample = definitions.find((d) => d.name && /^[A-Za-z0-9_-]+$/.test(d.id))!;
    const entity = setup.get(`attribute-${sample.id}`)!;
    expect(entity.properties).toContainEqual({ id: 'Name', value: sample.name, language: 'en' });
    const swedish = sims.catalog.attributesIn('l3471').find((d) => d.id === sample.id)!;
    expect(entity.properties).toContainEqual({ id: 'Name', value: swedish.name, language: 'sv' });
    expect(entity.properties).toContainEqual({ id: 'DataType', value: sample.dataType });
  });
});
