/**
 * Issue #13 on a real dev server, the simulators over HTTP and PostgreSQL: an unpublished product
 * is deleted from Occtoo by its incremental sync, keyed by id and keyed by number (the record
 * knows the number); unpublished in one additional context, only that language is cleared; a new
 * number leaves only the new key; a number two products share is reported, not merged; `resync`
 * sends exactly the product named, and deletes it once Bluestone no longer serves it.
 *
 * One pair of simulators, two deployments side by side (one per PRODUCT_KEY, each with a
 * products source of its own), so that every Bluestone publish is checked in both key modes.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import request from 'supertest';
import type { Config } from '../../src/config';
import { relatedProductIdsOf, sanitizeKey } from '../../src/mapping';
import type { OcctooEntity } from '../../src/occtoo/types';
import type { PublishRequest } from '../../src/sim/bluestone-publish';
import { compareSource, expectedOcctooState } from '../../src/sim/expected-state';
import type { RunningService } from '../../src/service';
import {
  incrementalSyncWorkflowId,
  type IncrementalSyncResult,
  type ResyncResult,
} from '../../src/shared/sync-types';
import { fullSync, incrementalSync } from '../../src/workflows';
import { slotsOf } from '../support/clearing';
import { runCli } from '../support/cli';
import { testConfig } from '../support/config';
import { startSyncFixture, startTestService, type SyncFixture } from '../support/service';
import { FOREIGN_KEY, OTHER_PROVIDER, SIM_PROVIDER, writeAsSomeoneElse } from '../support/sims';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue } from '../support/temporal';

const BY_ID_SOURCE = 'products-by-id';

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;
/** PRODUCT_KEY=number, with the gateway (POST /resync). */
let fixture: SyncFixture;
/** PRODUCT_KEY=id, on the same simulators, into its own products source. */
let byId: { config: Config; service: RunningService };
/** What another provider wrote into each products source, after the first full syncs. */
let foreign: OcctooEntity[];
/** Products no other product relates to (their numbers appear nowhere else), each used once. */
let unused: string[];

beforeAll(async () => {
  env = await connectTestEnv();
  workflowBundle = await bundleWorkflows();
  fixture = await startSyncFixture(env, workflowBundle, {
    name: 'unpublish-number',
    roles: 'all',
    sims: {
      catalog: { products: 40, seed: 13 },
      occtoo: {
        providers: [
          { ...SIM_PROVIDER, allowedSources: ['products', BY_ID_SOURCE, 'categories', 'media', 'setup'] },
          { ...OTHER_PROVIDER, allowedSources: ['products', BY_ID_SOURCE] },
        ],
      },
    },
    // A one-product sync that sets its product aside would otherwise fail as a systemic rejection.
    config: { PRODUCT_KEY: 'number', SET_ASIDE_MAX_PERCENT: '100' },
  });
  const config = testConfig({
    ...fixture.sims.env,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('unpublish-id'),
    OCCTOO_PRODUCTS_SOURCE: BY_ID_SOURCE,
  });
  const service = await startTestService(env, workflowBundle, config);
  byId = { config, service };
  const { catalog } = fixture.sims;
  const related = new Set(
    catalog.contexts.flatMap((c) => catalog.productsIn(c.context).flatMap(relatedProductIdsOf)),
  );
  unused = catalog
    .productsIn('en')
    .filter(
      (p) =>
        p.type === 'SINGLE' &&
        !related.has(p.id) &&
        p.number !== undefined &&
        sanitizeKey(p.number) === p.number &&
        catalog.contexts.every((c) => catalog.product(p.id, c.context)),
    )
    .map((p) => p.id);
  await Promise.all(
    [fixture.config, byId.config].map((c) =>
      env.client.workflow.execute(fullSync, {
        taskQueue: c.temporal.taskQueue,
        workflowId: `${c.temporal.taskQueue}/first`,
        args: [{}],
      }),
    ),
  );
  // Another provider's entity in both products sources: no run in this file may touch it.
  foreign = await Promise.all([
    writeAsSomeoneElse(fixture.sims.occtoo.url, 'products'),
    writeAsSomeoneElse(fixture.sims.occtoo.url, BY_ID_SOURCE),
  ]);
});
afterAll(async () => {
  await byId?.service.stop();
  await fixture?.close();
  await env?.teardown();
});

