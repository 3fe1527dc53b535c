import type { BluestoneClient } from '../../../src/bluestone/client';
import type { Category, Product } from '../../../src/bluestone/types';
import { createArchiveActivities } from '../../../src/activities/archive';
import { createLogger } from '../../../src/logger';
import type { OcctooClient } from '../../../src/occtoo/client';
import { createPageProcessor } from '../../../src/pipeline/page-processor';
import type { ContextPlan } from '../../../src/shared/sync-types';
import { testConfig } from '../../support/config';
import { MemoryRecord } from '../../support/memory-record';
import { asset, category, product } from '../mapping/fixtures';
import { FakeOcctoo } from '../pipeline/fake-occtoo';

/**
 * Archive notices (issue #13) on the in-memory record: the late-notice rule (a product published
 * again after the notice stays), deleting every key the record holds (so PRODUCT_KEY=number needs
 * no read), and MEDIA_DELETE keeping media another entity still shows. Products reach Occtoo and
 * the record through the real page processor, as a sync sends them.
 */

const EN: ContextPlan = { context: 'en', language: 'en', isDefault: true };
const SV: ContextPlan = { context: 'sv-ctx', language: 'sv', isDefault: false };
const silent = createLogger({ level: 'ERROR', write: () => undefined });

/** What Bluestone serves now, by id, in the default context. */
class FakeBluestone {
  readonly served = new Map<string, Product>();
  readonly reads: string[][] = [];

  client(): BluestoneClient {
    return {
      getProductsByIds: async (ids: string[]) => {
        this.reads.push([...ids]);
        return ids.flatMap((id) => this.served.get(id) ?? []);
      },
    } as unknown as BluestoneClient;
  }
}

function setUp(env: Record<string, string> = {}) {
  const config = testConfig({ BLUESTONE_ADDITIONAL_CONTEXTS: 'sv-ctx:sv', ...env });
  const occtoo = new FakeOcctoo();
  const deletedFiles: string[] = [];
  const occtooClient = {
    ...occtoo.client(),
    deleteFile: async (fileId: string) => {
      deletedFiles.push(fileId);
      return true;
    },
  } as OcctooClient;
  const record = new MemoryRecord();
  const bluestone = new FakeBluestone();
  const deps = { config, logger: silent, bluestone: bluestone.client(), occtoo: occtooClient, record };
  const pages = createPageProcessor(deps);
  const { deleteArchivedProducts } = createArchiveActivities(deps);
  /** A sync sends these products (default pass, then Swedish) and Bluestone serves them. */
  const publish = async (products: Product[], readAt = 1) => {
    for (const p of products) bluestone.served.set(p.id, p);
    await pages.processProducts(EN, products, undefined, { readAt });
    await pages.processProducts(
      SV,
      products.map((p) => ({ ...p, name: `${p.name ?? p.id} (sv)` })),
      undefined,
      { readAt },
    );
  };
  const publishCategories = async (categories: Category[]) =>
    pages.processCategories(EN, categories, undefined, { readAt: 1 });
  return {
    config,
    occtoo,
    record,
    bluestone,
    deletedFiles,
    publish,
    publishCategories,
    deleteArchivedProducts,
  };
}

const keys = (occtoo: FakeOcctoo, source: string) => [...(occtoo.sources.get(source)?.keys() ?? [])].sort();

