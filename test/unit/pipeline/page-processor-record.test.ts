import type { BluestoneClient } from '../../../src/bluestone/client';
import type { Category, Product } from '../../../src/bluestone/types';
import { createLogger } from '../../../src/logger';
import { createPageProcessor } from '../../../src/pipeline/page-processor';
import type { ContextPlan } from '../../../src/shared/sync-types';
import { testConfig } from '../../support/config';
import { MemoryRecord } from '../../support/memory-record';
import { asset, attribute, category, product } from '../mapping/fixtures';
import { FakeOcctoo } from './fake-occtoo';

/**
 * The page processor with the record (issue #12): what reaches Occtoo when values vanish, when
 * nothing changed, when a read is older than what was sent, and what the record keeps.
 */

const EN: ContextPlan = { context: 'en', language: 'en', isDefault: true };
const SV: ContextPlan = { context: 'sv-ctx', language: 'sv', isDefault: false };

function setUp(env: Record<string, string> = {}) {
  const config = testConfig({ BLUESTONE_ADDITIONAL_CONTEXTS: 'sv-ctx:sv', ...env });
  const occtoo = new FakeOcctoo();
  const record = new MemoryRecord();
  const pages = createPageProcessor({
    config,
    logger: createLogger({ level: 'ERROR', write: () => undefined }),
    // PRODUCT_KEY=id: related keys are never read from Bluestone.
    bluestone: {} as BluestoneClient,
    occtoo: occtoo.client(),
    record,
  });
  return { occtoo, record, pages };
}

const shirt = (overrides: Partial<Product> = {}): Product =>
  product({
    id: 'p1',
    name: 'Shirt',
    description: 'A shirt',
    lastUpdate: 1000,
    attributes: [
      attribute({ id: 'a-color', number: 'color', values: ['red'] }),
      attribute({ id: 'a-size', number: 'size', values: ['M'] }),
    ],
    ...overrides,
  });

const props = (occtoo: FakeOcctoo, key = 'p1', source = 'products') =>
  occtoo
    .entity(source, key)
    ?.properties.map((p) => `${p.id}${p.language ? `@${p.language}` : ''}=${p.value}`);

describe('page processor with the record: clear what vanished', () => {
  it('sends null for each property sent last time and missing now, in its language only', async () => {
    const { occtoo, pages } = setUp();
    await pages.processProducts(EN, [shirt()], undefined, { readAt: 1 });
    await pages.processProducts(SV, [shirt({ name: 'Skjorta', description: 'En skjorta' })], undefined, {
      readAt: 2,
    });

    // English: the description emptied, the size attribute removed. Swedish: its description emptied.
    await pages.processProducts(
      EN,
      [shirt({ description: undefined, lastUpdate: 2000, attributes: [shirt().attributes[0]] })],
      undefined,
      { readAt: 3 },
    );
    await pages.processProducts(
      SV,
      [shirt({ name: 'Skjorta', description: '', lastUpdate: 2000 })],
      undefined,
      {
        readAt: 4,
      },
    );

    const [, , enUpdate, svUpdate] = occtoo.imported('products');
    expect(enUpdate.properties).toEqual(
      expect.arrayContaining([
        { id: 'Description', value: null, language: 'en' },
        { id: 'size', value: null },
      ]),
    );
    expect(svUpdate.properties).toEqual([
      { id: 'Name', value: 'Skjorta', language: 'sv' },
      { id: 'Description', value: null, language: 'sv' },
    ]);
    expect(props(occtoo)).toEqual([
      'Id=p1',
      'LastUpdate=1970-01-01T00:00:02.000Z',
      'Name@en=Shirt',
      'Name@sv=Skjorta',
      'ProductType=SINGLE',
      'color=red',
    ]);
  });

  it('a pass that now maps to no entity still sends its nulls, once', async () => {
    const { occtoo, record, pages } = setUp();
    await pages.processProducts(EN, [shirt()], undefined, { readAt: 1 });
    await pages.processProducts(SV, [shirt({ name: 'Skjorta', description: 'En skjorta' })], undefined, {
      readAt: 2,
    });
    // Every Swedish value emptied: the mapping alone sends nothing for this pass.
    const emptied = shirt({ name: undefined, description: undefined, lastUpdate: 2000 });
    await pages.processProducts(SV, [emptied], undefined, { readAt: 3 });
    await pages.processProducts(SV, [emptied], undefined, { readAt: 4 });

    const imports = occtoo.imported('products');
    expect(imports).toHaveLength(3);
    expect(imports[2]).toEqual({
      key: 'p1',
      properties: [
        { id: 'Name', value: null, language: 'sv' },
        { id: 'Description', value: null, language: 'sv' },
      ],
    });
    expect(props(occtoo)).toContain('Name@en=Shirt');
    expect(props(occtoo)?.filter((p) => p.includes('@sv'))).toEqual([]);
    expect(record.get('products', 'p1', 'sv')?.properties).toEqual([]);
  });

  it('clears categories and their attributes the same way', async () => {
    const { occtoo, pages } = setUp();
    const shoes = (overrides: Partial<Category> = {}) =>
      category({
        id: 'c1',
        name: 'Shoes',
        description: 'All shoes',
        attributes: [attribute({ id: 'a-season', number: 'season', values: ['summer'] })],
        ...overrides,
      });
    await pages.processCategories(EN, [shoes()], undefined, { readAt: 1 });
    await pages.processCategories(EN, [shoes({ description: undefined, attributes: [] })], undefined, {
      readAt: 2,
    });
    expect(props(occtoo, 'c1', 'categories')).toEqual(['Id=c1', 'Name@en=Shoes']);
  });

  it('CLEAR_WITH=empty clears with an empty string', async () => {
    const { occtoo, pages } = setUp({ CLEAR_WITH: 'empty' });
    await pages.processProducts(EN, [shirt()], undefined, { readAt: 1 });
    await pages.processProducts(EN, [shirt({ description: undefined, lastUpdate: 2000 })], undefined, {
      readAt: 2,
    });
    expect(occtoo.imported('products')[1].properties).toContainEqual({
      id: 'Description',
      value: '',
      language: 'en',
    });
  });
});

