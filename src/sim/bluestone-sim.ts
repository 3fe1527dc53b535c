import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { DiffEntityType, SyncInfo } from '../bluestone/types';
import {
  Catalog,
  generateCatalog,
  toPapiJson,
  type CatalogOptions,
  type SimCategory,
  type SimProduct,
} from './catalog';
import { DIFF_ENTITY_TYPES, SyncLedger, type PublishOutcome, type PublishRequest } from './bluestone-publish';
import { FaultInjector, type FaultOptions } from './faults';
import { WebhookEmitter, type DeliveryRecord, type WebhookSettings } from './webhook-emitter';

/**
 * A Bluestone Public API (PAPI) simulator over real HTTP, faithful to the behaviour our
 * client must survive (bluestone-papi.md §4, §5, §7, §8, §12): the cursor's end-of-stream
 * quirk and silent restart, page limits, bare arrays, omitted empty arrays, error bodies
 * without `status`, `x-request-tracker`. Admin routes under `/_admin` (and `sim.publish`)
 * play the PIM side: they change the catalog, record syncs and send webhooks.
 */

export interface BluestoneSimOptions {
  /** A catalog, or options to generate one. */
  catalog?: Catalog | CatalogOptions;
  apiKey?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  faults?: FaultInjector | FaultOptions;
  webhook?: WebhookSettings;
  /** Contexts that exist but were never papi-synced ("No publishes available"). */
  unpublishedContexts?: string[];
  /** Sync timestamps come from it (epoch ms). */
  clock?: () => number;
}

export interface PublishResult extends PublishOutcome {
  /** Settles when every webhook of this publish is delivered or given up. */
  deliveries: Promise<DeliveryRecord[]>;
}

export interface BluestoneSimStats {
  total: number;
  /** Requests per route, e.g. `POST /v1/products/cursor/all` or `GET /v1/products/:id`. */
  byRoute: Record<string, number>;
  /** Product cursor pages served, by `context@offset` (how often each page was read). */
  cursorPageReads: Record<string, number>;
  /** `x-request-tracker` of the last error answered by a route (not by fault injection). */
  lastErrorTracker?: string;
}

export interface BluestoneSim {
  /** PAPI base URL, `/v1` included. */
  url: string;
  /** `http://127.0.0.1:PORT`, for the admin routes. */
  origin: string;
  apiKey: string;
  catalog: Catalog;
  faults: FaultInjector;
  webhooks: WebhookEmitter;
  ledger: SyncLedger;
  stats: BluestoneSimStats;
  /** Changes the catalog, records syncs and (unless `deliver: false`) sends webhooks. */
  publish(req: PublishRequest): PublishResult;
  /**
   * Called for every product cursor page once its products are read from the catalog; the
   * answer waits for the returned promise. Lets a test hold a full sync's page (already read,
   * so stale) while a newer change is published and applied.
   */
  onCursorPage?: (page: CursorPageRead) => Promise<void> | void;
  /**
   * Product ids the cursor listing (`/products/cursor/all`) leaves out while every read by id
   * still serves them: what PAPI's cursor does when products before them are removed during a
   * run (bluestone-papi.md §4.2). Empty unless a test adds ids.
   */
  cursorHides: Set<string>;
  /** Sends an envelope again (a duplicate delivery). */
  redeliver(envelope: DeliveryRecord['envelope']): Promise<DeliveryRecord>;
  resetStats(): void;
  close(): Promise<void>;
}

export interface CursorPageRead {
  context: string;
  offset: number;
  productIds: string[];
}

/** An error answered the way PAPI answers: `{message, entityId?}`, no `status`. */
class PapiHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly entityId?: string,
  ) {
    super(message);
  }
}

const STATIC_SEGMENTS = new Set([
  'v1',
  'products',
  'list',
  'by-ids',
  'by-numbers',
  'cursor',
  'all',
  'categories',
  'scan',
  'ancestors',
  'attributes',
  'relations',
  'contexts',
  'syncs',
  'differences',
  'sync',
  'health',
  'media',
  '_admin',
  'publish',
  'faults',
  'stats',
  'webhooks',
  'redeliver',
]);

