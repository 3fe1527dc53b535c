import { createHash } from 'node:crypto';
import { mapCategory, mapProduct, PRODUCT_BUILTINS, type MappingSettings } from '../../../src/mapping';
import type { Attribute, ProductRelation } from '../../../src/bluestone/types';
import {
  attribute,
  category,
  DEFAULT_PASS,
  hostileString,
  idsOf,
  occtooProblems,
  product,
  prng,
  settings,
  SWEDISH_PASS,
  valueOf,
} from './fixtures';

const sha = (s: string, n: number) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, n);

// Nothing localized, so that every property of the default pass has no language.
const plain = settings({ localizedProductProperties: [] });

function entityOf(attrs: Attribute[], s: MappingSettings = plain, relations: ProductRelation[] = []) {
  const p = product({ id: 'p1', name: 'Real name', number: 'N-1', attributes: attrs, relations });
  const entity = mapProduct(p, DEFAULT_PASS, s).entity!;
  expect(occtooProblems(entity)).toEqual([]);
  return entity;
}

describe('collisions with built-in properties', () => {
  it.each(['Name', 'Id', 'Number', 'Media', 'Thumbnail', 'Metadata'])(
    'an attribute numbered %s becomes attr-%s; the built-in keeps its value',
    (number) => {
      const entity = entityOf([attribute({ id: 'a', number, values: ['from attribute'] })]);
      expect(valueOf(entity, `attr-${number}`)).toBe('from attribute');
      expect(
        entity.properties.filter((p) => p.id === number).every((p) => p.value !== 'from attribute'),
      ).toBe(true);
    },
  );

  it('the rename does not depend on HANDLE_MEDIA: Media is reserved even when media is ignored', () => {
    const entity = entityOf(
      [attribute({ number: 'Media', values: ['x'] })],
      settings({ handleMedia: 'ignore', localizedProductProperties: [] }),
    );
    expect(idsOf(entity)).toContain('attr-Media');
    expect(idsOf(entity)).not.toContain('Media');
  });

  it('category attributes collide with category built-ins (ParentId, Order)', () => {
    const c = category({
      parentId: 'root',
      order: 0,
      attributes: [
        attribute({ number: 'Order', values: ['attr'] }),
        attribute({ number: 'ParentId', values: ['attr'] }),
      ],
    });
    const entity = mapCategory(c, DEFAULT_PASS, settings()).entity!;
    expect(valueOf(entity, 'Order')).toBe('0');
    expect(valueOf(entity, 'ParentId')).toBe('root');
    expect(valueOf(entity, 'attr-Order')).toBe('attr');
    expect(valueOf(entity, 'attr-ParentId')).toBe('attr');
  });

  it('an attribute numbered like a relation property yields the relation its name', () => {
    const entity = entityOf([attribute({ number: 'relation-similar', values: ['attr'] })], plain, [
      { id: 'r', number: 'similar', productId: 'p2' },
    ]);
    expect(valueOf(entity, 'relation-similar')).toBe('p2');
    expect(valueOf(entity, 'attr-relation-similar')).toBe('attr');
  });
});