describe('page processor with the record: skip what did not change', () => {
  it('sends nothing for an unchanged entity and counts it unchanged; a full sync marks it seen', async () => {
    const { occtoo, record, pages } = setUp();
    await pages.processProducts(EN, [shirt()], undefined, { readAt: 1, runId: 'run-1' });
    const again = await pages.processProducts(EN, [shirt()], undefined, {
      readAt: 2,
      runId: 'run-2',
      fullSyncRunId: 'run-2',
    });
    expect(occtoo.imported('products')).toHaveLength(1);
    expect(again).toMatchObject({ read: 1, sent: 0, unchanged: 1 });
    expect(record.get('products', 'p1', 'en')).toMatchObject({ runId: 'run-1', fullSyncRunId: 'run-2' });
    expect(record.calls.recordSeen).toBe(1);
  });

  it('force re-sends an unchanged entity', async () => {
    const { occtoo, pages } = setUp();
    await pages.processProducts(EN, [shirt()], undefined, { readAt: 1 });
    const forced = await pages.processProducts(EN, [shirt()], undefined, { readAt: 2, force: true });
    expect(forced).toMatchObject({ sent: 1, unchanged: 0 });
    expect(occtoo.imported('products')).toHaveLength(2);
    expect(occtoo.imported('products')[1]).toEqual(occtoo.imported('products')[0]);
  });

  it('HANDLE_MEDIA=occtoo: an asset uploaded in its current version is neither looked up nor uploaded again', async () => {
    const { occtoo, record, pages } = setUp({ HANDLE_MEDIA: 'occtoo' });
    const withMedia = (updatedAt: number) => shirt({ media: [asset({ id: 'm1', updatedAt })] });
    await pages.processProducts(EN, [withMedia(5)], undefined, { readAt: 1 });
    expect(occtoo.uploads).toHaveLength(1);
    expect(occtoo.lookups).toHaveLength(1);

    const second = await pages.processProducts(EN, [withMedia(5)], undefined, { readAt: 2 });
    expect(occtoo.uploads).toHaveLength(1);
    expect(occtoo.lookups).toHaveLength(1);
    expect(second).toMatchObject({ sent: 0, unchanged: 1, mediaUploaded: 0, mediaSent: 0 });

    // A new version of the file is uploaded.
    await pages.processProducts(EN, [withMedia(6)], undefined, { readAt: 3 });
    expect(occtoo.uploads).toHaveLength(2);
    expect(record.uploads.size).toBe(2);
  });
});

