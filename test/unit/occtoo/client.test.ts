import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApiError, FailureType } from '../../../src/http/api-error';
import {
  clearOcctooCaches,
  OcctooClient,
  type OcctooClientOptions,
  type OcctooRetryEvent,
} from '../../../src/occtoo/client';
import { OcctooApiError } from '../../../src/occtoo/errors';
import type { OcctooEntity } from '../../../src/occtoo/types';
import type { FaultOptions } from '../../../src/sim/faults';
import { startOcctooSim, type OcctooSim } from '../../../src/sim/occtoo-sim';

const PROVIDER = { id: 'provider-1', secret: 's3cret', allowedSources: ['products', 'media'] };
const FAST_RETRY = { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 6 };
const IMAGE = Buffer.from('fake jpeg bytes');

const product = (key: string, name = `name of ${key}`): OcctooEntity => ({
  key,
  properties: [{ id: 'name', value: name, language: 'en' }],
});

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** Faults exactly the next `n` requests the simulator sees, then none. */
function faultNext(sim: OcctooSim, n: number, options: FaultOptions): void {
  const until = sim.faults.stats.requests + n;
  sim.faults.set({ ...options, random: () => (sim.faults.stats.requests <= until ? 0 : 0.99) });
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('OcctooClient', () => {
  let sim: OcctooSim;
  let media: { server: Server; url: string };
  const clients: OcctooClient[] = [];

  const client = (overrides: Partial<OcctooClientOptions> = {}, target: OcctooSim = sim) => {
    const c = new OcctooClient({
      baseUrl: target.url,
      dataProviderId: PROVIDER.id,
      dataProviderSecret: PROVIDER.secret,
      retry: FAST_RETRY,
      timeoutMs: 2000,
      ...overrides,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const app = express();
    app.get('/img/:name', (_req, res) => void res.type('image/jpeg').send(IMAGE));
    media = await listen(app);
    sim = await startOcctooSim({ providers: [PROVIDER], mediaProcessingDelayMs: 150 });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await sim.close();
    await closeServer(media.server);
  });

  beforeEach(() => {
    clearOcctooCaches();
    sim.reset();
    sim.faults.set({});
  });

  describe('importEntities', () => {
    it('imports into the source with a correlation id and returns the batch ids', async () => {
      const result = await client().importEntities('products', [product('A'), product('B')], {
        correlationId: 'run-7',
      });
      expect(result).toEqual({ accepted: 2, batches: 1, rejected: [], importIds: [sim.imports[0].importId] });
      expect(sim.imports[0].correlationId).toBe('run-7');
      expect(sim.entity('products', 'A')?.properties).toEqual(product('A').properties);
    });

    it.each<[string, FaultOptions]>([
      ['429 with Retry-After', { rateLimitRate: 0.5, retryAfterSeconds: 0.02 }],
      ['429 without Retry-After', { rateLimitRate: 0.5 }],
      ['5xx', { serverErrorRate: 0.5 }],
      ['dropped connections', { dropRate: 0.5 }],
    ])('retries through %s and lands every key exactly once', async (_name, faults) => {
      const retries: OcctooRetryEvent[] = [];
      const c = client({ maxBatchEntities: 2, onRetry: (e) => retries.push(e) });
      await c.importEntities('products', [product('warm-up')]); // token cached; only imports are faulted below
      sim.reset();
      faultNext(sim, 3, faults);

      const entities = ['A', 'B', 'C', 'D', 'E'].map((k) => product(k));
      const result = await c.importEntities('products', entities);

      expect(result.accepted).toBe(5);
      expect(result.batches).toBe(3);
      const { rateLimited, serverErrors, dropped } = sim.faults.stats;
      expect(rateLimited + serverErrors + dropped).toBe(3);
      expect(retries).toHaveLength(3);
      expect(retries.every((r) => r.operation === 'import products')).toBe(true);
      if (faults.retryAfterSeconds !== undefined) expect(retries.map((r) => r.delayMs)).toEqual([20, 20, 20]);
      // Faulted calls never reached the handler: one import per batch, each key once.
      expect(sim.imports.flatMap((i) => i.keys).sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
      expect(sim.imports).toHaveLength(3);
      expect([...sim.entities('products').keys()].sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
    });

    it('gives up with a retryable OcctooUnavailable once transient retries are spent', async () => {
      sim.faults.set({ serverErrorRate: 1 });
      const err = await rejection(
        client({ retry: { ...FAST_RETRY, maxAttempts: 3 } }).importEntities('products', [product('A')]),
      );
      expect(err.type).toBe(FailureType.OcctooUnavailable);
      expect(err.retryable).toBe(true);
      expect(sim.faults.stats.serverErrors).toBe(3); // the token call and two import attempts
      expect(sim.imports).toHaveLength(0);
    });

    it('stops at once on 403 with OcctooForbidden naming the source', async () => {
      const c = client();
      await c.importEntities('products', [product('warm-up')]);
      const before = sim.faults.stats.requests;
      const err = await rejection(c.importEntities('not-mine', [product('A')]));
      expect(err.type).toBe(FailureType.OcctooForbidden);
      expect(err.status).toBe(403);
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(
        /may not write to source not-mine: add it to the provider's Allowed Sources/,
      );
      expect(sim.faults.stats.requests - before).toBe(1);
    });

    it('maps 404 to OcctooNotFound for an unknown data source', async () => {
      const strict = await startOcctooSim({ providers: [PROVIDER], dataSources: ['products'] });
      try {
        const err = await rejection(client({}, strict).importEntities('produkts', [product('A')]));
        expect(err.type).toBe(FailureType.OcctooNotFound);
        expect(err.message).toMatch(/no data source produkts/);
      } finally {
        await strict.close();
      }
    });

    it('rejects hostile entities client-side with reasons while the rest goes through', async () => {
      const hostile: OcctooEntity[] = [
        product('bad@key'),
        product('naïve'),
        product('k'.repeat(300)),
        { key: 'lang', properties: [{ id: 'name', value: 'x', language: 'x' }] },
        {
          key: 'dup',
          properties: [
            { id: 'Name', value: 'a' },
            { id: 'Name', value: 'b' },
          ],
        },
        { key: 'huge', properties: [{ id: 'blob', value: 'x'.repeat(2 * 1024 * 1024) }] },
      ];
      const result = await client().importEntities('products', [
        product('ok-1'),
        ...hostile,
        product('ok-2'),
      ]);

      expect(result.accepted).toBe(2);
      expect(result.rejected.map((r) => r.key)).toEqual([
        'bad@key',
        'naïve',
        'k'.repeat(300),
        'lang',
        'dup',
        'huge',
      ]);
      const reasons = result.rejected.map((r) => r.reasons.join('; '));
      expect(reasons[0]).toMatch(/characters other than/);
      expect(reasons[1]).toMatch(/characters other than/);
      expect(reasons[2]).toMatch(/at most 256/);
      expect(reasons[3]).toMatch(/languages must be 2-10/);
      expect(reasons[4]).toMatch(/appears twice/);
      expect(reasons[5]).toMatch(/bytes serialized; the limit is/);
      expect([...sim.entities('products').keys()]).toEqual(['ok-1', 'ok-2']);
      expect(sim.imports).toHaveLength(1);
    });

    it('batches by count and by serialized bytes', async () => {
      const entities = Array.from({ length: 9 }, (_, i) => ({
        key: `k${i}`,
        properties: [{ id: 'text', value: 'z'.repeat(1000) }],
      }));
      await client({ maxBatchEntities: 4 }).importEntities('products', entities);
      expect(sim.imports.map((i) => i.count)).toEqual([4, 4, 1]);

      sim.reset();
      await client({ maxBatchBytes: 2500 }).importEntities('products', entities);
      expect(sim.imports.map((i) => i.count)).toEqual([2, 2, 2, 2, 1]);
      expect(Math.max(...sim.imports.map((i) => i.bytes))).toBeLessThanOrEqual(2500);
      expect(sim.entities('products').size).toBe(9);
    });
  });

  describe('against a scripted server', () => {
    let hits: string[];
    let answer: (res: express.Response) => void;
    let fake: { server: Server; url: string };

    beforeAll(async () => {
      const app = express();
      app.use(express.json());
      app.post('/dataProviders/tokens', (_req, res) => {
        hits.push('token');
        res.json({ result: { accessToken: 't', expiresIn: 3600 }, errors: [] });
      });
      app.post('/import/:source', (_req, res) => {
        hits.push('import');
        answer(res);
      });
      fake = await listen(app);
    });
    afterAll(() => closeServer(fake.server));
    beforeEach(() => {
      hits = [];
    });

    it('never resends a 202, whatever its body', async () => {
      answer = (res) => void res.status(202).type('text/plain').send('not json at all');
      const result = await client({ baseUrl: fake.url }).importEntities('products', [product('A')]);
      expect(result).toEqual({ accepted: 1, batches: 1, rejected: [], importIds: [] });
      expect(hits).toEqual(['token', 'import']);
    });

    it("stops at once on 400 with OcctooBadRequest carrying Occtoo's message, details and request id", async () => {
      answer = (res) =>
        void res.status(400).json({
          result: null,
          errors: [
            {
              message: 'Invalid request',
              details: {
                propertyName: 'entities',
                message:
                  'Entity keys contain restricted characters. The following ids containing restricted characters: @2',
              },
            },
          ],
          requestId: 'req-42',
        });
      const err = await rejection(client({ baseUrl: fake.url }).importEntities('products', [product('A')]));
      expect(err).toBeInstanceOf(OcctooApiError);
      expect(err.type).toBe(FailureType.OcctooBadRequest);
      expect(err.retryable).toBe(false);
      expect(err.requestId).toBe('req-42');
      expect(err.message).toMatch(
        /Invalid request - entities: Entity keys contain restricted characters.*@2/,
      );
      expect((err as OcctooApiError).occtooErrors[0].message).toBe('Invalid request');
      expect(hits).toEqual(['token', 'import']);
    });
  });

  describe('tokens', () => {
    it('refreshes an expired token exactly once', async () => {
      const shortLived = await startOcctooSim({ providers: [PROVIDER], tokenTtlSeconds: 1 });
      try {
        const c = client({}, shortLived);
        await c.importEntities('products', [product('A')]);
        await c.importEntities('products', [product('B')]);
        expect(shortLived.tokenRequests).toBe(1);
        await new Promise((r) => setTimeout(r, 1000));
        await c.importEntities('products', [product('C')]);
        await c.importEntities('products', [product('D')]);
        expect(shortLived.tokenRequests).toBe(2);
        expect(shortLived.entities('products').size).toBe(4);
      } finally {
        await shortLived.close();
      }
    });

    it('on a 401 drops the token, refreshes once and retries once', async () => {
      const c = client();
      await c.importEntities('products', [product('A')]);
      sim.revokeTokens(); // the cached token is now unknown to Occtoo
      await c.importEntities('products', [product('B')]);
      expect(sim.tokenRequests).toBe(2);
      expect(sim.imports.map((i) => i.keys)).toEqual([['A'], ['B']]);
    });

    it('fails with OcctooUnauthorized when a fresh token is refused too', async () => {
      const instantExpiry = await startOcctooSim({ providers: [PROVIDER], tokenTtlSeconds: 0 });
      try {
        const err = await rejection(client({}, instantExpiry).importEntities('products', [product('A')]));
        expect(err.type).toBe(FailureType.OcctooUnauthorized);
        expect(err.retryable).toBe(false);
        expect(err.message).toMatch(/OCCTOO_DATA_PROVIDER_ID and OCCTOO_DATA_PROVIDER_SECRET/);
        expect(instantExpiry.tokenRequests).toBe(2);
        expect(instantExpiry.imports).toHaveLength(0);
      } finally {
        await instantExpiry.close();
      }
    });

    it('fails with OcctooUnauthorized on wrong credentials, without retrying', async () => {
      const err = await rejection(
        client({ dataProviderSecret: 'wrong' }).importEntities('products', [product('A')]),
      );
      expect(err.type).toBe(FailureType.OcctooUnauthorized);
      expect(err.message).toMatch(/refused data provider provider-1.*check OCCTOO_DATA_PROVIDER_ID/);
      expect(sim.tokenRequests).toBe(1);
    });

    it('shares one token request between concurrent imports of several clients', async () => {
      const [a, b] = [client(), client()];
      await Promise.all(
        ['A', 'B', 'C', 'D', 'E', 'F'].map((k, i) =>
          (i % 2 ? a : b).importEntities('products', [product(k)]),
        ),
      );
      expect(sim.tokenRequests).toBe(1);
      expect(sim.entities('products').size).toBe(6);
    });

    it('refuses to start without credentials, saying which setting is missing', () => {
      expect(() => client({ dataProviderSecret: ' ' })).toThrow(/needs dataProviderSecret/);
    });
  });

  describe('media', () => {
    const link = (uid: string, path = '/img/chair.jpg') => ({
      link: `${media.url}${path}`,
      filename: 'chair.jpg',
      uniqueIdentifier: uid,
    });

    it('uploads once, waits through processing, and finds the existing file the second time', async () => {
      const c = client();
      const started = Date.now();
      const file = await c.uploadFromLink(link('bs-1'), { pollIntervalMs: 25, timeoutMs: 3000 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(file).toEqual(
        expect.objectContaining({
          uniqueIdentifier: 'bs-1',
          publicUrl: expect.stringMatching(new RegExp(`^${sim.url}/media/public/${file.id}/chair.jpg$`)),
        }),
      );
      const served = Buffer.from(await (await fetch(file.publicUrl)).arrayBuffer());
      expect(served.equals(IMAGE)).toBe(true);

      const again = await c.uploadFromLink(link('bs-1'), { pollIntervalMs: 25, timeoutMs: 3000 });
      expect(again.id).toBe(file.id);
      expect(sim.uploadCounts.get('bs-1')).toBe(1);
    });

    it('fails without retry when Occtoo cannot fetch the link', async () => {
      const err = await rejection(
        client().uploadFromLink(link('bs-404', '/nothing/here.jpg'), { pollIntervalMs: 25, timeoutMs: 3000 }),
      );
      expect(err.type).toBe(FailureType.OcctooBadRequest);
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/upload Failed: .*404/);
    });

    it('times out retryably while processing lasts, and a later call does not upload again', async () => {
      const c = client();
      const err = await rejection(c.uploadFromLink(link('bs-slow'), { pollIntervalMs: 20, timeoutMs: 60 }));
      expect(err.type).toBe(FailureType.OcctooMediaTimeout);
      expect(err.retryable).toBe(true);
      const file = await c.uploadFromLink(link('bs-slow'), { pollIntervalMs: 20, timeoutMs: 3000 });
      expect(file.uniqueIdentifier).toBe('bs-slow');
      expect(sim.uploadCounts.get('bs-slow')).toBe(1);
    });

    it('uploads once when several calls want the same file at the same time', async () => {
      const [a, b] = [client(), client()];
      const files = await Promise.all(
        [a, b, a, b].map((c) => c.uploadFromLink(link('bs-shared'), { pollIntervalMs: 25, timeoutMs: 3000 })),
      );
      expect(new Set(files.map((f) => f.id)).size).toBe(1);
      expect(sim.uploadCounts.get('bs-shared')).toBe(1);
    });

    it('refuses a link without a unique identifier', async () => {
      const err = await rejection(client().uploadFromLink({ ...link(''), uniqueIdentifier: '' }));
      expect(err.type).toBe(FailureType.InvalidEntity);
      expect(sim.uploadCounts.size).toBe(0);
    });

    it('looks files up in batches, and deletes them', async () => {
      const c = client({ maxLookupBatch: 2 });
      const files = await Promise.all(
        ['u1', 'u2', 'u3'].map((u) => c.uploadFromLink(link(u), { pollIntervalMs: 25 })),
      );
      const before = sim.faults.stats.requests;
      const found = await c.findFilesByUniqueIds(['u1', 'u2', 'u3', 'missing', 'u1']);
      expect(sim.faults.stats.requests - before).toBe(2); // four distinct ids, two per call
      expect([...found.keys()].sort()).toEqual(['u1', 'u2', 'u3']);
      expect(found.get('u2')?.id).toBe(files[1].id);

      expect(await c.deleteFile(files[0].id)).toBe(true);
      expect(await c.deleteFile(files[0].id)).toBe(false);
      expect((await c.findFilesByUniqueIds(['u1'])).size).toBe(0);
    });
  });
});
