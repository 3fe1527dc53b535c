import {
  deleteEntity,
  mapProduct,
  productKeyOf,
  relatedProductIdsOf,
  sanitizeKey,
  type MappingSettings,
} from '../../../src/mapping';
import { PRODUCT_TYPES, type Product, type ProductRelation } from '../../../src/bluestone/types';
import { OCCTOO_MAX_ENTITY_BYTES } from '../../../src/occtoo/types';
import { attribute, DEFAULT_PASS, idsOf, occtooProblems, product, settings, valueOf } from './fixtures';

const LAST_UPDATE = Date.UTC(2025, 2, 4, 5, 6, 7, 890);
const CREATE_DATE = Date.UTC(2021, 11, 31, 23, 59, 59, 1);

function full(overrides: Partial<Product> = {}): Product {
  return product({
    id: 'prod-1',
    type: 'GROUP',
    name: 'Trail shoe',
    number: 'SKU-100',
    description: 'A shoe for trails',
    labels: ['new', 'sale'],
    categories: ['cat-1', 'cat-2'],
    variants: ['var-1', 'var-2'],
    bundles: [
      { productId: 'b-1', quantity: 2 },
      { productId: 'b-2', quantity: 1 },
    ],
    metadata: [
      { id: 'source', value: 'erp' },
      { id: 'weight', value: 12.5 },
      { id: 'flags', value: { a: true } },
      { id: 'none', value: null },
    ],
    lastUpdate: LAST_UPDATE,
    createDate: CREATE_DATE,
    ...overrides,
  });
}

function mapOk(p: Product, s: MappingSettings = settings(), extra = {}) {
  const result = mapProduct(p, DEFAULT_PASS, s, extra);
  expect(result.setAside).toBeUndefined();
  expect(occtooProblems(result.entity!)).toEqual([]);
  return result;
}

describe('product built-in properties', () => {
  it('maps every built-in field, lists joined by the one separator, dates in ISO 8601 UTC', () => {
    const { entity } = mapOk(full());
    expect(entity!.key).toBe('prod-1');
    expect(entity!.properties).toEqual([
      { id: 'Id', value: 'prod-1' },
      { id: 'ProductType', value: 'GROUP' },
      { id: 'Name', value: 'Trail shoe', language: 'en' },
      { id: 'Number', value: 'SKU-100' },
      { id: 'Description', value: 'A shoe for trails', language: 'en' },
      { id: 'Labels', value: 'new|sale' },
      { id: 'Categories', value: 'cat-1|cat-2' },
      { id: 'Variants', value: 'var-1|var-2' },
      { id: 'BundleProductIds', value: 'b-1|b-2' },
      { id: 'BundleQuantities', value: '2|1' },
      { id: 'Metadata', value: 'source=erp|weight=12.5|flags={"a":true}|none=null' },
      { id: 'LastUpdate', value: '2025-03-04T05:06:07.890Z' },
      { id: 'CreateDate', value: '2021-12-31T23:59:59.001Z' },
    ]);
  });

  it('uses a configured separator everywhere', () => {
    const { entity } = mapOk(full(), settings({ multiValueSeparator: ' ; ' }));
    expect(valueOf(entity, 'Labels')).toBe('new ; sale');
    expect(valueOf(entity, 'BundleQuantities')).toBe('2 ; 1');
    expect(valueOf(entity, 'Metadata')).toContain('source=erp ; weight=12.5');
  });

  it.each(PRODUCT_TYPES)('maps a %s product with its type', (type) => {
    const extra: Partial<Product> =
      type === 'VARIANT'
        ? { variantParentId: 'group-9' }
        : type === 'GROUP'
          ? { variants: ['v1'] }
          : type === 'BUNDLE'
            ? { bundles: [{ productId: 'x', quantity: 3 }] }
            : {};
    const { entity } = mapOk(product({ id: `id-${type}`, type, ...extra }));
    expect(valueOf(entity, 'ProductType')).toBe(type);
    if (type === 'VARIANT') expect(valueOf(entity, 'VariantParentId')).toBe('group-9');
    if (type === 'GROUP') expect(valueOf(entity, 'Variants')).toBe('v1');
    if (type === 'BUNDLE') expect(valueOf(entity, 'BundleQuantities')).toBe('3');
  });

  it('passes an unknown product type through', () => {
    expect(valueOf(mapOk(product({ type: 'KIT' })).entity, 'ProductType')).toBe('KIT');
  });

  it('omits every missing value and empty list (no nulls, no empty strings)', () => {
    const { entity } = mapOk(product({ id: 'bare', description: '' }));
    expect(entity!.properties).toEqual([
      { id: 'Id', value: 'bare' },
      { id: 'ProductType', value: 'SINGLE' },
    ]);
  });

  it('keeps bundle quantities aligned with bundle ids when one is missing', () => {
    const { entity } = mapOk(
      product({
        bundles: [{ productId: 'a', quantity: 2 }, { productId: 'b' }, { productId: 'c', quantity: 0 }],
      }),
    );
    expect(valueOf(entity, 'BundleProductIds')).toBe('a|b|c');
    expect(valueOf(entity, 'BundleQuantities')).toBe('2||0');
  });

  it('leaves out an impossible date rather than failing', () => {
    const { entity } = mapOk(product({ lastUpdate: Number.NaN, createDate: 1e20 }));
    expect(idsOf(entity)).not.toContain('LastUpdate');
    expect(idsOf(entity)).not.toContain('CreateDate');
  });
});

