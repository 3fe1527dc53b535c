import { allContexts, type Config } from '../config';
import type { Category, Product } from '../bluestone/types';
import {
  mapCategory,
  mapProduct,
  mediaAssetsOf,
  mediaUniqueIdentifier,
  productKeyOf,
  type MappedEntity,
  type OcctooFile,
} from '../mapping';
import type { MediaFileDto, OcctooEntity } from '../occtoo/types';
import { readCategory, readProduct } from '../bluestone/schemas';
import { toPapiJson, type Catalog } from './catalog';
import { mergeEntity } from './occtoo-ingest-rules';

/**
 * What Occtoo should hold after a sync of the simulated catalog: every context pass mapped and
 * merged per (property id, language), exactly as Occtoo merges imports. Tests, benchmarks and
 * the demo compare it with the Occtoo simulator's state, entity by entity, exactly: it maps the
 * catalog as it is now, so a value a publish removed is absent here, and Occtoo still holding it
 * is a difference.
 */
export type SourceState = Map<string, OcctooEntity>;

export interface ExpectedState {
  products: SourceState;
  categories: SourceState;
  media: SourceState;
}

export function expectedOcctooState(
  catalog: Catalog,
  config: Pick<Config, 'bluestone' | 'mapping'>,
  occtooMedia: MediaFileDto[] = [],
): ExpectedState {
  const state: ExpectedState = { products: new Map(), categories: new Map(), media: new Map() };
  const settings = config.mapping;
  const filesByUid = new Map(occtooMedia.map((f) => [f.uniqueIdentifier, f]));
  const occtooFilesFor = (owners: (Product | Category)[]): Map<string, OcctooFile> | undefined => {
    if (settings.handleMedia !== 'occtoo') return undefined;
    const files = new Map<string, OcctooFile>();
    for (const asset of owners.flatMap(mediaAssetsOf)) {
      const file = filesByUid.get(mediaUniqueIdentifier(asset));
      if (file) files.set(asset.id, { id: file.id, publicUrl: file.publicUrl });
    }
    return files;
  };
  // The simulator's own merge, so a null (if the mapping ever sends one) removes exactly as there.
  const merge = (target: SourceState, entity: OcctooEntity) => {
    if (entity.delete) target.delete(entity.key);
    else target.set(entity.key, mergeEntity(target.get(entity.key), entity));
  };
  const add = (target: SourceState, mapped: MappedEntity) => {
    if (mapped.entity) merge(target, mapped.entity);
    for (const m of mapped.media) merge(state.media, m);
  };

  allContexts(config).forEach((mapping, index) => {
    const pass = { context: mapping.context, language: mapping.language, isDefault: index === 0 };
    // Read the catalog as the service reads it over HTTP: PAPI JSON through the tolerant reader.
    const categories = catalog.categoriesIn(pass.context).map((c) => readCategory(toPapiJson(c)));
    const products = catalog.productsIn(pass.context).map((p) => readProduct(toPapiJson(p)));
    const categoryFiles = occtooFilesFor(categories);
    for (const c of categories)
      add(state.categories, mapCategory(c, pass, settings, { occtooFiles: categoryFiles }));
    const relatedKeys =
      settings.productKey === 'number'
        ? new Map(
            products.flatMap((p) => (productKeyOf(p, settings) ? [[p.id, productKeyOf(p, settings)!]] : [])),
          )
        : undefined;
    const productFiles = occtooFilesFor(products);
    for (const p of products)
      add(state.products, mapProduct(p, pass, settings, { occtooFiles: productFiles, relatedKeys }));
  });
  return state;
}

/** Human-readable differences between an expected and an actual source (empty when equal). */
export function compareSource(
  name: string,
  expected: SourceState,
  actual: SourceState,
  limit = 20,
): string[] {
  const problems: string[] = [];
  const line = (p: { id: string; language?: string; value: string | null }) =>
    `${p.id}[${p.language ?? ''}]=${JSON.stringify(p.value)}`;
  for (const [key, entity] of expected) {
    const got = actual.get(key);
    if (!got) {
      problems.push(`${name}: ${key} is missing`);
      continue;
    }
    const want = new Set(entity.properties.map(line));
    const have = new Set(got.properties.map(line));
    for (const p of want) if (!have.has(p)) problems.push(`${name}: ${key} lacks ${p}`);
    for (const p of have) if (!want.has(p)) problems.push(`${name}: ${key} has unexpected ${p}`);
  }
  for (const key of actual.keys())
    if (!expected.has(key)) problems.push(`${name}: ${key} should not be there`);
  return problems.length > limit
    ? [...problems.slice(0, limit), `... and ${problems.length - limit} more`]
    : problems;
}

/** Every difference between the expected state and what the Occtoo simulator holds. */
export function compareWithOcctoo(
  expected: ExpectedState,
  actual: { entities(source: string): SourceState },
  sources: Pick<Config['occtoo'], 'productsSource' | 'categoriesSource' | 'mediaSource'>,
): string[] {
  return [
    ...compareSource('products', expected.products, actual.entities(sources.productsSource)),
    ...compareSource('categories', expected.categories, actual.entities(sources.categoriesSource)),
    ...compareSource('media', expected.media, actual.entities(sources.mediaSource)),
  ];
}
