/**
 * Full syncs on a real Temporal dev server against both simulators over HTTP: what arrives in
 * Occtoo must equal the catalog, entity by entity, in every language and media mode.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { mulberry32 } from '../../src/sim/catalog';
import { compareSource, expectedOcctooState, compareWithOcctoo } from '../../src/sim/expected-state';
import { fullSync } from '../../src/workflows';
import type { Config } from '../../src/config';
import { testConfig } from '../support/config';
import { startSims, type Sims } from '../support/sims';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue } from '../support/temporal';
import { startTestService } from '../support/service';
import { DEFAULT_PUSH_TUNING } from '../../src/pipeline/page-processor';

const FAST_MEDIA = { ...DEFAULT_PUSH_TUNING, mediaPollIntervalMs: 20 };

describe('fullSync', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let sims: Sims | undefined;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });
  afterEach(async () => {
    await sims?.close();
    sims = undefined;
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function runFullSync(config: Config, input: Parameters<typeof fullSync>[0] = {}) {
    const service = await startTestService(env, workflowBundle, config, { tuning: FAST_MEDIA });
    try {
      return await env.client.workflow.execute(fullSync, {
        taskQueue: config.temporal.taskQueue,
        workflowId: `full-sync-${config.temporal.taskQueue}`,
        args: [input],
      });
    } finally {
      await service.stop();
    }
  }

  function innermostCause(err: unknown): unknown {
    let current = err as { cause?: unknown };
    while (current?.cause) current = current.cause as { cause?: unknown };
    return current;
  }

  function expectOcctooEqualsCatalog(s: Sims, config: Config): void {
    const expected = expectedOcctooState(s.catalog, config, s.occtoo.mediaFiles());
    expect(compareWithOcctoo(expected, s.occtoo, config.occtoo)).toEqual([]);
    // Guard against two empty states comparing equal.
    expect(expected.products.size).toBeGreaterThan(20);
    expect(expected.categories.size).toBeGreaterThan(5);
  }

  it.each(['bluestone', 'occtoo', 'ignore'] as const)(
    'copies categories, products and media (HANDLE_MEDIA=%s) for three contexts, hostile data included',
    async (handleMedia) => {
      sims = await startSims({ catalog: { products: 40, seed: 11 } });
      const config = testConfig({
        ...sims.env,
        HANDLE_MEDIA: handleMedia,
        TEMPORAL_TASK_QUEUE: uniqueTaskQueue(handleMedia),
      });
      const result = await runFullSync(config);

      expect(result.status).toBe('completed');
      expectOcctooEqualsCatalog(sims, config);

      const products = sims.occtoo.entities('products');
      const media = sims.occtoo.entities('media');
      // Every product of the catalog arrived, in every language.
      for (const product of sims.catalog.productsIn('en')) {
        const entity = products.get(product.id);
        expect(entity).toBeDefined();
        for (const [context, language] of [
          ['en', 'en'],
          ['l3471', 'sv'],
          ['l3472', 'de'],
        ] as const) {
          const name = sims.catalog.product(product.id, context)?.name;
          if (name) expect(entity!.properties).toContainEqual({ id: 'Name', value: name, language });
        }
      }
      if (handleMedia === 'ignore') {
        expect(media.size).toBe(0);
        expect([...products.values()].some((e) => e.properties.some((p) => p.id === 'Thumbnail'))).toBe(
          false,
        );
      } else {
        expect(media.size).toBeGreaterThan(0);
      }
      if (handleMedia === 'occtoo') {
        const uploads = [...sims.occtoo.uploadCounts.values()];
        expect(uploads.length).toBeGreaterThan(0);
        expect(Math.max(...uploads)).toBe(1); // never uploaded twice
        const thumbnails = [...products.values()].flatMap((e) =>
          e.properties.filter((p) => p.id === 'Thumbnail'),
        );
        expect(thumbnails.length).toBeGreaterThan(0);
        for (const t of thumbnails)
          expect(t.value).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/public\/.*impolicy=small$/);
      }
      const progress = result.progress.contexts.find((c) => c.context === 'en')!;
      expect(progress.products.read).toBe(sims.catalog.productsIn('en').length);
      expect(progress.products.done && progress.categories.done).toBe(true);
    },
  );

  it('keys products by their sanitized number with PRODUCT_KEY=number (hostile numbers included)', async () => {
    sims = await startSims({ catalog: { products: 30, seed: 5 } });
    const config = testConfig({
      ...sims.env,
      PRODUCT_KEY: 'number',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('number'),
    });
    const result = await runFullSync(config, { categories: false });
    expect(result.status).toBe('completed');
    const expected = expectedOcctooState(sims.catalog, config);
    expect(compareSource('products', expected.products, sims.occtoo.entities('products'))).toEqual([]);
    expect(expected.products.size).toBeGreaterThan(20);
    const hostile = sims.catalog.hostile.filter((h) => h.kind.startsWith('product-number'));
    expect(hostile.length).toBeGreaterThan(0);
    for (const key of sims.occtoo.entities('products').keys()) expect(key).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
  });

  it('continues as new on a small catalog and still completes correctly', async () => {
    sims = await startSims({ catalog: { products: 30, seed: 3 } });
    const config = testConfig({ ...sims.env, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('can') });
    const result = await runFullSync(config, { options: { pagesPerChunk: 1, maxHistoryEvents: 20 } });
    expect(result.progress.runs).toBeGreaterThan(1);
    expectOcctooEqualsCatalog(sims, config);
  });

  it('ends with Occtoo equal to the catalog through 10% 5xx and 5% 429 on both simulators', async () => {
    sims = await startSims({
      catalog: { products: 40, seed: 21 },
      faults: { serverErrorRate: 0.1, rateLimitRate: 0.05, random: mulberry32(99) },
    });
    const config = testConfig({ ...sims.env, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('faults') });
    const result = await runFullSync(config);
    expect(result.status).toBe('completed');
    expect(sims.bluestone.faults.stats.serverErrors + sims.occtoo.faults.stats.serverErrors).toBeGreaterThan(
      0,
    );
    expect(sims.bluestone.faults.stats.rateLimited + sims.occtoo.faults.stats.rateLimited).toBeGreaterThan(0);
    sims.bluestone.faults.set({});
    sims.occtoo.faults.set({});
    expectOcctooEqualsCatalog(sims, config);
  });

  it('fails at once, saying what to fix, when Occtoo rejects the data provider credentials', async () => {
    sims = await startSims({ catalog: { products: 5 } });
    const config = testConfig({
      ...sims.env,
      OCCTOO_DATA_PROVIDER_SECRET: 'wrong-secret',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('creds'),
    });
    const err = await runFullSync(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as { type?: string; message?: string };
    expect(cause.type).toBe('OcctooUnauthorized');
    expect(cause.message).toMatch(/OCCTOO_DATA_PROVIDER_ID|OCCTOO_DATA_PROVIDER_SECRET/);
  });

  it('fails at once when a configured context does not exist in Bluestone, naming the valid ones', async () => {
    sims = await startSims({ catalog: { products: 5 } });
    const config = testConfig({
      ...sims.env,
      BLUESTONE_ADDITIONAL_CONTEXTS: 'l9999:fi',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('ctx'),
    });
    const err = await runFullSync(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    // Setup data runs first (a child workflow) and names the bad context and the valid ones.
    const root = innermostCause(err) as { type?: string; message?: string };
    expect(root.type).toBe('ConfigurationError');
    expect(root.message).toContain('l9999');
    expect(root.message).toContain('l3471');
    expect(sims.occtoo.imports).toHaveLength(0);
  });
});
