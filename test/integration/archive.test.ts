/**
 * Issue #13, archive notices, end to end: Bluestone's webhooks through the real gateway, the
 * coordinator applying each notice in time order with the syncs, a real worker, the simulators
 * and PostgreSQL. A timely notice deletes the product; a late one (the product was published
 * again after it) keeps it; with MEDIA_DELETE an asset another product still shows survives the
 * archive of the first, and goes with the last. Occtoo must equal the catalog exactly each time.
 * (The rules in isolation: test/unit/activities/archive.test.ts, workflows-coordinator.test.ts.)
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { WebhookEnvelope } from '../../src/bluestone/types';
import { archiveWorkflowId } from '../../src/client/webhooks';
import { mediaAssetsOf, mediaKeyOf, mediaUniqueIdentifier } from '../../src/mapping';
import type { MediaAsset } from '../../src/bluestone/types';
import { DEFAULT_PUSH_TUNING } from '../../src/pipeline/page-processor';
import { coordinatorStateQuery } from '../../src/shared/messages';
import { compareWithOcctoo, expectedOcctooState } from '../../src/sim/expected-state';
import { syncCoordinatorWorkflowId, type ArchiveProductsResult } from '../../src/shared/sync-types';
import { fullSync } from '../../src/workflows';
import { waitFor } from '../support/processes';
import { startSyncFixture, type SyncFixture } from '../support/service';
import { FOREIGN_KEY, OTHER_PROVIDER, SIM_PROVIDER, writeAsSomeoneElse } from '../support/sims';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';
import type { OcctooEntity } from '../../src/occtoo/types';

const SECRET = 'archive-webhook-secret';

describe('archive notices through the coordinator', () => {
  let env: TestWorkflowEnvironment;
  let fixture: SyncFixture;
  /** Products: `first` and `second` share an asset (`shared`); `late` and `timely` are archived. */
  let first: string, second: string, late: string;
  let shared: MediaAsset;
  /** What another provider wrote into the products and media sources: no archive may touch it. */
  let foreign: OcctooEntity[];

  beforeAll(async () => {
    env = await connectTestEnv();
    const workflowBundle: WorkflowBundle = await bundleWorkflows();
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'archive',
      roles: 'all',
      tuning: { ...DEFAULT_PUSH_TUNING, mediaPollIntervalMs: 20 },
      sims: {
        catalog: { products: 12, seed: 23 },
        occtoo: {
          providers: [
            { ...SIM_PROVIDER, allowedSources: ['products', 'categories', 'media', 'setup'] },
            { ...OTHER_PROVIDER, allowedSources: ['products', 'media'] },
          ],
        },
      },
      config: { WEBHOOK_SECRET: SECRET, MEDIA_DELETE: 'true', HANDLE_MEDIA: 'occtoo' },
    });
    const { sims, config, gateway } = fixture;
    sims.bluestone.webhooks.configure({ url: gateway!.webhookUrl, secret: SECRET, secretMode: 'header' });
    [first, second, late] = sims.catalog.productIds();
    // A PIM user attaches the first product's first asset to the second product as well.
    shared = mediaAssetsOf(sims.catalog.product(first, 'en')!)[0];
    for (const { context } of sims.catalog.contexts)
      sims.catalog.product(second, context)?.media.push(structuredClone(shared));
    await env.client.workflow.execute(fullSync, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `initial-${config.temporal.taskQueue}`,
    });
    foreign = await Promise.all(
      ['products', 'media'].map((source) => writeAsSomeoneElse(sims.occtoo.url, source)),
    );
  });

  afterAll(async () => {
    if (fixture) {
      await env.client.workflow
        .getHandle(syncCoordinatorWorkflowId(fixture.config.temporal.taskQueue))
        .terminate()
        .catch(() => undefined);
      await fixture.close();
    }
    await env?.teardown();
  });

  /**
   * What differs between Occtoo and the catalog, media files included; empty once equal. The other
   * provider's entities are left out here and checked on their own.
   */
  const differences = () =>
    compareWithOcctoo(
      expectedOcctooState(fixture.sims.catalog, fixture.config, fixture.sims.occtoo.mediaFiles()),
      {
        entities: (source) =>
          new Map([...fixture.sims.occtoo.entities(source)].filter(([key]) => key !== FOREIGN_KEY)),
      },
      fixture.config.occtoo,
    );
  const foreignAsWritten = () => {
    expect(fixture.sims.occtoo.entity('products', FOREIGN_KEY)).toEqual(foreign[0]);
    expect(fixture.sims.occtoo.entity('media', FOREIGN_KEY)).toEqual(foreign[1]);
  };

  const untilOcctooEqualsCatalog = async () => {
    await waitFor(
      'Occtoo to equal the catalog',
      async () => (differences().length === 0 ? true : undefined),
      30_000,
    ).catch(() => undefined);
    expect(differences()).toEqual([]);
  };

  /** The result of the archive run the coordinator starts for a notice. */
  async function archiveResult(
    envelope: WebhookEnvelope,
    productIds: string[],
  ): Promise<ArchiveProductsResult> {
    const id = archiveWorkflowId(
      fixture.config.temporal.taskQueue,
      productIds,
      'ARCHIVED',
      envelope.timestamp,
    );
    const handle = env.client.workflow.getHandle(id);
    await waitFor(`archive run ${id} to exist`, () => handle.describe().then(() => true), 30_000);
    return (await handle.result()) as ArchiveProductsResult;
  }

  const uploadedAssets = () => new Set(fixture.sims.occtoo.mediaFiles().map((f) => f.uniqueIdentifier));

  it('deletes a product on a timely notice; with MEDIA_DELETE the asset another product shows survives, and goes with the last', async () => {
    const { sims } = fixture;
    const own = mediaAssetsOf(sims.catalog.product(first, 'en')!).filter((m) => m.id !== shared.id);
    expect(own.length).toBeGreaterThan(0);
    expect(uploadedAssets()).toContain(mediaUniqueIdentifier(shared));

    // Archived in Bluestone: the notice (one per context) and the syncs that drop it.
    const archived = sims.bluestone.publish({ archive: [first] });
    expect((await archived.deliveries).every((d) => d.outcome === 'delivered')).toBe(true);
    const result = await archiveResult(archived.envelopes[0], [first]);
    expect(result.kept).toEqual([]);
    await untilOcctooEqualsCatalog();

    const media = sims.occtoo.entities('media');
    expect(sims.occtoo.entity('products', first)).toBeUndefined();
    expect(media.has(mediaKeyOf(shared)!)).toBe(true);
    expect(uploadedAssets()).toContain(mediaUniqueIdentifier(shared));
    for (const m of own) {
      expect(media.has(mediaKeyOf(m)!)).toBe(false);
      expect(uploadedAssets()).not.toContain(mediaUniqueIdentifier(m));
    }

    // The last product showing it archived: now the shared asset goes, with its file.
    const last = sims.bluestone.publish({ archive: [second] });
    expect((await last.deliveries).every((d) => d.outcome === 'delivered')).toBe(true);
    await archiveResult(last.envelopes[0], [second]);
    await untilOcctooEqualsCatalog();
    expect(sims.occtoo.entities('media').has(mediaKeyOf(shared)!)).toBe(false);
    expect(uploadedAssets()).not.toContain(mediaUniqueIdentifier(shared));
    foreignAsWritten();
  });

  it('keeps a product published again after the archive notice that arrives late', async () => {
    const { sims, config } = fixture;
    // Archived at `archivedAt`; its notice is held back (the gateway was down, say) ...
    const archivedAt = Date.now() - 1;
    const notice: WebhookEnvelope = {
      timestamp: archivedAt,
      events: [
        {
          changes: {
            eventType: 'PRODUCT_WATCH_STATE',
            entityIds: [late],
            stateChange: { changeType: 'UPDATE', oldValue: 'CONNECTED', newValue: 'ARCHIVED', context: 'en' },
          },
        },
      ],
    };
    // ... while the product is published again (a later lastUpdate), and that sync is applied.
    const republished = sims.bluestone.publish({ contexts: ['en'], change: [late] });
    expect(sims.catalog.product(late, 'en')!.lastUpdate).toBeGreaterThan(archivedAt);
    expect((await republished.deliveries).every((d) => d.outcome === 'delivered')).toBe(true);
    await untilOcctooEqualsCatalog();

    // The late notice arrives.
    expect((await sims.bluestone.redeliver(notice)).outcome).toBe('delivered');
    const result = await archiveResult(notice, [late]);
    expect(result.deleted).toEqual([]);
    expect(result.kept).toEqual([
      { productId: late, reason: expect.stringMatching(/^published again after the archive notice/) },
    ]);
    expect(differences()).toEqual([]);
    expect(sims.occtoo.entity('products', late)).toBeDefined();
    foreignAsWritten();

    // The coordinator shows it among what it applied.
    const state = await env.client.workflow
      .getHandle(syncCoordinatorWorkflowId(config.temporal.taskQueue))
      .query(coordinatorStateQuery);
    expect(state.recent.find((r) => r.kind === 'archive' && r.detail?.includes('kept'))).toMatchObject({
      outcome: 'applied',
      detail: '0 deleted, 1 kept (published again after the notice)',
    });
  });
});
