import { BluestoneClient } from '../../../src/bluestone/client';
import type { Attribute, Product } from '../../../src/bluestone/types';
import { mapProduct, mediaKeyOf, mediaUniqueIdentifier } from '../../../src/mapping';
import { OcctooClient } from '../../../src/occtoo/client';
import {
  NO_FILTERS,
  decideProduct,
  filterProducts,
  isAttributeSynced,
  withSyncedAttributes,
  type SyncFilters,
} from '../../../src/mapping/filters';
import { createPageProcessor, DEFAULT_PUSH_TUNING } from '../../../src/pipeline/page-processor';
import type { Config } from '../../../src/config';
import { createLogger } from '../../../src/logger';
import { testConfig } from '../../support/config';
import { startSims, type Sims } from '../../support/sims';
import { attribute, category, DEFAULT_PASS, product, settings } from './fixtures';

const filters = (overrides: Partial<SyncFilters> = {}): SyncFilters => ({ ...NO_FILTERS, ...overrides });
const select = (numbers: string[] = [], groups: string[] = []) => ({ numbers, groups });

const colour = attribute({ id: 'a-colour', number: 'color', groupNumber: 'general', values: ['Red'] });
const weight = attribute({
  id: 'a-weight',
  number: 'weight',
  groupNumber: 'logistics',
  unit: 'kg',
  values: ['2'],
});
const ean = attribute({ id: 'a-ean', number: 'ean_code', groupNumber: 'logistics', values: ['ABC-1'] });
const unnumbered = attribute({ id: 'a-nonumber', number: undefined, values: ['x'] });
const ungrouped = attribute({ id: 'a-loose', number: 'loose', values: ['y'] });
const ALL = [colour, weight, ean, unnumbered, ungrouped];

const numbersOf = (attributes: Attribute[]) => attributes.map((a) => a.number ?? a.id);
const kept = (f: SyncFilters) => numbersOf(ALL.filter((a) => isAttributeSynced(a, f)));

