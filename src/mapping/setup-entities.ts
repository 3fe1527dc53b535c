import type { AttributeDefinition, RelationDefinition } from '../bluestone/types';
import type { OcctooEntity } from '../occtoo/types';
import { sanitizeKey } from './sanitize';

/**
 * Setup data for OCCTOO_SETUP_SOURCE: Bluestone's attribute and relation definitions as Occtoo
 * entities, so Occtoo Studio users can see the schema in every configured language.
 */

type Prop = [id: string, value: string | number | boolean | undefined, localized: boolean];

/**
 * A setup entity in one language: the default language carries every property, the others only
 * the localized ones (Occtoo merges them into the same entity). Empty values are left out.
 */
function entity(key: string, props: Prop[], language: string, isDefault: boolean): OcctooEntity {
  return {
    key: sanitizeKey(key),
    properties: props
      .filter(([, value, localized]) => value !== undefined && value !== '' && (isDefault || localized))
      .map(([id, value, localized]) => ({ id, value: String(value), ...(localized ? { language } : {}) })),
  };
}

/** An attribute definition as a setup entity, keyed `attribute-<id>`. */
export function attributeEntity(a: AttributeDefinition, language: string, isDefault: boolean): OcctooEntity {
  return entity(
    `attribute-${a.id}`,
    [
      ['Kind', 'attribute', false],
      ['Id', a.id, false],
      ['Number', a.number, false],
      ['Name', a.name, true],
      ['DataType', a.dataType, false],
      ['Unit', a.unit, false],
      ['GroupId', a.groupId, false],
      ['GroupNumber', a.groupNumber, false],
      ['GroupName', a.groupName, true],
      ['Description', a.description, true],
      ['IsCompound', a.isCompound, false],
    ],
    language,
    isDefault,
  );
}

/** A relation definition as a setup entity, keyed `relation-<id>`. */
export function relationEntity(r: RelationDefinition, language: string, isDefault: boolean): OcctooEntity {
  return entity(
    `relation-${r.id}`,
    [
      ['Kind', 'relation', false],
      ['Id', r.id, false],
      ['Number', r.number, false],
      ['Name', r.name, true],
      ['ReverseName', r.reverseName, true],
      ['Order', r.order, false],
    ],
    language,
    isDefault,
  );
}
