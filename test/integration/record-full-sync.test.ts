/**
 * Issue #12, the record of what was sent, through full syncs on a real dev server, the simulators
 * over HTTP and PostgreSQL: a second full sync of an unchanged catalog sends nothing (and `force`
 * sends everything); a slow full sync never rolls back a newer change that an incremental sync
 * applied meanwhile; two workers sharing one database run one full sync together.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { DEFAULT_PUSH_TUNING } from '../../src/pipeline/page-processor';
import { compareWithOcctoo, expectedOcctooState } from '../../src/sim/expected-state';
import { fullSync } from '../../src/workflows';
import { closeClearingFixture, publishAndApply, runFullSync, slotsOf } from '../support/clearing';
import { killProcessGroup, runTs, waitFor } from '../support/processes';
import { startSyncFixture, type SyncFixture } from '../support/service';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

const FAST_MEDIA = { ...DEFAULT_PUSH_TUNING, mediaPollIntervalMs: 20 };
const SOURCES = ['products', 'categories', 'media'];

describe('the record of what was sent, through full syncs', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let fixture: SyncFixture | undefined;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });
  afterEach(async () => {
    await closeClearingFixture(env, fixture);
    fixture = undefined;
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const occtooEqualsCatalog = (f: SyncFixture) =>
    compareWithOcctoo(
      expectedOcctooState(f.sims.catalog, f.config, f.sims.occtoo.mediaFiles()),
      f.sims.occtoo,
      f.config.occtoo,
    );

  it('imports no entity and uploads no media on a second full sync of an unchanged catalog; force sends every entity', async () => {
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'record-again',
      tuning: FAST_MEDIA,
      sims: { catalog: { products: 30, seed: 23 } },
      config: { HANDLE_MEDIA: 'occtoo' },
    });
    const { occtoo } = fixture.sims;
    await runFullSync(env, fixture, 'first');
    expect(occtooEqualsCatalog(fixture)).toEqual([]);
    const first = occtoo.importCounts();
    const uploads = occtoo.uploads().length;
    for (const source of SOURCES) expect(first[source]?.entities).toBeGreaterThan(0);
    expect(uploads).toBeGreaterThan(0);

    await runFullSync(env, fixture, 'again');
    expect(occtoo.importCounts()).toEqual(first);
    expect(occtoo.uploads()).toHaveLength(uploads);
    expect(Math.max(...occtoo.uploadCounts.values())).toBe(1);
    expect(occtooEqualsCatalog(fixture)).toEqual([]);

    const before = occtoo.imports.length;
    await runFullSync(env, fixture, 'forced', true);
    const forced = occtoo.imports.slice(before);
    for (const source of SOURCES) {
      const sent = new Set(forced.filter((i) => i.source === source).flatMap((i) => i.keys));
      expect([...sent].sort()).toEqual([...occtoo.entities(source).keys()].sort());
    }
    expect(occtooEqualsCatalog(fixture)).toEqual([]);
  });

  it('keeps the newer values of a product changed (webhook delivered) while a slow full sync runs', async () => {
    const secret = 'record-race-webhook-secret';
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'record-race',
      roles: 'all',
      sims: { catalog: { products: 30, seed: 29 } },
      config: { WEBHOOK_SECRET: secret },
    });
    const { sims } = fixture;
    sims.bluestone.webhooks.configure({ url: fixture.gateway!.webhookUrl, secret, secretMode: 'header' });
    const productId = sims.catalog.productIds()[0];
    const contexts = sims.catalog.contexts.map((c) => c.context);

    // The slow part: every context's first product page (the one holding the product) is read
    // from the catalog, then answered only once the newer change has reached Occtoo, so the full
    // sync certainly holds an older version of the product than Occtoo does.
    const held = new Set<string>();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    sims.bluestone.onCursorPage = (page) => {
      if (!page.productIds.includes(productId)) return;
      held.add(page.context);
      return released;
    };
    const { taskQueue } = fixture.config.temporal;
    const slow = await env.client.workflow.start(fullSync, {
      taskQueue,
      workflowId: `${taskQueue}/slow-full-sync`,
      args: [{}],
    });
    try {
      await waitFor('the full sync to read the product in every context', async () =>
        contexts.every((c) => held.has(c)) ? true : undefined,
      );
      await publishAndApply(env, fixture, {
        change: [{ id: productId, name: 'Newer name', description: 'Newer description' }],
      });
      const applied = slotsOf(sims.occtoo.entity('products', productId));
      expect(applied.get('Name@en')).toBe('Newer name');
    } finally {
      release();
    }
    const result = await slow.result();
    // The stale read really reached the push, and was held back there: the only product not sent.
    expect(result.progress.contexts.map((c) => [c.context, c.products.unchanged])).toEqual(
      contexts.map((c) => [c, 1]),
    );

    const product = slotsOf(sims.occtoo.entity('products', productId));
    for (const [context, language] of [
      ['en', 'en'],
      ['l3471', 'sv'],
      ['l3472', 'de'],
    ]) {
      const current = sims.catalog.product(productId, context)!;
      expect(product.get(`Name@${language}`)).toBe(current.name);
      expect(product.get(`Description@${language}`)).toBe(current.description);
    }
    expect(sims.catalog.product(productId, 'en')!.name).toBe('Newer name');
    expect(occtooEqualsCatalog(fixture)).toEqual([]);
  });

  it('runs one full sync on two worker processes sharing one database', async () => {
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'record-two-workers',
      sims: { catalog: { products: 200, seed: 31 } },
    });
    const { taskQueue } = fixture.config.temporal;
    // A second worker process of the same deployment: same task queue, same DATABASE_URL.
    const other = runTs(
      'src/main.ts',
      ['worker'],
      {
        ...fixture.sims.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: fixture.config.database.url!,
        REFRESH_SCHEDULE: 'off',
        ALLOW_INSECURE_WEBHOOKS: 'true',
        LOG_LEVEL: 'INFO',
      },
      { detached: true },
    );
    try {
      await waitFor('the second worker to poll', async () =>
        other.output().includes('Worker polling') ? true : undefined,
      );
      const handle = await env.client.workflow.start(fullSync, {
        taskQueue,
        workflowId: `${taskQueue}/shared-full-sync`,
        args: [{ options: { pagesPerChunk: 1 } }],
      });
      await handle.result();
      expect(occtooEqualsCatalog(fixture)).toEqual([]);
      // The chunks ran on both workers (identities are pid@host).
      const history = await handle.fetchHistory();
      const identities = new Set(
        (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.identity).filter(Boolean),
      );
      expect(identities.size).toBe(2);
    } finally {
      killProcessGroup(other, 'SIGTERM');
      await Promise.race([other.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      killProcessGroup(other);
    }
    // One worker left: what the other recorded is in the shared database, so nothing is sent again.
    const before = fixture.sims.occtoo.importCounts();
    await runFullSync(env, fixture, 'one-worker-again');
    expect(fixture.sims.occtoo.importCounts()).toEqual(before);
  });
});