describe('sync filters: decisions', () => {
  it('lets everything through unchanged when nothing is configured', () => {
    const p = product({ type: 'BUNDLE', labels: ['NoSync'], attributes: ALL });
    const decision = decideProduct(p, NO_FILTERS);
    expect(decision).toEqual({ action: 'send', product: p });
    // The very same object: no copy, no change for the mapping to notice.
    expect(decision.action === 'send' && decision.product).toBe(p);
    const c = category({ attributes: ALL });
    expect(withSyncedAttributes(c, NO_FILTERS)).toBe(c);
  });

  it('skips products of types missing from SYNC_PRODUCT_TYPES, and only those', () => {
    const f = filters({ productTypes: ['SINGLE', 'GROUP', 'VARIANT'] });
    expect(decideProduct(product({ type: 'BUNDLE' }), f)).toEqual({
      action: 'skip',
      reason: 'its type BUNDLE is not in SYNC_PRODUCT_TYPES',
    });
    for (const type of ['SINGLE', 'GROUP', 'VARIANT'])
      expect(decideProduct(product({ type }), f).action).toBe('send');
    // A type Bluestone might add one day is never silently dropped.
    expect(decideProduct(product({ type: 'KIT' }), filters({ productTypes: ['SINGLE'] })).action).toBe(
      'send',
    );
  });

  it('deletes a product carrying an excluded label, even when its type is excluded too', () => {
    const f = filters({ labelsExclude: ['NoSync', 'discontinued'], productTypes: ['SINGLE'] });
    expect(decideProduct(product({ labels: ['sale', 'discontinued'] }), f)).toEqual({
      action: 'delete',
      reason: 'it carries the label "discontinued" (SYNC_LABELS_EXCLUDE)',
    });
    expect(decideProduct(product({ type: 'BUNDLE', labels: ['NoSync'] }), f).action).toBe('delete');
    // Labels match exactly, as Bluestone stores them.
    expect(decideProduct(product({ labels: ['nosync', 'NoSync-later'] }), f).action).toBe('send');
    expect(decideProduct(product({ labels: [] }), f).action).toBe('send');
  });

  it('excludes attributes by number, by group number, and by id when an attribute has no number', () => {
    expect(kept(filters({ attributesExclude: select(['weight']) }))).toEqual([
      'color',
      'ean_code',
      'a-nonumber',
      'loose',
    ]);
    expect(kept(filters({ attributesExclude: select([], ['logistics']) }))).toEqual([
      'color',
      'a-nonumber',
      'loose',
    ]);
    expect(kept(filters({ attributesExclude: select(['a-nonumber'], ['general']) }))).toEqual([
      'weight',
      'ean_code',
      'loose',
    ]);
    // An attribute is matched by its number, not by its id, when it has a number.
    expect(kept(filters({ attributesExclude: select(['a-weight']) }))).toEqual(numbersOf(ALL));
    // An attribute without a group number is never in a group.
    expect(kept(filters({ attributesExclude: select([], ['']) }))).toEqual(numbersOf(ALL));
  });

  it('keeps only the included attributes, then removes the excluded ones from them', () => {
    expect(kept(filters({ attributesInclude: select(['color', 'loose']) }))).toEqual(['color', 'loose']);
    expect(kept(filters({ attributesInclude: select(['color'], ['logistics']) }))).toEqual([
      'color',
      'weight',
      'ean_code',
    ]);
    // Include first, then exclude: a group included, one of its attributes excluded.
    expect(
      kept(filters({ attributesInclude: select([], ['logistics']), attributesExclude: select(['weight']) })),
    ).toEqual(['ean_code']);
    // Named in both: exclude wins.
    expect(
      kept(filters({ attributesInclude: select(['color']), attributesExclude: select([], ['general']) })),
    ).toEqual([]);
    // An empty include list keeps nothing (unset, it keeps everything).
    expect(kept(filters({ attributesInclude: select() }))).toEqual([]);
  });

  it('strips attributes from a copy of the product and of the category, leaving the originals alone', () => {
    const f = filters({ attributesExclude: select(['weight'], ['general']) });
    const p = product({ attributes: [...ALL] });
    const decision = decideProduct(p, f);
    expect(decision.action).toBe('send');
    const sent = (decision as { product: Product }).product;
    expect(numbersOf(sent.attributes)).toEqual(['ean_code', 'a-nonumber', 'loose']);
    expect(p.attributes).toHaveLength(ALL.length);
    const c = category({ attributes: [...ALL] });
    expect(numbersOf(withSyncedAttributes(c, f).attributes)).toEqual(['ean_code', 'a-nonumber', 'loose']);
    expect(c.attributes).toHaveLength(ALL.length);
  });

  it('removes an excluded attribute with its Key and Unit properties from the mapped product', () => {
    const select1 = attribute({
      id: 'a-sel',
      number: 'color',
      dataType: 'single_select',
      select: [{ id: 'o', number: 'red', value: 'Red' }],
    });
    const p = product({ attributes: [select1, weight, ean] });
    const f = filters({ attributesExclude: select(['color', 'weight']) });
    const before = mapProduct(p, DEFAULT_PASS, settings()).entity!.properties.map((x) => x.id);
    expect(before).toEqual(expect.arrayContaining(['color', 'colorKey', 'weight', 'weightUnit', 'ean_code']));
    const after = mapProduct(withSyncedAttributes(p, f), DEFAULT_PASS, settings()).entity!.properties.map(
      (x) => x.id,
    );
    expect(after).toContain('ean_code');
    for (const gone of ['color', 'colorKey', 'weight', 'weightUnit']) expect(after).not.toContain(gone);
  });

  it('sorts a page into sent, skipped and deleted products, in page order', () => {
    const page = [
      product({ id: 'a', type: 'SINGLE' }),
      product({ id: 'b', type: 'BUNDLE' }),
      product({ id: 'c', type: 'SINGLE', labels: ['NoSync'] }),
      product({ id: 'd', type: 'VARIANT' }),
    ];
    const sorted = filterProducts(
      page,
      filters({ productTypes: ['SINGLE', 'VARIANT'], labelsExclude: ['NoSync'] }),
    );
    expect(sorted.send.map((p) => p.id)).toEqual(['a', 'd']);
    expect(sorted.skipped.map((s) => s.product.id)).toEqual(['b']);
    expect(sorted.deleted.map((s) => s.product.id)).toEqual(['c']);
  });
});