describe('an archive notice: the late-notice rule', () => {
  it('keeps a product Bluestone published again after the notice, and says why', async () => {
    const { occtoo, record, publish, deleteArchivedProducts } = setUp();
    await publish([product({ id: 'p1', name: 'Shirt', lastUpdate: 5_000 })]);

    const result = await deleteArchivedProducts({ productIds: ['p1'], state: 'ARCHIVED', noticeTime: 4_000 });

    expect(result.deleted).toEqual([]);
    expect(result.kept).toEqual([
      {
        productId: 'p1',
        reason: expect.stringMatching(
          /^published again after the archive notice: Bluestone serves it with lastUpdate 1970-01-01T00:00:05\.000Z, later than the notice's 1970-01-01T00:00:04\.000Z/,
        ),
      },
    ]);
    expect(keys(occtoo, 'products')).toEqual(['p1']);
    expect(record.get('products', 'p1', 'en')).toBeDefined();
  });

  it('deletes a product whose last update is not later than the notice, in every language', async () => {
    const { occtoo, record, publish, deleteArchivedProducts } = setUp();
    await publish([
      product({ id: 'p1', name: 'Shirt', lastUpdate: 4_000 }),
      product({ id: 'p2', name: 'Socks', lastUpdate: 3_000 }),
    ]);

    const result = await deleteArchivedProducts({
      productIds: ['p1', 'p2'],
      state: 'ARCHIVED',
      noticeTime: 4_000,
    });

    expect(result).toMatchObject({ deleted: ['p1', 'p2'], kept: [], notDeleted: [] });
    expect(keys(occtoo, 'products')).toEqual([]);
    expect(record.entities.size).toBe(0);
  });

  it('deletes a product Bluestone no longer serves, and every product of a notice without a time', async () => {
    const { occtoo, bluestone, publish, deleteArchivedProducts } = setUp();
    await publish([
      product({ id: 'p1', name: 'Shirt', lastUpdate: 9_000 }),
      product({ id: 'p2', name: 'Socks', lastUpdate: 9_000 }),
    ]);
    bluestone.served.delete('p1');

    // Started before notices carried their time: nothing to compare, so deleted as before.
    const result = await deleteArchivedProducts({ productIds: ['p1', 'p2'], state: 'ARCHIVED' });

    expect(result.deleted).toEqual(['p1', 'p2']);
    expect(keys(occtoo, 'products')).toEqual([]);
  });
});

describe('an archive notice with PRODUCT_KEY=number', () => {
  it('deletes every key the record holds for the product, also when Bluestone no longer serves it', async () => {
    const { occtoo, record, bluestone, publish, deleteArchivedProducts } = setUp({ PRODUCT_KEY: 'number' });
    await publish([
      product({ id: 'p1', number: 'SHIRT-1', name: 'Shirt', lastUpdate: 1_000 }),
      product({ id: 'p2', number: 'SOCKS-1', name: 'Socks', lastUpdate: 1_000 }),
    ]);
    bluestone.served.clear();

    const result = await deleteArchivedProducts({ productIds: ['p1'], state: 'ARCHIVED', noticeTime: 2_000 });

    expect(result).toMatchObject({ deleted: ['SHIRT-1'], notDeleted: [] });
    expect(keys(occtoo, 'products')).toEqual(['SOCKS-1']);
    expect(await record.sentOfIds('products', ['p1'])).toEqual([]);
  });

  it('says what to do when neither the record nor Bluestone knows the number', async () => {
    const { occtoo, deleteArchivedProducts } = setUp({ PRODUCT_KEY: 'number' });

    const result = await deleteArchivedProducts({ productIds: ['p9'], state: 'ARCHIVED', noticeTime: 2_000 });

    expect(result.deleted).toEqual([]);
    expect(result.notDeleted).toEqual([
      {
        productId: 'p9',
        reason: expect.stringMatching(
          /record holds no key for it, so its Occtoo key is unknown; delete it in Occtoo by hand$/,
        ),
      },
    ]);
    expect(occtoo.imports).toEqual([]);
  });
});