describe('page processor with the record: never roll back', () => {
  it('does not send a product read in an older lastUpdate than the one recorded', async () => {
    const { occtoo, pages } = setUp();
    await pages.processProducts(EN, [shirt({ name: 'Shirt v2', lastUpdate: 2000 })], undefined, {
      readAt: 10,
    });
    // A full-sync page read long before, pushed after the newer version went.
    const stale = await pages.processProducts(
      EN,
      [shirt({ name: 'Shirt v1', lastUpdate: 1000 })],
      undefined,
      {
        readAt: 1,
        force: true,
      },
    );
    expect(stale).toMatchObject({ sent: 0, unchanged: 1 });
    expect(props(occtoo)).toContain('Name@en=Shirt v2');
  });

  it('sends the current version again when a newer one was recorded while its page was pushed', async () => {
    const config = testConfig();
    const occtoo = new FakeOcctoo();
    const record = new MemoryRecord();
    const current = shirt({ name: 'Shirt v2', lastUpdate: 2000 });
    const reads: string[][] = [];
    const pages = createPageProcessor({
      config,
      logger: createLogger({ level: 'ERROR', write: () => undefined }),
      bluestone: {
        getProductsByIds: async (ids: string[]) => (reads.push(ids), [current]),
      } as unknown as BluestoneClient,
      occtoo: occtoo.client(),
      record,
    });
    // An incremental sync records v2 after this page looked the record up, before its push ends.
    const lookUp = record.lastSent.bind(record);
    record.lastSent = async (...args) => {
      const found = await lookUp(...args);
      await record.recordSent([{ ...sentV2, recordedAt: undefined }]);
      return found;
    };
    const sentV2 = {
      source: 'products',
      key: 'p1',
      language: 'en',
      kind: 'product' as const,
      bluestoneId: 'p1',
      properties: ['Name@en'],
      hash: 'v2',
      lastUpdate: 2000,
      readAt: 5,
      runId: 'incremental',
    };

    const outcome = await pages.processProducts(
      EN,
      [shirt({ name: 'Shirt v1', lastUpdate: 1000 })],
      undefined,
      {
        readAt: 1,
      },
    );
    expect(reads).toEqual([['p1']]);
    expect(props(occtoo)).toContain('Name@en=Shirt v2');
    expect(record.get('products', 'p1', 'en')).toMatchObject({ lastUpdate: 2000, runId: expect.any(String) });
    expect(outcome.read).toBe(1);
  });

  it('the re-send after a superseded push clears what the older push put back and the current version lacks', async () => {
    const config = testConfig();
    const occtoo = new FakeOcctoo();
    const record = new MemoryRecord();
    const logger = createLogger({ level: 'ERROR', write: () => undefined });
    // Versions 0 and 1 have a description and labels; the publish of version 2 cleared both.
    const v0 = shirt({ name: 'Old shirt', labels: ['sale', 'new'], lastUpdate: 500 });
    const v1 = shirt({ labels: ['sale', 'new'], lastUpdate: 1000 });
    const v2 = shirt({ description: undefined, labels: [], lastUpdate: 2000 });
    const bluestone = { getProductsByIds: async () => [v2] } as unknown as BluestoneClient;
    const fullSync = createPageProcessor({ config, logger, bluestone, occtoo: occtoo.client(), record });
    const incremental = createPageProcessor({ config, logger, bluestone, occtoo: occtoo.client(), record });
    await fullSync.processProducts(EN, [v0], undefined, { readAt: 1, runId: 'first' });

    // The incremental sync sends and records version 2 after the full sync's page (version 1)
    // looked the record up, and before that page's push lands.
    const lookUp = record.lastSent.bind(record);
    let raced = false;
    record.lastSent = async (...args) => {
      const found = await lookUp(...args);
      if (!raced) {
        raced = true;
        await incremental.processProducts(EN, [v2], undefined, { readAt: 3, runId: 'incremental' });
      }
      return found;
    };
    const outcome = await fullSync.processProducts(EN, [v1], undefined, { readAt: 2, runId: 'full' });

    const imports = occtoo.imported('products');
    // Version 0, the incremental sync's version 2, the full sync's version 1, its re-send of version 2.
    expect(imports).toHaveLength(4);
    expect(imports[3].properties).toEqual(
      expect.arrayContaining([
        { id: 'Description', value: null, language: 'en' },
        { id: 'Labels', value: null },
        { id: 'Name', value: 'Shirt', language: 'en' },
      ]),
    );
    expect(props(occtoo)).toEqual([
      'Id=p1',
      'LastUpdate=1970-01-01T00:00:02.000Z',
      'Name@en=Shirt',
      'ProductType=SINGLE',
      'color=red',
      'size=M',
    ]);
    // The record lists exactly what Occtoo holds.
    expect([...record.get('products', 'p1', 'en')!.properties].sort()).toEqual([
      'Id',
      'LastUpdate',
      'Name@en',
      'ProductType',
      'color',
      'size',
    ]);
    expect(outcome).toMatchObject({ read: 1, sent: 2 });
  });

  it('does not send a category read before the version recorded was read', async () => {
    const { occtoo, pages } = setUp();
    await pages.processCategories(EN, [category({ id: 'c1', name: 'New' })], undefined, { readAt: 2000 });
    const older = await pages.processCategories(EN, [category({ id: 'c1', name: 'Old' })], undefined, {
      readAt: 1000,
    });
    expect(older).toMatchObject({ sent: 0, unchanged: 1 });
    expect(props(occtoo, 'c1', 'categories')).toEqual(['Id=c1', 'Name@en=New']);

    await pages.processCategories(EN, [category({ id: 'c1', name: 'Newer' })], undefined, { readAt: 3000 });
    expect(props(occtoo, 'c1', 'categories')).toEqual(['Id=c1', 'Name@en=Newer']);
  });
});

