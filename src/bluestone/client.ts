import http from 'node:http';
import https from 'node:https';
import axios, { isAxiosError, type AxiosError, type AxiosInstance, type Method } from 'axios';
import { z } from 'zod';
import { ApiError, FailureType } from '../http/api-error';
import type {
  Attribute,
  AttributeDefinition,
  Category,
  ContextInfo,
  CursorPage,
  DiffEntityType,
  Difference,
  MediaAsset,
  Paginated,
  Product,
  RelationDefinition,
  SyncInfo,
} from './types';
import { isTransient, retryAfterMs, withRetries, type RetryEvent, type RetryPolicy } from '../http/retry';

/**
 * Client for Bluestone's Public API (bluestone-papi.md). A tolerant reader: unknown fields
 * are dropped, missing collections read as [], numbers in string fields become strings, an
 * unknown attribute dataType is kept as is. What we cannot do without (an id, a results
 * array) fails as InvalidResponse, naming the endpoint and the field.
 *
 * Errors: 400 → BluestoneBadRequest, 401/403 → BluestoneForbidden, 404 → BluestoneNotFound
 * (all final); network errors, 408, 429 and 5xx are retried with backoff (Retry-After wins
 * when sent) and, once retries are spent, end as BluestoneUnavailable (retryable).
 * InvalidResponse is marked retryable: its usual cause is a proxy's error page or a cut-off
 * body, and the workflow's retry policy bounds it.
 */

export interface BluestoneClientOptions {
  /** PAPI base, `/v1` included (BLUESTONE_API_URL). */
  baseUrl: string;
  apiKey: string;
  /** Per-attempt timeout; default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  onRetry?: (event: RetryEvent & { endpoint: string }) => void;
  /** Keep-alive sockets per host; default 16. */
  maxSockets?: number;
  /** Parallel by-ids/by-numbers chunk requests; default 4. */
  chunkConcurrency?: number;
}

export interface CallOptions {
  /** Cancels the request and the waits between retries (pass the activity's signal). */
  signal?: AbortSignal;
}