describe('an archive notice with MEDIA_DELETE', () => {
  const front = asset({ id: 'm-front', downloadUri: 'https://media.example.com/org/m-front' });
  const shared = asset({ id: 'm-shared', downloadUri: 'https://media.example.com/org/m-shared' });
  const banner = asset({ id: 'm-banner', downloadUri: 'https://media.example.com/org/m-banner' });

  it('deletes the media only the archived product showed, and keeps those another product or category shows', async () => {
    const { occtoo, record, publish, publishCategories, deleteArchivedProducts } = setUp({
      MEDIA_DELETE: 'true',
    });
    await publish([
      product({ id: 'p1', name: 'Shirt', lastUpdate: 1_000, media: [front, shared, banner] }),
      product({ id: 'p2', name: 'Socks', lastUpdate: 1_000, media: [shared] }),
    ]);
    await publishCategories([category({ id: 'c1', name: 'Clothes', media: [banner] })]);
    expect(keys(occtoo, 'media')).toEqual(['m-banner', 'm-front', 'm-shared']);

    const result = await deleteArchivedProducts({ productIds: ['p1'], state: 'ARCHIVED', noticeTime: 2_000 });

    expect(result.deleted).toEqual(['p1']);
    expect(result.mediaDeleted).toEqual(['m-front']);
    expect(result.mediaKept!.sort()).toEqual(['m-banner', 'm-shared']);
    expect(keys(occtoo, 'media')).toEqual(['m-banner', 'm-shared']);
    expect(keys(occtoo, 'products')).toEqual(['p2']);
    expect(record.get('media', 'm-front', 'en')).toBeUndefined();
    expect(record.get('media', 'm-shared', 'en')).toBeDefined();
  });

  it('finds the media in the record when Bluestone no longer serves the product', async () => {
    const { occtoo, bluestone, publish, deleteArchivedProducts } = setUp({ MEDIA_DELETE: 'true' });
    await publish([
      product({ id: 'p1', name: 'Shirt', lastUpdate: 1_000, media: [front, shared] }),
      product({ id: 'p2', name: 'Socks', lastUpdate: 1_000, media: [shared] }),
    ]);
    bluestone.served.clear();

    // The shared asset goes once its last product is archived too.
    const first = await deleteArchivedProducts({ productIds: ['p1'], state: 'ARCHIVED', noticeTime: 2_000 });
    expect(first.mediaDeleted).toEqual(['m-front']);
    const second = await deleteArchivedProducts({ productIds: ['p2'], state: 'ARCHIVED', noticeTime: 2_000 });
    expect(second.mediaDeleted).toEqual(['m-shared']);

    expect(keys(occtoo, 'media')).toEqual([]);
    expect(keys(occtoo, 'products')).toEqual([]);
  });

  it('deletes the Occtoo files of the media it deletes, and only those (HANDLE_MEDIA=occtoo)', async () => {
    const { occtoo, record, deletedFiles, publish, deleteArchivedProducts } = setUp({
      MEDIA_DELETE: 'true',
      HANDLE_MEDIA: 'occtoo',
    });
    await publish([
      product({ id: 'p1', name: 'Shirt', lastUpdate: 1_000, media: [front, shared] }),
      product({ id: 'p2', name: 'Socks', lastUpdate: 1_000, media: [shared] }),
    ]);
    expect(occtoo.uploads).toHaveLength(2);
    const uploaded = [...record.uploads.values()];

    const result = await deleteArchivedProducts({ productIds: ['p1'], state: 'ARCHIVED', noticeTime: 2_000 });

    expect(result.mediaDeleted).toEqual(['m-front']);
    const frontFile = uploaded.find((u) => u.assetId === 'm-front')!;
    expect(deletedFiles).toEqual([frontFile.fileId]);
    expect([...record.uploads.values()].map((u) => u.assetId)).toEqual(['m-shared']);
  });

  it('keeps the media of a product Occtoo refused to delete', async () => {
    const { occtoo, publish, deleteArchivedProducts } = setUp({ MEDIA_DELETE: 'true' });
    await publish([product({ id: 'p1', name: 'Shirt', lastUpdate: 1_000, media: [front] })]);
    occtoo.refuse.add('p1');

    const result = await deleteArchivedProducts({ productIds: ['p1'], state: 'ARCHIVED', noticeTime: 2_000 });

    expect(result.deleted).toEqual([]);
    expect(result.notDeleted).toEqual([
      { productId: 'p1', reason: expect.stringMatching(/^Occtoo refused to delete p1: /) },
    ]);
    expect(result.mediaDeleted).toEqual([]);
    expect(keys(occtoo, 'media')).toEqual(['m-front']);
  });
});
