import type { Attribute } from '../bluestone/types';

/**
 * One Bluestone attribute as Occtoo strings (docs/mapping.md, "Attributes"). Occtoo's legacy
 * ingest takes strings only, so lists are joined with the one configured separator.
 */

export interface AttributeStrings {
  value?: string;
  /** `{number}Key`: option or entry numbers (select, multi-select, dictionary). */
  key?: string;
  /** `{number}Unit`: the attribute's unit, sent only next to a value. */
  unit?: string;
}

const SELECT_TYPES = new Set(['single_select', 'multi_select']);

/** The name an attribute goes by in LOCALIZED_PROPERTIES_* and, sanitized, its property id. */
export function attributeLabel(attribute: Attribute): string {
  return nonEmpty(attribute.number) ?? attribute.id;
}

/** Whether the attribute gets a `{number}Key` property; decided by data type alone, so ids are stable. */
export function hasKeyProperty(attribute: Attribute): boolean {
  return SELECT_TYPES.has(attribute.dataType ?? '') || attribute.dataType === 'dictionary';
}

export function hasUnitProperty(attribute: Attribute): boolean {
  return nonEmpty(attribute.unit ?? undefined) !== undefined;
}

export function attributeStrings(attribute: Attribute, separator: string): AttributeStrings {
  const join = (items: (string | undefined)[]): string | undefined =>
    nonEmpty(items.filter((s): s is string => typeof s === 'string').join(separator));
  const type = attribute.dataType ?? '';
  let value: string | undefined;
  let key: string | undefined;

  if (SELECT_TYPES.has(type) || type === 'dictionary') {
    const options = SELECT_TYPES.has(type) ? attribute.select : attribute.dictionary;
    value = join(options.map((o) => o.value)) ?? join(attribute.values);
    key = options.length > 0 ? join(options.map((o) => nonEmpty(o.number) ?? o.id)) : undefined;
  } else if (type === 'column') {
    value = attribute.column.length > 0 ? JSON.stringify(attribute.column) : join(attribute.values);
  } else if (type === 'matrix') {
    value = attribute.matrix.length > 0 ? JSON.stringify(attribute.matrix) : join(attribute.values);
  } else {
    // Simple types read `values`; an unknown type also falls back to whatever structured
    // data it carries, so that a new Bluestone type is never silently dropped.
    value = join(attribute.values) ?? structuredFallback(attribute, join);
  }

  const unit = value !== undefined && hasUnitProperty(attribute) ? (attribute.unit as string) : undefined;
  return { value, key, unit };
}

function structuredFallback(
  attribute: Attribute,
  join: (items: (string | undefined)[]) => string | undefined,
): string | undefined {
  if (attribute.select.length > 0) return join(attribute.select.map((o) => o.value ?? o.number ?? o.id));
  if (attribute.dictionary.length > 0)
    return join(attribute.dictionary.map((o) => o.value ?? o.number ?? o.id));
  if (attribute.column.length > 0) return JSON.stringify(attribute.column);
  if (attribute.matrix.length > 0) return JSON.stringify(attribute.matrix);
  return undefined;
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