describe('product keys', () => {
  it('keys by the Bluestone id by default, sanitizing a hostile one', () => {
    expect(productKeyOf(product({ id: 'abc' }), settings())).toBe('abc');
    const { entity } = mapOk(product({ id: 'id with spaces' }));
    expect(entity!.key).toBe(sanitizeKey('id with spaces'));
    expect(valueOf(entity, 'Id')).toBe('id with spaces');
  });

  it('keys by the sanitized number in number mode', () => {
    const s = settings({ productKey: 'number' });
    expect(mapOk(product({ number: 'SKU-1' }), s).entity!.key).toBe('SKU-1');
    const hostile = mapOk(product({ number: 'SKU 1/2 ö' }), s).entity!.key;
    expect(hostile).toBe(sanitizeKey('SKU 1/2 ö'));
    expect(hostile).toMatch(/^SKU_1_2_o-[0-9a-f]{8}$/);
  });

  it.each([undefined, '', '   '])(
    'sets aside a product without a number (%p) in number mode, with a reason',
    (number) => {
      const result = mapProduct(
        product({ id: 'p-9', number }),
        DEFAULT_PASS,
        settings({ productKey: 'number' }),
      );
      expect(result.entity).toBeUndefined();
      expect(result.setAside).toEqual({ id: 'p-9', reason: expect.stringContaining('no number') });
    },
  );

  it('sets aside a product with an empty id in id mode', () => {
    const result = mapProduct(product({ id: '' }), DEFAULT_PASS, settings());
    expect(result.entity).toBeUndefined();
    expect(result.setAside?.reason).toContain('empty id');
  });

  it('sets aside a product whose entity would exceed 1 MB, naming the culprit', () => {
    const huge = 'x'.repeat(OCCTOO_MAX_ENTITY_BYTES);
    const result = mapProduct(
      product({ id: 'big', attributes: [attribute({ number: 'LongText', values: [huge] })] }),
      DEFAULT_PASS,
      settings(),
    );
    expect(result.entity).toBeUndefined();
    expect(result.setAside).toEqual({ id: 'big', key: 'big', reason: expect.stringContaining('LongText') });
  });

  it('deleteEntity builds a delete with a sanitized key and refuses an empty one', () => {
    expect(deleteEntity('p-1')).toEqual({ key: 'p-1', delete: true, properties: [] });
    expect(deleteEntity('a.b').key).toBe(sanitizeKey('a.b'));
    expect(deleteEntity(sanitizeKey('a.b')).key).toBe(sanitizeKey('a.b'));
    expect(() => deleteEntity('')).toThrow(/non-empty key/);
  });
});

