import { attributeEntity, relationEntity } from '../../../src/mapping/setup-entities';
import { occtooProblems } from './fixtures';

describe('setup entities', () => {
  const attribute = {
    id: 'a1',
    number: 'weight',
    name: 'Weight',
    dataType: 'decimal',
    unit: 'kg',
    groupName: 'Logistics',
    description: '',
    isCompound: false,
  };

  it('carries every non-empty property of an attribute in the default language, names localized', () => {
    const entity = attributeEntity(attribute, 'en', true);
    expect(entity).toEqual({
      key: 'attribute-a1',
      properties: [
        { id: 'Kind', value: 'attribute' },
        { id: 'Id', value: 'a1' },
        { id: 'Number', value: 'weight' },
        { id: 'Name', value: 'Weight', language: 'en' },
        { id: 'DataType', value: 'decimal' },
        { id: 'Unit', value: 'kg' },
        { id: 'GroupName', value: 'Logistics', language: 'en' },
        { id: 'IsCompound', value: 'false' },
      ],
    });
    expect(occtooProblems(entity)).toEqual([]);
  });

  it('carries only the localized properties in another language, under the same key', () => {
    const entity = attributeEntity({ ...attribute, name: 'Gewicht', groupName: 'Logistik' }, 'de', false);
    expect(entity).toEqual({
      key: 'attribute-a1',
      properties: [
        { id: 'Name', value: 'Gewicht', language: 'de' },
        { id: 'GroupName', value: 'Logistik', language: 'de' },
      ],
    });
  });

  it('maps a relation definition, its order as text', () => {
    const entity = relationEntity(
      { id: 'r 1', name: 'Spare parts', reverseName: 'Fits', order: 3 },
      'en',
      true,
    );
    // A space is not allowed in an Occtoo key: sanitized like every other key.
    expect(entity.key).toMatch(/^relation-r.1/);
    expect(entity.properties).toEqual([
      { id: 'Kind', value: 'relation' },
      { id: 'Id', value: 'r 1' },
      { id: 'Name', value: 'Spare parts', language: 'en' },
      { id: 'ReverseName', value: 'Fits', language: 'en' },
      { id: 'Order', value: '3' },
    ]);
    expect(occtooProblems(entity)).toEqual([]);
  });
});
