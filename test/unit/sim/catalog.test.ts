import { OCCTOO_ID_PATTERN } from '../../../src/occtoo/types';
import {
  DEFAULT_CONTEXTS,
  HOSTILE_KINDS,
  generateCatalog,
  localize,
  toPapiJson,
} from '../../../src/sim/catalog';

const DOCUMENTED_TYPES = [
  'boolean',
  'integer',
  'decimal',
  'date',
  'date_time',
  'time',
  'text',
  'multiline',
  'pattern',
  'formatted_text',
  'single_select',
  'multi_select',
  'dictionary',
  'column',
  'matrix',
];

describe('generateCatalog', () => {
  const catalog = generateCatalog({ seed: 42, products: 40 });
  const en = catalog.productsIn('en');

  it('is deterministic for a seed and differs between seeds', () => {
    const again = generateCatalog({ seed: 42, products: 40 });
    expect(JSON.stringify(again.productsIn('l3471'))).toBe(JSON.stringify(catalog.productsIn('l3471')));
    expect(JSON.stringify(again.categoriesIn('en'))).toBe(JSON.stringify(catalog.categoriesIn('en')));
    const other = generateCatalog({ seed: 43, products: 40 });
    expect(other.productIds()).not.toEqual(catalog.productIds());
  });

  it('has the requested number of products, the same ids in every context, and the default contexts', () => {
    expect(catalog.contexts).toEqual(DEFAULT_CONTEXTS);
    expect(en).toHaveLength(40);
    expect(new Set(catalog.productIds()).size).toBe(40);
    for (const c of catalog.contexts) expect(catalog.productIds(c.context)).toEqual(catalog.productIds('en'));
  });

  it('covers every product type with consistent variant and bundle links', () => {
    const types = new Set(en.map((p) => p.type));
    expect([...types].sort()).toEqual(['BUNDLE', 'GROUP', 'SINGLE', 'VARIANT']);
    const ids = new Set(catalog.productIds());
    for (const group of en.filter((p) => p.type === 'GROUP')) {
      expect(group.variants.length).toBeGreaterThanOrEqual(2);
      for (const v of group.variants) expect(catalog.product(v, 'en')?.variantParentId).toBe(group.id);
    }
    for (const bundle of en.filter((p) => p.type === 'BUNDLE')) {
      expect(bundle.bundles.length).toBeGreaterThan(0);
      for (const item of bundle.bundles) {
        expect(ids.has(item.productId)).toBe(true);
        expect(item.quantity).toBeGreaterThan(0);
      }
    }
    const withRelations = en.filter((p) => p.relations.length > 0);
    expect(withRelations.length).toBeGreaterThan(0);
    for (const r of withRelations.flatMap((p) => p.relations)) {
      expect(ids.has(r.productId)).toBe(true);
      expect(['ONE_WAY', 'TWO_WAY']).toContain(r.direction);
    }
  });

  it('covers every documented attribute data type, compound and an unknown one, with §8.3 shapes', () => {
    const attrs = en.flatMap((p) => p.attributes);
    const types = new Set(attrs.map((a) => a.dataType));
    for (const t of DOCUMENTED_TYPES) expect(types).toContain(t);
    expect(types).toContain('duration');
    expect(attrs.some((a) => a.dataType === 'text' && a.isCompound)).toBe(true);
    const byType = (t: string) => attrs.find((a) => a.dataType === t)!;
    expect(byType('single_select').select).toHaveLength(1);
    expect(byType('single_select').values).toEqual([byType('single_select').select[0].value]);
    expect(byType('dictionary').dictionary.length).toBeGreaterThan(0);
    expect(byType('dictionary').values).toEqual([]);
    expect(byType('decimal').unit).toBe('kg');
    expect(byType('date_time').values[0]).toMatch(/^\d{4}-\d\d-\d\d \d{1,2}:\d\d:\d\d$/);
    expect(byType('matrix').matrix[0].rows.length).toBeGreaterThan(0);
    expect(attrs.filter((a) => a.dataType === 'formatted_text').map((a) => a.contentType)).toEqual(
      expect.arrayContaining(['text/markdown', 'text/html']),
    );
    const definitions = catalog.attributesIn('en');
    expect(new Set(definitions.map((d) => d.groupName)).size).toBeGreaterThan(1);
  });

  it('localizes texts per context while ids, numbers and types stay identical', () => {
    const [first] = en;
    const sv = catalog.product(first.id, 'l3471')!;
    const de = catalog.product(first.id, 'l3472')!;
    expect(new Set([first.name, sv.name, de.name]).size).toBe(3);
    expect(sv.description).not.toBe(first.description);
    expect([sv.number, sv.type, de.number]).toEqual([first.number, first.type, first.number]);
    const title = (p: typeof first) => p.attributes.find((a) => a.number === 'title_text')?.values[0];
    expect(title(sv)).not.toBe(title(first));
    const cat = catalog.categoriesIn('en')[0];
    expect(catalog.category(cat.id, 'l3472')!.name).not.toBe(cat.name);
    expect(localize('Blue Shirt', { context: 'l1', contextName: 'Swedish' }, false)).toBe('Blå Skjorta');
    expect(localize('Blue Shirt', { context: 'l9', contextName: 'Klingon' }, false)).toBe(
      'Blue Shirt [Klingon]',
    );
  });

  it('gives media PAPI fields, with previewUri = downloadUri + ?f=jpg&w=400', () => {
    const media = en.flatMap((p) => p.media);
    expect(media.length).toBeGreaterThan(0);
    for (const m of media) {
      expect(m.previewUri).toBe(`${m.downloadUri}?f=jpg&w=400`);
      expect(['image/jpeg', 'image/png']).toContain(m.contentType);
      expect(catalog.mediaContentType(m.id)).toBe(m.contentType);
    }
    expect(media.some((m) => m.labels.includes('Main'))).toBe(true);
    expect(media.some((m) => m.attributes.length > 0)).toBe(true);
    catalog.rebaseMedia('http://127.0.0.1:1/media');
    expect(catalog.productsIn('l3472')[0].media[0].downloadUri).toMatch(/^http:\/\/127\.0\.0\.1:1\/media\//);
  });

  it('plants every hostile case, and each one really is hostile', () => {
    expect(new Set(catalog.hostile.map((h) => h.kind))).toEqual(new Set(HOSTILE_KINDS));
    const product = (kind: string) =>
      catalog.product(catalog.hostile.find((h) => h.kind === kind)!.id, 'en')!;
    expect(product('product-number-with-space').number).toContain(' ');
    expect(product('product-number-with-dot').number).toContain('.');
    expect(product('product-number-with-slash').number).toContain('/');
    expect(product('product-number-non-ascii').number).toMatch(/[^ -~]/);
    expect(product('product-without-number').number).toBeUndefined();
    expect(product('product-without-description').description).toBeUndefined();
    expect(product('product-with-long-description').description!.length).toBeGreaterThan(20_000);
    expect(product('product-with-unknown-fields')).toHaveProperty('futureField');
    const bare = toPapiJson(product('product-with-omitted-arrays'));
    for (const key of ['attributes', 'media', 'labels', 'categories']) expect(bare).not.toHaveProperty(key);

    const numbers = catalog.attributesIn('en').map((a) => a.number);
    expect(numbers).toEqual(expect.arrayContaining(['Größe', 'ÅÄÖ', 'Name', 'a.b', 'a/b']));
    expect(numbers).toContain(undefined);
    const sink = catalog.product(
      catalog.hostile.find((h) => h.kind === 'attribute-value-not-a-string')!.productId!,
      'en',
    )!;
    const stock = sink.attributes.find((a) => a.number === 'stock_level')!;
    expect(typeof stock.values[0]).toBe('number');
    const seasonal = (ctx: string) =>
      catalog.product(sink.id, ctx)!.attributes.find((a) => a.number === 'seasonal_note');
    expect(seasonal('en')!.values.length).toBe(1);
    expect(seasonal('l3471')!.values).toEqual([]);
  });

  it('plants nothing hostile when hostile is off', () => {
    const tame = generateCatalog({ seed: 42, products: 40, hostile: false });
    expect(tame.hostile).toEqual([]);
    for (const p of tame.productsIn('en')) expect(p.number).toMatch(OCCTOO_ID_PATTERN);
    for (const a of tame.attributesIn('en')) expect(a.number).toMatch(OCCTOO_ID_PATTERN);
  });

  it('builds a category tree: catalogs as roots, children ordered, products in leaves', () => {
    const small = generateCatalog({
      seed: 5,
      products: 10,
      catalogs: 2,
      categoryDepth: 2,
      categoriesPerLevel: 2,
    });
    expect(small.rootCategories('en')).toHaveLength(2);
    expect(small.categoriesIn('en')).toHaveLength(2 * (1 + 2 + 4));
    const root = small.rootCategories('en')[0];
    expect(small.subtree(root.id, 'en')).toHaveLength(7);
    const leaf = small.subtree(root.id, 'en')[2];
    expect(small.ancestors(leaf.id, 'en').map((c) => c.id)[0]).toBe(root.id);
    const leafIds = new Set(
      small
        .categoriesIn('en')
        .filter((c) => small.childCategories(c.id, 'en').length === 0)
        .map((c) => c.id),
    );
    for (const p of small.productsIn('en')) for (const c of p.categories) expect(leafIds.has(c)).toBe(true);
  });

  it('toPapiJson omits empty arrays and undefined fields, recursively', () => {
    expect(toPapiJson({ a: [], b: undefined, c: [{ d: [], e: 1 }], f: null })).toEqual({
      c: [{ e: 1 }],
      f: null,
    });
  });
});