describe('relations', () => {
  const rel = (id: string, number: string | undefined, productId: string): ProductRelation => ({
    id,
    number,
    name: `Name of ${id}`,
    productId,
  });
  const relations = [
    rel('def-acc', 'accessories', 'p-2'),
    rel('def-sim', 'similar', 'p-3'),
    rel('def-acc', 'accessories', 'p-4'),
    rel('def-noNumber', undefined, 'p-5'),
  ];

  it('id mode: one property per relation definition, related ids in order', () => {
    const { entity, warnings } = mapOk(product({ relations }));
    expect(valueOf(entity, 'relation-accessories')).toBe('p-2|p-4');
    expect(valueOf(entity, 'relation-similar')).toBe('p-3');
    expect(valueOf(entity, 'relation-def-noNumber')).toBe('p-5');
    expect(warnings).toEqual([]);
  });

  it('id mode: related ids are sanitized exactly like that product’s own key', () => {
    const { entity } = mapOk(product({ relations: [rel('d', 'parts', 'odd id.1')] }));
    expect(valueOf(entity, 'relation-parts')).toBe(productKeyOf(product({ id: 'odd id.1' }), settings()));
  });

  it('number mode: uses the resolved keys, leaves out and reports the unresolved ones', () => {
    const relatedKeys = new Map([
      ['p-2', 'SKU-2'],
      ['p-4', 'SKU-4'],
      ['p-5', 'SKU 5'],
    ]);
    const { entity, warnings } = mapOk(
      product({ number: 'SKU-1', relations }),
      settings({ productKey: 'number' }),
      {
        relatedKeys,
      },
    );
    expect(valueOf(entity, 'relation-accessories')).toBe('SKU-2|SKU-4');
    expect(idsOf(entity)).not.toContain('relation-similar');
    expect(valueOf(entity, 'relation-def-noNumber')).toBe(sanitizeKey('SKU 5'));
    expect(warnings).toEqual([expect.stringMatching(/"p-3".*relation-similar/)]);
  });

  it('relatedProductIdsOf lists what to resolve, each once', () => {
    expect(relatedProductIdsOf(product({ relations: [...relations, rel('x', 'y', 'p-2')] }))).toEqual([
      'p-2',
      'p-3',
      'p-4',
      'p-5',
    ]);
  });

  it('sanitizes a hostile relation number', () => {
    const { entity } = mapOk(
      product({ relations: [rel('d1', 'spare parts', 'p-9'), rel('d2', 'spare.parts', 'p-8')] }),
    );
    const ids = idsOf(entity).filter((id) => id.startsWith('relation-'));
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    expect(entity!.properties.filter((p) => p.id.startsWith('relation-')).map((p) => p.value)).toEqual([
      'p-9',
      'p-8',
    ]);
  });
});

describe('determinism', () => {
  it('maps the same input to an identical output, every time', () => {
    const p = full({
      attributes: [
        attribute({ number: 'Größe', values: ['L'] }),
        attribute({ number: 'Name', values: ['n'] }),
      ],
      relations: [{ id: 'r', number: 'x y', productId: 'q' }],
    });
    const first = JSON.stringify(mapProduct(p, DEFAULT_PASS, settings()));
    for (let i = 0; i < 5; i++) {
      expect(JSON.stringify(mapProduct(structuredClone(p), DEFAULT_PASS, settings()))).toBe(first);
    }
  });

  it('does not change its input', () => {
    const p = full({ attributes: [attribute({ number: 'a.b', values: ['1'] })] });
    const before = structuredClone(p);
    mapProduct(p, DEFAULT_PASS, settings());
    expect(p).toEqual(before);
  });
});
