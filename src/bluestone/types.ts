/**
 * Shapes of Bluestone's Public API (PAPI), as our code reads them: see
 * ../shared/reference/bluestone-papi.md §8. PAPI omits empty collections and may add
 * fields at any time, so every collection is optional here and the client normalizes
 * them (missing arrays read as empty, unknown fields ignored).
 */

export type ProductType = 'SINGLE' | 'GROUP' | 'VARIANT' | 'BUNDLE';
export const PRODUCT_TYPES: readonly ProductType[] = ['SINGLE', 'GROUP', 'VARIANT', 'BUNDLE'];

/** The 16 documented data types; any other string is kept as is (tolerant reader). */
export type AttributeDataType =
  | 'boolean'
  | 'integer'
  | 'decimal'
  | 'date'
  | 'date_time'
  | 'time'
  | 'text'
  | 'multiline'
  | 'pattern'
  | 'formatted_text'
  | 'single_select'
  | 'multi_select'
  | 'dictionary'
  | 'column'
  | 'matrix'
  | (string & {});

export interface SelectOption {
  id: string;
  number?: string;
  value?: string;
  metadata?: string;
}

export interface DictionaryEntry {
  id: string;
  number?: string;
  value?: string;
}

export interface ColumnValue {
  id: string;
  name?: string;
  value?: string;
}

export interface MatrixValue {
  id: string;
  name?: string;
  rows: ColumnValue[];
}

export interface Attribute {
  id: string;
  name?: string;
  number?: string;
  unit?: string | null;
  groupName?: string;
  groupNumber?: string;
  dataType?: AttributeDataType;
  isCompound?: boolean;
  valueType?: string | null;
  definingAttribute?: boolean | null;
  contentType?: string;
  values: string[];
  select: SelectOption[];
  dictionary: DictionaryEntry[];
  column: ColumnValue[];
  matrix: MatrixValue[];
}

export interface MediaAsset {
  id: string;
  number?: string;
  name?: string;
  description?: string;
  fileName?: string;
  contentType?: string;
  downloadUri?: string;
  previewUri?: string;
  labels: string[];
  createdAt?: number;
  updatedAt?: number;
  attributes: Attribute[];
}

export interface ProductRelation {
  id: string;
  name?: string;
  number?: string;
  productId: string;
  reverse?: boolean;
  direction?: 'ONE_WAY' | 'TWO_WAY' | (string & {});
}

export interface MetadataEntry {
  id: string;
  value: unknown;
}

export interface BundleItem {
  productId: string;
  quantity?: number;
}

export interface Product {
  id: string;
  type: ProductType | (string & {});
  name?: string;
  number?: string;
  description?: string;
  attributes: Attribute[];
  media: MediaAsset[];
  labels: string[];
  categories: string[];
  relations: ProductRelation[];
  metadata: MetadataEntry[];
  bundles: BundleItem[];
  variants: string[];
  variantParentId?: string;
  lastUpdate?: number;
  createDate?: number;
  relatedProductsRelationSortingOrderSource?: string;
  publishInfoId?: string;
  contextId?: string;
}

export interface Category {
  id: string;
  parentId?: string;
  order?: number;
  name?: string;
  number?: string;
  description?: string;
  media: MediaAsset[];
  attributes: Attribute[];
  /** PAPI spells it `metaData` on categories. */
  metaData: MetadataEntry[];
  subCategories: Category[];
}

export interface AttributeDefinition {
  id: string;
  name?: string;
  number?: string;
  unit?: string;
  dataType?: AttributeDataType;
  groupId?: string;
  groupName?: string;
  groupNumber?: string;
  order?: number;
  sortingOrder?: number;
  groupOrder?: number;
  isCompound?: boolean;
  description?: string;
}

export interface RelationDefinition {
  id: string;
  number?: string;
  name?: string;
  reverseName?: string;
  order?: number;
}

export interface ContextInfo {
  context: string;
  contextName?: string;
}

export type SyncState = 'INITIALIZING' | 'PENDING' | 'PUBLISH' | 'PUBLISH_CLEANUP' | 'CLOSED' | 'CANCELLED';

/** PublishInfo: one sync to the Public API, for one context. */
export interface SyncInfo {
  id: string;
  state?: SyncState | (string & {});
  createdAt: number;
  disposedAt?: number;
  cleanedAt?: number;
  contextId?: string;
  contextName?: string;
}

export type DiffType = 'ADD' | 'CHANGE' | 'DELETE';
export type DiffEntityType = 'products' | 'categories' | 'attributes' | 'relations';

export interface Difference {
  id: string;
  diffType: DiffType | (string & {});
}

export interface CursorPage<T> {
  nextCursor: string | null;
  results: T[];
}

/** `FilteringCriteriaRequest` (§7.2): keys are ANDed. */
export interface ProductFilter {
  ids?: string[];
  names?: string[];
  numbers?: string[];
  labels?: string[];
  categories?: string[];
  attributes?: string[];
  attributeFilters?: { number: string; value: string }[];
  relations?: string[];
  productTypes?: string[];
  bundles?: string[];
}

export interface Paginated<T> {
  totalCount: number;
  results: T[];
}

/** Bluestone's webhook envelope (bluestone-papi.md §11.2). */
export interface WebhookEnvelope {
  timestamp: number;
  events: { changes: WebhookChange }[];
}

export interface WebhookChange {
  eventType: string;
  entityIds?: string[];
  syncDoneData?: { field?: string; value: string; context: string };
  stateChange?: { changeType?: string; oldValue?: string; newValue: string; context?: string };
  [extra: string]: unknown;
}
