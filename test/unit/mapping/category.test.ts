import { categoryKeyOf, mapCategory, sanitizeKey } from '../../../src/mapping';
import {
  attribute,
  category,
  DEFAULT_PASS,
  occtooProblems,
  settings,
  SWEDISH_PASS,
  valueOf,
} from './fixtures';

describe('categories', () => {
  it('maps the built-ins, attributes and metaData of a category, keyed by its id', () => {
    const c = category({
      id: 'cat-7',
      parentId: 'cat-1',
      order: 0,
      name: 'Shoes',
      number: 'C-SHOES',
      description: 'All shoes',
      metaData: [
        { id: 'erp', value: 'X1' },
        { id: 'rank', value: 3 },
      ],
      attributes: [
        attribute({
          number: 'Season',
          dataType: 'multi_select',
          select: [{ id: 's', number: 'SS', value: 'Summer' }],
        }),
      ],
      subCategories: [category({ id: 'child' })],
    });
    const { entity, media, warnings, setAside } = mapCategory(c, DEFAULT_PASS, settings());
    expect(setAside).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(media).toEqual([]);
    expect(entity).toEqual({
      key: 'cat-7',
      properties: [
        { id: 'Id', value: 'cat-7' },
        { id: 'ParentId', value: 'cat-1' },
        { id: 'Order', value: '0' },
        { id: 'Name', value: 'Shoes', language: 'en' },
        { id: 'Number', value: 'C-SHOES' },
        { id: 'Description', value: 'All shoes', language: 'en' },
        { id: 'Metadata', value: 'erp=X1|rank=3' },
        { id: 'Season', value: 'Summer' },
        { id: 'SeasonKey', value: 'SS' },
      ],
    });
  });

  it('a root category without optional fields sends only what it has', () => {
    const { entity } = mapCategory(category({ id: 'root' }), DEFAULT_PASS, settings());
    expect(entity?.properties).toEqual([{ id: 'Id', value: 'root' }]);
  });

  it('sanitizes a hostile category id into the key, keeping the raw id in Id', () => {
    const { entity } = mapCategory(category({ id: 'cat/7 ä' }), DEFAULT_PASS, settings());
    expect(entity?.key).toBe(sanitizeKey('cat/7 ä'));
    expect(categoryKeyOf(category({ id: 'cat/7 ä' }))).toBe(entity?.key);
    expect(valueOf(entity, 'Id')).toBe('cat/7 ä');
    expect(occtooProblems(entity!)).toEqual([]);
  });

  it('sets aside a category with an empty id', () => {
    const result = mapCategory(category({ id: '' }), DEFAULT_PASS, settings());
    expect(result.entity).toBeUndefined();
    expect(result.setAside).toEqual({ id: '', reason: expect.stringContaining('empty id') });
  });

  it('an additional pass sends only localized category properties, and nothing when there are none', () => {
    const c = category({ id: 'c', name: 'Skor', number: 'C-1' });
    expect(mapCategory(c, SWEDISH_PASS, settings()).entity?.properties).toEqual([
      { id: 'Name', value: 'Skor', language: 'sv' },
    ]);
    const none = mapCategory(c, SWEDISH_PASS, settings({ localizedCategoryProperties: [] }));
    expect(none).toEqual({ media: [], warnings: [] });
  });
});
