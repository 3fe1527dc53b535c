import type { AttributeSelection, Config } from '../config';
import { PRODUCT_TYPES, type Attribute, type Category, type Product } from '../bluestone/types';

/**
 * Sync filters (SYNC_PRODUCT_TYPES, SYNC_ATTRIBUTES_INCLUDE / _EXCLUDE, SYNC_LABELS_EXCLUDE): the
 * counterpart of Optimizely's `[PimNoSync]` / `[PimSync]`. Pure decisions, applied by the page
 * processor before mapping, so full, incremental and refresh syncs leave out exactly the same things.
 *
 * - A product carrying an excluded label is deleted from Occtoo (in every context pass that sees
 *   the label; a delete of a key Occtoo does not hold is harmless). Labels match exactly.
 * - A product of an excluded type is skipped: not sent, not deleted. A type outside the four known
 *   ones is always sent, so a new Bluestone type is never silently dropped.
 * - The label rule wins over the type rule: an excluded bundle with an excluded label is deleted.
 * - Attributes: SYNC_ATTRIBUTES_INCLUDE first (unset = every attribute), then
 *   SYNC_ATTRIBUTES_EXCLUDE; an item is an attribute number (or, for an attribute without one, its
 *   id) or `group:<groupNumber>`. The same rule applies to category attributes. Built-in properties
 *   (Name, Labels, ...), relations and media-asset attributes are not attributes here.
 * - Relations, Variants and BundleProductIds may still name filtered-out products: they are
 *   Bluestone's facts, and dropping them would make a product's data depend on other products.
 * - Narrowing the filters later removes nothing already in Occtoo except labelled products:
 *   skipped types and left-out attribute properties stay until the Occtoo source is cleared and
 *   a full sync runs. A label deletion leaves the product's media, as MEDIA_DELETE=false does.
 */

export type SyncFilters = Config['filters'];

/** No filtering at all: what an unset configuration gives. */
export const NO_FILTERS: SyncFilters = {
  productTypes: [...PRODUCT_TYPES],
  attributesInclude: undefined,
  attributesExclude: { numbers: [], groups: [] },
  labelsExclude: [],
};

/** What to do with one product. `send` carries the product with its attributes filtered. */
export type ProductDecision =
  | { action: 'send'; product: Product }
  | { action: 'skip'; reason: string }
  | { action: 'delete'; reason: string };

export function decideProduct(product: Product, filters: SyncFilters): ProductDecision {
  const label = product.labels.find((l) => filters.labelsExclude.includes(l));
  if (label !== undefined)
    return { action: 'delete', reason: `it carries the label "${label}" (SYNC_LABELS_EXCLUDE)` };
  if (isExcludedType(product.type, filters)) {
    return { action: 'skip', reason: `its type ${product.type} is not in SYNC_PRODUCT_TYPES` };
  }
  return { action: 'send', product: withSyncedAttributes(product, filters) };
}

/** True for a known product type missing from SYNC_PRODUCT_TYPES. */
export function isExcludedType(type: string, filters: Pick<SyncFilters, 'productTypes'>): boolean {
  return PRODUCT_TYPES.some((known) => known === type) && !filters.productTypes.some((t) => t === type);
}

/** Whether an attribute passes SYNC_ATTRIBUTES_INCLUDE (when set) and then SYNC_ATTRIBUTES_EXCLUDE. */
export function isAttributeSynced(
  attribute: Attribute,
  filters: Pick<SyncFilters, 'attributesInclude' | 'attributesExclude'>,
): boolean {
  if (filters.attributesInclude && !selects(filters.attributesInclude, attribute)) return false;
  return !selects(filters.attributesExclude, attribute);
}

/** The product or category with only the attributes the filters let through (a copy when any go). */
export function withSyncedAttributes<T extends Product | Category>(owner: T, filters: SyncFilters): T {
  if (!filters.attributesInclude && isEmpty(filters.attributesExclude)) return owner;
  const attributes = owner.attributes.filter((a) => isAttributeSynced(a, filters));
  return attributes.length === owner.attributes.length ? owner : { ...owner, attributes };
}

/** A page of products sorted by decision, in page order. */
export interface FilteredPage {
  send: Product[];
  skipped: { product: Product; reason: string }[];
  deleted: { product: Product; reason: string }[];
}

export function filterProducts(products: readonly Product[], filters: SyncFilters): FilteredPage {
  const page: FilteredPage = { send: [], skipped: [], deleted: [] };
  for (const product of products) {
    const decision = decideProduct(product, filters);
    if (decision.action === 'send') page.send.push(decision.product);
    else if (decision.action === 'skip') page.skipped.push({ product, reason: decision.reason });
    else page.deleted.push({ product, reason: decision.reason });
  }
  return page;
}

function selects(selection: AttributeSelection, attribute: Attribute): boolean {
  const number = attribute.number === undefined || attribute.number === '' ? attribute.id : attribute.number;
  if (selection.numbers.includes(number)) return true;
  return attribute.groupNumber !== undefined && selection.groups.includes(attribute.groupNumber);
}

function isEmpty(selection: AttributeSelection): boolean {
  return selection.numbers.length === 0 && selection.groups.length === 0;
}
