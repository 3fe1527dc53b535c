import { mapProduct } from '../../../src/mapping';
import type { Attribute } from '../../../src/bluestone/types';
import { attribute, DEFAULT_PASS, idsOf, occtooProblems, product, settings, valueOf } from './fixtures';

/** Maps one product carrying `attrs` in the default pass and returns its entity. */
function mapped(attrs: Attribute[], separator = '|') {
  const result = mapProduct(
    product({ attributes: attrs }),
    DEFAULT_PASS,
    settings({ multiValueSeparator: separator }),
  );
  expect(result.entity).toBeDefined();
  expect(occtooProblems(result.entity!)).toEqual([]);
  return result.entity!;
}

describe('attribute data types', () => {
  it.each([
    ['boolean', ['true']],
    ['integer', ['42']],
    ['date', ['2020-01-01']],
    ['date_time', ['2020-01-01 9:00:00']],
    ['time', ['11:05:31']],
    ['text', ['plain text']],
    ['multiline', ['line one\nline two']],
    ['pattern', ['ABC-123']],
    ['formatted_text', ['# Title\n\n*bold*']],
  ])('%s: the values, joined, under the attribute number', (dataType, values) => {
    const entity = mapped([attribute({ number: 'A1', dataType, values })]);
    expect(valueOf(entity, 'A1')).toBe(values.join('|'));
    expect(idsOf(entity)).not.toContain('A1Key');
  });

  it('joins several values with the configured separator, the same everywhere', () => {
    const entity = mapped([attribute({ number: 'Tags', values: ['a', 'b', 'c'] })], ';');
    expect(valueOf(entity, 'Tags')).toBe('a;b;c');
  });

  it('compound text: the values as they are', () => {
    const entity = mapped([
      attribute({ number: 'Cmp', dataType: 'text', isCompound: true, values: ['42 Example text'] }),
    ]);
    expect(valueOf(entity, 'Cmp')).toBe('42 Example text');
  });

  it('decimal: the value alone, and its unit in {number}Unit', () => {
    const entity = mapped([
      attribute({ number: 'Weight', dataType: 'decimal', values: ['198233.6875'], unit: 'kg' }),
      attribute({ number: 'Ratio', dataType: 'decimal', values: ['0.5'], unit: null }),
    ]);
    expect(valueOf(entity, 'Weight')).toBe('198233.6875');
    expect(valueOf(entity, 'WeightUnit')).toBe('kg');
    expect(valueOf(entity, 'Ratio')).toBe('0.5');
    expect(idsOf(entity)).not.toContain('RatioUnit');
  });

  it('a unit without a value is not sent on its own', () => {
    const entity = mapped([attribute({ number: 'Weight', dataType: 'decimal', values: [], unit: 'kg' })]);
    expect(idsOf(entity)).not.toContain('Weight');
    expect(idsOf(entity)).not.toContain('WeightUnit');
  });

  it('single_select: display value, and the option number in {number}Key', () => {
    const entity = mapped([
      attribute({
        number: 'Color',
        dataType: 'single_select',
        values: ['Red'],
        select: [{ id: 'opt-1', number: 'RED', value: 'Red', metadata: '#ff0000' }],
      }),
    ]);
    expect(valueOf(entity, 'Color')).toBe('Red');
    expect(valueOf(entity, 'ColorKey')).toBe('RED');
  });

  it('multi_select: all display values and all option numbers, in order; option id when a number is missing', () => {
    const entity = mapped([
      attribute({
        number: 'Sizes',
        dataType: 'multi_select',
        values: ['Small', 'Large'],
        select: [
          { id: 'o-s', number: 'S', value: 'Small' },
          { id: 'o-m', value: 'Medium' },
          { id: 'o-l', number: 'L', value: 'Large' },
        ],
      }),
    ]);
    expect(valueOf(entity, 'Sizes')).toBe('Small|Medium|Large');
    expect(valueOf(entity, 'SizesKey')).toBe('S|o-m|L');
  });

  it('select without option values falls back to `values`', () => {
    const entity = mapped([
      attribute({
        number: 'Fit',
        dataType: 'single_select',
        values: ['Slim'],
        select: [{ id: 'o1', number: 'SLIM' }],
      }),
    ]);
    expect(valueOf(entity, 'Fit')).toBe('Slim');
    expect(valueOf(entity, 'FitKey')).toBe('SLIM');
  });

  it('select with only `values` (no options): the value, no Key', () => {
    const entity = mapped([attribute({ number: 'Fit', dataType: 'multi_select', values: ['Slim', 'Wide'] })]);
    expect(valueOf(entity, 'Fit')).toBe('Slim|Wide');
    expect(idsOf(entity)).not.toContain('FitKey');
  });

  it('dictionary: entry values, and entry numbers in {number}Key', () => {
    const entity = mapped([
      attribute({
        number: 'Care',
        dataType: 'dictionary',
        values: [],
        dictionary: [
          { id: 'd1', number: 'WASH40', value: 'Wash at 40' },
          { id: 'd2', value: 'Do not tumble dry' },
        ],
      }),
    ]);
    expect(valueOf(entity, 'Care')).toBe('Wash at 40|Do not tumble dry');
    expect(valueOf(entity, 'CareKey')).toBe('WASH40|d2');
  });

  it('column and matrix: compact JSON of the structure', () => {
    const column = [
      { id: 'c1', name: 'Width', value: '10' },
      { id: 'c2', name: 'Height', value: '20' },
    ];
    const matrix = [{ id: 'r1', name: 'Row 1', rows: [{ id: 'x', name: 'X', value: '1' }] }];
    const entity = mapped([
      attribute({ number: 'Dims', dataType: 'column', column }),
      attribute({ number: 'Grid', dataType: 'matrix', matrix }),
    ]);
    expect(valueOf(entity, 'Dims')).toBe(JSON.stringify(column));
    expect(JSON.parse(valueOf(entity, 'Dims') as string)).toEqual(column);
    expect(valueOf(entity, 'Dims')).not.toContain('\n');
    expect(JSON.parse(valueOf(entity, 'Grid') as string)).toEqual(matrix);
  });

  it('an unknown data type is never dropped: its values, else its structured data', () => {
    const entity = mapped([
      attribute({ number: 'Dur', dataType: 'duration', values: ['PT5M'] }),
      attribute({
        number: 'NewSel',
        dataType: 'fancy_select',
        select: [{ id: 'o', number: 'N', value: 'Fancy' }],
      }),
      attribute({ number: 'NoType', dataType: undefined, values: ['v'] }),
      attribute({ number: 'NewCol', dataType: 'fancy_table', column: [{ id: 'c', value: '1' }] }),
    ]);
    expect(valueOf(entity, 'Dur')).toBe('PT5M');
    expect(valueOf(entity, 'NewSel')).toBe('Fancy');
    expect(valueOf(entity, 'NoType')).toBe('v');
    expect(JSON.parse(valueOf(entity, 'NewCol') as string)).toEqual([{ id: 'c', value: '1' }]);
  });

  it('an attribute with no values at all in this context is left out', () => {
    const entity = mapped([
      attribute({ number: 'Empty', values: [] }),
      attribute({ number: 'EmptySel', dataType: 'single_select', values: [], select: [] }),
      attribute({ number: 'EmptyCol', dataType: 'column', column: [] }),
      attribute({ number: 'Blank', values: [''] }),
      attribute({ number: 'Kept', values: ['x'] }),
    ]);
    expect(idsOf(entity).filter((id) => /Empty|Blank|Kept/.test(id))).toEqual(['Kept']);
  });

  it('uses the attribute id when the attribute has no number', () => {
    const entity = mapped([attribute({ id: 'a8f3-11', number: undefined, values: ['x'] })]);
    expect(valueOf(entity, 'a8f3-11')).toBe('x');
  });

  it('sanitizes a hostile attribute number into a valid, distinct id', () => {
    const entity = mapped([
      attribute({ id: '1', number: 'a.b', values: ['dot'] }),
      attribute({ id: '2', number: 'a/b', values: ['slash'] }),
      attribute({ id: '3', number: 'Größe', values: ['g1'] }),
      attribute({ id: '4', number: 'Grösse', values: ['g2'] }),
      attribute({ id: '5', number: 'n'.repeat(300), values: ['long'] }),
    ]);
    const attributeIds = entity.properties
      .filter((p) => p.id !== 'Id' && p.id !== 'ProductType')
      .map((p) => p.id);
    expect(new Set(attributeIds).size).toBe(5);
    expect(attributeIds.find((id) => id.startsWith('Grosse-'))).toBeDefined();
    const values = entity.properties.map((p) => p.value);
    expect(values).toEqual(expect.arrayContaining(['dot', 'slash', 'g1', 'g2', 'long']));
  });
});
