import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import axios, { type AxiosResponse } from 'axios';
import express from 'express';
import type { Product, SyncInfo, WebhookEnvelope } from '../../../src/bluestone/types';
import { startBluestoneSim, type BluestoneSim } from '../../../src/sim/bluestone-sim';

const KEY = 'test-key';
const http = axios.create({ validateStatus: () => true });

function papi(sim: BluestoneSim, context?: string) {
  const headers: Record<string, string> = { 'x-api-key': KEY };
  if (context) headers.context = context;
  return {
    get: (path: string, params?: object) => http.get(`${sim.url}${path}`, { headers, params }),
    post: (path: string, body: unknown, params?: object) =>
      http.post(`${sim.url}${path}`, body, { headers, params }),
  };
}

describe('Bluestone PAPI simulator', () => {
  let sim: BluestoneSim;
  beforeAll(async () => {
    sim = await startBluestoneSim({
      apiKey: KEY,
      catalog: { seed: 11, products: 23 },
      unpublishedContexts: ['l3472'],
    });
  });
  afterAll(() => sim.close());

  it('wants x-api-key (403 Forbidden with a request tracker), except on /health', async () => {
    const res = await http.get(`${sim.url}/contexts`);
    expect(res.status).toBe(403);
    expect(res.data).toEqual({ message: 'Forbidden' });
    expect(res.headers['x-request-tracker']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await http.get(`${sim.url}/contexts`, { headers: { 'x-api-key': 'wrong' } })).status).toBe(403);
    expect((await http.get(`${sim.url}/health`)).status).toBe(200);
  });

  it('lists contexts as a bare array, and 404s an unknown or never-published context', async () => {
    expect((await papi(sim).get('/contexts')).data).toEqual(sim.catalog.contexts);
    const unknown = await papi(sim, 'l9999').post('/products/cursor/all', { limit: 5 });
    expect(unknown.status).toBe(404);
    expect(unknown.data).toEqual({ message: 'Given context not found.', entityId: 'l9999' });
    const unpublished = await papi(sim, 'l3472').get(`/products/${sim.catalog.productIds()[0]}`);
    expect(unpublished.status).toBe(404);
    expect(unpublished.data).toEqual({
      message: 'No publishes available for given context.',
      entityId: 'l3472',
    });
    expect((await papi(sim).get('/syncs', { context: 'l3472', itemsOnPage: 50, pageNo: 0 })).data).toEqual(
      [],
    );
  });

  it('defaults the context header to en', async () => {
    const id = sim.catalog.productIds()[0];
    const res = await http.get(`${sim.url}/products/${id}`, { headers: { 'x-api-key': KEY } });
    expect(res.data.name).toBe(sim.catalog.product(id, 'en')!.name);
  });

  it('streams the cursor with the end-of-stream quirk: last data page keeps a cursor, then null and []', async () => {
    const pages: { nextCursor: string | null; results: Product[] }[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await papi(sim, 'en').post(
        '/products/cursor/all',
        cursor ? { cursor, limit: 7 } : { limit: 7 },
      );
      expect(res.status).toBe(200);
      pages.push(res.data);
      if (res.data.nextCursor === null) break;
      cursor = res.data.nextCursor;
    }
    expect(pages.map((p) => p.results.length)).toEqual([7, 7, 7, 2, 0]);
    expect(pages[3].nextCursor).toEqual(expect.any(String));
    expect(pages[4]).toEqual({ nextCursor: null, results: [] });
    expect(pages.flatMap((p) => p.results.map((r) => r.id))).toEqual(sim.catalog.productIds('en'));
    // Opaque: not a plain offset anyone could guess.
    expect(pages[0].nextCursor).not.toMatch(/^\d+$/);
  });

  it('restarts silently from the beginning on an unknown cursor, and caps limit at 100', async () => {
    const first = await papi(sim, 'en').post('/products/cursor/all', { limit: 3 });
    for (const garbage of ['string', 'MTA=', `${first.data.nextCursor}x`]) {
      const res = await papi(sim, 'en').post('/products/cursor/all', { cursor: garbage, limit: 3 });
      expect(res.data.results.map((p: Product) => p.id)).toEqual(
        first.data.results.map((p: Product) => p.id),
      );
    }
    // A cursor from another context is foreign too.
    const sv = await papi(sim, 'l3471').post('/products/cursor/all', {
      cursor: first.data.nextCursor,
      limit: 3,
    });
    expect(sv.data.results[0].id).toBe(sim.catalog.productIds()[0]);
    const tooBig = await papi(sim, 'en').post('/products/cursor/all', { limit: 101 });
    expect(tooBig.status).toBe(400);
    expect(tooBig.data.message).toMatch(/max value of 100/);
  });

  it('pages /products/list 0-based, ANDs filters, and rejects itemsOnPage 51', async () => {
    const bad = await papi(sim, 'en').post(
      '/products/list',
      { productTypes: ['SINGLE'] },
      { itemsOnPage: 51, pageNo: 0 },
    );
    expect(bad.status).toBe(400);
    expect(bad.data).toEqual({ message: 'itemsPerPage cannot be greater than the max value of 50' });
    expect(bad.headers['x-request-tracker']).toBeTruthy();

    const page0 = await papi(sim, 'en').post(
      '/products/list',
      { productTypes: ['VARIANT', 'SINGLE'] },
      { itemsOnPage: 5, pageNo: 0 },
    );
    const expected = sim.catalog.productsIn('en').filter((p) => p.type === 'VARIANT' || p.type === 'SINGLE');
    expect(page0.data.totalCount).toBe(expected.length);
    expect(page0.data.results.map((p: Product) => p.id)).toEqual(expected.slice(0, 5).map((p) => p.id));
    const page1 = await papi(sim, 'en').post(
      '/products/list',
      { productTypes: ['VARIANT', 'SINGLE'] },
      { itemsOnPage: 5, pageNo: 1 },
    );
    expect(page1.data.results[0].id).toBe(expected[5].id);

    const target = sim.catalog
      .productsIn('en')
      .find((p) => p.type === 'SINGLE' && p.number?.startsWith('P-'))!;
    const word = target.name!.split(' ')[1].toLowerCase();
    const anded = await papi(sim, 'en').post(
      '/products/list',
      { names: [word], numbers: [target.number] },
      { itemsOnPage: 50 },
    );
    expect(anded.data.results.map((p: Product) => p.id)).toEqual([target.id]);
    const none = await papi(sim, 'en').post(
      '/products/list',
      { names: ['zzz-nothing'], numbers: [target.number] },
      { itemsOnPage: 50 },
    );
    expect(none.data).toEqual({ totalCount: 0, results: [] });
  });

  it('answers by-ids with 1-100 ids only, silently omitting unknown ids; by-numbers likewise', async () => {
    const ids = sim.catalog.productIds().slice(0, 3);
    const ok = await papi(sim, 'en').post('/products/by-ids', { ids: [ids[0], 'does-not-exist', ids[2]] });
    expect(ok.data.results.map((p: Product) => p.id)).toEqual([ids[0], ids[2]]);
    for (const n of [0, 101]) {
      const res = await papi(sim, 'en').post('/products/by-ids', {
        ids: Array.from({ length: n }, (_, i) => `id${i}`),
      });
      expect(res.status).toBe(400);
      expect(res.data.message).toMatch(/between 1 and 100/);
    }
    const numbers = sim.catalog
      .productsIn('en')
      .slice(0, 2)
      .map((p) => p.number!);
    const byNumbers = await papi(sim, 'en').post('/products/by-numbers', { numbers: [...numbers, 'nope'] });
    expect(byNumbers.data.results.map((p: Product) => p.number).sort()).toEqual([...numbers].sort());
    expect((await papi(sim, 'en').post('/products/by-numbers', { numbers: [] })).status).toBe(400);
  });

  it('404s an unknown product with a PapiError-like body (no status)', async () => {
    const res = await papi(sim, 'en').get('/products/nope123');
    expect(res.status).toBe(404);
    expect(res.data).toEqual({ message: expect.stringContaining('nope123'), entityId: 'nope123' });
  });

  it('serves PAPI JSON: empty arrays omitted, values as strings (mostly), dates as epoch ms; texts localized', async () => {
    const bare = sim.catalog.hostile.find((h) => h.kind === 'product-with-omitted-arrays')!;
    const res = await papi(sim, 'en').get(`/products/${bare.id}`);
    for (const key of [
      'attributes',
      'media',
      'labels',
      'categories',
      'relations',
      'metadata',
      'bundles',
      'variants',
    ]) {
      expect(res.data).not.toHaveProperty(key);
    }
    expect(typeof res.data.lastUpdate).toBe('number');
    const id = sim.catalog.productIds()[0];
    const en = (await papi(sim, 'en').get(`/products/${id}`)).data;
    const sv = (await papi(sim, 'l3471').get(`/products/${id}`)).data;
    expect(sv.name).not.toBe(en.name);
    expect(sv.number).toBe(en.number);
    expect(sv.id).toBe(en.id);
  });

  it('serves categories: roots, scan (flat), a deep tree, products and ancestors', async () => {
    const roots = await papi(sim, 'en').get('/categories', { itemsOnPage: 50, pageNo: 0 });
    expect(roots.data.totalCount).toBe(sim.catalog.rootCategories('en').length);
    const root = roots.data.results[0];
    expect(root).not.toHaveProperty('subCategories');

    const all = await papi(sim, 'en').get('/categories/scan', { itemsOnPage: 5, pageNo: 0 });
    expect(all.data.totalCount).toBe(sim.catalog.categoriesIn('en').length);
    expect(all.data.results).toHaveLength(5);
    const sub = await papi(sim, 'en').get('/categories/scan', {
      categoryId: root.id,
      itemsOnPage: 100,
      pageNo: 0,
    });
    expect(sub.data.results.map((c: { id: string }) => c.id)).toEqual(
      sim.catalog.subtree(root.id, 'en').map((c) => c.id),
    );

    const tree = await papi(sim, 'en').get(`/categories/${root.id}`, { deep: 1 });
    expect(tree.data.subCategories.length).toBe(sim.catalog.childCategories(root.id, 'en').length);
    expect(tree.data.subCategories[0]).not.toHaveProperty('subCategories');
    const full = await papi(sim, 'en').get(`/categories/${root.id}`);
    expect(full.data.subCategories[0].subCategories.length).toBeGreaterThan(0);

    const leaf = sim.catalog.subtree(root.id, 'en').at(-1)!;
    const ancestors = await papi(sim, 'en').get(`/categories/${leaf.id}/ancestors`, {
      itemsOnPage: 20,
      pageNo: 0,
    });
    expect(Array.isArray(ancestors.data)).toBe(true);
    expect(ancestors.data[0].id).toBe(root.id);

    const inTree = await papi(sim, 'en').get(`/categories/${root.id}/products`, {
      subCategories: true,
      itemsOnPage: 100,
      pageNo: 0,
    });
    const subtreeIds = new Set(sim.catalog.subtree(root.id, 'en').map((c) => c.id));
    const expected = sim.catalog.productsIn('en').filter((p) => p.categories.some((c) => subtreeIds.has(c)));
    expect(inTree.data.totalCount).toBe(expected.length);
    const direct = await papi(sim, 'en').get(`/categories/${root.id}/products`, {
      itemsOnPage: 100,
      pageNo: 0,
    });
    expect(direct.data.totalCount).toBe(0);
    expect((await papi(sim, 'en').get('/categories/nope')).status).toBe(404);
  });

  it('serves /attributes paginated and /relations as a bare array', async () => {
    const page = await papi(sim, 'l3471').get('/attributes', { itemsOnPage: 4, pageNo: 1 });
    const defs = sim.catalog.attributesIn('l3471');
    expect(page.data.totalCount).toBe(defs.length);
    expect(page.data.results.map((a: { id: string }) => a.id)).toEqual(defs.slice(4, 8).map((a) => a.id));
    expect(defs.map((d) => d.dataType)).toContain('duration');
    const relations = await papi(sim, 'en').get('/relations');
    expect(relations.data.map((r: { number: string }) => r.number)).toEqual(
      expect.arrayContaining(['accessories', 'similar']),
    );
  });

  it('serves media bytes at downloadUri and previewUri without an API key', async () => {
    const medium =
      sim.catalog
        .productsIn('en')
        .flatMap((p) => p.media)
        .find((m) => m.contentType === 'image/png') ?? sim.catalog.productsIn('en')[0].media[0];
    expect(medium.downloadUri!.startsWith(`${sim.origin}/media/`)).toBe(true);
    const original = await http.get(medium.downloadUri!, { responseType: 'arraybuffer' });
    expect(original.status).toBe(200);
    expect(original.headers['content-type']).toContain(medium.contentType);
    const bytes = Buffer.from(original.data);
    expect(bytes.length).toBeGreaterThan(200);
    const magic = medium.contentType === 'image/png' ? [0x89, 0x50, 0x4e, 0x47] : [0xff, 0xd8, 0xff];
    expect([...bytes.subarray(0, magic.length)]).toEqual(magic);
    const preview = await http.get(medium.previewUri!, { responseType: 'arraybuffer' });
    expect(preview.headers['content-type']).toContain('image/jpeg');
    expect((await http.get(`${sim.origin}/media/unknown/x.jpg`)).status).toBe(404);
  });

  it('records syncs with increasing createdAt, filters /syncs by context and createdAfter', async () => {
    const before: SyncInfo[] = (await papi(sim).get('/syncs', { context: 'en', itemsOnPage: 50, pageNo: 0 }))
      .data;
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ state: 'CLOSED', contextId: 'en', contextName: 'English' });
    expect(before[0].id).toMatch(/^[0-9a-f]{24}$/);
    const [svBefore] = (await papi(sim).get('/syncs', { context: 'l3471', itemsOnPage: 50, pageNo: 0 })).data;
    const result = sim.publish({ contexts: ['l3471'], change: [sim.catalog.productIds()[1]] });
    const after: SyncInfo[] = (
      await papi(sim).get('/syncs', {
        context: 'l3471',
        createdAfter: svBefore.createdAt,
        itemsOnPage: 50,
        pageNo: 0,
      })
    ).data;
    expect(after.map((s) => s.id)).toEqual([result.syncs[0].id]);
    expect(
      (await papi(sim).get('/syncs', { context: 'en', createdAfter: before[0].createdAt, itemsOnPage: 50 }))
        .data,
    ).toEqual([]);
    expect((await papi(sim).get(`/syncs/${result.syncs[0].id}`)).data).toEqual(result.syncs[0]);
    expect((await papi(sim).get('/syncs/000000000000000000000000')).status).toBe(404);
    const all = sim.ledger.list().map((s) => s.info.createdAt);
    expect([...all].sort((a, b) => a - b)).toEqual(all);
    expect(new Set(all).size).toBe(all.length);
  });

  it('publishes ADD / CHANGE / DELETE differences for products and categories, and PAPI reflects them', async () => {
    const [changeId, archiveId] = sim.catalog.productIds('en').slice(2, 4);
    const root = sim.catalog.rootCategories('en')[0];
    const doomed = sim.catalog.subtree(root.id, 'en').at(-1)!;
    const result = sim.publish({
      contexts: ['en'],
      change: [{ id: changeId, name: 'Renamed', attributes: { title_text: ['New title'] } }],
      add: 2,
      archive: [archiveId],
      categories: { change: [root.id], add: [{ parentId: root.id, name: 'Fresh' }], delete: [doomed.id] },
    });
    const syncId = result.syncs[0].id;
    const diffs = (type: string, params: object = {}) =>
      papi(sim).get(`/differences/sync/${syncId}/${type}`, { itemsOnPage: 100, pageNo: 0, ...params });
    const products = (await diffs('products')).data as { id: string; diffType: string }[];
    expect(products).toEqual(
      expect.arrayContaining([
        { id: changeId, diffType: 'CHANGE' },
        { id: archiveId, diffType: 'DELETE' },
        ...result.added.map((id) => ({ id, diffType: 'ADD' })),
      ]),
    );
    expect(
      (await diffs('products', { diffType: 'ADD' })).data.map((d: { id: string }) => d.id).sort(),
    ).toEqual([...result.added].sort());
    const categories = (await diffs('categories')).data;
    expect(categories).toEqual(
      expect.arrayContaining([
        { id: root.id, diffType: 'CHANGE' },
        { id: doomed.id, diffType: 'DELETE' },
        { id: result.categories.added[0], diffType: 'ADD' },
      ]),
    );
    expect((await diffs('attributes')).data).toEqual([]);
    // The "last sync" form takes the context header.
    expect(
      (await papi(sim, 'en').get('/differences/products', { itemsOnPage: 100, pageNo: 0 })).data,
    ).toEqual(products);

    expect((await papi(sim, 'en').get(`/products/${archiveId}`)).status).toBe(404);
    const changed = (await papi(sim, 'en').get(`/products/${changeId}`)).data;
    expect(changed.name).toBe('Renamed');
    expect(changed.attributes.find((a: { number: string }) => a.number === 'title_text').values).toEqual([
      'New title',
    ]);
    // Only the published context changed.
    expect((await papi(sim, 'l3471').get(`/products/${archiveId}`)).status).toBe(200);
    expect((await papi(sim, 'en').post('/products/by-ids', { ids: result.added })).data.results).toHaveLength(
      2,
    );
    expect((await papi(sim).get('/differences/sync/nope/products')).status).toBe(404);
  });

  it('offers the publish API over HTTP under /_admin, without an API key or faults', async () => {
    sim.faults.set({ serverErrorRate: 1 });
    try {
      const res = await http.post(`${sim.origin}/_admin/publish`, {
        contexts: ['l3471'],
        add: 1,
        deliver: false,
      });
      expect(res.status).toBe(200);
      expect(res.data.added).toHaveLength(1);
      expect(res.data.syncs[0].contextId).toBe('l3471');
      const bad = await http.post(`${sim.origin}/_admin/publish`, { archive: ['no-such-product'] });
      expect(bad.status).toBe(400);
      expect(bad.data.message).toMatch(/no-such-product/);
      expect((await papi(sim).get('/contexts')).status).toBeGreaterThanOrEqual(500);
    } finally {
      sim.faults.set({});
    }
    const stats = (await http.get(`${sim.origin}/_admin/stats`)).data;
    expect(stats.byRoute['POST /v1/products/cursor/all']).toBeGreaterThan(0);
    expect(stats.byRoute['GET /v1/products/:id']).toBeGreaterThan(0);
  });

  it('answers injected 429s like PAPI: Too Many Requests, no Retry-After, no tracker', async () => {
    sim.faults.set({ rateLimitRate: 1 });
    let res: AxiosResponse;
    try {
      res = await papi(sim).get('/contexts');
    } finally {
      sim.faults.set({});
    }
    expect(res.status).toBe(429);
    expect(res.data).toEqual({ message: 'Too Many Requests' });
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.headers['x-request-tracker']).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------

interface Received {
  at: number;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  raw: string;
  body: WebhookEnvelope;
}

/** A tiny webhook receiver that answers with queued responses (then 200). */
async function startReceiver() {
  const received: Received[] = [];
  const replies: { status: number; headers?: Record<string, string> }[] = [];
  const app = express();
  app.post('/hook', express.text({ type: '*/*' }), (req, res) => {
    received.push({
      at: Date.now(),
      headers: req.headers,
      query: req.query as Record<string, unknown>,
      raw: req.body,
      body: JSON.parse(req.body),
    });
    const reply = replies.shift() ?? { status: 200 };
    res
      .set(reply.headers ?? {})
      .status(reply.status)
      .send('');
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    replies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('Bluestone simulator webhooks', () => {
  let sim: BluestoneSim;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const RETRY_MS = 60;

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startBluestoneSim({
      apiKey: KEY,
      catalog: { seed: 3, products: 12 },
      webhook: {
        url: receiver.url,
        secret: 's3cret',
        secretMode: 'header',
        retryIntervalMs: RETRY_MS,
        retryAfterUnitMs: 1,
      },
    });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.replies.length = 0;
    sim.webhooks.configure({ secretMode: 'header', secretHeader: undefined });
  });

  it('sends PRODUCT_SYNC_DONE per context with the sync id, and PRODUCT_WATCH_STATE for archived products', async () => {
    const archived = sim.catalog.productIds('en')[5];
    const result = sim.publish({
      contexts: ['en', 'l3471'],
      archive: [archived],
      archivedState: 'TO_BE_ARCHIVED',
    });
    const records = await result.deliveries;
    expect(records.map((r) => r.outcome)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    const changes = receiver.received.map((r) => r.body.events[0].changes);
    const done = changes.filter((c) => c.eventType === 'PRODUCT_SYNC_DONE');
    expect(done).toEqual(
      result.syncs.map((s) => ({
        eventType: 'PRODUCT_SYNC_DONE',
        entityIds: [],
        syncDoneData: { field: 'PAPI_SYNC_ID', value: s.id, context: s.contextId },
      })),
    );
    const state = changes.filter((c) => c.eventType === 'PRODUCT_WATCH_STATE');
    expect(state.map((c) => c.stateChange?.context).sort()).toEqual(['en', 'l3471']);
    expect(state[0]).toMatchObject({
      entityIds: [archived],
      stateChange: { changeType: 'UPDATE', oldValue: 'CONNECTED', newValue: 'TO_BE_ARCHIVED' },
    });
    expect(typeof receiver.received[0].body.timestamp).toBe('number');
  });

  it('can combine events in one envelope, lose a webhook, and redeliver a duplicate', async () => {
    const combined = sim.publish({ contexts: ['en', 'l3471'], combineEvents: true });
    await combined.deliveries;
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].body.events).toHaveLength(2);

    const lost = sim.publish({ contexts: ['en'], deliver: false });
    expect(await lost.deliveries).toEqual([]);
    expect(receiver.received).toHaveLength(1);
    expect(sim.ledger.get(lost.syncs[0].id)).toBeDefined();

    await sim.redeliver(combined.envelopes[0]);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1].raw).toBe(receiver.received[0].raw);
  });

  it('retries a 503 after its Retry-After, and does not retry a 503 without one', async () => {
    receiver.replies.push({ status: 503, headers: { 'Retry-After': '30' } }, { status: 200 });
    const [withHeader] = await sim.publish({ contexts: ['en'] }).deliveries;
    expect(withHeader.outcome).toBe('delivered');
    expect(withHeader.attempts.map((a) => a.status)).toEqual([503, 200]);
    expect(receiver.received[1].at - receiver.received[0].at).toBeGreaterThanOrEqual(25);

    receiver.replies.push({ status: 503 });
    const [without] = await sim.publish({ contexts: ['en'] }).deliveries;
    expect(without.outcome).toBe('failed');
    expect(without.attempts).toHaveLength(1);
    expect(without.reason).toMatch(/without Retry-After/);
  });

  it('retries any other status twice at the configured interval, and never retries a 401', async () => {
    receiver.replies.push({ status: 500 }, { status: 500 }, { status: 500 });
    const [other] = await sim.publish({ contexts: ['en'] }).deliveries;
    expect(other.outcome).toBe('failed');
    expect(other.attempts.map((a) => a.status)).toEqual([500, 500, 500]);
    const times = receiver.received.map((r) => r.at);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(RETRY_MS - 5);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(RETRY_MS - 5);

    receiver.received.length = 0;
    receiver.replies.push({ status: 401 });
    const [unauthorized] = await sim.publish({ contexts: ['en'] }).deliveries;
    expect(unauthorized.outcome).toBe('failed');
    expect(unauthorized.attempts).toHaveLength(1);
    await new Promise((r) => setTimeout(r, RETRY_MS * 2));
    expect(receiver.received).toHaveLength(1);
  });

  it('sends the secret as a header, as a query parameter, or as an HMAC of the raw body', async () => {
    sim.webhooks.configure({ secretMode: 'header', secretHeader: 'x-my-secret' });
    await sim.publish({ contexts: ['en'] }).deliveries;
    expect(receiver.received[0].headers['x-my-secret']).toBe('s3cret');

    sim.webhooks.configure({ secretMode: 'query' });
    await sim.publish({ contexts: ['en'] }).deliveries;
    expect(receiver.received[1].query.code).toBe('s3cret');
    expect(receiver.received[1].headers['x-my-secret']).toBeUndefined();

    sim.webhooks.configure({ secretMode: 'hmac', secretHeader: undefined });
    await sim.publish({ contexts: ['en'] }).deliveries;
    const hmac = receiver.received[2];
    const expected = createHmac('sha256', 's3cret').update(hmac.raw).digest('hex');
    expect(hmac.headers['x-bluestone-secret']).toBe(expected);
    const forged = createHmac('sha256', 'wrong').update(hmac.raw).digest('hex');
    expect(hmac.headers['x-bluestone-secret']).not.toBe(forged);

    sim.webhooks.configure({ secretMode: 'none' });
    await sim.publish({ contexts: ['en'] }).deliveries;
    expect(receiver.received[3].headers['x-bluestone-secret']).toBeUndefined();
    expect(receiver.received[3].query.code).toBeUndefined();
  });

  it('keeps an inspectable delivery log (also over /_admin/webhooks, without the secret)', async () => {
    await sim.publish({ contexts: ['en'] }).deliveries;
    const res = await http.get(`${sim.origin}/_admin/webhooks`);
    expect(res.data.settings.secret).toBeUndefined();
    const last = res.data.log.at(-1);
    expect(last).toMatchObject({ outcome: 'delivered', url: receiver.url });
    expect(last.attempts[0].status).toBe(200);
  });
});