/** Route key for the counters: ids become `:id`. */
function routeKey(method: string, path: string): string {
  return `${method} ${path
    .split('/')
    .map((s) =>
      s === '' || STATIC_SEGMENTS.has(s) || DIFF_ENTITY_TYPES.includes(s as DiffEntityType) ? s : ':id',
    )
    .join('/')}`;
}

const stringList = (max?: number, name = 'ids') =>
  z
    .array(z.string(), { error: `${name} must be an array of strings` })
    .min(1, { error: `${name} size must be between 1 and ${max ?? 100}` })
    .max(max ?? 100, { error: `${name} size must be between 1 and ${max ?? 100}` });

const filterSchema = z
  .object({
    ids: z.array(z.string()).optional(),
    names: z.array(z.string()).optional(),
    numbers: z.array(z.string()).optional(),
    labels: z.array(z.string()).optional(),
    categories: z.array(z.string()).optional(),
    attributes: z.array(z.string()).optional(),
    attributeFilters: z.array(z.object({ number: z.string(), value: z.string() })).optional(),
    relations: z.array(z.string()).optional(),
    productTypes: z.array(z.string()).optional(),
    bundles: z.array(z.string()).optional(),
  })
  .loose();

const cursorSchema = z.object({ cursor: z.string().nullish(), limit: z.number().int().optional() }).loose();

// The admin route takes the same edits as `publish()`, removals included (`null` or `[]`).
const attributeEdits = z.record(z.string(), z.array(z.string()).nullable()).optional();
const metadataList = z.array(z.object({ id: z.string(), value: z.unknown() })).optional();
const productEdit = z.object({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().nullable().optional(),
  attributes: attributeEdits,
  labels: z.array(z.string()).optional(),
  categories: z.array(z.string()).optional(),
  relations: z
    .array(
      z
        .object({
          id: z.string(),
          productId: z.string(),
          number: z.string().optional(),
          name: z.string().optional(),
        })
        .loose(),
    )
    .optional(),
  media: z.array(z.string()).optional(),
  metadata: metadataList,
  bundles: z.array(z.object({ productId: z.string(), quantity: z.number().optional() })).optional(),
  dropUnits: z.array(z.string()).optional(),
  detachVariant: z.boolean().optional(),
  contexts: z.array(z.string()).optional(),
});
const categoryEdit = z.object({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().nullable().optional(),
  attributes: attributeEdits,
  metaData: metadataList,
  contexts: z.array(z.string()).optional(),
});

const publishSchema = z.object({
  contexts: z.array(z.string()).optional(),
  change: z.array(z.union([z.string(), productEdit])).optional(),
  add: z
    .union([
      z.number().int().min(0).max(10_000),
      z.array(z.object({ name: z.string().optional(), number: z.string().optional() })),
    ])
    .optional(),
  archive: z.array(z.string()).optional(),
  unpublish: z.array(z.string()).optional(),
  categories: z
    .object({
      change: z.array(z.union([z.string(), categoryEdit])).optional(),
      add: z
        .array(
          z.object({
            parentId: z.string().optional(),
            name: z.string().optional(),
            number: z.string().optional(),
          }),
        )
        .optional(),
      delete: z.array(z.string()).optional(),
    })
    .optional(),
  deliver: z.boolean().optional(),
  combineEvents: z.boolean().optional(),
  archivedState: z.string().optional(),
});

function firstQuery(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined ? undefined : String(v);
}

function intQuery(req: Request, name: string, fallback: number, min: number): number {
  const raw = firstQuery(req, name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw) || Number(raw) < min) {
    throw new PapiHttpError(400, `${name} must be an integer greater than or equal to ${min}`);
  }
  return Number(raw);
}

