import { mulberry32 } from '../../../src/sim/catalog';
import type { Attribute, Category, MediaAsset, Product } from '../../../src/bluestone/types';
import {
  OCCTOO_ID_PATTERN,
  OCCTOO_LANGUAGE_PATTERN,
  type OcctooEntity,
  type OcctooProperty,
} from '../../../src/occtoo/types';
import type { ContextPass, MappingSettings } from '../../../src/mapping';

/** Builders for normalized Bluestone data (collections always arrays) and checks on the output. */

export const DEFAULT_PASS: ContextPass = { language: 'en', isDefault: true };
export const SWEDISH_PASS: ContextPass = { language: 'sv', isDefault: false };

export function settings(overrides: Partial<MappingSettings> = {}): MappingSettings {
  return {
    localizedProductProperties: ['Name', 'Description'],
    localizedCategoryProperties: ['Name', 'Description'],
    handleMedia: 'bluestone',
    productKey: 'id',
    multiValueSeparator: '|',
    clearWith: 'null',
    ...overrides,
  };
}

export function product(overrides: Partial<Product> = {}): Product {
  return {
    id: 'p1',
    type: 'SINGLE',
    attributes: [],
    media: [],
    labels: [],
    categories: [],
    relations: [],
    metadata: [],
    bundles: [],
    variants: [],
    ...overrides,
  };
}

export function category(overrides: Partial<Category> = {}): Category {
  return { id: 'c1', media: [], attributes: [], metaData: [], subCategories: [], ...overrides };
}

export function attribute(overrides: Partial<Attribute> = {}): Attribute {
  return {
    id: `attr-id-${overrides.number ?? 'x'}`,
    dataType: 'text',
    values: [],
    select: [],
    dictionary: [],
    column: [],
    matrix: [],
    ...overrides,
  };
}

export function asset(overrides: Partial<MediaAsset> = {}): MediaAsset {
  return {
    id: 'm1',
    number: 'M-1',
    name: 'Front',
    fileName: 'front.png',
    contentType: 'image/png',
    downloadUri: 'https://media.example.com/org/m1',
    previewUri: 'https://media.example.com/org/m1?f=jpg&w=400',
    labels: [],
    createdAt: Date.UTC(2024, 0, 2, 3, 4, 5),
    updatedAt: Date.UTC(2024, 5, 6, 7, 8, 9),
    attributes: [],
    ...overrides,
  };
}

/** The value of property `id` (with `language`, or without one), or undefined when absent. */
export function valueOf(
  entity: OcctooEntity | undefined,
  id: string,
  language?: string,
): string | null | undefined {
  return entity?.properties.find((p) => p.id === id && p.language === language)?.value;
}

export function idsOf(entity: OcctooEntity | undefined): string[] {
  return (entity?.properties ?? []).map((p) => p.id);
}

/** Everything Occtoo (and its SDK) would reject in one entity; empty when it is sendable. */
export function occtooProblems(entity: OcctooEntity): string[] {
  const problems: string[] = [];
  if (!OCCTOO_ID_PATTERN.test(entity.key)) problems.push(`bad key ${JSON.stringify(entity.key)}`);
  const seen = new Set<string>();
  for (const p of entity.properties as OcctooProperty[]) {
    if (!OCCTOO_ID_PATTERN.test(p.id)) problems.push(`bad property id ${JSON.stringify(p.id)}`);
    if (p.language !== undefined && !OCCTOO_LANGUAGE_PATTERN.test(p.language)) {
      problems.push(`bad language ${JSON.stringify(p.language)}`);
    }
    if (typeof p.value !== 'string') problems.push(`non-string value for ${p.id}`);
    const pair = `${p.id}\u0000${p.language ?? ''}`;
    if (seen.has(pair)) problems.push(`duplicate (${p.id}, ${p.language ?? 'no language'})`);
    seen.add(pair);
  }
  return problems;
}

/** The catalog generator's seeded PRNG, so that the property-based loops are reproducible. */
export const prng = mulberry32;

const HOSTILE_PIECES = [
  'a', 'Z', '0', '_', '-', '.', '/', ' ', 'ö', 'ß', 'Ø', '€', '😀', '\u0000', '\n', '"', '|', 'Name', 'Key',
  'Id', 'Media', 'relation-', 'attr-', 'Color', 'Unit', 'x'.repeat(120),
]; // prettier-ignore

/** A random string built from characters and words that tend to break ids. */
export function hostileString(random: () => number, maxPieces = 6): string {
  const n = Math.floor(random() * (maxPieces + 1));
  let out = '';
  for (let i = 0; i < n; i++) out += HOSTILE_PIECES[Math.floor(random() * HOSTILE_PIECES.length)];
  return out;
}
