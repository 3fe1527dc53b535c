import { z } from 'zod';
import type {
  Attribute,
  AttributeDefinition,
  Category,
  ContextInfo,
  CursorPage,
  Difference,
  MediaAsset,
  Paginated,
  Product,
  RelationDefinition,
  SyncInfo,
} from './types';

/**
 * Tolerant schemas for Bluestone's Public API: z.object strips unknown keys, `list` turns a
 * missing array into [], numbers in string fields become strings, an unknown attribute
 * dataType is kept as is. What we cannot do without (an id, a results array) fails.
 */

const str = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const optStr = z
  .union([z.string(), z.number(), z.boolean()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? undefined : String(v)));
const optBool = z
  .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
  .nullish()
  .transform((v) => v ?? undefined);
const epoch = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const optEpoch = epoch.nullish().transform((v) => v ?? undefined);
const optNum = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^-?\d+(\.\d+)?$/)
      .transform(Number),
  ])
  .nullish()
  .transform((v) => v ?? undefined);
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v): z.output<T>[] => v ?? []);
/** Attribute values are strings on PAPI; anything else that sneaks in is turned into one. */
const values = z
  .array(z.unknown())
  .nullish()
  .transform((v) =>
    (v ?? [])
      .filter((x) => x !== null && x !== undefined)
      .map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))),
  );
const looseText = z
  .unknown()
  .optional()
  .transform((v) =>
    v === null || v === undefined ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v),
  );

const columnValue = z.object({ id: str, name: optStr, value: optStr });
const attributeSchema: z.ZodType<Attribute> = z.object({
  id: str,
  name: optStr,
  number: optStr,
  unit: optStr,
  groupName: optStr,
  groupNumber: optStr,
  dataType: optStr,
  isCompound: optBool,
  valueType: optStr,
  definingAttribute: optBool,
  contentType: optStr,
  values,
  select: list(z.object({ id: str, number: optStr, value: optStr, metadata: looseText })),
  dictionary: list(z.object({ id: str, number: optStr, value: optStr })),
  column: list(columnValue),
  matrix: list(z.object({ id: str, name: optStr, rows: list(columnValue) })),
});

const mediaSchema: z.ZodType<MediaAsset> = z.object({
  id: str,
  number: optStr,
  name: optStr,
  description: optStr,
  fileName: optStr,
  contentType: optStr,
  downloadUri: optStr,
  previewUri: optStr,
  labels: list(str),
  createdAt: optEpoch,
  updatedAt: optEpoch,
  attributes: list(attributeSchema),
});

const metadataEntry = z.object({ id: str, value: z.unknown() });

export const productSchema: z.ZodType<Product> = z.object({
  id: str,
  type: str,
  name: optStr,
  number: optStr,
  description: optStr,
  attributes: list(attributeSchema),
  media: list(mediaSchema),
  labels: list(str),
  categories: list(str),
  relations: list(
    z.object({ id: str, name: optStr, number: optStr, productId: str, reverse: optBool, direction: optStr }),
  ),
  metadata: list(metadataEntry),
  bundles: list(z.object({ productId: str, quantity: optNum })),
  variants: list(str),
  variantParentId: optStr,
  lastUpdate: optEpoch,
  createDate: optEpoch,
  relatedProductsRelationSortingOrderSource: optStr,
  publishInfoId: optStr,
  contextId: optStr,
});

export const categorySchema: z.ZodType<Category> = z.object({
  id: str,
  parentId: optStr,
  order: optNum,
  name: optStr,
  number: optStr,
  description: optStr,
  media: list(mediaSchema),
  attributes: list(attributeSchema),
  metaData: list(metadataEntry),
  subCategories: list(z.lazy(() => categorySchema)),
});

export const attributeDefinitionSchema: z.ZodType<AttributeDefinition> = z.object({
  id: str,
  name: optStr,
  number: optStr,
  unit: optStr,
  dataType: optStr,
  groupId: optStr,
  groupName: optStr,
  groupNumber: optStr,
  order: optNum,
  sortingOrder: optNum,
  groupOrder: optNum,
  isCompound: optBool,
  description: optStr,
});

export const relationDefinitionSchema: z.ZodType<RelationDefinition> = z.object({
  id: str,
  number: optStr,
  name: optStr,
  reverseName: optStr,
  order: optNum,
});

export const contextSchema: z.ZodType<ContextInfo> = z.object({ context: str, contextName: optStr });

export const syncSchema: z.ZodType<SyncInfo> = z.object({
  id: str,
  state: optStr,
  createdAt: epoch,
  disposedAt: optEpoch,
  cleanedAt: optEpoch,
  contextId: optStr,
  contextName: optStr,
});

export const differenceSchema: z.ZodType<Difference> = z.object({ id: str, diffType: str });

export const paginated = <T>(item: z.ZodType<T>): z.ZodType<Paginated<T>> =>
  z.object({ totalCount: z.number().int().nonnegative(), results: z.array(item) });
export const resultsOf = <T>(item: z.ZodType<T>) =>
  z.object({ results: z.array(item) }).transform((r) => r.results);
export const cursorPage: z.ZodType<CursorPage<Product>> = z.object({
  nextCursor: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  results: z.array(productSchema),
});

/** Reads one product as the client does (tolerant reader); for callers holding raw PAPI JSON. */
export function readProduct(raw: unknown): Product {
  return productSchema.parse(raw);
}

/** Reads one category as the client does (tolerant reader). */
export function readCategory(raw: unknown): Category {
  return categorySchema.parse(raw);
}