/** The page processor against both simulators over HTTP, without Temporal. */
describe('sync filters: the page processor', () => {
  let sims: Sims;
  afterEach(async () => {
    await sims?.close();
  });

  function processorFor(config: Config) {
    const logger = createLogger({ level: 'WARN' });
    const bluestone = new BluestoneClient({
      baseUrl: config.bluestone.apiUrl,
      apiKey: config.bluestone.apiKey,
    });
    const occtoo = new OcctooClient({
      baseUrl: config.occtoo.ingestUrl,
      dataProviderId: config.occtoo.dataProviderId,
      dataProviderSecret: config.occtoo.dataProviderSecret,
      maxBatchEntities: config.occtoo.batchSize,
    });
    const pages = createPageProcessor(
      { config, logger, bluestone, occtoo },
      { ...DEFAULT_PUSH_TUNING, mediaPollIntervalMs: 10 },
    );
    return { pages, close: () => (bluestone.close(), occtoo.close()) };
  }

  const EN = { context: 'en', language: 'en', isDefault: true };

  it('deletes a labelled product under its number with PRODUCT_KEY=number, and sends no media for it', async () => {
    sims = await startSims({ catalog: { products: 12, seed: 4 } });
    const products = sims.catalog.productsIn('en').map((p) => structuredClone(p) as Product);
    const target = products.find((p) => p.number?.startsWith('P-') && p.media.length > 0)!;
    const base = { ...sims.env, PRODUCT_KEY: 'number' };
    // First without filters, so that Occtoo holds the product.
    const plain = processorFor(testConfig(base));
    await plain.pages.processProducts(EN, products);
    plain.close();
    expect(sims.occtoo.entity('products', target.number!)).toBeDefined();

    target.labels = [...target.labels, 'NoSync'];
    const importsBefore = sims.occtoo.imports.length;
    const filtered = processorFor(testConfig({ ...base, SYNC_LABELS_EXCLUDE: 'NoSync' }));
    const outcome = await filtered.pages.processProducts(EN, products);
    filtered.close();

    expect(sims.occtoo.entity('products', target.number!)).toBeUndefined();
    expect(outcome).toMatchObject({ read: products.length, filtered: 1, deleted: 1 });
    // Every other product was sent again (or set aside: one has no number), the labelled one
    // was deleted rather than sent, and none of its media went out.
    const imported = sims.occtoo.imports.slice(importsBefore);
    const productImports = imported.filter((i) => i.source === 'products');
    expect(productImports.reduce((n, i) => n + i.deletes, 0)).toBe(1);
    expect(outcome.sent + outcome.setAside.length).toBe(products.length - 1);
    const mediaKeys = new Set(imported.filter((i) => i.source === 'media').flatMap((i) => i.keys));
    expect(mediaKeys.size).toBeGreaterThan(0);
    for (const m of target.media) expect(mediaKeys.has(mediaKeyOf(m)!)).toBe(false);
  });

  it('uploads no media of filtered-out products with HANDLE_MEDIA=occtoo', async () => {
    sims = await startSims({ catalog: { products: 12, seed: 4 } });
    const products = sims.catalog.productsIn('en').map((p) => structuredClone(p) as Product);
    const bundles = products.filter((p) => p.type === 'BUNDLE' && p.media.length > 0);
    expect(bundles.length).toBeGreaterThan(0);
    const config = testConfig({
      ...sims.env,
      HANDLE_MEDIA: 'occtoo',
      SYNC_PRODUCT_TYPES: 'SINGLE,GROUP,VARIANT',
    });
    const { pages, close } = processorFor(config);
    const outcome = await pages.processProducts(EN, products);
    close();

    expect(outcome.filtered).toBe(bundles.length);
    expect(outcome.deleted).toBe(0);
    for (const b of bundles) {
      expect(sims.occtoo.entity('products', b.id)).toBeUndefined();
      for (const m of b.media) {
        expect(sims.occtoo.uploadCounts.has(mediaUniqueIdentifier(m))).toBe(false);
        expect(sims.occtoo.entity('media', m.id)).toBeUndefined();
      }
    }
    const sentProduct = products.find((p) => p.type === 'SINGLE' && p.media.length > 0)!;
    expect(sims.occtoo.entity('products', sentProduct.id)).toBeDefined();
    expect(sims.occtoo.uploadCounts.has(mediaUniqueIdentifier(sentProduct.media[0]))).toBe(true);
  });

  it('leaves excluded attributes out of categories', async () => {
    sims = await startSims({ catalog: { products: 6, seed: 4 } });
    const config = testConfig({ ...sims.env, SYNC_ATTRIBUTES_EXCLUDE: 'weight,group:general' });
    const { pages, close } = processorFor(config);
    const c = category({ id: 'cat-1', name: 'Shoes', attributes: [colour, weight, ean] });
    const outcome = await pages.processCategories(EN, [c]);
    close();
    expect(outcome.sent).toBe(1);
    const ids = sims.occtoo.entity('categories', 'cat-1')!.properties.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['Name', 'ean_code']));
    for (const gone of ['color', 'weight', 'weightUnit']) expect(ids).not.toContain(gone);
  });
});
