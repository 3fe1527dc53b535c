import type { BluestoneClient } from '../../../src/bluestone/client';
import type { Product } from '../../../src/bluestone/types';
import { createArchiveActivities } from '../../../src/activities/archive';
import { createLogger } from '../../../src/logger';
import type { OcctooClient } from '../../../src/occtoo/client';
import { createPageProcessor } from '../../../src/pipeline/page-processor';
import type { ContextPlan } from '../../../src/shared/sync-types';
import { testConfig } from '../../support/config';
import { MemoryRecord } from '../../support/memory-record';
import { asset, product } from '../mapping/fixtures';
import { FakeOcctoo } from '../pipeline/fake-occtoo';

/**
 * MEDIA_DELETE when Occtoo refuses part of an archive (issue 17): the product's delete goes
 * through but a media entity's delete is refused. The archive must report only the media Occtoo
 * deleted, keep the refused one in Occtoo and in the record (so a later archive tries again), and
 * leave its Occtoo file alone.
 */

const EN: ContextPlan = { context: 'en', language: 'en', isDefault: true };
const silent = createLogger({ level: 'ERROR', write: () => undefined });

function setUp(env: Record<string, string>) {
  const config = testConfig({ MEDIA_DELETE: 'true', ...env });
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
  const served = new Map<string, Product>();
  const bluestone = {
    getProductsByIds: async (ids: string[]) => ids.flatMap((id) => served.get(id) ?? []),
  } as unknown as BluestoneClient;
  const deps = { config, logger: silent, bluestone, occtoo: occtooClient, record };
  const pages = createPageProcessor(deps);
  const { deleteArchivedProducts } = createArchiveActivities(deps);
  /** A sync sends these products, and Bluestone serves them. */
  const publish = async (products: Product[]) => {
    for (const p of products) served.set(p.id, p);
    await pages.processProducts(EN, products, undefined, { readAt: 1 });
  };
  return { occtoo, record, deletedFiles, publish, deleteArchivedProducts };
}

const keys = (occtoo: FakeOcctoo, source: string) => [...(occtoo.sources.get(source)?.keys() ?? [])].sort();

describe('an archive notice with MEDIA_DELETE, when Occtoo refuses a media delete', () => {
  const front = asset({ id: 'm-front', downloadUri: 'https://media.example.com/org/m-front' });
  const back = asset({ id: 'm-back', downloadUri: 'https://media.example.com/org/m-back' });

  it('reports deleted only the media whose delete Occtoo accepted, and says why the other stays', async () => {
    const { occtoo, record, publish, deleteArchivedProducts } = setUp({});
    await publish([product({ id: 'p1', name: 'Shirt', lastUpdate: 1_000, media: [front, back] })]);
    expect(keys(occtoo, 'media')).toEqual(['m-back', 'm-front']);
    occtoo.refuse.add('m-back');

    const result = await deleteArchivedProducts({ productIds: ['p1'], state: 'ARCHIVED', noticeTime: 2_000 });

    expect(result.deleted).toEqual(['p1']);
    expect(result.mediaDeleted).toEqual(['m-front']);
    expect(result.notDeleted).toEqual([
      { productId: 'm-back', reason: 'media entity not deleted: refused by the test' },
    ]);
    // Occtoo holds exactly what it refused to delete, and the record still knows it.
    expect(keys(occtoo, 'products')).toEqual([]);
    expect(keys(occtoo, 'media')).toEqual(['m-back']);
    expect(record.get('media', 'm-back', 'en')).toBeDefined();
    expect(record.get('media', 'm-front', 'en')).toBeUndefined();
  });

  it('keeps the Occtoo file of a refused media entity, and its upload in the record (HANDLE_MEDIA=occtoo)', async () => {
    const { occtoo, record, deletedFiles, publish, deleteArchivedProducts } = setUp({
      HANDLE_MEDIA: 'occtoo',
    });
    await publish([product({ id: 'p1', name: 'Shirt', lastUpdate: 1_000, media: [front, back] })]);
    const uploads = [...record.uploads.values()];
    const fileOf = (assetId: string) => uploads.find((u) => u.assetId === assetId)!.fileId;
    occtoo.refuse.add('m-back');

    const result = await deleteArchivedProducts({ productIds: ['p1'], state: 'ARCHIVED', noticeTime: 2_000 });

    expect(result.mediaDeleted).toEqual(['m-front']);
    expect(deletedFiles).toEqual([fileOf('m-front')]);
    expect([...record.uploads.values()].map((u) => u.assetId)).toEqual(['m-back']);
  });
});
