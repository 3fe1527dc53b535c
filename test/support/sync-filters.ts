/**
 * Sync-filter scenarios on a generated catalog, and what Occtoo must then hold. The expectation
 * filters the catalog itself (simple, independent rules) and maps it with the real mapping; it
 * never calls src/mapping/filters.ts, so a bug there cannot hide in the expectation.
 * Any sync kind can use it: run the sync with `scenario.env`, then expect `filterProblems` to be [].
 */
import { readProduct } from '../../src/bluestone/schemas';
import { mapProduct, productKeyOf } from '../../src/mapping';
import type { Attribute } from '../../src/bluestone/types';
import { isValidId } from '../../src/mapping/sanitize';
import type { Config } from '../../src/config';
import { toPapiJson, type Catalog, type SimProduct } from '../../src/sim/catalog';
import { compareWithOcctoo, expectedOcctooState } from '../../src/sim/expected-state';
import type { Sims } from './sims';

export interface FilterScenario {
  /** Pass to testConfig together with sims.env. */
  env: Record<string, string>;
  excludedType: 'BUNDLE';
  /** An attribute number with a unit, so that `{number}Unit` must go too. */
  excludedAttribute: string;
  /** The group of the attributes with hostile (non-ASCII) numbers. */
  excludedGroup: string;
  /** A label a few products carry. */
  excludedLabel: string;
}

/** Real types, attributes, groups and labels of the catalog, chosen so that each filter bites. */
export function filterScenario(catalog: Catalog): FilterScenario {
  const definitions = catalog.attributesIn(catalog.contexts[0].context);
  const withUnit = definitions.find((d) => d.unit && d.number);
  const hostile = definitions.find((d) => d.number && !isValidId(d.number) && d.groupNumber);
  if (!withUnit?.number || !hostile?.groupNumber || hostile.groupNumber === withUnit.groupNumber) {
    throw new Error(
      'filterScenario needs a catalog with hostile data (an attribute group of non-ASCII numbers)',
    );
  }
  const products = catalog.productsIn(catalog.contexts[0].context);
  const counts = new Map<string, number>();
  for (const p of products) for (const l of p.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const [label] = [...counts]
    .filter(([, n]) => n >= 2 && n < products.length / 2)
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .map(([l]) => l);
  if (!label)
    throw new Error('filterScenario needs a label that 2 or more (but not half the) products carry');
  return {
    env: {
      SYNC_PRODUCT_TYPES: 'SINGLE,GROUP,VARIANT',
      SYNC_ATTRIBUTES_EXCLUDE: `${withUnit.number},group:${hostile.groupNumber}`,
      SYNC_LABELS_EXCLUDE: label,
    },
    excludedType: 'BUNDLE',
    excludedAttribute: withUnit.number,
    excludedGroup: hostile.groupNumber,
    excludedLabel: label,
  };
}

export function isExcludedAttribute(a: Attribute, s: FilterScenario): boolean {
  return a.number === s.excludedAttribute || a.groupNumber === s.excludedGroup;
}

/** True when the product must not be in Occtoo at all. */
export function isExcludedProduct(p: SimProduct, s: FilterScenario): boolean {
  return p.type === s.excludedType || p.labels.includes(s.excludedLabel);
}

/** The catalog as the filters let it through: for expectedOcctooState. */
export function filteredCatalogView(catalog: Catalog, s: FilterScenario): Catalog {
  const view = Object.create(catalog) as Catalog;
  view.productsIn = (context) =>
    catalog
      .productsIn(context)
      .filter((p) => !isExcludedProduct(p, s))
      .map((p) => ({ ...p, attributes: p.attributes.filter((a) => !isExcludedAttribute(a, s)) }));
  view.categoriesIn = (context) =>
    catalog
      .categoriesIn(context)
      .map((c) => ({ ...c, attributes: c.attributes.filter((a) => !isExcludedAttribute(a, s)) }));
  return view;
}

/**
 * The property ids the excluded attributes give this product (value, Key and Unit properties),
 * found by mapping it with and without them.
 */
export function excludedPropertyIds(p: SimProduct, s: FilterScenario, config: Config): string[] {
  const pass = { language: config.bluestone.defaultContext.language, isDefault: true };
  // Read as the service reads it: PAPI JSON through the tolerant reader.
  const ids = (product: SimProduct) =>
    new Set(
      mapProduct(readProduct(toPapiJson(product)), pass, config.mapping).entity?.properties.map(
        (x) => x.id,
      ) ?? [],
    );
  const kept = ids({ ...p, attributes: p.attributes.filter((a) => !isExcludedAttribute(a, s)) });
  return [...ids(p)].filter((id) => !kept.has(id));
}

/**
 * Every way Occtoo differs from what the filters allow: excluded products present, excluded
 * attribute properties present, and any difference from the filtered catalog. Empty when right.
 * `keptMedia`: media keys allowed to stay (a label deletion leaves the product's media, as an
 * archive deletion does with MEDIA_DELETE off).
 */
export function filterProblems(
  sims: Sims,
  config: Config,
  s: FilterScenario,
  keptMedia: ReadonlySet<string> = new Set(),
): string[] {
  const problems: string[] = [];
  const products = sims.occtoo.entities(config.occtoo.productsSource);
  for (const p of sims.catalog.productsIn(config.bluestone.defaultContext.context)) {
    const key = productKeyOf(p, config.mapping);
    const entity = key === undefined ? undefined : products.get(key);
    if (!entity) continue;
    if (p.type === s.excludedType) problems.push(`${p.type} product ${p.id} is in Occtoo`);
    if (p.labels.includes(s.excludedLabel))
      problems.push(`product ${p.id} carries the label ${s.excludedLabel} and is in Occtoo`);
    const excluded = new Set(excludedPropertyIds(p, s, config));
    for (const prop of entity.properties)
      if (excluded.has(prop.id)) problems.push(`product ${p.id} has the excluded property ${prop.id}`);
  }
  const expected = expectedOcctooState(
    filteredCatalogView(sims.catalog, s),
    config,
    sims.occtoo.mediaFiles(),
  );
  const occtoo = {
    entities: (source: string) =>
      source === config.occtoo.mediaSource
        ? new Map([...sims.occtoo.entities(source)].filter(([key]) => !keptMedia.has(key)))
        : sims.occtoo.entities(source),
  };
  return [...problems, ...compareWithOcctoo(expected, occtoo, config.occtoo)];
}
