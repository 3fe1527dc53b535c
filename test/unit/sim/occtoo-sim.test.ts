import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { startOcctooSim, type OcctooSim } from '../../../src/sim/occtoo-sim';

const PROVIDER = { id: 'provider-1', secret: 's3cret', allowedSources: ['products', 'media'] };
const IMAGE = Buffer.from('\x89PNG fake image bytes');

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  sim: OcctooSim,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Answer> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function tokenFor(sim: OcctooSim, id = PROVIDER.id, secret = PROVIDER.secret): Promise<string> {
  const answer = await call(sim, 'POST', '/dataProviders/tokens', { id, secret });
  expect(answer.status).toBe(200);
  return answer.body.result.accessToken as string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('Occtoo ingest simulator', () => {
  let sim: OcctooSim;
  let token: string;
  let mediaServer: Server;
  let mediaUrl: string;

  beforeAll(async () => {
    const app = express();
    app.get('/img/:name', (_req, res) => void res.type('image/png').send(IMAGE));
    mediaServer = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    mediaUrl = `http://127.0.0.1:${(mediaServer.address() as AddressInfo).port}`;
    sim = await startOcctooSim({ providers: [PROVIDER], mediaProcessingDelayMs: 150 });
  });

  afterAll(async () => {
    await sim.close();
    await new Promise((r) => mediaServer.close(r));
  });

  beforeEach(async () => {
    sim.reset();
    sim.faults.set({});
    token = await tokenFor(sim);
  });

  describe('tokens', () => {
    it('issues a bearer token in the documented envelope and counts requests', async () => {
      const answer = await call(sim, 'POST', '/dataProviders/tokens', {
        id: PROVIDER.id,
        secret: PROVIDER.secret,
      });
      expect(answer.status).toBe(200);
      expect(answer.body.result).toEqual(
        expect.objectContaining({ accessToken: expect.any(String), expiresIn: 3600, tokenType: 'Bearer' }),
      );
      expect(answer.body.errors).toEqual([]);
      expect(typeof answer.body.requestId).toBe('string');
      expect(sim.tokenRequests).toBe(2); // beforeEach's and this one
    });

    it('refuses wrong credentials with 401 and an errors entry', async () => {
      const answer = await call(sim, 'POST', '/dataProviders/tokens', { id: PROVIDER.id, secret: 'wrong' });
      expect(answer.status).toBe(401);
      expect(answer.body.result).toBeNull();
      expect(answer.body.errors[0].message).toMatch(/id or secret/);
    });

    it('answers 401 for missing, unknown and expired tokens', async () => {
      const short = await startOcctooSim({ providers: [PROVIDER], tokenTtlSeconds: 0.3 });
      try {
        const body = { entities: [{ key: 'a', properties: [] }] };
        expect((await call(short, 'POST', '/import/products', body)).status).toBe(401);
        expect((await call(short, 'POST', '/import/products', body, 'made-up')).status).toBe(401);
        const fresh = await tokenFor(short);
        expect((await call(short, 'POST', '/import/products', body, fresh)).status).toBe(202);
        await sleep(350);
        const expired = await call(short, 'POST', '/import/products', body, fresh);
        expect(expired.status).toBe(401);
        expect(expired.body.errors[0].message).toBe('Token expired');
      } finally {
        await short.close();
      }
    });

    it('forgets revoked tokens', async () => {
      sim.revokeTokens();
      const answer = await call(sim, 'POST', '/import/products', { entities: [] }, token);
      expect(answer.status).toBe(401);
    });
  });

  describe('import', () => {
    it('accepts with 202 and a batch id, records the correlation id and merges per key and language', async () => {
      const first = await call(
        sim,
        'POST',
        '/import/products?correlationId=run-1',
        {
          entities: [
            {
              key: 'P-1',
              properties: [
                { id: 'name', value: 'Chair', language: 'en' },
                { id: 'name', value: 'Stol', language: 'sv' },
                { id: 'color', value: 'red' },
              ],
            },
          ],
        },
        token,
      );
      expect(first.status).toBe(202);
      expect(first.body.result.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(first.body.errors).toEqual([]);

      // A partial, PascalCase entity (as Occtoo's SDK sends) updates only what it carries.
      const second = await call(
        sim,
        'POST',
        '/import/products',
        {
          Entities: [
            { Key: 'P-1', Delete: false, Properties: [{ Id: 'name', Value: 'Armchair', Language: 'en' }] },
          ],
        },
        token,
      );
      expect(second.status).toBe(202);

      expect(sim.entity('products', 'P-1')?.properties).toEqual([
        { id: 'name', value: 'Armchair', language: 'en' },
        { id: 'name', value: 'Stol', language: 'sv' },
        { id: 'color', value: 'red' },
      ]);
      expect(sim.imports.map((i) => [i.source, i.count, i.correlationId])).toEqual([
        ['products', 1, 'run-1'],
        ['products', 1, undefined],
      ]);
    });

    it('treats empty and null languages as non-localized, so they update the same value', async () => {
      const send = (language: string | null | undefined, value: string) =>
        call(
          sim,
          'POST',
          '/import/products',
          { entities: [{ key: 'K', properties: [{ id: 'x', value, language }] }] },
          token,
        );
      expect((await send(undefined, 'one')).status).toBe(202);
      expect((await send('', 'two')).status).toBe(202);
      expect((await send(null, 'three')).status).toBe(202);
      expect(sim.entity('products', 'K')?.properties).toEqual([{ id: 'x', value: 'three' }]);
    });

    it('removes a property sent with a null value, in that language only, and shows it gone', async () => {
      const send = (properties: { id: string; value: string | null; language?: string }[]) =>
        call(sim, 'POST', '/import/products', { entities: [{ key: 'P-1', properties }] }, token);
      await send([
        { id: 'Name', value: 'Chair', language: 'en' },
        { id: 'Name', value: 'Stol', language: 'sv' },
        { id: 'Description', value: 'Soft', language: 'en' },
        { id: 'Labels', value: 'new|sale' },
      ]);
      const answer = await send([
        { id: 'Name', value: null, language: 'sv' },
        { id: 'Labels', value: null },
        // Never stored, so nothing to remove: still accepted.
        { id: 'Weight', value: null },
      ]);
      expect(answer.status).toBe(202);
      const expected = [
        { id: 'Name', value: 'Chair', language: 'en' },
        { id: 'Description', value: 'Soft', language: 'en' },
      ];
      expect(sim.entity('products', 'P-1')?.properties).toEqual(expected);
      expect((await call(sim, 'GET', '/_inspect/sources/products/P-1')).body.properties).toEqual(expected);
      expect((await call(sim, 'GET', '/_inspect/sources/products')).body.entities).toEqual([
        { key: 'P-1', properties: expected },
      ]);
    });

    it('keeps an entity whose every property was cleared, and never stores a null', async () => {
      await call(
        sim,
        'POST',
        '/import/products',
        { entities: [{ key: 'N', properties: [{ id: 'x', value: null }] }] },
        token,
      );
      expect(sim.entity('products', 'N')).toEqual({ key: 'N', properties: [] });
      await call(
        sim,
        'POST',
        '/import/products',
        { entities: [{ key: 'N', properties: [{ id: 'x', value: 'back' }] }] },
        token,
      );
      expect(sim.entity('products', 'N')?.properties).toEqual([{ id: 'x', value: 'back' }]);
    });

    it('counts imports and entities per data source', async () => {
      const entities = [
        { key: 'A', properties: [{ id: 'n', value: '1' }] },
        { key: 'B', properties: [{ id: 'n', value: null }] },
      ];
      await call(sim, 'POST', '/import/products', { entities }, token);
      await call(sim, 'POST', '/import/products', { entities: [{ key: 'A', delete: true }] }, token);
      await call(sim, 'POST', '/import/media', { entities: [entities[0]] }, token);
      const counts = { products: { imports: 2, entities: 3 }, media: { imports: 1, entities: 1 } };
      expect(sim.importCounts()).toEqual(counts);
      expect((await call(sim, 'GET', '/_inspect/stats')).body.importsBySource).toEqual(counts);
    });

    it('merges a resent import instead of duplicating it', async () => {
      const body = {
        entities: [
          { key: 'A', properties: [{ id: 'name', value: 'a' }] },
          { key: 'B', properties: [{ id: 'name', value: 'b' }] },
        ],
      };
      await call(sim, 'POST', '/import/products', body, token);
      await call(sim, 'POST', '/import/products', body, token);
      const state = sim.entities('products');
      expect([...state.keys()]).toEqual(['A', 'B']);
      expect(state.get('A')?.properties).toEqual([{ id: 'name', value: 'a' }]);
      expect(sim.imports).toHaveLength(2);
    });

    it('removes an entity on delete: true', async () => {
      await call(
        sim,
        'POST',
        '/import/products',
        { entities: [{ key: 'A', properties: [{ id: 'n', value: '1' }] }] },
        token,
      );
      const answer = await call(
        sim,
        'POST',
        '/import/products',
        { entities: [{ key: 'A', delete: true }] },
        token,
      );
      expect(answer.status).toBe(202);
      expect(sim.entity('products', 'A')).toBeUndefined();
      expect(sim.imports[1].deletes).toBe(1);
    });

    it('rejects a whole payload with one bad key, with the documented 400 body', async () => {
      const answer = await call(
        sim,
        'POST',
        '/import/products',
        {
          entities: [
            { key: 'good-1', properties: [] },
            { key: '@2', properties: [] },
          ],
        },
        token,
      );
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
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
        requestId: expect.any(String),
      });
      expect(sim.entity('products', 'good-1')).toBeUndefined();
      expect(sim.imports).toHaveLength(0);
    });

    it.each([
      [
        'a duplicate key',
        [
          { key: 'A', properties: [] },
          { key: 'A', properties: [] },
        ],
        /unique in one import.*: A$/,
      ],
      [
        'a duplicate (id, language)',
        [
          {
            key: 'A',
            properties: [
              { id: 'n', value: '1', language: 'en' },
              { id: 'n', value: '2', language: 'en' },
            ],
          },
        ],
        /unique per id and language.*n\/en \(entity A\)/,
      ],
      ['a 300-character key', [{ key: 'k'.repeat(300), properties: [] }], /at most 256 characters/],
      [
        'a one-letter language',
        [{ key: 'A', properties: [{ id: 'n', value: '1', language: 'x' }] }],
        /languages must be 2-10/,
      ],
      [
        'a property id with a space',
        [{ key: 'A', properties: [{ id: 'my id', value: '1' }] }],
        /Property ids contain restricted/,
      ],
      ['a number value', [{ key: 'A', properties: [{ id: 'n', value: 5 }] }], /strings or null/],
      ['a non-ASCII key', [{ key: 'café', properties: [] }], /restricted characters: café/],
    ])('rejects %s with 400 and imports nothing', async (_name, entities, message) => {
      const answer = await call(
        sim,
        'POST',
        '/import/products',
        { entities: [{ key: 'fine', properties: [] }, ...entities] },
        token,
      );
      expect(answer.status).toBe(400);
      expect(answer.body.result).toBeNull();
      expect(
        answer.body.errors.map((e: { details: { message: string } }) => e.details.message).join('\n'),
      ).toMatch(message);
      expect(sim.entities('products').size).toBe(0);
    });

    it('rejects a body without an entities array, and unreadable JSON', async () => {
      const missing = await call(sim, 'POST', '/import/products', { items: [] }, token);
      expect(missing.status).toBe(400);
      expect(missing.body.errors[0].details.message).toMatch(/'entities' array/);
      const broken = await call(sim, 'POST', '/import/products', '{"entities": [', token);
      expect(broken.status).toBe(400);
    });

    it('answers 403 for a source the provider may not write to', async () => {
      const answer = await call(
        sim,
        'POST',
        '/import/secret-source',
        { entities: [{ key: 'A', properties: [] }] },
        token,
      );
      expect(answer.status).toBe(403);
      expect(answer.body.errors[0].message).toMatch(/may not write to data source secret-source/);
      expect(sim.entities('secret-source').size).toBe(0);
    });

    it('answers 404 for an unknown source when data sources are configured, and 413 over the size limit', async () => {
      const strict = await startOcctooSim({
        providers: [PROVIDER],
        dataSources: ['products'],
        maxPayloadBytes: 2000,
      });
      try {
        const t = await tokenFor(strict);
        expect((await call(strict, 'POST', '/import/media', { entities: [] }, t)).status).toBe(404);
        const big = { entities: [{ key: 'A', properties: [{ id: 'blob', value: 'x'.repeat(3000) }] }] };
        const tooLarge = await call(strict, 'POST', '/import/products', big, t);
        expect(tooLarge.status).toBe(413);
        expect(tooLarge.body.errors[0].message).toMatch(/too large/);
      } finally {
        await strict.close();
      }
    });
  });

  describe('media', () => {
    it('processes a link upload asynchronously: not found until processing ends, then a public file', async () => {
      const put = await call(
        sim,
        'PUT',
        '/media/uploads/links',
        { Links: [{ Link: `${mediaUrl}/img/chair.png`, Filename: 'chair.png', UniqueIdentifier: 'm-1' }] },
        token,
      );
      expect(put.status).toBe(202);
      const upload = put.body.result.succeeded['m-1'];
      expect(upload).toEqual(expect.objectContaining({ id: expect.any(String), state: 'Created' }));
      expect(put.body.result.failures).toEqual({});

      const early = await call(sim, 'POST', '/media/files/batch', { uniqueIdentifiers: ['m-1'] }, token);
      expect(early.body.result).toEqual({
        succeeded: {},
        failures: { 'm-1': { message: 'MediaFile not found in tenant' } },
      });

      const done = await waitFor(async () => {
        const status = await call(sim, 'GET', `/media/uploads/${upload.id}`, undefined, token);
        return status.body.result.state === 'Completed' ? status.body.result : undefined;
      });
      expect(done.progress.isCompleted).toBe(true);

      const found = await call(
        sim,
        'POST',
        '/media/files/batch',
        { UniqueIdentifiers: ['m-1', 'nope'] },
        token,
      );
      const file = found.body.result.succeeded['m-1'];
      expect(file).toEqual(
        expect.objectContaining({
          uniqueIdentifier: 'm-1',
          sourceUrl: `${mediaUrl}/img/chair.png`,
          publicUrl: `${sim.url}/media/public/${file.id}/chair.png`,
          metadata: expect.objectContaining({
            filename: 'chair.png',
            mimeType: 'image/png',
            size: IMAGE.length,
          }),
        }),
      );
      expect(found.body.result.failures.nope.message).toBe('MediaFile not found in tenant');

      const bytes = Buffer.from(await (await fetch(file.publicUrl)).arrayBuffer());
      expect(bytes.equals(IMAGE)).toBe(true);
      expect((await call(sim, 'GET', `/media/files/${file.id}`, undefined, token)).body.result.id).toBe(
        file.id,
      );
      expect(sim.uploadCounts.get('m-1')).toBe(1);
    });

    it('marks an upload Failed when its link answers 404', async () => {
      const put = await call(
        sim,
        'PUT',
        '/media/uploads/links',
        { links: [{ link: `${mediaUrl}/missing/x.png`, filename: 'x.png', uniqueIdentifier: 'm-404' }] },
        token,
      );
      const id = put.body.result.succeeded['m-404'].id;
      const failed = await waitFor(async () => {
        const status = await call(sim, 'GET', `/media/uploads/${id}`, undefined, token);
        return status.body.result.state === 'Failed' ? status.body.result : undefined;
      });
      expect(failed.metadata.failureReason).toMatch(/404/);
      expect(sim.mediaFiles()).toHaveLength(0);
    });

    it('skips a unique identifier that already exists as a file, and reports a missing one as a failure', async () => {
      const link = { link: `${mediaUrl}/img/a.png`, filename: 'a.png', uniqueIdentifier: 'm-2' };
      await call(sim, 'PUT', '/media/uploads/links', { links: [link] }, token);
      await waitFor(async () => (sim.mediaFiles().length === 1 ? true : undefined));

      const again = await call(
        sim,
        'PUT',
        '/media/uploads/links',
        { links: [link, { link: `${mediaUrl}/img/b.png`, filename: 'b.png' }] },
        token,
      );
      expect(again.status).toBe(202);
      expect(again.body.result.succeeded).toEqual({});
      expect(again.body.result.failures['m-2'].message).toMatch(/already exists/);
      expect(again.body.result.failures[`${mediaUrl}/img/b.png`].message).toMatch(
        /UniqueIdentifier is required/,
      );
      expect(sim.uploadCounts.get('m-2')).toBe(1);
      expect(sim.mediaFiles()).toHaveLength(1);
    });

    it('deletes files, then answers 404 for them', async () => {
      await call(
        sim,
        'PUT',
        '/media/uploads/links',
        { links: [{ link: `${mediaUrl}/img/d.png`, filename: 'd.png', uniqueIdentifier: 'm-d' }] },
        token,
      );
      const [file] = await waitFor(async () => (sim.mediaFiles().length ? sim.mediaFiles() : undefined));
      expect((await call(sim, 'DELETE', `/media/files/${file.id}`, undefined, token)).status).toBe(204);
      expect((await call(sim, 'GET', `/media/files/${file.id}`, undefined, token)).status).toBe(404);
      expect((await call(sim, 'DELETE', `/media/files/${file.id}`, undefined, token)).status).toBe(404);
      const lookup = await call(sim, 'POST', '/media/files/batch', { uniqueIdentifiers: ['m-d'] }, token);
      expect(lookup.body.result.succeeded).toEqual({});
    });
  });

  describe('inspection and faults', () => {
    it('lists merged entities, imports, media and stats over HTTP', async () => {
      await call(
        sim,
        'POST',
        '/import/products',
        { entities: [{ key: 'A', properties: [{ id: 'n', value: '1' }] }] },
        token,
      );
      const source = await call(sim, 'GET', '/_inspect/sources/products');
      expect(source.body).toEqual({
        source: 'products',
        count: 1,
        entities: [{ key: 'A', properties: [{ id: 'n', value: '1' }] }],
      });
      expect((await call(sim, 'GET', '/_inspect/sources/products/A')).body.key).toBe('A');
      expect((await call(sim, 'GET', '/_inspect/sources/products/B')).status).toBe(404);
      const stats = await call(sim, 'GET', '/_inspect/stats');
      expect(stats.body).toEqual(
        expect.objectContaining({
          tokenRequests: 1,
          imports: 1,
          importedEntities: 1,
          entitiesBySource: { products: 1 },
        }),
      );
      expect((await call(sim, 'GET', '/_inspect/imports')).body[0].keys).toEqual(['A']);
      expect((await call(sim, 'GET', '/_inspect/media')).body).toEqual({
        files: [],
        uploads: [],
        uploadCounts: {},
      });
    });

    it('faults API routes but never inspection routes, and can be set over the admin route', async () => {
      await call(sim, 'PUT', '/_admin/faults', { serverErrorRate: 1 });
      const faulted = await call(sim, 'POST', '/import/products', { entities: [] }, token);
      expect(faulted.status).toBeGreaterThanOrEqual(500);
      expect(faulted.body.errors[0].message).toBe('Injected fault');
      expect((await call(sim, 'GET', '/_inspect/stats')).status).toBe(200);
      await call(sim, 'PUT', '/_admin/faults', {});
      expect((await call(sim, 'POST', '/import/products', { entities: [] }, token)).status).toBe(202);
      expect(sim.faults.stats.serverErrors).toBe(1);
    });
  });
});
