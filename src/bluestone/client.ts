import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { mapWithConcurrency } from '../http/concurrency';
import { withRetries, type RetryEvent, type RetryPolicy } from '../http/retry';
import { configError, formatPath, invalid, toBluestoneError, type RequestSpec } from './errors';
import {
  attributeDefinitionSchema,
  categorySchema,
  contextSchema,
  cursorPage,
  differenceSchema,
  paginated,
  productSchema,
  relationDefinitionSchema,
  resultsOf,
  syncSchema,
} from './schemas';
import type {
  AttributeDefinition,
  Category,
  ContextInfo,
  CursorPage,
  DiffEntityType,
  Difference,
  Paginated,
  Product,
  ProductFilter,
  RelationDefinition,
  SyncInfo,
} from './types';

/**
 * Client for Bluestone's Public API (bluestone-papi.md): requests, paging and retries. The
 * responses are read by the tolerant schemas (./schemas), failures shaped by ./errors.
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
  /** Parallel by-ids chunk requests; default 4. */
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

export const PRODUCTS_CURSOR_MAX_LIMIT = 100;
export const PRODUCTS_BATCH_MAX = 100;
/** What the syncs read per page: products per cursor page (the API's maximum), categories per scan page, differences per page. */
export const PRODUCT_PAGE_SIZE = PRODUCTS_CURSOR_MAX_LIMIT;
export const CATEGORY_PAGE_SIZE = 100;
export const DIFFERENCES_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGES = 100_000;

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
  async getProductsByIds(ids: string[], context: string, opts: CallOptions = {}): Promise<Product[]> {
    const unique = [...new Set(ids)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += PRODUCTS_BATCH_MAX)
      chunks.push(unique.slice(i, i + PRODUCTS_BATCH_MAX));
    const pages = await mapWithConcurrency(chunks, this.options.chunkConcurrency ?? 4, (chunk) =>
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
    return pages.flat();
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

  async allAttributes(context: string, opts: CallOptions = {}): Promise<AttributeDefinition[]> {
    return collect(this.iteratePages((page) => this.listAttributes(context, page, opts)));
  }

  // ----- plumbing -------------------------------------------------------------------------

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