function boolQuery(req: Request, name: string, fallback: boolean): boolean {
  const raw = firstQuery(req, name);
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new PapiHttpError(400, `${name} must be true or false`);
  return raw === 'true';
}

interface PageParams {
  pageNo: number;
  itemsOnPage: number;
}

/** 0-based pages (bluestone-papi.md §4.1). */
function pageParams(req: Request, defaultSize = 20, max?: number): PageParams {
  const itemsOnPage = intQuery(req, 'itemsOnPage', defaultSize, 1);
  if (max !== undefined && itemsOnPage > max) {
    throw new PapiHttpError(400, `itemsPerPage cannot be greater than the max value of ${max}`);
  }
  return { pageNo: intQuery(req, 'pageNo', 0, 0), itemsOnPage };
}

function slice<T>(items: T[], p: PageParams): T[] {
  return items.slice(p.pageNo * p.itemsOnPage, (p.pageNo + 1) * p.itemsOnPage);
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new PapiHttpError(400, `${what}: ${where}${issue.message}`);
  }
  return parsed.data;
}

/** A few hundred bytes that start like a real JPEG or PNG, the same for the same asset. */
export function fakeImageBytes(id: string, contentType: string): Buffer {
  const filler = Buffer.concat(
    Array.from({ length: 10 }, (_, i) => createHash('sha256').update(`${id}:${i}`).digest()),
  );
  if (contentType === 'image/png') {
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), filler]);
  }
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), filler, Buffer.from([0xff, 0xd9])]);
}

