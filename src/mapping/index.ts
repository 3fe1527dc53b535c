import type { Category, MediaAsset, Product } from '../bluestone/types';
import type { OcctooEntity } from '../occtoo/types';
import { nonEmpty } from './attributes';
import {
  mapMediaAsset,
  mediaAssetsOf,
  ownerMediaProperties,
  type MappingSettings,
  type OcctooFile,
} from './media';
import {
  builtin,
  passProperties,
  plannedAttributes,
  type ContextPass,
  type PlannedProperty,
} from './properties';
import { sanitizeKey } from './sanitize';
import { entityTooLarge, isoDate, joinList, metadataString, type SetAside } from './shared';

/**
 * The pure Bluestone → Occtoo mapping: one product or category, in one context pass, becomes
 * one Occtoo entity (plus media entities in the default pass). docs/mapping.md is the spec.
 */

export type { ContextPass } from './properties';
export type { MappingSettings, MappedMedia, OcctooFile } from './media';
export type { SetAside } from './shared';
export { MEDIA_BUILTINS, mapMediaAsset, mediaAssetsOf, mediaKeyOf, mediaUniqueIdentifier } from './media';
export { occtooThumbnailUrl } from './media';
export { sanitizeKey, sanitizePropertyId } from './sanitize';

export const PRODUCT_BUILTINS = [
  'Id',
  'ProductType',
  'Name',
  'Number',
  'Description',
  'Labels',
  'Categories',
  'Variants',
  'VariantParentId',
  'BundleProductIds',
  'BundleQuantities',
  'Metadata',
  'LastUpdate',
  'CreateDate',
  'Media',
  'Thumbnail',
] as const;

export const CATEGORY_BUILTINS = [
  'Id',
  'ParentId',
  'Order',
  'Name',
  'Number',
  'Description',
  'Metadata',
  'Media',
  'Thumbnail',
] as const;

export interface MappingExtras {
  /** PRODUCT_KEY=number: Occtoo key of each related product, by Bluestone product id. */
  relatedKeys?: ReadonlyMap<string, string>;
  /** HANDLE_MEDIA=occtoo: the Occtoo file of each uploaded asset, by Bluestone asset id. */
  occtooFiles?: ReadonlyMap<string, OcctooFile>;
}

/**
 * The result for one product or category in one pass. No `entity` and no `setAside` means the
 * pass has nothing to send (a non-default pass without localized values).
 */
export interface MappedEntity {
  entity?: OcctooEntity;
  setAside?: SetAside;
  /** Media entities (default pass only; empty when HANDLE_MEDIA=ignore). */
  media: OcctooEntity[];
  /** Things left out that the caller should report: missing related keys, failed uploads... */
  warnings: string[];
}
export type MappedProduct = MappedEntity;
export type MappedCategory = MappedEntity;

/** The product's Occtoo key under PRODUCT_KEY, or undefined when it has none to give. */
export function productKeyOf(
  product: Product,
  settings: Pick<MappingSettings, 'productKey'>,
): string | undefined {
  const raw = settings.productKey === 'number' ? product.number : product.id;
  return raw === undefined || raw.trim() === '' ? undefined : sanitizeKey(raw);
}

export function categoryKeyOf(category: Category): string | undefined {
  return category.id.trim() === '' ? undefined : sanitizeKey(category.id);
}

/** Bluestone ids of every related product, each once: what to resolve into `relatedKeys`. */
export function relatedProductIdsOf(product: Product): string[] {
  return [...new Set(product.relations.map((r) => r.productId).filter((id) => id !== ''))];
}

/** A delete for an entity; the key is sanitized (idempotent), so a raw Bluestone id works too. */
export function deleteEntity(key: string): OcctooEntity {
  if (key.trim() === '')
    throw new Error('deleteEntity needs a non-empty key (a Bluestone id or product number)');
  return { key: sanitizeKey(key), delete: true, properties: [] };
}

export function mapProduct(
  product: Product,
  pass: ContextPass,
  settings: MappingSettings,
  extra: MappingExtras = {},
): MappedProduct {
  const warnings: string[] = [];
  const what = `product ${product.id}`;
  const media = pass.isDefault
    ? ownerMediaEntities(product, what, settings, extra.occtooFiles, warnings)
    : [];
  const key = productKeyOf(product, settings);
  if (key === undefined) {
    const reason =
      settings.productKey === 'number'
        ? 'PRODUCT_KEY=number but the product has no number; give it one in Bluestone or use PRODUCT_KEY=id'
        : 'the product has an empty id';
    return { setAside: { id: product.id, reason }, media, warnings };
  }

  const sep = settings.multiValueSeparator;
  const localized = settings.localizedProductProperties;
  const owned = ownerMediaProperties(product, settings, extra.occtooFiles);
  const quantities = product.bundles.map((b) => (typeof b.quantity === 'number' ? String(b.quantity) : ''));
  const planned: PlannedProperty[] = [
    builtin('Id', product.id),
    builtin('ProductType', product.type),
    builtin('Name', product.name),
    builtin('Number', product.number),
    builtin('Description', product.description),
    builtin('Labels', joinList(product.labels, sep)),
    builtin('Categories', joinList(product.categories, sep)),
    builtin('Variants', joinList(product.variants, sep)),
    builtin('VariantParentId', product.variantParentId),
    builtin(
      'BundleProductIds',
      joinList(
        product.bundles.map((b) => b.productId),
        sep,
      ),
    ),
    // Positions line up with BundleProductIds; a missing quantity leaves its position empty.
    builtin('BundleQuantities', quantities.some((q) => q !== '') ? quantities.join(sep) : undefined),
    builtin('Metadata', metadataString(product.metadata, sep)),
    builtin('LastUpdate', isoDate(product.lastUpdate)),
    builtin('CreateDate', isoDate(product.createDate)),
    builtin('Media', owned.media),
    builtin('Thumbnail', owned.thumbnail),
    ...plannedRelations(product, pass, settings, extra.relatedKeys, warnings),
    ...plannedAttributes(product.attributes, sep),
  ];
  return finish(product.id, key, planned, PRODUCT_BUILTINS, pass, localized, media, warnings);
}

