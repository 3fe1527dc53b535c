import {
  OCCTOO_ID_PATTERN,
  OCCTOO_LANGUAGE_PATTERN,
  OCCTOO_MAX_ENTITY_BYTES,
  OCCTOO_MAX_PAYLOAD_BYTES,
  type OcctooEntity,
  type OcctooProperty,
} from './types';

/**
 * Client-side checks and batching for Occtoo imports (occtoo-ingest.md §4-§5). Occtoo
 * rejects a whole payload for one bad entity, so bad entities are filtered out here, with
 * reasons, and never sent; the rest still goes through.
 */

export interface ImportLimits {
  /** Entities per call; 50 like Occtoo's own providers. */
  maxBatchEntities: number;
  /** Serialized bytes per call; Occtoo recommends at most 20 MB. */
  maxBatchBytes: number;
  /** Serialized bytes per entity; Occtoo recommends at most 1 MB. */
  maxEntityBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxBatchEntities: 50,
  maxBatchBytes: OCCTOO_MAX_PAYLOAD_BYTES,
  maxEntityBytes: OCCTOO_MAX_ENTITY_BYTES,
};

export interface RejectedEntity {
  key: string;
  reasons: string[];
}

export interface PreparedImport {
  batches: OcctooEntity[][];
  rejected: RejectedEntity[];
}

/** `{"entities":[]}`: what a call adds around its entities. */
const ENVELOPE_BYTES = Buffer.byteLength(JSON.stringify({ entities: [] }));

/**
 * Entities already serialized. An entity is measured by the mapping, by `pushEntities` and by the
 * client, hashed by the record, and finally sent: serializing it once serves them all. Entities
 * are never changed once mapped (merging and clearing make new ones).
 */
const serialized = new WeakMap<OcctooEntity, { json: string; bytes: number }>();

function serializationOf(entity: OcctooEntity): { json: string; bytes: number } {
  let known = serialized.get(entity);
  if (known === undefined) {
    const json = JSON.stringify(entity);
    known = { json, bytes: Buffer.byteLength(json) };
    serialized.set(entity, known);
  }
  return known;
}

/** The entity as Occtoo receives it (JSON), serialized once. */
export function entityJson(entity: OcctooEntity): string {
  return serializationOf(entity).json;
}

export function entityBytes(entity: OcctooEntity): number {
  return serializationOf(entity).bytes;
}

/** An import call's body, made of the entities' own serializations. */
export function importBody(batch: readonly OcctooEntity[]): string {
  return `{"entities":[${batch.map(entityJson).join(',')}]}`;
}

function describeId(what: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `${what} is missing or empty`;
  if (value.length > 256)
    return `${what} "${value.slice(0, 40)}..." is ${value.length} characters; Occtoo allows at most 256`;
  if (!OCCTOO_ID_PATTERN.test(value)) {
    return `${what} "${value}" has characters other than A-Z, a-z, 0-9, '_' and '-'; encode or rename it`;
  }
  return undefined;
}

/** Empty and null languages mean "non-localized", like an absent one. */
function languageOf(p: OcctooProperty): string | undefined {
  return p.language === undefined || p.language === null || p.language === '' ? undefined : p.language;
}

/** Everything Occtoo would reject this entity for; empty when it is fine to send. */
export function validateEntity(entity: OcctooEntity, maxEntityBytes = OCCTOO_MAX_ENTITY_BYTES): string[] {
  const problems: string[] = [];
  if (!entity || typeof entity !== 'object') return ['entity is not an object'];
  // A delete needs no properties; tolerate their absence there.
  if (entity.delete === true && entity.properties === undefined) entity = { ...entity, properties: [] };
  const keyProblem = describeId('key', entity.key);
  if (keyProblem) problems.push(keyProblem);
  if (entity.delete !== undefined && typeof entity.delete !== 'boolean')
    problems.push("'delete' must be true or false");
  if (!Array.isArray(entity.properties)) {
    problems.push("'properties' must be an array");
    return problems;
  }
  const seen = new Set<string>();
  entity.properties.forEach((p, index) => {
    if (!p || typeof p !== 'object') {
      problems.push(`property #${index} is not an object`);
      return;
    }
    const idProblem = describeId(`property id #${index}`, p.id);
    if (idProblem) problems.push(idProblem);
    const language = languageOf(p);
    if (language !== undefined && (typeof language !== 'string' || !OCCTOO_LANGUAGE_PATTERN.test(language))) {
      problems.push(
        `property "${String(p.id)}" has language "${String(language)}"; languages must be 2-10 characters of A-Z, a-z, 0-9, '_' or '-'`,
      );
    }
    if (p.value !== null && typeof p.value !== 'string') {
      problems.push(
        `property "${String(p.id)}" has a ${typeof p.value} value; Occtoo values are strings or null`,
      );
    }
    const pair = `${String(p.id)}/${language ?? ''}`;
    if (seen.has(pair)) {
      problems.push(
        `property "${String(p.id)}" appears twice for ${language === undefined ? 'no language' : `language "${language}"`}; Occtoo rejects duplicate (id, language) pairs`,
      );
    }
    seen.add(pair);
  });
  const bytes = entityBytes(entity);
  if (bytes > maxEntityBytes) {
    problems.push(
      `entity is ${bytes} bytes serialized; the limit is ${maxEntityBytes} (split or trim large values)`,
    );
  }
  return problems;
}