describe('collisions between attributes', () => {
  const select = (number: string, id = `sel-${number}`) =>
    attribute({
      id,
      number,
      dataType: 'single_select',
      select: [{ id: 'o', number: 'OPT', value: 'Option' }],
    });

  it('an attribute numbered ColorKey next to select Color: the select keeps ColorKey, the other is renamed', () => {
    for (const attrs of [
      [select('Color'), attribute({ number: 'ColorKey', values: ['plain'] })],
      [attribute({ number: 'ColorKey', values: ['plain'] }), select('Color')],
    ]) {
      const entity = entityOf(attrs);
      expect(valueOf(entity, 'Color')).toBe('Option');
      expect(valueOf(entity, 'ColorKey')).toBe('OPT');
      expect(valueOf(entity, 'attr-ColorKey')).toBe('plain');
    }
  });

  it('a select numbered Name: attr-Name and attr-NameKey; an attribute NameKey keeps its name', () => {
    const entity = entityOf([select('Name'), attribute({ number: 'NameKey', values: ['plain'] })]);
    expect(valueOf(entity, 'attr-Name')).toBe('Option');
    expect(valueOf(entity, 'attr-NameKey')).toBe('OPT');
    expect(valueOf(entity, 'NameKey')).toBe('plain');
  });

  it('a decimal Weight with a unit next to an attribute numbered WeightUnit', () => {
    const entity = entityOf([
      attribute({ number: 'WeightUnit', values: ['plain'] }),
      attribute({ number: 'Weight', dataType: 'decimal', values: ['1.5'], unit: 'kg' }),
    ]);
    expect(valueOf(entity, 'WeightUnit')).toBe('kg');
    expect(valueOf(entity, 'attr-WeightUnit')).toBe('plain');
  });

  it.each([
    ['a.b', 'a/b'],
    ['a b', 'a_b'],
    ['Größe', 'Grösse'],
    ['n'.repeat(300), `${'n'.repeat(299)}m`],
    ['a.b', `a_b-${sha('a.b', 8)}`],
  ])('%s and %s stay two properties with their own values', (first, second) => {
    const entity = entityOf([
      attribute({ id: 'one', number: first, values: ['first'] }),
      attribute({ id: 'two', number: second, values: ['second'] }),
    ]);
    const ids = entity.properties.filter((p) => p.value === 'first' || p.value === 'second').map((p) => p.id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });

  it('two attributes wanting the very same id: the first by attribute id keeps it, the other gets a 16-hex hash', () => {
    const attrs = [
      attribute({ id: 'zzz', number: undefined, values: ['by id'] }),
      attribute({ id: 'aaa', number: 'zzz', values: ['by number'] }),
    ];
    for (const order of [attrs, [...attrs].reverse()]) {
      const entity = entityOf(order);
      expect(valueOf(entity, 'zzz')).toBe('by number');
      expect(valueOf(entity, `zzz-${sha('attribute:zzz', 16)}`)).toBe('by id');
    }
  });

  it('a literal attr-NameKey next to select Name is renamed once more', () => {
    const entity = entityOf([select('Name'), attribute({ number: 'attr-NameKey', values: ['literal'] })]);
    expect(valueOf(entity, 'attr-NameKey')).toBe('OPT');
    expect(valueOf(entity, 'attr-attr-NameKey')).toBe('literal');
  });

  it('contrived chains the rename rules cannot untangle fall back to a 16-hex hash of the source', () => {
    // ColorKey (a select) yields to Color's Key and becomes attr-ColorKey, whose own Key
    // (attr-ColorKeyKey) is what the renamed plain ColorKeyKey already took.
    const entity = entityOf([
      select('Color'),
      attribute({
        id: 'ck',
        number: 'ColorKey',
        dataType: 'single_select',
        select: [{ id: 'o', number: 'CK' }],
      }),
      attribute({ id: 'ckk', number: 'ColorKeyKey', values: ['plain'] }),
    ]);
    expect(valueOf(entity, 'ColorKey')).toBe('OPT');
    expect(valueOf(entity, 'attr-ColorKeyKey')).toBe('plain');
    expect(valueOf(entity, `attr-ColorKeyKey-${sha('attribute:ck:Key', 16)}`)).toBe('CK');
  });

  it('the same attribute twice (bad data) is still sent twice under distinct ids', () => {
    const a = attribute({ id: 'dup', number: 'Dup', values: ['v'] });
    const entity = entityOf([a, { ...a, values: ['w'] }]);
    expect(entity.properties.filter((p) => p.value === 'v' || p.value === 'w')).toHaveLength(2);
  });

  it('ids do not depend on the order Bluestone lists attributes in', () => {
    const attrs = [
      select('Color'),
      attribute({ id: 'x1', number: 'ColorKey', values: ['1'] }),
      attribute({ id: 'x2', number: 'Name', values: ['2'] }),
      attribute({ id: 'x3', number: 'a.b', values: ['3'] }),
      attribute({ id: 'x4', number: 'a/b', values: ['4'] }),
      attribute({ id: 'x5', number: undefined, values: ['5'] }),
      attribute({ id: 'x6', number: 'x5', values: ['6'] }),
    ];
    const byValue = (attrsInOrder: Attribute[]) =>
      Object.fromEntries(entityOf(attrsInOrder).properties.map((p) => [p.value, p.id]));
    expect(byValue([...attrs].reverse())).toEqual(byValue(attrs));
  });
});

describe('property-based: random hostile products', () => {
  const TYPES = ['text', 'single_select', 'multi_select', 'dictionary', 'decimal', 'column', 'mystery'];

  it('every entity is sendable, in every pass, and no attribute value is lost', () => {
    const random = prng(2024);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    for (let run = 0; run < 300; run++) {
      const attributes: Attribute[] = [];
      const expected: string[] = [];
      const n = Math.floor(random() * 12);
      for (let i = 0; i < n; i++) {
        const value = `v${run}-${i}`;
        expected.push(value);
        const dataType = pick(TYPES);
        const number =
          random() < 0.3
            ? pick([...PRODUCT_BUILTINS, 'relation-r', 'ColorKey', 'attr-x'])
            : hostileString(random);
        const a = attribute({
          id: random() < 0.2 ? 'same' : `a${i}${hostileString(random, 2)}`,
          number,
          dataType,
        });
        if (dataType.includes('select')) a.select = [{ id: 'o', number: hostileString(random), value }];
        else if (dataType === 'dictionary') a.dictionary = [{ id: 'd', value }];
        else if (dataType === 'column') a.column = [{ id: 'c', value }];
        else a.values = [value];
        if (random() < 0.3) a.unit = 'kg';
        attributes.push(a);
      }
      const relations = Array.from({ length: Math.floor(random() * 3) }, (_, i) => ({
        id: `r${i}`,
        number: random() < 0.5 ? 'r' : hostileString(random),
        productId: hostileString(random) || 'p',
      }));
      const localized = attributes.filter(() => random() < 0.4).map((a) => a.number ?? a.id);
      const s = settings({ localizedProductProperties: ['Name', ...localized] });
      const p = product({ id: `k${hostileString(random)}`, name: 'n', attributes, relations });

      const defaultEntity = mapProduct(p, DEFAULT_PASS, s).entity!;
      expect(occtooProblems(defaultEntity)).toEqual([]);
      const found = defaultEntity.properties.map((x) => x.value ?? '');
      for (const value of expected) {
        // Column values arrive inside JSON; everything else as the value itself.
        expect(found.filter((f) => f === value || f.includes(`"${value}"`))).toHaveLength(1);
      }
      const extra = mapProduct(p, SWEDISH_PASS, s).entity;
      if (extra) {
        expect(occtooProblems(extra)).toEqual([]);
        expect(extra.properties.every((x) => x.language === 'sv')).toBe(true);
        // Every id of the additional pass is the id the same property has in the default pass.
        const defaultIds = new Set(defaultEntity.properties.map((x) => x.id));
        expect(extra.properties.filter((x) => !defaultIds.has(x.id))).toEqual([]);
      }
    }
  });
});