function sortProducts(products: SimProduct[], sort: string | undefined): SimProduct[] {
  if (!sort) return products;
  const [field, direction = 'asc'] = sort.split(':');
  const allowed = ['id', 'name', 'number', 'lastUpdate', 'createDate'];
  if (!allowed.includes(field) || !['asc', 'desc'].includes(direction)) {
    throw new PapiHttpError(
      400,
      `sort must be one of ${allowed.join(', ')}, optionally followed by :asc or :desc`,
    );
  }
  const key = (p: SimProduct) => p[field as keyof SimProduct] as string | number | undefined;
  const sorted = [...products].sort((a, b) => {
    const x = key(a) ?? '';
    const y = key(b) ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return direction === 'desc' ? sorted.reverse() : sorted;
}

type ProductFilter = z.infer<typeof filterSchema>;

/** Keys are ANDed; within a key any listed value matches (bluestone-papi.md §7.2). */
function matchesFilter(p: SimProduct, f: ProductFilter): boolean {
  const any = <T>(list: T[] | undefined, test: (v: T) => boolean) => list === undefined || list.some(test);
  return (
    any(f.ids, (id) => p.id === id) &&
    any(f.names, (n) => (p.name ?? '').toLowerCase().includes(n.toLowerCase())) &&
    any(f.numbers, (n) => p.number === n) &&
    any(f.labels, (l) => p.labels.includes(l)) &&
    any(f.categories, (c) => p.categories.includes(c)) &&
    any(f.attributes, (a) => p.attributes.some((x) => x.id === a)) &&
    any(f.attributeFilters, (af) =>
      p.attributes.some((x) => x.number === af.number && x.values.map(String).includes(af.value)),
    ) &&
    any(f.relations, (r) => p.relations.some((x) => x.id === r)) &&
    any(f.productTypes, (t) => p.type === t) &&
    any(f.bundles, (b) => p.bundles.some((x) => x.productId === b))
  );
}

export async function startBluestoneSim(options: BluestoneSimOptions = {}): Promise<BluestoneSim> {
  const catalog = options.catalog instanceof Catalog ? options.catalog : generateCatalog(options.catalog);
  const apiKey = options.apiKey ?? 'sim-papi-key';
  const faults =
    options.faults instanceof FaultInjector
      ? options.faults
      : new FaultInjector({
          ...options.faults,
          exemptPaths: [/^\/_admin/, ...(options.faults?.exemptPaths ?? [])],
        });
  const webhooks = new WebhookEmitter(options.webhook);
  const ledger = new SyncLedger(catalog, options.clock);
  const unpublished = new Set(options.unpublishedContexts ?? []);
  for (const c of unpublished) {
    if (!catalog.hasContext(c))
      throw new Error(`unpublishedContexts: "${c}" is not a context of the catalog`);
  }
  for (const c of catalog.contexts) if (!unpublished.has(c.context)) ledger.recordInitial(c.context);
  const stats: BluestoneSimStats = { total: 0, byRoute: {}, cursorPageReads: {} };
  const cursorKey = randomBytes(16);

  // The cursor is opaque and signed: a garbage or foreign cursor cannot be decoded and so
  // silently restarts the stream, as PAPI's does (§4.2).
  const encodeCursor = (context: string, offset: number) => {
    const payload = Buffer.from(JSON.stringify({ c: context, o: offset })).toString('base64url');
    return `${payload}.${createHmac('sha256', cursorKey).update(payload).digest('base64url').slice(0, 16)}`;
  };
  const decodeCursor = (cursor: string | null | undefined, context: string): number => {
    if (!cursor) return 0;
    const [payload, mac] = cursor.split('.');
    if (!payload || mac !== createHmac('sha256', cursorKey).update(payload).digest('base64url').slice(0, 16))
      return 0;
    try {
      const data = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { c?: string; o?: number };
      return data.c === context && Number.isInteger(data.o) && (data.o ?? 0) >= 0 ? (data.o ?? 0) : 0;
    } catch {
      return 0;
    }
  };

  const contextOf = (req: Request, mustBePublished: boolean): string => {
    const header = req.get('context');
    const context = header === undefined || header === '' ? 'en' : header;
    if (!catalog.hasContext(context)) throw new PapiHttpError(404, 'Given context not found.', context);
    if (mustBePublished && !ledger.isPublished(context)) {
      throw new PapiHttpError(404, 'No publishes available for given context.', context);
    }
    return context;
  };
  const productsOf = (req: Request) => catalog.productsIn(contextOf(req, true));
  const categoryOr404 = (id: string, context: string): SimCategory => {
    const c = catalog.category(id, context);
    if (!c) throw new PapiHttpError(404, `Category with id ${id} not found.`, id);
    return c;
  };
  const simplified = (c: SimCategory) => toPapiJson({ ...c, subCategories: [] });
  const tree = (c: SimCategory, context: string, deep: number): SimCategory => ({
    ...c,
    subCategories:
      deep <= 0 ? [] : catalog.childCategories(c.id, context).map((s) => tree(s, context, deep - 1)),
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, _res, next) => {
    stats.total++;
    const key = routeKey(req.method, req.path);
    stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
    next();
  });
  app.use(express.json({ limit: '5mb' }));

  // ----- admin (the PIM side; no auth, no faults) -----------------------------------------
  const admin = express.Router();
  admin.post('/publish', (req, res) => {
    const request = parseBody(publishSchema, req.body, 'publish');
    let result: PublishResult;
    try {
      result = sim.publish(request);
    } catch (err) {
      // The catalog explains what is wrong with the request (unknown id, context...).
      throw new PapiHttpError(400, (err as Error).message);
    }
    const { deliveries: _d, ...outcome } = result;
    res.json(outcome);
  });
  admin.get('/faults', (_req, res) => void res.json({ current: faults.current, stats: faults.stats }));
  admin.put('/faults', (req, res) => {
    faults.set((req.body ?? {}) as FaultOptions);
    res.json({ current: faults.current });
  });
  admin.get('/stats', (_req, res) => void res.json({ ...stats, faults: faults.stats }));
  admin.get('/syncs', (_req, res) => void res.json(ledger.list().map((s) => s.info)));
  admin.get(
    '/webhooks',
    (_req, res) => void res.json({ settings: { ...webhooks.current, secret: undefined }, log: webhooks.log }),
  );
  admin.put('/webhooks', (req, res) => {
    webhooks.configure((req.body ?? {}) as WebhookSettings);
    res.json({ settings: { ...webhooks.current, secret: undefined } });
  });
  admin.post('/webhooks/redeliver', (req, res) => {
    const id = Number((req.body as { deliveryId?: unknown } | undefined)?.deliveryId);
    const record = webhooks.log.find((r) => r.id === id);
    if (!record) throw new PapiHttpError(404, `No webhook delivery with id ${id}; see GET /_admin/webhooks`);
    void webhooks.deliver(record.envelope);
    res.status(202).json({ redelivering: id });
  });
  app.use('/_admin', admin);

  app.use(
    faults.middleware((status) => ({
      message: status === 429 ? 'Too Many Requests' : 'Internal Server Error',
    })),
  );

  // ----- media host (public, like Bluestone's media CDN) ------------------------------------
  app.get('/media/:assetId/:fileName', (req, res) => {
    const contentType = catalog.mediaContentType(req.params.assetId);
    if (!contentType) throw new PapiHttpError(404, 'Asset not found.', req.params.assetId);
    // previewUri asks for `f=jpg`: a JPEG rendition whatever the original.
    const type = firstQuery(req, 'f') === 'jpg' ? 'image/jpeg' : contentType;
    res.type(type).send(fakeImageBytes(req.params.assetId, type));
  });

  // ----- PAPI ---------------------------------------------------------------------------------
  const v1 = express.Router();
  v1.use((_req, res, next) => {
    res.setHeader('x-request-tracker', randomUUID());
    // Live 429s come without a tracker (§5.2).
    const status = res.status.bind(res);
    res.status = (code: number) => {
      if (code === 429) res.removeHeader('x-request-tracker');
      return status(code);
    };
    next();
  });
  v1.get('/health', (_req, res) => void res.json({ status: 'UP' }));
  v1.use((req, _res, next) => {
    if (req.get('x-api-key') !== apiKey) throw new PapiHttpError(403, 'Forbidden');
    next();
  });

  v1.get('/contexts', (_req, res) => void res.json(catalog.contexts));

  v1.post('/products/list', (req, res) => {
    const page = pageParams(req, 20, 50);
    const filter = parseBody(filterSchema, req.body, 'FilteringCriteriaRequest');
    const all = sortProducts(
      productsOf(req).filter((p) => matchesFilter(p, filter)),
      firstQuery(req, 'sort'),
    );
    res.json({ totalCount: all.length, results: toPapiJson(slice(all, page)) });
  });
  v1.post('/products/by-ids', (req, res) => {
    const context = contextOf(req, true);
    const { ids } = parseBody(z.object({ ids: stringList(100, 'ids') }).loose(), req.body, 'ProductIds');
    const results = ids.map((id) => catalog.product(id, context)).filter((p) => p !== undefined);
    res.json({ results: toPapiJson(results) });
  });
  v1.post('/products/by-numbers', (req, res) => {
    const products = productsOf(req);
    const { numbers } = parseBody(
      z.object({ numbers: stringList(100, 'numbers') }).loose(),
      req.body,
      'ProductNumbers',
    );
    const wanted = new Set(numbers);
    res.json({ results: toPapiJson(products.filter((p) => p.number !== undefined && wanted.has(p.number))) });
  });
  v1.post('/products/cursor/all', (req, res) => {
    const context = contextOf(req, true);
    const body = parseBody(cursorSchema, req.body, 'CursorQuery');
    const limit = body.limit ?? 10;
    if (limit < 1) throw new PapiHttpError(400, 'limit must be greater than or equal to 1');
    if (limit > 100) throw new PapiHttpError(400, 'limit cannot be greater than the max value of 100');
    const offset = decodeCursor(body.cursor, context);
    const listed = sim.cursorHides.size
      ? catalog.productsIn(context).filter((p) => !sim.cursorHides.has(p.id))
      : catalog.productsIn(context);
    const results = listed.slice(offset, offset + limit);
    const page = `${context}@${offset}`;
    stats.cursorPageReads[page] = (stats.cursorPageReads[page] ?? 0) + 1;
    // The last page of data still carries a cursor; only the empty page after it says null (§4.2).
    const answer = {
      nextCursor: results.length ? encodeCursor(context, offset + results.length) : null,
      results: toPapiJson(results),
    };
    const held = sim.onCursorPage?.({ context, offset, productIds: results.map((p) => p.id) });
    if (!held) return void res.json(answer);
    return held.then(() => void res.json(answer));
  });
  v1.get('/products/:id', (req, res) => {
    const context = contextOf(req, true);
    const p = catalog.product(req.params.id, context);
    if (!p) throw new PapiHttpError(404, `Product with id ${req.params.id} not found.`, req.params.id);
    res.json(toPapiJson(p));
  });

  v1.get('/categories', (req, res) => {
    const context = contextOf(req, true);
    const page = pageParams(req);
    const name = firstQuery(req, 'name')?.toLowerCase();
    const roots = catalog
      .rootCategories(context)
      .filter((c) => !name || (c.name ?? '').toLowerCase().includes(name));
    res.json({ totalCount: roots.length, results: slice(roots, page).map(simplified) });
  });
  v1.get('/categories/scan', (req, res) => {
    const context = contextOf(req, true);
    const page = pageParams(req);
    const categoryId = firstQuery(req, 'categoryId');
    const all = categoryId
      ? catalog.subtree(categoryOr404(categoryId, context).id, context)
      : catalog.categoriesIn(context);
    res.json({ totalCount: all.length, results: slice(all, page).map(simplified) });
  });
  v1.get('/categories/:id', (req, res) => {
    const context = contextOf(req, true);
    const deep = intQuery(req, 'deep', 10, 0);
    res.json(toPapiJson(tree(categoryOr404(req.params.id, context), context, deep)));
  });
  v1.get('/categories/:id/products', (req, res) => {
    const context = contextOf(req, true);
    const page = pageParams(req);
    const root = categoryOr404(req.params.id, context);
    const ids = new Set(
      boolQuery(req, 'subCategories', false) ? catalog.subtree(root.id, context).map((c) => c.id) : [root.id],
    );
    const labels = firstQuery(req, 'labels')?.split(/[;,]/).filter(Boolean) ?? [];
    const name = firstQuery(req, 'name')?.toLowerCase();
    const number = firstQuery(req, 'number');
    const all = catalog
      .productsIn(context)
      .filter((p) => p.categories.some((c) => ids.has(c)))
      .filter((p) => labels.every((l) => p.labels.includes(l)))
      .filter((p) => !name || (p.name ?? '').toLowerCase().includes(name))
      .filter((p) => !number || p.number === number);
    res.json({ totalCount: all.length, results: toPapiJson(slice(all, page)) });
  });
  v1.get('/categories/:id/ancestors', (req, res) => {
    const context = contextOf(req, true);
    const page = pageParams(req);
    const c = categoryOr404(req.params.id, context);
    res.json(slice(catalog.ancestors(c.id, context), page).map(simplified));
  });

  v1.get('/attributes', (req, res) => {
    const context = contextOf(req, false);
    const page = pageParams(req);
    const id = firstQuery(req, 'id');
    const all = catalog.attributesIn(context).filter((a) => !id || a.id === id);
    res.json({ totalCount: all.length, results: toPapiJson(slice(all, page)) });
  });
  v1.get('/relations', (req, res) => void res.json(toPapiJson(catalog.relationsIn(contextOf(req, false)))));

  v1.get('/syncs', (req, res) => {
    const context = firstQuery(req, 'context') || 'en';
    if (!catalog.hasContext(context)) throw new PapiHttpError(404, 'Given context not found.', context);
    const page = pageParams(req);
    const createdAfter = intQuery(req, 'createdAfter', 0, 0);
    const states = firstQuery(req, 'publishStates')?.split(',').filter(Boolean);
    const sort = firstQuery(req, 'sort');
    let list: SyncInfo[] = ledger
      .list(context)
      .map((s) => s.info)
      .filter((s) => s.createdAt > createdAfter && (!states || states.includes(String(s.state))));
    if (sort === 'createdAt:desc') list = list.reverse();
    else if (sort && sort !== 'createdAt' && sort !== 'createdAt:asc') {
      throw new PapiHttpError(400, 'sort must be createdAt, createdAt:asc or createdAt:desc');
    }
    res.json(slice(list, page));
  });
  v1.get('/syncs/:id', (req, res) => {
    const sync = ledger.get(req.params.id);
    if (!sync) throw new PapiHttpError(404, `Sync with id ${req.params.id} not found.`, req.params.id);
    res.json(sync.info);
  });

  const diffType = (raw: string): DiffEntityType => {
    if (!DIFF_ENTITY_TYPES.includes(raw as DiffEntityType)) {
      throw new PapiHttpError(400, `type must be one of ${DIFF_ENTITY_TYPES.join(', ')}`, raw);
    }
    return raw as DiffEntityType;
  };
  const differences = (req: Request, sync: ReturnType<SyncLedger['get']>, type: DiffEntityType) => {
    const page = pageParams(req);
    const only = firstQuery(req, 'diffType')?.split(',').filter(Boolean);
    const list = (sync?.differences[type] ?? []).filter((d) => !only || only.includes(String(d.diffType)));
    return slice(list, page);
  };
  v1.get('/differences/sync/:id/:type', (req, res) => {
    const type = diffType(req.params.type);
    const sync = ledger.get(req.params.id);
    if (!sync) throw new PapiHttpError(404, `Sync with id ${req.params.id} not found.`, req.params.id);
    res.json(differences(req, sync, type));
  });
  v1.get('/differences/:type', (req, res) => {
    const type = diffType(req.params.type);
    const context = contextOf(req, true);
    res.json(differences(req, ledger.last(context), type));
  });

  v1.use((req) => {
    throw new PapiHttpError(404, `No route for ${req.method} ${req.path}`);
  });
  app.use('/v1', v1);

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (!res.getHeader('x-request-tracker')) res.setHeader('x-request-tracker', randomUUID());
    stats.lastErrorTracker = String(res.getHeader('x-request-tracker'));
    if (err instanceof PapiHttpError) {
      res
        .status(err.status)
        .json(
          err.entityId === undefined
            ? { message: err.message }
            : { message: err.message, entityId: err.entityId },
        );
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ message: `Malformed JSON request: ${e.message}` });
      return;
    }
    if (e.status && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ message: e.message ?? 'Bad Request' });
      return;
    }
    res.status(500).json({ message: e.message ?? 'Internal Server Error' });
  });
  app.use((req, res) => void res.status(404).json({ message: `No route for ${req.method} ${req.path}` }));

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Bluestone simulator: no TCP address');
  const origin = `http://127.0.0.1:${address.port}`;
  catalog.rebaseMedia(`${origin}/media`);

  const sim: BluestoneSim = {
    url: `${origin}/v1`,
    origin,
    apiKey,
    catalog,
    faults,
    webhooks,
    ledger,
    stats,
    cursorHides: new Set(),
    publish(req) {
      const outcome = ledger.publish(req);
      const deliveries =
        req.deliver === false
          ? Promise.resolve([])
          : Promise.all(outcome.envelopes.map((e) => webhooks.deliver(e)));
      // Unobserved rejections would crash the test runner; deliveries never reject, but be safe.
      deliveries.catch(() => undefined);
      return { ...outcome, deliveries };
    },
    redeliver: (envelope) => webhooks.deliver(envelope),
    resetStats() {
      stats.total = 0;
      stats.byRoute = {};
      stats.cursorPageReads = {};
      stats.lastErrorTracker = undefined;
    },
    async close() {
      await webhooks.close();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
  return sim;
}