describe('page processor with the record: what is recorded', () => {
  it('records only what Occtoo accepted: an entity set aside goes again next time', async () => {
    const { occtoo, record, pages } = setUp();
    occtoo.refuse.add('p2');
    const first = await pages.processProducts(EN, [shirt(), shirt({ id: 'p2' })], undefined, { readAt: 1 });
    expect(first.setAside.map((s) => s.id)).toEqual(['p2']);
    expect(record.get('products', 'p1', 'en')).toBeDefined();
    expect(record.get('products', 'p2', 'en')).toBeUndefined();

    occtoo.refuse.clear();
    const second = await pages.processProducts(EN, [shirt(), shirt({ id: 'p2' })], undefined, { readAt: 2 });
    expect(second).toMatchObject({ sent: 1, unchanged: 1 });
    expect(occtoo.entity('products', 'p2')).toBeDefined();
  });

  it('reads the record once per page and source, and writes it once per page', async () => {
    const { record, pages } = setUp();
    const page = ['p1', 'p2', 'p3'].map((id) => shirt({ id, media: [asset({ id: `m-${id}` })] }));
    await pages.processProducts(EN, page, undefined, { readAt: 1 });
    expect(record.calls).toMatchObject({ lastSent: 2, recordSent: 1 });
    expect(record.get('media', 'm-p2', 'en')).toMatchObject({ kind: 'media', bluestoneId: 'm-p2' });
    expect(record.get('products', 'p3', 'en')).toMatchObject({
      kind: 'product',
      lastUpdate: 1000,
      readAt: 1,
    });
  });

  it('a deleted product (SYNC_LABELS_EXCLUDE) is forgotten, so it is sent in full when it comes back', async () => {
    const { occtoo, record, pages } = setUp({ SYNC_LABELS_EXCLUDE: 'hidden' });
    await pages.processProducts(EN, [shirt()], undefined, { readAt: 1 });
    await pages.processProducts(EN, [shirt({ labels: ['hidden'] })], undefined, { readAt: 2 });
    expect(occtoo.entity('products', 'p1')).toBeUndefined();
    expect(record.get('products', 'p1', 'en')).toBeUndefined();
    await pages.processProducts(EN, [shirt()], undefined, { readAt: 3 });
    expect(props(occtoo)).toContain('Name@en=Shirt');
  });
});

describe('page processor without a record', () => {
  it('sends everything every time and clears nothing, as before the record', async () => {
    const occtoo = new FakeOcctoo();
    const pages = createPageProcessor({
      config: testConfig(),
      logger: createLogger({ level: 'ERROR', write: () => undefined }),
      bluestone: {} as BluestoneClient,
      occtoo: occtoo.client(),
    });
    await pages.processProducts(EN, [shirt()]);
    const again = await pages.processProducts(EN, [shirt({ description: undefined })]);
    expect(again).toMatchObject({ sent: 1, unchanged: 0 });
    expect(props(occtoo)).toContain('Description@en=A shirt');
  });
});