const next = (): string => {
  const id = unused.shift();
  if (!id) throw new Error('the catalog has too few unrelated products for this file');
  return id;
};
const numberOf = (id: string) => fixture.sims.catalog.product(id, 'en')!.number!;

/** Publishes with the webhook lost, then applies its syncs by hand in both deployments. */
async function publishAndApply(req: PublishRequest): Promise<Map<string, IncrementalSyncResult[]>> {
  const published = fixture.sims.bluestone.publish({ ...req, deliver: false });
  const results = new Map<string, IncrementalSyncResult[]>();
  await Promise.all(
    [fixture.config, byId.config].map(async (c) => {
      const queue = c.temporal.taskQueue;
      const done = await Promise.all(
        published.syncs.map((sync) =>
          env.client.workflow.execute(incrementalSync, {
            taskQueue: queue,
            workflowId: incrementalSyncWorkflowId(queue, sync.id),
            args: [{ syncId: sync.id, context: sync.contextId! }],
          }),
        ),
      );
      results.set(c.mapping.productKey, done);
    }),
  );
  return results;
}

/**
 * A deployment's products source against the catalog, exactly, leaving out the keys given and
 * the other provider's entity (checked on its own, last).
 */
function productDifferences(config: Config, given: Set<string> = new Set()): string[] {
  const leaveOut = new Set([...given, FOREIGN_KEY]);
  const expected = expectedOcctooState(fixture.sims.catalog, config).products;
  const without = (entities: Map<string, OcctooEntity>) =>
    new Map([...entities].filter(([key]) => !leaveOut.has(key)));
  return compareSource(
    config.occtoo.productsSource,
    without(expected),
    without(fixture.sims.occtoo.entities(config.occtoo.productsSource)),
  );
}

const products = (config: Config) => fixture.sims.occtoo.entities(config.occtoo.productsSource);

describe('unpublish', () => {
  it('an unpublished product is deleted, keyed by id and keyed by number', async () => {
    const gone = next();
    const number = numberOf(gone);
    expect(products(fixture.config).has(number)).toBe(true);
    expect(products(byId.config).has(gone)).toBe(true);

    const results = await publishAndApply({ unpublish: [gone] });

    expect(products(fixture.config).has(number)).toBe(false);
    expect(products(byId.config).has(gone)).toBe(false);
    for (const mode of ['number', 'id']) {
      const enSync = results.get(mode)!.find((r) => r.context === 'en')!;
      expect(enSync.products.deleted).toBe(1);
      expect(enSync.setAside).toEqual([]);
    }
    expect(productDifferences(fixture.config)).toEqual([]);
    expect(productDifferences(byId.config)).toEqual([]);
  });

  it('unpublished in one additional context: only that language is cleared', async () => {
    const product = next();
    const number = numberOf(product);
    expect([...slotsOf(products(fixture.config).get(number)).keys()]).toContain('Name@sv');

    await publishAndApply({ unpublish: [product], contexts: ['l3471'] });

    for (const [config, key] of [
      [fixture.config, number],
      [byId.config, product],
    ] as const) {
      const slots = slotsOf(products(config).get(key));
      expect([...slots.keys()].filter((s) => s.endsWith('@sv'))).toEqual([]);
      expect(slots.get('Name@en')).toBe(fixture.sims.catalog.product(product, 'en')!.name);
      expect(slots.get('Name@de')).toBe(fixture.sims.catalog.product(product, 'l3472')!.name);
      expect(productDifferences(config)).toEqual([]);
    }
  });
});

describe('PRODUCT_KEY=number: key changes', () => {
  it('a number change leaves only the new key', async () => {
    const product = next();
    const before = numberOf(product);
    const after = `${before}-renumbered`;

    await publishAndApply({ change: [{ id: product, number: after }] });

    expect(products(fixture.config).has(before)).toBe(false);
    expect(products(fixture.config).get(after)?.properties).toContainEqual({ id: 'Id', value: product });
    expect(productDifferences(fixture.config)).toEqual([]);
    expect(productDifferences(byId.config)).toEqual([]);
  });
});