/** Drops empty/null languages so `(id, '')` and `(id)` are recognisably the same pair. */
function normalize(entity: OcctooEntity): OcctooEntity {
  if (isNormal(entity)) return entity;
  const properties = (entity.properties ?? []).map((p) => {
    const language = languageOf(p);
    return language === undefined ? { id: p.id, value: p.value } : { id: p.id, value: p.value, language };
  });
  return entity.delete ? { key: entity.key, delete: true, properties } : { key: entity.key, properties };
}

/** Already in normal form (what the mapping makes): kept as is, so its measured size stays valid. */
function isNormal(entity: OcctooEntity): boolean {
  if (!Array.isArray(entity.properties)) return false;
  for (const k in entity)
    if (k !== 'key' && k !== 'properties' && !(k === 'delete' && entity.delete === true)) return false;
  for (const p of entity.properties) {
    for (const k in p) if (k !== 'id' && k !== 'value' && k !== 'language') return false;
    if ('language' in p && languageOf(p) !== p.language) return false;
  }
  return true;
}

/**
 * Merges a later entity with the same key into the earlier one, the way Occtoo would merge
 * them if they arrived one after the other: a later delete wins; a later upsert replaces the
 * earlier one's values per (id, language) and keeps the rest (after an earlier delete, only
 * the later properties are kept and the delete is dropped). The merged entity keeps the
 * earlier one's place.
 */
export function mergeDuplicate(earlier: OcctooEntity, later: OcctooEntity): OcctooEntity {
  if (later.delete) return later;
  if (earlier.delete) return later;
  const byPair = new Map<string, OcctooProperty>();
  for (const p of [...earlier.properties, ...later.properties])
    byPair.set(`${p.id}\u0000${p.language ?? ''}`, p);
  return { key: earlier.key, properties: [...byPair.values()] };
}

/**
 * Validates, dedupes (see mergeDuplicate) and splits entities into calls bounded by count
 * and by serialized bytes. Invalid entities are returned in `rejected`, never in a batch.
 */
export function prepareImport(entities: OcctooEntity[], limits: Partial<ImportLimits> = {}): PreparedImport {
  const { maxBatchEntities, maxBatchBytes, maxEntityBytes } = { ...DEFAULT_IMPORT_LIMITS, ...limits };
  if (!(maxBatchEntities >= 1) || !(maxBatchBytes > ENVELOPE_BYTES) || !(maxEntityBytes > 0)) {
    throw new RangeError(
      `invalid import limits ${JSON.stringify(limits)}: batch size must be >= 1 and byte limits positive`,
    );
  }
  const rejected: RejectedEntity[] = [];
  const byKey = new Map<string, OcctooEntity>();
  for (const entity of entities) {
    const reasons = validateEntity(entity, maxEntityBytes);
    if (reasons.length > 0) {
      rejected.push({ key: String((entity as Partial<OcctooEntity> | undefined)?.key ?? ''), reasons });
      continue;
    }
    const clean = normalize(entity);
    const earlier = byKey.get(clean.key);
    byKey.set(clean.key, earlier ? mergeDuplicate(earlier, clean) : clean);
  }

  const batches: OcctooEntity[][] = [];
  let current: OcctooEntity[] = [];
  let currentBytes = ENVELOPE_BYTES;
  for (const entity of byKey.values()) {
    const bytes = entityBytes(entity);
    if (bytes > maxEntityBytes || ENVELOPE_BYTES + bytes > maxBatchBytes) {
      // Only reachable after merging duplicates, or with a byte limit below the entity limit.
      rejected.push({
        key: entity.key,
        reasons: [`entity is ${bytes} bytes serialized, more than one call may carry`],
      });
      continue;
    }
    const separator = current.length > 0 ? 1 : 0;
    if (current.length >= maxBatchEntities || currentBytes + separator + bytes > maxBatchBytes) {
      batches.push(current);
      current = [];
      currentBytes = ENVELOPE_BYTES;
    }
    currentBytes += (current.length > 0 ? 1 : 0) + bytes;
    current.push(entity);
  }
  if (current.length > 0) batches.push(current);
  return { batches, rejected };
}
