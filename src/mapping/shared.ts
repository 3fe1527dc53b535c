import type { MetadataEntry } from '../bluestone/types';
import { entityBytes } from '../occtoo/batching';
import { OCCTOO_MAX_ENTITY_BYTES, type OcctooEntity } from '../occtoo/types';

/** Small value formatters shared by the product, category and media mappings. */

/** An entity that cannot be sent; the caller reports it instead. */
export interface SetAside {
  /** The Bluestone id. */
  id: string;
  /** The Occtoo key, when there is one. */
  key?: string;
  reason: string;
}

/** Unix milliseconds as ISO 8601 UTC; nothing for a missing or impossible date. */
export function isoDate(ms: number | undefined): string | undefined {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** One separator everywhere; an empty list is no value at all. */
export function joinList(items: readonly string[], separator: string): string | undefined {
  const joined = items.join(separator);
  return joined === '' ? undefined : joined;
}

/** `id=value` per entry; strings as they are, anything else as compact JSON. */
export function metadataString(entries: readonly MetadataEntry[], separator: string): string | undefined {
  return joinList(
    entries.map(
      (e) => `${e.id}=${typeof e.value === 'string' ? e.value : (JSON.stringify(e.value) ?? 'null')}`,
    ),
    separator,
  );
}

/** A reason when the serialized entity is over Occtoo's 1 MB recommendation, naming its biggest property. */
export function entityTooLarge(entity: OcctooEntity): string | undefined {
  const bytes = entityBytes(entity);
  if (bytes <= OCCTOO_MAX_ENTITY_BYTES) return undefined;
  const biggest = [...entity.properties].sort(
    (a, b) => Buffer.byteLength(b.value ?? '', 'utf8') - Buffer.byteLength(a.value ?? '', 'utf8'),
  )[0];
  const where = biggest
    ? `; the largest property is ${biggest.id} (${Buffer.byteLength(biggest.value ?? '')} bytes)`
    : '';
  return `the entity is ${bytes} bytes serialized, over Occtoo's ${OCCTOO_MAX_ENTITY_BYTES}-byte limit${where}`;
}