describe('resync', () => {
  it('`resync` of one product sends exactly that product, even unchanged', async () => {
    const product = next();
    const key = numberOf(product);
    const importsBefore = fixture.sims.occtoo.imports.length;
    const { config } = fixture;

    const run = await runCli(['resync', product, '--json'], {
      ...fixture.sims.env,
      PRODUCT_KEY: 'number',
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      DATABASE_URL: config.database.url!,
      WEBHOOK_SECRET: 'unpublish-webhook-secret',
      LOG_LEVEL: 'WARN',
    });

    expect([run.code, run.stderr]).toEqual([0, '']);
    const { result } = JSON.parse(run.stdout) as { result: ResyncResult };
    expect(result.passes.map((p) => [p.context, p.sent, p.deleted, p.cleared])).toEqual(
      ['en', 'l3471', 'l3472'].map((c) => [c, [product], [], []]),
    );
    const sent = fixture.sims.occtoo.imports.slice(importsBefore).filter((i) => i.source === 'products');
    expect(sent.flatMap((i) => i.keys)).toEqual([key, key, key]);
    expect(productDifferences(config)).toEqual([]);
  });

  it('POST /resync deletes a product Bluestone no longer serves; a wrong request is a 400 saying why', async () => {
    const app = fixture.gateway!.server;
    const auth = `Bearer ${fixture.config.gateway.adminToken}`;
    const wrong = await request(app)
      .post('/resync')
      .set('Authorization', auth)
      .send({ productIds: ['../x'] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toContain('is not a Bluestone product id');
    const unknown = await request(app)
      .post('/resync')
      .set('Authorization', auth)
      .send({ productIds: ['p1'], contexts: ['fr'] });
    expect([unknown.status, unknown.body.error]).toEqual([
      400,
      'contexts: fr is not configured; configured contexts: en, l3471, l3472',
    ]);
    expect(
      (
        await request(app)
          .post('/resync')
          .send({ productIds: ['p1'] })
      ).status,
    ).toBe(401);

    const product = next();
    const key = numberOf(product);
    // Unpublished, its webhook lost: only the resync can tell.
    fixture.sims.bluestone.publish({ unpublish: [product], deliver: false });
    expect(products(fixture.config).has(key)).toBe(true);

    const started = await request(app)
      .post('/resync')
      .set('Authorization', auth)
      .send({ productIds: [product] });
    expect(started.status).toBe(202);
    const result = (await env.client.workflow.getHandle(started.body.workflowId).result()) as ResyncResult;

    expect(products(fixture.config).has(key)).toBe(false);
    expect(result.passes[0]).toMatchObject({ context: 'en', sent: [], deleted: [product] });
    expect(productDifferences(fixture.config)).toEqual([]);
  });
});

describe('PRODUCT_KEY=number: one number, two products', () => {
  it('a duplicated number is reported, naming both, and the first product keeps its entity', async () => {
    const [first, later] = [next(), next()];
    const number = numberOf(first);
    const laterBefore = numberOf(later);
    const entityBefore = products(fixture.config).get(number);

    const results = await publishAndApply({ change: [{ id: later, number }] });

    const enSync = results.get('number')!.find((r) => r.context === 'en')!;
    expect(enSync.setAside).toEqual([
      expect.objectContaining({
        source: 'products',
        id: later,
        reason: expect.stringContaining(`products ${first} and ${later} have the same number "${number}"`),
      }),
    ]);
    expect(products(fixture.config).get(number)).toEqual(entityBefore);
    // The later product stays as Occtoo had it, under its earlier number, until the numbers differ.
    expect(products(fixture.config).has(laterBefore)).toBe(true);
    expect(productDifferences(fixture.config, new Set([number, laterBefore]))).toEqual([]);
  });
});

describe('entities another provider wrote', () => {
  // Last in the file: after every unpublish, number change, duplicate and resync above.
  it('stay as they were written, in both products sources', () => {
    expect(fixture.sims.occtoo.entity('products', FOREIGN_KEY)).toEqual(foreign[0]);
    expect(fixture.sims.occtoo.entity(BY_ID_SOURCE, FOREIGN_KEY)).toEqual(foreign[1]);
  });
});
