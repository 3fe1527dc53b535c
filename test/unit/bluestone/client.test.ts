import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { ApiError } from '../../../src/http/api-error';
import { BluestoneClient, type BluestoneClientOptions } from '../../../src/bluestone/client';
import type { Product } from '../../../src/bluestone/types';
import { startBluestoneSim, type BluestoneSim } from '../../../src/sim/bluestone-sim';

const KEY = 'client-test-key';
const FAST_RETRY = { initialDelayMs: 2, maxDelayMs: 10, maxAttempts: 4 };

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('BluestoneClient against the simulator', () => {
  let sim: BluestoneSim;
  let client: BluestoneClient;
  const clients: BluestoneClient[] = [];
  const make = (extra: Partial<BluestoneClientOptions> = {}) => {
    const c = new BluestoneClient({ baseUrl: sim.url, apiKey: KEY, retry: FAST_RETRY, ...extra });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    sim = await startBluestoneSim({
      apiKey: KEY,
      catalog: { seed: 99, products: 260 },
      unpublishedContexts: [],
    });
    client = make();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await sim.close();
  });
  afterEach(() => sim.faults.set({}));

  it('reads every product of a hostile catalog in every context, each exactly once, via the cursor', async () => {
    for (const { context } of sim.catalog.contexts) {
      const ids: string[] = [];
      let pages = 0;
      // The full sync's reading: cursor pages until an empty page or a null nextCursor.
      let cursor: string | undefined;
      for (;;) {
        const page = await client.productCursorPage(context, cursor, 100);
        if (page.results.length === 0) break;
        pages++;
        ids.push(...page.results.map((p) => p.id));
        expect(page.results.every((p) => p.contextId === context)).toBe(true);
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      expect(pages).toBe(3);
      expect(ids).toEqual(sim.catalog.productIds(context));
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('normalizes hostile data: omitted arrays, missing fields, unknown types and fields, non-string values', async () => {
    const hostile = (kind: string) => sim.catalog.hostile.find((h) => h.kind === kind)!;
    const bare = await client.getProduct(hostile('product-with-omitted-arrays').id, 'l3471');
    expect([
      bare.attributes,
      bare.media,
      bare.labels,
      bare.categories,
      bare.relations,
      bare.bundles,
      bare.variants,
    ]).toEqual([[], [], [], [], [], [], []]);
    expect((await client.getProduct(hostile('product-without-number').id, 'en')).number).toBeUndefined();
    expect((await client.getProduct(hostile('product-number-non-ascii').id, 'en')).number).toMatch(/ÅÄÖ/);
    const unknownFields = await client.getProduct(hostile('product-with-unknown-fields').id, 'en');
    expect(unknownFields).not.toHaveProperty('futureField');
    expect(unknownFields).not.toHaveProperty('publishInfoRef');

    const sink = await client.getProduct(hostile('attribute-value-not-a-string').productId!, 'en');
    const byNumber = (n: string) => sink.attributes.find((a) => a.number === n)!;
    expect(byNumber('stock_level').values).toEqual([expect.stringMatching(/^\d+$/)]);
    expect(byNumber('lead_time').dataType).toBe('duration');
    expect(byNumber('materials').values).toEqual([]);
    expect(byNumber('materials').dictionary.length).toBeGreaterThan(0);
    expect(byNumber('color').select[0].metadata).toContain('#');
    expect(sink.attributes.find((a) => a.number === undefined)).toBeDefined();
    const sv = await client.getProduct(sink.id, 'l3471');
    expect(sv.attributes.find((a) => a.number === 'seasonal_note')!.values).toEqual([]);
    expect(sv.name).toBe(sim.catalog.product(sink.id, 'l3471')!.name);
    expect(sv.name).not.toBe(sink.name);
  });

  it('fetches by ids in chunks of 100, omitting unknown ids', async () => {
    const ids = sim.catalog.productIds('en');
    sim.resetStats();
    const products = await client.getProductsByIds([...ids, 'unknown-1', ids[0]], 'en');
    expect(products.map((p) => p.id).sort()).toEqual([...ids].sort());
    expect(sim.stats.byRoute['POST /v1/products/by-ids']).toBe(3);
  });

  it('lists products with filters and pages', async () => {
    const page = await client.listProducts({ productTypes: ['GROUP'] }, { pageNo: 0, itemsOnPage: 2 }, 'en');
    const groups = sim.catalog.productsIn('en').filter((p) => p.type === 'GROUP');
    expect(page.totalCount).toBe(groups.length);
    expect(page.results.map((p) => p.id)).toEqual(groups.slice(0, 2).map((p) => p.id));
  });

  it('walks categories, attributes, relations, contexts, syncs and differences', async () => {
    expect(await client.listContexts()).toEqual(sim.catalog.contexts);
    const categories = [];
    for await (const page of client.iteratePages((p) => client.categoryScanPage('l3472', p)))
      categories.push(...page);
    expect(categories.map((c) => c.id)).toEqual(sim.catalog.categoriesIn('l3472').map((c) => c.id));
    const root = sim.catalog.rootCategories('en')[0];
    const tree = await client.getCategory(root.id, 'en', 1);
    expect(tree.subCategories.map((c) => c.id)).toEqual(
      sim.catalog.childCategories(root.id, 'en').map((c) => c.id),
    );
    expect(tree.subCategories[0].subCategories).toEqual([]);
    expect((await client.allAttributes('en')).length).toBe(sim.catalog.attributesIn('en').length);
    expect((await client.listRelations('en')).length).toBe(sim.catalog.relationsIn('en').length);

    const [initial] = await client.allSyncs({ context: 'en' });
    const published = sim.publish({
      contexts: ['en'],
      add: 3,
      change: [sim.catalog.productIds('en')[0]],
      deliver: false,
    });
    const newer = await client.allSyncs({ context: 'en', createdAfter: initial.createdAt });
    expect(newer.map((s) => s.id)).toEqual([published.syncs[0].id]);
    expect((await client.getSync(published.syncs[0].id)).contextId).toBe('en');
    const diffs = await client.allDifferences(published.syncs[0].id, 'products');
    expect(
      diffs
        .filter((d) => d.diffType === 'ADD')
        .map((d) => d.id)
        .sort(),
    ).toEqual([...published.added].sort());
    expect(diffs.filter((d) => d.diffType === 'CHANGE')).toHaveLength(1);
    // Many pages of a bare array: the initial sync ADDs every product.
    const initialDiffs = [];
    for await (const page of client.iteratePages(
      (p) => client.differencesPage(initial.id, 'products', p),
      40,
    )) {
      initialDiffs.push(...page);
    }
    expect(initialDiffs).toHaveLength(260);
    await client.health();
  });

  it('retries injected 5xx, 429 and dropped connections, then succeeds', async () => {
    for (const fault of [{ serverErrorRate: 1 }, { rateLimitRate: 1 }, { dropRate: 1 }]) {
      const retries: string[] = [];
      const c = make({
        onRetry: (e) => {
          retries.push(`${e.endpoint} ${e.reason}`);
          if (retries.length === 2) sim.faults.set({});
        },
      });
      sim.faults.set(fault);
      const product = await c.getProduct(sim.catalog.productIds('en')[1], 'en');
      expect(product.id).toBe(sim.catalog.productIds('en')[1]);
      expect(retries).toHaveLength(2);
      expect(retries[0]).toMatch(/^GET \/products\/\{id\} /);
    }
  });

  it('honours Retry-After on 429 when the server sends one', async () => {
    const delays: number[] = [];
    const c = make({
      onRetry: (e) => {
        delays.push(e.delayMs);
        sim.faults.set({});
      },
    });
    sim.faults.set({ rateLimitRate: 1, retryAfterSeconds: 0.05 });
    await c.listContexts();
    expect(delays).toEqual([50]);
  });

  it('gives up as BluestoneUnavailable (retryable) when faults persist', async () => {
    sim.faults.set({ serverErrorRate: 1 });
    const err = await failure(make().listContexts());
    expect(err.type).toBe('BluestoneUnavailable');
    expect(err.retryable).toBe(true);
    expect([500, 502, 503]).toContain(err.status);
    expect(err.message).toContain('GET /contexts');
  });

  it('stops at once on 400, 403 and 404 with a typed error carrying the request tracker', async () => {
    sim.resetStats();
    const bad = await failure(client.listProducts({}, { pageNo: 0, itemsOnPage: 51 }, 'en'));
    expect(bad).toMatchObject({ type: 'BluestoneBadRequest', status: 400, retryable: false });
    expect(bad.message).toContain('max value of 50');
    expect(bad.requestId).toBe(sim.stats.lastErrorTracker);
    expect(sim.stats.total).toBe(1);

    const forbidden = await failure(make({ apiKey: 'wrong' }).getProduct('x', 'en'));
    expect(forbidden).toMatchObject({ type: 'BluestoneForbidden', status: 403, retryable: false });
    expect(forbidden.message).toContain('BLUESTONE_API_KEY');
    expect(forbidden.requestId).toBe(sim.stats.lastErrorTracker);

    const missing = await failure(client.getProduct('no-such-id', 'en'));
    expect(missing).toMatchObject({ type: 'BluestoneNotFound', status: 404, retryable: false });
    expect(missing.message).toContain('product "no-such-id"');
    expect(missing.requestId).toBe(sim.stats.lastErrorTracker);

    const context = await failure(client.productCursorPage('l0000'));
    expect(context.message).toContain('Given context not found.');
    expect(context.message).toContain('"l0000"');
    expect(sim.stats.total).toBe(4);
  });

  it('tells "No publishes available" apart', async () => {
    const unpublished = await startBluestoneSim({
      apiKey: KEY,
      catalog: { seed: 1, products: 8 },
      unpublishedContexts: ['l3471'],
    });
    try {
      const c = new BluestoneClient({ baseUrl: unpublished.url, apiKey: KEY, retry: FAST_RETRY });
      const err = await failure(c.productCursorPage('l3471'));
      expect(err.type).toBe('BluestoneNotFound');
      expect(err.message).toContain('No publishes available');
      expect(await c.allSyncs({ context: 'l3471' })).toEqual([]);
      c.close();
    } finally {
      await unpublished.close();
    }
  });

  it('cancels through an AbortSignal, also while waiting to retry', async () => {
    sim.faults.set({ serverErrorRate: 1 });
    const c = make({ retry: { initialDelayMs: 5_000, maxDelayMs: 5_000, maxAttempts: 5 } });
    const controller = new AbortController();
    const started = Date.now();
    const call = c.listContexts({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('activity cancelled')), 50);
    await expect(call).rejects.toThrow('activity cancelled');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a bad configuration with a message saying what to fix', () => {
    expect(() => new BluestoneClient({ baseUrl: 'not a url', apiKey: KEY })).toThrow(/BLUESTONE_API_URL/);
    expect(() => new BluestoneClient({ baseUrl: sim.url, apiKey: ' ' })).toThrow(/BLUESTONE_API_KEY/);
  });
});

describe('BluestoneClient against a broken server', () => {
  let server: Server;
  let client: BluestoneClient;
  const seen: { path: string; context?: string; body: unknown; query: unknown }[] = [];
  let reply: unknown = {};

  beforeAll(async () => {
    const app = express();
    app.use(express.json());
    app.use((req, res) => {
      seen.push({ path: req.path, context: req.get('context'), body: req.body, query: req.query });
      res.json(reply);
    });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    client = new BluestoneClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      apiKey: KEY,
      retry: FAST_RETRY,
    });
  });
  afterAll(async () => {
    client.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it('fails as InvalidResponse naming the endpoint and field when a product lacks its id', async () => {
    reply = {
      nextCursor: null,
      results: [
        { id: 'ok', type: 'SINGLE' },
        { type: 'SINGLE', name: 'no id' },
      ],
    };
    const err = await failure(client.productCursorPage('en'));
    expect(err.type).toBe('InvalidResponse');
    expect(err.message).toContain('POST /products/cursor/all');
    expect(err.message).toContain('results[1].id');
  });

  it('fails as InvalidResponse when an array is not an array', async () => {
    reply = { message: 'not a list' };
    const err = await failure(client.listRelations('en'));
    expect(err.type).toBe('InvalidResponse');
    expect(err.message).toContain('GET /relations');
    reply = { id: 'p1', type: 'SINGLE', attributes: 'oops' };
    expect((await failure(client.getProduct('p1', 'en'))).message).toContain('attributes');
  });

  it('coerces stray numbers to strings and accepts nulls where PAPI documents them', async () => {
    reply = {
      id: 123,
      type: 'SINGLE',
      number: 456,
      attributes: [
        { id: 'a', values: [42, true, null], unit: null, valueType: null, definingAttribute: null },
      ],
      lastUpdate: '1700000000000',
    };
    const p: Product = await client.getProduct('123', 'en');
    expect(p).toMatchObject({ id: '123', number: '456', lastUpdate: 1_700_000_000_000 });
    expect(p.attributes[0].values).toEqual(['42', 'true']);
    expect(p.attributes[0].select).toEqual([]);
  });

  it('sends the context header on every call that takes one, the context query on /syncs, and explicit page sizes', async () => {
    seen.length = 0;
    reply = [];
    await client.listRelations('l42');
    await client.listSyncs({ context: 'l42', pageNo: 0, itemsOnPage: 20 });
    await client.differencesPage('s1', 'categories', { pageNo: 2, itemsOnPage: 30 });
    reply = { nextCursor: null, results: [] };
    await client.productCursorPage('l42', 'abc');
    expect(seen[0]).toMatchObject({ path: '/v1/relations', context: 'l42' });
    expect(seen[1]).toMatchObject({
      path: '/v1/syncs',
      context: undefined,
      query: { context: 'l42', pageNo: '0', itemsOnPage: '20' },
    });
    expect(seen[2]).toMatchObject({
      path: '/v1/differences/sync/s1/categories',
      context: undefined,
      query: { pageNo: '2', itemsOnPage: '30' },
    });
    expect(seen[3]).toMatchObject({ context: 'l42', body: { cursor: 'abc', limit: 100 } });
  });
});
