import type { OcctooEntity, OcctooErrorDetail, OcctooProperty } from '../occtoo/types';

/**
 * The ingest server's side of occtoo-ingest.md §4: parse an import body (camelCase or
 * PascalCase, as Occtoo's own SDK sends PascalCase) and apply every documented rule. Any
 * violation rejects the whole payload, so problems are collected, not thrown one by one.
 */

const RESTRICTED = /[^A-Za-z0-9_-]/;
const LANGUAGE = /^[A-Za-z0-9_-]{2,10}$/;

export type ParsedImport =
  { ok: true; entities: OcctooEntity[] } | { ok: false; problems: OcctooErrorDetail[] };

/** Reads a field whatever its casing (`entities`, `Entities`, ...), like ASP.NET's binder. */
export function field(value: unknown, name: string): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) if (key.toLowerCase() === lower) return record[key];
  return undefined;
}

/** Empty, null and absent languages all mean "non-localized". */
export function normalizeLanguage(language: unknown): string | undefined {
  return language === undefined || language === null || language === '' ? undefined : (language as string);
}

class Problems {
  private readonly lists = new Map<string, { propertyName: string; items: string[] }>();
  add(propertyName: string, message: string, item: string): void {
    const entry = this.lists.get(message) ?? { propertyName, items: [] };
    if (!entry.items.includes(item)) entry.items.push(item);
    this.lists.set(message, entry);
  }
  details(): OcctooErrorDetail[] {
    return [...this.lists].map(([message, { propertyName, items }]) => ({
      propertyName,
      message: `${message}: ${items.join(', ')}`,
    }));
  }
}

function checkId(
  value: unknown,
  what: 'Entity keys' | 'Property ids',
  where: string,
  problems: Problems,
): boolean {
  const propertyName = what === 'Entity keys' ? 'entities' : 'properties';
  if (typeof value !== 'string' || value.length === 0) {
    problems.add(propertyName, `${what} are required strings. The following entries have none`, where);
    return false;
  }
  if (RESTRICTED.test(value)) {
    problems.add(
      propertyName,
      `${what} contain restricted characters. The following ids containing restricted characters`,
      what === 'Entity keys' ? value : `${value} (entity ${where})`,
    );
    return false;
  }
  if (value.length > 256) {
    problems.add(
      propertyName,
      `${what} must be at most 256 characters long. The following ids are too long`,
      what === 'Entity keys' ? value : `${value} (entity ${where})`,
    );
    return false;
  }
  return true;
}

function parseProperty(
  raw: unknown,
  entityLabel: string,
  seen: Set<string>,
  problems: Problems,
): OcctooProperty | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.add(
      'properties',
      'Properties must be objects of {id, value, language}. Found other values in entities',
      entityLabel,
    );
    return undefined;
  }
  const id = field(raw, 'id');
  const idOk = checkId(id, 'Property ids', entityLabel, problems);
  const language = normalizeLanguage(field(raw, 'language'));
  let languageOk = true;
  if (language !== undefined && (typeof language !== 'string' || !LANGUAGE.test(language))) {
    languageOk = false;
    problems.add(
      'properties',
      'Property languages must be 2-10 characters of a-z, A-Z, 0-9, _ or -. The following languages are invalid',
      `${String(language)} (entity ${entityLabel}, property ${String(id)})`,
    );
  }
  const value = field(raw, 'value') ?? null;
  if (value !== null && typeof value !== 'string') {
    problems.add(
      'properties',
      'Property values must be strings or null. The following properties have other values',
      `${String(id)} (entity ${entityLabel})`,
    );
    return undefined;
  }
  if (!idOk || !languageOk) return undefined;
  const pair = `${id as string}/${language ?? ''}`;
  if (seen.has(pair)) {
    problems.add(
      'properties',
      'Properties must be unique per id and language within an entity. The following appear more than once',
      `${pair} (entity ${entityLabel})`,
    );
    return undefined;
  }
  seen.add(pair);
  return language === undefined ? { id: id as string, value } : { id: id as string, value, language };
}

/** Parses and validates an import body; see occtoo-ingest.md §3 and §4.1-§4.2. */
export function parseImport(body: unknown): ParsedImport {
  const list = field(body, 'entities');
  if (!Array.isArray(list)) {
    return {
      ok: false,
      problems: [
        {
          propertyName: 'entities',
          message: "The body must be a JSON object with an 'entities' array of {key, delete, properties}",
        },
      ],
    };
  }
  const problems = new Problems();
  const entities: OcctooEntity[] = [];
  const keys = new Set<string>();
  list.forEach((raw, index) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.add(
        'entities',
        'Entities must be objects of {key, delete, properties}. Found other values at positions',
        String(index),
      );
      return;
    }
    const key = field(raw, 'key');
    const label = typeof key === 'string' && key !== '' ? key : `#${index}`;
    const keyOk = checkId(key, 'Entity keys', label, problems);
    if (keyOk) {
      if (keys.has(key as string)) {
        problems.add(
          'entities',
          'Entity keys must be unique in one import. The following ids appear more than once',
          label,
        );
      }
      keys.add(key as string);
    }
    const del = field(raw, 'delete') ?? false;
    if (typeof del !== 'boolean')
      problems.add('entities', "'delete' must be true or false. Found other values in entities", label);
    const rawProperties = field(raw, 'properties') ?? [];
    if (!Array.isArray(rawProperties)) {
      problems.add('properties', "'properties' must be an array. Found other values in entities", label);
      return;
    }
    const seen = new Set<string>();
    const properties = rawProperties
      .map((p) => parseProperty(p, label, seen, problems))
      .filter((p): p is OcctooProperty => p !== undefined);
    entities.push({ key: key as string, delete: del === true, properties });
  });
  const details = problems.details();
  return details.length > 0 ? { ok: false, problems: details } : { ok: true, entities };
}

const pairOf = (p: OcctooProperty) => `${p.id}\u0000${p.language ?? ''}`;

/**
 * Occtoo's merge: the incoming values replace the stored ones per (id, language); the rest stay.
 * A `null` value removes that property in that language (occtoo-ingest.md §1: the providers send
 * `null` for empty values, the typed API documents it as "clear a value"), so nothing stores a null.
 */
export function mergeEntity(existing: OcctooEntity | undefined, incoming: OcctooEntity): OcctooEntity {
  const merged = new Map<string, OcctooProperty>();
  for (const p of existing?.properties ?? []) merged.set(pairOf(p), p);
  for (const p of incoming.properties) {
    if (p.value === null) merged.delete(pairOf(p));
    else merged.set(pairOf(p), { ...p });
  }
  return { key: incoming.key, properties: [...merged.values()] };
}
