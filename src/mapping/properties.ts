import type { Attribute } from '../bluestone/types';
import { OCCTOO_LANGUAGE_PATTERN, type OcctooProperty } from '../occtoo/types';
import { attributeLabel, attributeStrings, hasKeyProperty, hasUnitProperty } from './attributes';
import { sanitizePropertyId, withHashSuffix } from './sanitize';

/**
 * Turns the planned properties of one entity into Occtoo properties: unique ids (docs/mapping.md,
 * "Collisions") and the per-context language rule ("Localization").
 */

export interface ContextPass {
  /** Occtoo language of the Bluestone context being mapped (validated by the config). */
  language: string;
  /** True for BLUESTONE_DEFAULT_CONTEXT: the only pass that sends non-localized properties. */
  isDefault: boolean;
}

export type PropertyKind = 'builtin' | 'relation' | 'attribute';

export interface PlannedProperty {
  /** Unique within the entity: who produced the property; hashed when ids must be told apart. */
  source: string;
  kind: PropertyKind;
  /** The name LOCALIZED_PROPERTIES_* matches (built-in name, raw attribute number, `relation-{raw}`). */
  name: string;
  /** The id wanted before sanitizing; built-in names are valid as they are. */
  wanted: string;
  value: string | undefined;
  /** Derived properties (`{id}Key`, `{id}Unit`) that share the id and language of this one. */
  twins: { suffix: string; value: string | undefined }[];
}

export const ATTRIBUTE_RENAME_PREFIX = 'attr-';
export const RELATION_PREFIX = 'relation-';

/** Hex digits of the longer hash that separates two sources wanting the same id. */
const COLLISION_HASH_LENGTHS = [16, 64];

export function plannedAttributes(attributes: Attribute[], separator: string): PlannedProperty[] {
  const seen = new Map<string, number>();
  return attributes.map((attribute) => {
    // A repeated attribute id (never seen from Bluestone, but possible) still gets its own source.
    const count = (seen.get(attribute.id) ?? 0) + 1;
    seen.set(attribute.id, count);
    const strings = attributeStrings(attribute, separator);
    const twins: PlannedProperty['twins'] = [];
    if (hasKeyProperty(attribute)) twins.push({ suffix: 'Key', value: strings.key });
    if (hasUnitProperty(attribute)) twins.push({ suffix: 'Unit', value: strings.unit });
    const label = attributeLabel(attribute);
    return {
      source: count === 1 ? `attribute:${attribute.id}` : `attribute:${attribute.id}:${count}`,
      kind: 'attribute' as const,
      name: label,
      wanted: label,
      value: strings.value,
      twins,
    };
  });
}

export function builtin(name: string, value: string | undefined): PlannedProperty {
  return { source: `builtin:${name}`, kind: 'builtin', name, wanted: name, value, twins: [] };
}

/**
 * Property ids for every planned property (and twin), keyed by source (`{source}:{suffix}` for
 * twins). Ids depend only on the entity's sources, never on the pass, so a property keeps its
 * id in every language.
 */
export function assignPropertyIds(
  planned: PlannedProperty[],
  builtinNames: readonly string[],
): Map<string, string> {
  const reserved = new Set(builtinNames);
  const owner = new Map<string, string>();
  const ids = new Map<string, string>();
  for (const name of builtinNames) owner.set(name, `builtin:${name}`);

  const claim = (wanted: string, source: string): string => {
    // Candidates are hashed only when needed: collisions are rare, and hashing every property of
    // every product showed up in worker profiles.
    const candidate = (i: number) =>
      i === 0
        ? wanted
        : i <= COLLISION_HASH_LENGTHS.length
          ? withHashSuffix(wanted, source, COLLISION_HASH_LENGTHS[i - 1])
          : withHashSuffix(wanted, `${source}#${i + 2}`, 64);
    for (let i = 0; ; i++) {
      const id = candidate(i);
      const current = owner.get(id);
      if (current === undefined || current === source) {
        owner.set(id, source);
        ids.set(source, id);
        return id;
      }
    }
  };

  for (const p of planned.filter((p) => p.kind === 'builtin')) {
    if (!reserved.has(p.wanted))
      throw new Error(`built-in property ${p.wanted} is missing from its built-in list`);
    ids.set(p.source, p.wanted);
  }
  // Sorted by source, so the ids do not depend on the order Bluestone lists things in.
  const bySource = (a: PlannedProperty, b: PlannedProperty) =>
    a.source < b.source ? -1 : a.source > b.source ? 1 : 0;
  for (const p of planned.filter((p) => p.kind === 'relation').sort(bySource)) {
    claim(sanitizePropertyId(`${RELATION_PREFIX}${p.wanted}`), p.source);
  }

  const attributes = planned.filter((p) => p.kind === 'attribute').sort(bySource);
  const renamed = (id: string) => sanitizePropertyId(`${ATTRIBUTE_RENAME_PREFIX}${id}`);
  // Rule 1: an attribute never takes a built-in name or the relation prefix.
  const firstIds = new Map(
    attributes.map((p) => {
      const id = sanitizePropertyId(p.wanted);
      return [p.source, reserved.has(id) || id.startsWith(RELATION_PREFIX) ? renamed(id) : id];
    }),
  );
  // Rule 2: an attribute numbered like another's `{number}Key`/`{number}Unit` yields that name.
  const twinIds = new Set(
    attributes.flatMap((p) => p.twins.map((t) => `${firstIds.get(p.source)}${t.suffix}`)),
  );
  for (const p of attributes) {
    const id = firstIds.get(p.source) as string;
    claim(twinIds.has(id) ? renamed(id) : id, p.source);
  }
  for (const p of attributes) {
    for (const twin of p.twins) {
      claim(sanitizePropertyId(`${ids.get(p.source)}${twin.suffix}`), `${p.source}:${twin.suffix}`);
    }
  }
  return ids;
}

/**
 * The properties one pass sends: the default pass sends non-localized properties without a
 * language and localized ones with its language; any other pass sends only the localized ones.
 * Empty values are left out (Occtoo keeps what it had; docs/mapping.md, "Missing values").
 */
export function passProperties(
  planned: PlannedProperty[],
  builtinNames: readonly string[],
  pass: ContextPass,
  localizedNames: readonly string[],
): OcctooProperty[] {
  assertLanguage(pass.language);
  const ids = assignPropertyIds(planned, builtinNames);
  const localized = new Set(localizedNames);
  const out: OcctooProperty[] = [];
  for (const p of planned) {
    const isLocalized = localized.has(p.name);
    if (!isLocalized && !pass.isDefault) continue;
    const language = isLocalized ? pass.language : undefined;
    const push = (id: string, value: string | undefined) => {
      if (value === undefined || value === '') return;
      out.push(language === undefined ? { id, value } : { id, value, language });
    };
    push(ids.get(p.source) as string, p.value);
    for (const twin of p.twins) push(ids.get(`${p.source}:${twin.suffix}`) as string, twin.value);
  }
  return out;
}

function assertLanguage(language: string): void {
  if (!OCCTOO_LANGUAGE_PATTERN.test(language)) {
    throw new Error(
      `Occtoo language "${language}" must be 2-10 characters of letters, digits, '_' or '-'; fix BLUESTONE_DEFAULT_CONTEXT / BLUESTONE_ADDITIONAL_CONTEXTS`,
    );
  }
}
