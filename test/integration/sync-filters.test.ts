/**
 * Sync filters end to end on a real Temporal dev server with both simulators: a full sync, and
 * incremental syncs delivered as webhooks through the real gateway, must leave out the excluded
 * product types, attributes, attribute groups and labelled products — and a product that gains an
 * excluded label must be deleted from Occtoo. (The refresh case can reuse test/support/sync-filters.)
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { mediaAssetsOf, mediaKeyOf, productKeyOf } from '../../src/mapping';
import type { Config } from '../../src/config';
import {
  incrementalSyncWorkflowId,
  syncCoordinatorWorkflowId,
  type IncrementalSyncResult,
} from '../../src/shared/sync-types';
import { fullSync } from '../../src/workflows';
import { waitFor } from '../support/processes';
import { startSyncFixture, type SyncFixture } from '../support/service';
import type { Sims } from '../support/sims';
import {
  excludedPropertyIds,
  filterProblems,
  filterScenario,
  isExcludedProduct,
  type FilterScenario,
} from '../support/sync-filters';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

const SECRET = 'filters-webhook-secret';

describe('sync filters', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let sims: Sims;
  let scenario: FilterScenario;
  let config: Config;
  let fixture: SyncFixture;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });

  beforeEach(async () => {
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'filters',
      roles: 'all',
      sims: { catalog: { products: 40, seed: 13 } },
      config: (s) => ({ ...filterScenario(s.catalog).env, WEBHOOK_SECRET: SECRET }),
    });
    ({ sims, config } = fixture);
    scenario = filterScenario(sims.catalog);
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

  const runFullSync = () =>
    env.client.workflow.execute(fullSync, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `full-sync-${config.temporal.taskQueue}`,
      args: [{}],
    });

  const en = () => sims.catalog.productsIn('en');

  it('leaves excluded types, attributes, attribute groups and labelled products out of a full sync', async () => {
    // Each filter must bite on this catalog, or the test would prove nothing.
    const bundles = en().filter((p) => p.type === scenario.excludedType);
    const labelled = en().filter((p) => p.labels.includes(scenario.excludedLabel));
    const withExcludedAttributes = en().filter(
      (p) => !isExcludedProduct(p, scenario) && excludedPropertyIds(p, scenario, config).length > 0,
    );
    expect(bundles.length).toBeGreaterThan(0);
    expect(labelled.length).toBeGreaterThan(1);
    expect(withExcludedAttributes.length).toBeGreaterThan(5);

    const result = await runFullSync();
    expect(result.status).toBe('completed');

    expect(filterProblems(sims, config, scenario)).toEqual([]);
    const products = sims.occtoo.entities('products');
    for (const p of [...bundles, ...labelled]) expect(products.has(p.id)).toBe(false);
    const kept = en().filter((p) => !isExcludedProduct(p, scenario));
    expect(products.size).toBe(kept.length);
    // The excluded attribute (with its Unit) and the hostile group's properties are nowhere.
    const propertyIds = new Set([...products.values()].flatMap((e) => e.properties.map((p) => p.id)));
    expect(propertyIds.has(scenario.excludedAttribute)).toBe(false);
    expect(propertyIds.has(`${scenario.excludedAttribute}Unit`)).toBe(false);
    for (const p of withExcludedAttributes) {
      const entity = products.get(p.id)!;
      for (const id of excludedPropertyIds(p, scenario, config))
        expect(entity.properties.map((x) => x.id)).not.toContain(id);
    }
    // Attributes that are not excluded still arrive.
    expect(propertyIds.has('pack_size') || propertyIds.has('ean_code')).toBe(true);
    // Filtered products' media stay out too (filterProblems compared the media source).
    const labelledMedia = labelled.flatMap((p) => p.media.map((m) => m.id));
    for (const id of labelledMedia) expect(sims.occtoo.entities('media').has(id)).toBe(false);
    expect(labelledMedia.length).toBeGreaterThan(0);
  });

  it('deletes a product that gains an excluded label, and sends no excluded attribute, in incremental syncs', async () => {
    sims.bluestone.webhooks.configure({
      url: fixture.gateway!.webhookUrl,
      secret: SECRET,
      secretMode: 'header',
    });
    await runFullSync();
    expect(filterProblems(sims, config, scenario)).toEqual([]);

    const candidates = en().filter((p) => !isExcludedProduct(p, scenario) && p.type === 'SINGLE');
    const [x, y] = candidates.map((p) => p.id);
    const keyOf = (id: string) => productKeyOf(sims.catalog.product(id, 'en')!, config.mapping)!;
    expect(sims.occtoo.entity('products', keyOf(x))).toBeDefined();
    const keptAttribute = sims.catalog
      .attributesIn('en')
      .find((d) => d.dataType === 'integer' && d.groupNumber !== scenario.excludedGroup && d.number)!.number!;

    // Labels are a product's, not a context's: the edit reaches every context, as does each sync.
    const contexts = sims.catalog.contexts.map((c) => c.context);
    const published = sims.bluestone.publish({
      contexts,
      change: [
        { id: x, labels: [...sims.catalog.product(x, 'en')!.labels, scenario.excludedLabel] },
        { id: y, attributes: { [scenario.excludedAttribute]: ['99.5'], [keptAttribute]: ['4242'] } },
      ],
    });
    expect((await published.deliveries).every((d) => d.outcome === 'delivered')).toBe(true);

    const results: IncrementalSyncResult[] = [];
    for (const sync of published.syncs) {
      const handle = env.client.workflow.getHandle(
        incrementalSyncWorkflowId(config.temporal.taskQueue, sync.id),
      );
      await waitFor(`incremental sync ${sync.id} to exist`, () => handle.describe().then(() => true));
      results.push((await handle.result()) as IncrementalSyncResult);
    }
    expect(results.map((r) => r.status)).toEqual(contexts.map(() => 'applied'));
    // Every context's sync saw the label and deleted the product.
    expect(results.map((r) => r.products.deleted)).toEqual(contexts.map(() => 1));

    expect(sims.occtoo.entity('products', keyOf(x))).toBeUndefined();
    const yEntity = sims.occtoo.entity('products', keyOf(y))!;
    expect(yEntity.properties).toContainEqual({ id: keptAttribute, value: '4242' });
    const yIds = yEntity.properties.map((p) => p.id);
    expect(yIds).not.toContain(scenario.excludedAttribute);
    expect(yIds).not.toContain(`${scenario.excludedAttribute}Unit`);
    // Everything else is as the filters allow; X's media stay, as an archived product's do.
    const xMedia = new Set(mediaAssetsOf(sims.catalog.product(x, 'en')!).map((m) => mediaKeyOf(m)!));
    expect(xMedia.size).toBeGreaterThan(0);
    expect(filterProblems(sims, config, scenario, xMedia)).toEqual([]);
  });
});