export interface PageRequest {
  /** 0-based. */
  pageNo: number;
  itemsOnPage: number;
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

/** One page of the product cursor, with the cursor that produced it and the one after. */
export interface ProductCursorPage {
  /** The cursor sent for this page (undefined: from the start). */
  cursor: string | undefined;
  /** Send it to continue; null when PAPI says the stream is over. */
  nextCursor: string | null;
  products: Product[];
}

export const PRODUCTS_LIST_MAX_PAGE = 50;
export const PRODUCTS_CURSOR_MAX_LIMIT = 100;
export const PRODUCTS_BATCH_MAX = 100;
/** What the syncs read per page: products per cursor page (the API's maximum), categories per scan page, differences per page. */
export const PRODUCT_PAGE_SIZE = PRODUCTS_CURSOR_MAX_LIMIT;
export const CATEGORY_PAGE_SIZE = 100;
export const DIFFERENCES_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGES = 100_000;

// ---------------------------------------------------------------------------------------
// Tolerant schemas. z.object strips unknown keys; `list` turns a missing array into [].

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

const productSchema: z.ZodType<Product> = z.object({
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

const categorySchema: z.ZodType<Category> = z.object({
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

const attributeDefinitionSchema: z.ZodType<AttributeDefinition> = z.object({
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

const relationDefinitionSchema: z.ZodType<RelationDefinition> = z.object({
  id: str,
  number: optStr,
  name: optStr,
  reverseName: optStr,
  order: optNum,
});

const contextSchema: z.ZodType<ContextInfo> = z.object({ context: str, contextName: optStr });

const syncSchema: z.ZodType<SyncInfo> = z.object({
  id: str,
  state: optStr,
  createdAt: epoch,
  disposedAt: optEpoch,
  cleanedAt: optEpoch,
  contextId: optStr,
  contextName: optStr,
});

const differenceSchema: z.ZodType<Difference> = z.object({ id: str, diffType: str });

const paginated = <T>(item: z.ZodType<T>): z.ZodType<Paginated<T>> =>
  z.object({ totalCount: z.number().int().nonnegative(), results: z.array(item) });
const resultsOf = <T>(item: z.ZodType<T>) => z.object({ results: z.array(item) }).transform((r) => r.results);
const cursorPage: z.ZodType<CursorPage<Product>> = z.object({
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

// ---------------------------------------------------------------------------------------

interface RequestSpec {
  /** For messages and retry events, e.g. `POST /products/by-ids`. */
  endpoint: string;
  method: Method;
  path: string;
  context?: string;
  params?: Record<string, string | number | boolean | undefined>;
  data?: unknown;
  /** What a 404 means here, e.g. `product "abc"`. */
  entity?: string;
  /** Health checks answer at once: no retries. */
  noRetry?: boolean;
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

function headerText(err: AxiosError, name: string): string | undefined {
  const v = err.response?.headers?.[name];
  return v === undefined || v === null ? undefined : String(v);
}

export class BluestoneClient {
  private readonly http: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(private readonly options: BluestoneClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw configError(
        `BLUESTONE_API_URL "${options.baseUrl}" is not a URL (example: https://api.bluestonepim.com/v1)`,
      );
    }
    if (!/^https?:$/.test(base.protocol))
      throw configError('BLUESTONE_API_URL must start with http:// or https://');
    if (!options.apiKey?.trim())
      throw configError('BLUESTONE_API_KEY is empty: set the PAPI key Bluestone issued');
    const maxSockets = options.maxSockets ?? 16;
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets }),
      https: new https.Agent({ keepAlive: true, maxSockets }),
    };
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs ?? 30_000,
      headers: { 'x-api-key': options.apiKey, accept: 'application/json' },
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      maxRedirects: 0,
    });
  }

  /** Frees the keep-alive sockets. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  // ----- endpoints ------------------------------------------------------------------------

  /** Resolves when PAPI answers 2xx on `/health`. */
  async health(opts: CallOptions = {}): Promise<void> {
    await this.request(
      { endpoint: 'GET /health', method: 'GET', path: '/health', noRetry: true },
      z.unknown(),
      opts,
    );
  }

  listContexts(opts: CallOptions = {}): Promise<ContextInfo[]> {
    return this.request(
      { endpoint: 'GET /contexts', method: 'GET', path: '/contexts' },
      z.array(contextSchema),
      opts,
    );
  }

  getProduct(id: string, context: string, opts: CallOptions = {}): Promise<Product> {
    return this.request(
      {
        endpoint: 'GET /products/{id}',
        method: 'GET',
        path: `/products/${encodeURIComponent(id)}`,
        context,
        entity: `product "${id}"`,
      },
      productSchema,
      opts,
    );
  }

  /** Any number of ids, in chunks of 100; unknown ids are simply absent from the result. */
  getProductsByIds(ids: string[], context: string, opts: CallOptions = {}): Promise<Product[]> {
    return this.inChunks(ids, (chunk) =>
      this.request(
        {
          endpoint: 'POST /products/by-ids',
          method: 'POST',
          path: '/products/by-ids',
          context,
          data: { ids: chunk },
        },
        resultsOf(productSchema),
        opts,
      ),
    );
  }

  /** Any number of numbers, in chunks of 100; unknown numbers are simply absent. */
  getProductsByNumbers(numbers: string[], context: string, opts: CallOptions = {}): Promise<Product[]> {
    return this.inChunks(numbers, (chunk) =>
      this.request(
        {
          endpoint: 'POST /products/by-numbers',
          method: 'POST',
          path: '/products/by-numbers',
          context,
          data: { numbers: chunk },
        },
        resultsOf(productSchema),
        opts,
      ),
    );
  }

  /** `itemsOnPage` at most 50 (PAPI answers 400 above). */
  listProducts(
    filter: ProductFilter,
    page: PageRequest & { sort?: string },
    context: string,
    opts: CallOptions = {},
  ): Promise<Paginated<Product>> {
    return this.request(
      {
        endpoint: 'POST /products/list',
        method: 'POST',
        path: '/products/list',
        context,
        params: { pageNo: page.pageNo, itemsOnPage: page.itemsOnPage, sort: page.sort },
        data: filter,
      },
      paginated(productSchema),
      opts,
    );
  }

  /**
   * One page of `/products/cursor/all`. Mind the quirks (§4.2): the last page of data still
   * has a nextCursor, and an unknown cursor silently restarts from the first product.
   */
  productCursorPage(
    context: string,
    cursor?: string,
    limit = PRODUCTS_CURSOR_MAX_LIMIT,
    opts: CallOptions = {},
  ): Promise<CursorPage<Product>> {
    return this.request(
      {
        endpoint: 'POST /products/cursor/all',
        method: 'POST',
        path: '/products/cursor/all',
        context,
        data: cursor === undefined ? { limit } : { cursor, limit },
      },
      cursorPage,
      opts,
    );
  }

  /** Flat categories: one catalog (or category) and its descendants, or every catalog. */
  categoryScanPage(
    context: string,
    page: PageRequest & { categoryId?: string },
    opts: CallOptions = {},
  ): Promise<Paginated<Category>> {
    return this.request(
      {
        endpoint: 'GET /categories/scan',
        method: 'GET',
        path: '/categories/scan',
        context,
        params: { categoryId: page.categoryId, pageNo: page.pageNo, itemsOnPage: page.itemsOnPage },
        entity: page.categoryId === undefined ? undefined : `category "${page.categoryId}"`,
      },
      paginated(categorySchema),
      opts,
    );
  }

  /** Root categories (the catalogs). */
  listCatalogsPage(context: string, page: PageRequest, opts: CallOptions = {}): Promise<Paginated<Category>> {
    return this.request(
      { endpoint: 'GET /categories', method: 'GET', path: '/categories', context, params: { ...page } },
      paginated(categorySchema),
      opts,
    );
  }

  /** A category with its subCategories, `deep` levels down (PAPI's default is 10). */
  getCategory(id: string, context: string, deep?: number, opts: CallOptions = {}): Promise<Category> {
    return this.request(
      {
        endpoint: 'GET /categories/{id}',
        method: 'GET',
        path: `/categories/${encodeURIComponent(id)}`,
        context,
        params: { deep },
        entity: `category "${id}"`,
      },
      categorySchema,
      opts,
    );
  }

  categoryProductsPage(
    categoryId: string,
    context: string,
    page: PageRequest & { subCategories?: boolean; labels?: string[] },
    opts: CallOptions = {},
  ): Promise<Paginated<Product>> {
    return this.request(
      {
        endpoint: 'GET /categories/{id}/products',
        method: 'GET',
        path: `/categories/${encodeURIComponent(categoryId)}/products`,
        context,
        params: {
          pageNo: page.pageNo,
          itemsOnPage: page.itemsOnPage,
          subCategories: page.subCategories,
          labels: page.labels?.length ? page.labels.join(';') : undefined,
        },
        entity: `category "${categoryId}"`,
      },
      paginated(productSchema),
      opts,
    );
  }

  listAttributes(
    context: string,
    page: PageRequest,
    opts: CallOptions = {},
  ): Promise<Paginated<AttributeDefinition>> {
    return this.request(
      { endpoint: 'GET /attributes', method: 'GET', path: '/attributes', context, params: { ...page } },
      paginated(attributeDefinitionSchema),
      opts,
    );
  }

  listRelations(context: string, opts: CallOptions = {}): Promise<RelationDefinition[]> {
    return this.request(
      { endpoint: 'GET /relations', method: 'GET', path: '/relations', context },
      z.array(relationDefinitionSchema),
      opts,
    );
  }

  /** Syncs of one context (a query parameter here, not the header), oldest first. */
  listSyncs(
    query: PageRequest & { context: string; createdAfter?: number },
    opts: CallOptions = {},
  ): Promise<SyncInfo[]> {
    return this.request(
      {
        endpoint: 'GET /syncs',
        method: 'GET',
        path: '/syncs',
        params: {
          context: query.context,
          createdAfter: query.createdAfter,
          pageNo: query.pageNo,
          itemsOnPage: query.itemsOnPage,
        },
      },
      z.array(syncSchema),
      opts,
    );
  }

  getSync(id: string, opts: CallOptions = {}): Promise<SyncInfo> {
    return this.request(
      {
        endpoint: 'GET /syncs/{id}',
        method: 'GET',
        path: `/syncs/${encodeURIComponent(id)}`,
        entity: `sync "${id}"`,
      },
      syncSchema,
      opts,
    );
  }

  /** One page of a sync's differences (no context: the sync fixes it). */
  differencesPage(
    syncId: string,
    type: DiffEntityType,
    page: PageRequest & { diffType?: string },
    opts: CallOptions = {},
  ): Promise<Difference[]> {
    return this.request(
      {
        endpoint: `GET /differences/sync/{id}/${type}`,
        method: 'GET',
        path: `/differences/sync/${encodeURIComponent(syncId)}/${type}`,
        params: { pageNo: page.pageNo, itemsOnPage: page.itemsOnPage, diffType: page.diffType },
        entity: `sync "${syncId}"`,
      },
      z.array(differenceSchema),
      opts,
    );
  }

  // ----- iteration helpers ----------------------------------------------------------------

  /**
   * Every product of a context through the cursor, one page at a time. Ends on an empty
   * page or a null nextCursor. Resuming from a saved cursor PAPI no longer knows restarts
   * from the first product, silently (§4.2): callers must tolerate seeing products again.
   */
  async *iterateProducts(
    context: string,
    options: { cursor?: string; limit?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<ProductCursorPage> {
    let cursor = options.cursor;
    for (let n = 0; n < MAX_PAGES; n++) {
      const page = await this.productCursorPage(context, cursor, options.limit ?? PRODUCTS_CURSOR_MAX_LIMIT, {
        signal: options.signal,
      });
      if (page.results.length === 0) return;
      yield { cursor, nextCursor: page.nextCursor, products: page.results };
      if (page.nextCursor === null) return;
      if (page.nextCursor === cursor) {
        throw invalid(
          'POST /products/cursor/all',
          'nextCursor',
          'is the cursor just sent: the stream would never end',
        );
      }
      cursor = page.nextCursor;
    }
    throw invalid('POST /products/cursor/all', 'nextCursor', `still set after ${MAX_PAGES} pages`);
  }

  /**
   * Pages of a page-based endpoint. With `{totalCount, results}` it stops once totalCount
   * items arrived; with a bare array only on an empty page, because PAPI may serve fewer
   * items than asked for without saying so, and a short page would end the listing early.
   */
  async *iteratePages<T>(
    fetchPage: (page: PageRequest) => Promise<T[] | Paginated<T>>,
    itemsOnPage = DEFAULT_PAGE_SIZE,
  ): AsyncGenerator<T[]> {
    let seen = 0;
    for (let pageNo = 0; pageNo < MAX_PAGES; pageNo++) {
      const page = await fetchPage({ pageNo, itemsOnPage });
      const items = Array.isArray(page) ? page : page.results;
      if (items.length === 0) return;
      seen += items.length;
      yield items;
      if (!Array.isArray(page) && seen >= page.totalCount) return;
    }
    throw invalid('paged listing', 'pageNo', `still returning items after ${MAX_PAGES} pages`);
  }

  async allDifferences(syncId: string, type: DiffEntityType, opts: CallOptions = {}): Promise<Difference[]> {
    return collect(this.iteratePages((page) => this.differencesPage(syncId, type, page, opts)));
  }

  /** Every sync of a context created after `createdAfter` (epoch ms), oldest first. */
  async allSyncs(
    query: { context: string; createdAfter?: number },
    opts: CallOptions = {},
  ): Promise<SyncInfo[]> {
    const syncs = await collect(this.iteratePages((page) => this.listSyncs({ ...query, ...page }, opts)));
    return syncs.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Every category of every catalog, flat (via `/categories/scan`). */
  async allCategories(context: string, opts: CallOptions = {}): Promise<Category[]> {
    return collect(this.iteratePages((page) => this.categoryScanPage(context, page, opts)));
  }

  async allAttributes(context: string, opts: CallOptions = {}): Promise<AttributeDefinition[]> {
    return collect(this.iteratePages((page) => this.listAttributes(context, page, opts)));
  }

  // ----- plumbing -------------------------------------------------------------------------

  private async inChunks(keys: string[], fetch: (chunk: string[]) => Promise<Product[]>): Promise<Product[]> {
    const unique = [...new Set(keys)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += PRODUCTS_BATCH_MAX)
      chunks.push(unique.slice(i, i + PRODUCTS_BATCH_MAX));
    const results: Product[][] = new Array(chunks.length);
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const i = next++;
        results[i] = await fetch(chunks[i]);
      }
    };
    const workers = Math.min(this.options.chunkConcurrency ?? 4, chunks.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return results.flat();
  }

  private async request<T>(spec: RequestSpec, schema: z.ZodType<T>, opts: CallOptions): Promise<T> {
    let data: unknown;
    try {
      const res = await withRetries(
        () =>
          this.http.request({
            method: spec.method,
            url: spec.path,
            params: spec.params,
            data: spec.data,
            // Always explicit: PAPI would otherwise fall back to `en` without a word.
            headers: spec.context === undefined ? undefined : { context: spec.context },
            signal: opts.signal,
          }),
        {
          policy: spec.noRetry ? { ...this.options.retry, maxAttempts: 1 } : this.options.retry,
          signal: opts.signal,
          onRetry: this.options.onRetry && ((e) => this.options.onRetry?.({ ...e, endpoint: spec.endpoint })),
        },
      );
      data = res.data;
    } catch (err) {
      throw toBluestoneError(err, spec);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalid(spec.endpoint, formatPath(issue.path) || '(body)', issue.message);
    }
    return parsed.data;
  }
}

async function collect<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

function configError(message: string): ApiError {
  return new ApiError({ type: FailureType.ConfigurationError, message, retryable: false });
}

function invalid(endpoint: string, field: string, problem: string): ApiError {
  return new ApiError({
    type: FailureType.InvalidResponse,
    message: `Bluestone ${endpoint} returned an unexpected response: ${field}: ${problem}`,
    retryable: true,
  });
}

/** Maps a failed request (after retries) to a typed ApiError; cancellations pass through. */
function toBluestoneError(err: unknown, spec: RequestSpec): unknown {
  if (!isAxiosError(err) || axios.isCancel(err)) return err;
  const status = err.response?.status;
  const requestId = headerText(err, 'x-request-tracker');
  const body = (err.response?.data ?? {}) as { message?: unknown; entityId?: unknown };
  const serverMessage = typeof body.message === 'string' ? body.message : undefined;
  const where = `${spec.endpoint}${spec.context ? ` (context "${spec.context}")` : ''}`;
  const base = { status, requestId, cause: err };
  if (status === undefined || isTransient(err)) {
    return new ApiError({
      ...base,
      type: FailureType.BluestoneUnavailable,
      message: `Bluestone ${where} is unavailable: ${status ?? err.code ?? err.message}${serverMessage ? ` ${serverMessage}` : ''}`,
      retryable: true,
      retryAfterMs: retryAfterMs(err),
    });
  }
  if (status === 401 || status === 403) {
    return new ApiError({
      ...base,
      type: FailureType.BluestoneForbidden,
      message: `Bluestone refused the API key on ${where} (${status} ${serverMessage ?? 'Forbidden'}): check BLUESTONE_API_KEY`,
      retryable: false,
    });
  }
  if (status === 404) {
    const entityId = typeof body.entityId === 'string' ? body.entityId : spec.context;
    let message: string;
    if (serverMessage === 'Given context not found.') {
      message = `Bluestone has no context "${entityId}" (${spec.endpoint}: "Given context not found."): check the configured contexts against GET /contexts`;
    } else if (serverMessage?.startsWith('No publishes available')) {
      message = `Bluestone context "${entityId}" has nothing published (${spec.endpoint}: "No publishes available for given context."): run a papi-sync for it in Bluestone or stop syncing it`;
    } else {
      message = `Bluestone has no ${spec.entity ?? 'such entity'} on ${where}${serverMessage ? `: ${serverMessage}` : ''}`;
    }
    return new ApiError({ ...base, type: FailureType.BluestoneNotFound, message, retryable: false });
  }
  return new ApiError({
    ...base,
    type: FailureType.BluestoneBadRequest,
    message: `Bluestone rejected ${where} (${status}${serverMessage ? ` ${serverMessage}` : ''})`,
    retryable: false,
  });
}