export function mapCategory(
  category: Category,
  pass: ContextPass,
  settings: MappingSettings,
  extra: Pick<MappingExtras, 'occtooFiles'> = {},
): MappedCategory {
  const warnings: string[] = [];
  const what = `category ${category.id}`;
  const media = pass.isDefault
    ? ownerMediaEntities(category, what, settings, extra.occtooFiles, warnings)
    : [];
  const key = categoryKeyOf(category);
  if (key === undefined)
    return { setAside: { id: category.id, reason: 'the category has an empty id' }, media, warnings };

  const sep = settings.multiValueSeparator;
  const owned = ownerMediaProperties(category, settings, extra.occtooFiles);
  const planned: PlannedProperty[] = [
    builtin('Id', category.id),
    builtin('ParentId', category.parentId),
    builtin('Order', typeof category.order === 'number' ? String(category.order) : undefined),
    builtin('Name', category.name),
    builtin('Number', category.number),
    builtin('Description', category.description),
    builtin('Metadata', metadataString(category.metaData, sep)),
    builtin('Media', owned.media),
    builtin('Thumbnail', owned.thumbnail),
    ...plannedAttributes(category.attributes, sep),
  ];
  return finish(
    category.id,
    key,
    planned,
    CATEGORY_BUILTINS,
    pass,
    settings.localizedCategoryProperties,
    media,
    warnings,
  );
}

function finish(
  id: string,
  key: string,
  planned: PlannedProperty[],
  builtins: readonly string[],
  pass: ContextPass,
  localized: readonly string[],
  media: OcctooEntity[],
  warnings: string[],
): MappedEntity {
  const properties = passProperties(planned, builtins, pass, localized);
  if (properties.length === 0) return { media, warnings };
  const entity: OcctooEntity = { key, properties };
  const tooLarge = entityTooLarge(entity);
  if (tooLarge) return { setAside: { id, key, reason: tooLarge }, media, warnings };
  return { entity, media, warnings };
}

/** One property per relation definition, holding the related products' keys in Bluestone's order. */
function plannedRelations(
  product: Product,
  pass: ContextPass,
  settings: MappingSettings,
  relatedKeys: ReadonlyMap<string, string> | undefined,
  warnings: string[],
): PlannedProperty[] {
  const groups = new Map<string, { label: string; productIds: string[] }>();
  for (const relation of product.relations) {
    const group = groups.get(relation.id) ?? {
      label: nonEmpty(relation.number) ?? relation.id,
      productIds: [],
    };
    group.productIds.push(relation.productId);
    groups.set(relation.id, group);
  }
  const localized = new Set(settings.localizedProductProperties);
  return [...groups].map(([definitionId, { label, productIds }]) => {
    const name = `relation-${label}`;
    // Warn only in a pass that sends the property, so one problem is reported once.
    const sends = pass.isDefault || localized.has(name);
    const keys: string[] = [];
    for (const productId of productIds) {
      const key = relatedKeyOf(productId, settings, relatedKeys);
      if (key !== undefined) keys.push(key);
      else if (sends) {
        warnings.push(
          `product ${product.id}: related product "${productId}" (${name}) has no Occtoo key and is left out of the relation`,
        );
      }
    }
    return {
      source: `relation:${definitionId}`,
      kind: 'relation' as const,
      name,
      wanted: label,
      value: joinList(keys, settings.multiValueSeparator),
      twins: [],
    };
  });
}

function relatedKeyOf(
  productId: string,
  settings: MappingSettings,
  relatedKeys: ReadonlyMap<string, string> | undefined,
): string | undefined {
  if (productId.trim() === '') return undefined;
  if (settings.productKey === 'id') return sanitizeKey(productId);
  const key = relatedKeys?.get(productId);
  return key === undefined || key.trim() === '' ? undefined : sanitizeKey(key);
}

/** Media entities for the owner's assets, with a warning for each asset that cannot go. */
function ownerMediaEntities(
  owner: Product | Category,
  what: string,
  settings: MappingSettings,
  occtooFiles: ReadonlyMap<string, OcctooFile> | undefined,
  warnings: string[],
): OcctooEntity[] {
  if (settings.handleMedia === 'ignore') return [];
  const out: OcctooEntity[] = [];
  for (const asset of mediaAssetsOf(owner)) {
    const mapped = mapMediaAsset(asset, settings, occtooFiles?.get(asset.id));
    if (mapped.entity) out.push(mapped.entity);
    else if (mapped.setAside) warnings.push(mediaWarning(what, asset, mapped.setAside.reason));
  }
  return out;
}

function mediaWarning(what: string, asset: MediaAsset, reason: string): string {
  return `${what}: media asset "${asset.id}" is left out (${reason})`;
}
