/**
 * The record against a real PostgreSQL (the run's server, a fresh database per test): what each
 * method stores and finds, scoped to a deployment; migrations started by several workers at once.
 */
import { Pool } from 'pg';
import { migrate } from '../../src/state/migrate';
import { PostgresRecord } from '../../src/state/postgres-record';
import type { SentEntity } from '../../src/state/record';
import { freshTestDatabase } from '../support/database';

function sent(overrides: Partial<SentEntity> & Pick<SentEntity, 'key'>): SentEntity {
  return {
    source: 'products',
    language: 'en',
    kind: 'product',
    bluestoneId: `bs-${overrides.key}`,
    properties: ['Name@en', 'color'],
    hash: 'hash-1',
    lastUpdate: 1000,
    readAt: 2000,
    runId: 'run-1',
    ...overrides,
  };
}

describe('the record in PostgreSQL', () => {
  const pools: Pool[] = [];
  async function freshPool(url?: string): Promise<Pool> {
    const pool = new Pool({ connectionString: url ?? (await freshTestDatabase()) });
    pools.push(pool);
    return pool;
  }
  async function freshRecord(deployment = 'queue-a'): Promise<{ pool: Pool; record: PostgresRecord }> {
    const pool = await freshPool();
    await migrate(pool);
    return { pool, record: new PostgresRecord(pool, deployment) };
  }
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });

  it('replaces what was sent for a source, key and language, and finds it again', async () => {
    const { record } = await freshRecord();
    await record.recordSent([sent({ key: 'p1' }), sent({ key: 'p2', lastUpdate: undefined })]);
    await record.recordSent([
      sent({ key: 'p1', properties: ['Name@en'], hash: 'hash-2', lastUpdate: 3000, runId: 'run-2' }),
    ]);

    const found = await record.lastSent('products', 'en', ['p1', 'p2', 'p3']);
    expect([...found.keys()].sort()).toEqual(['p1', 'p2']);
    expect(found.get('p1')).toMatchObject({
      properties: ['Name@en'],
      hash: 'hash-2',
      lastUpdate: 3000,
      readAt: 2000,
      runId: 'run-2',
    });
    expect(found.get('p1')!.recordedAt).toEqual(expect.any(Number));
    expect(found.get('p2')).not.toHaveProperty('lastUpdate');
    expect(await record.lastSent('products', 'en', [])).toEqual(new Map());
  });

  it('never replaces a newer write, and hands back exactly the entities it refused', async () => {
    const { record } = await freshRecord();
    expect(
      await record.recordSent([
        sent({ key: 'p1', lastUpdate: 5000, hash: 'p1-newer' }),
        sent({ key: 'c1', source: 'categories', kind: 'category', lastUpdate: undefined, readAt: 5000 }),
      ]),
    ).toEqual([]);

    const older = sent({ key: 'p1', lastUpdate: 4000, hash: 'p1-older' });
    const olderRead = sent({
      key: 'c1',
      source: 'categories',
      kind: 'category',
      lastUpdate: undefined,
      readAt: 4000,
      hash: 'c1-older',
    });
    const fresh = sent({ key: 'p2' });
    const same = sent({ key: 'p1', language: 'sv', lastUpdate: 4000 });
    expect(await record.recordSent([older, olderRead, fresh, same])).toEqual([older, olderRead]);

    expect((await record.lastSent('products', 'en', ['p1'])).get('p1')).toMatchObject({ hash: 'p1-newer' });
    expect((await record.lastSent('categories', 'en', ['c1'])).get('c1')).toMatchObject({ readAt: 5000 });
    expect([...(await record.lastSent('products', 'en', ['p2'])).keys()]).toEqual(['p2']);
    expect([...(await record.lastSent('products', 'sv', ['p1'])).keys()]).toEqual(['p1']);
  });

  it('keeps sources, languages and deployments apart', async () => {
    const { pool, record } = await freshRecord('queue-a');
    const other = new PostgresRecord(pool, 'queue-b');
    await record.recordSent([
      sent({ key: 'p1', hash: 'en' }),
      sent({ key: 'p1', language: 'sv', properties: ['Name@sv'], hash: 'sv' }),
      sent({ key: 'p1', source: 'media', kind: 'media', hash: 'media' }),
    ]);
    await other.recordSent([sent({ key: 'p1', hash: 'other deployment' })]);

    expect((await record.lastSent('products', 'en', ['p1'])).get('p1')?.hash).toBe('en');
    expect((await record.lastSent('products', 'sv', ['p1'])).get('p1')?.hash).toBe('sv');
    expect((await record.lastSent('media', 'en', ['p1'])).get('p1')?.hash).toBe('media');
    expect((await record.lastSent('products', 'de', ['p1'])).size).toBe(0);
    expect((await other.lastSent('products', 'en', ['p1'])).get('p1')?.hash).toBe('other deployment');
    expect((await other.lastSent('products', 'sv', ['p1'])).size).toBe(0);

    const everywhere = await record.entitiesOf('bs-p1');
    expect(everywhere.map((e) => [e.source, e.language, e.hash])).toEqual([
      ['media', 'en', 'media'],
      ['products', 'en', 'en'],
      ['products', 'sv', 'sv'],
    ]);
    expect(await record.entitiesOf('bs-unknown')).toEqual([]);
  });

  it('takes the same page from two workers at once, and a key twice in one page (the last wins)', async () => {
    const url = await freshTestDatabase();
    const [a, b] = [await freshPool(url), await freshPool(url)];
    await migrate(a);
    const page = (runId: string) =>
      Array.from({ length: 200 }, (_, i) => sent({ key: `p${i}`, runId, hash: `${runId}-${i}` }));
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        new PostgresRecord(i % 2 ? a : b, 'queue-a').recordSent(
          i % 2 ? page(`run-${i}`) : [...page(`run-${i}`)].reverse(),
        ),
      ),
    );
    const record = new PostgresRecord(a, 'queue-a');
    const found = await record.lastSent('products', 'en', ['p0', 'p199']);
    expect(found.size).toBe(2);

    await record.recordSent([sent({ key: 'dup', hash: 'first' }), sent({ key: 'dup', hash: 'second' })]);
    expect((await record.lastSent('products', 'en', ['dup'])).get('dup')?.hash).toBe('second');
  });

  it('marks entities seen by a full sync, and an incremental send keeps that mark', async () => {
    const { record } = await freshRecord();
    await record.recordSent([sent({ key: 'p1' }), sent({ key: 'p2' })]);
    await record.recordSeen('products', 'en', ['p1'], 'full-1');
    await record.recordSeen('products', 'en', [], 'full-1');

    let found = await record.lastSent('products', 'en', ['p1', 'p2']);
    expect(found.get('p1')?.fullSyncRunId).toBe('full-1');
    expect(found.get('p2')).not.toHaveProperty('fullSyncRunId');

    await record.recordSent([sent({ key: 'p1', runId: 'incremental-1', hash: 'newer' })]);
    found = await record.lastSent('products', 'en', ['p1']);
    expect(found.get('p1')).toMatchObject({ runId: 'incremental-1', hash: 'newer', fullSyncRunId: 'full-1' });
  });

  it('forgets deleted entities in every language', async () => {
    const { record } = await freshRecord();
    await record.recordSent([
      sent({ key: 'p1' }),
      sent({ key: 'p1', language: 'sv' }),
      sent({ key: 'p2' }),
      sent({ key: 'p1', source: 'categories', kind: 'category' }),
    ]);
    await record.forget('products', ['p1']);
    expect([...(await record.lastSent('products', 'en', ['p1', 'p2'])).keys()]).toEqual(['p2']);
    expect((await record.lastSent('products', 'sv', ['p1'])).size).toBe(0);
    expect((await record.lastSent('categories', 'en', ['p1'])).size).toBe(1);
  });

  it('remembers uploaded media by unique identifier, replaces and forgets them', async () => {
    const { pool, record } = await freshRecord();
    await record.recordUploads([
      { uniqueIdentifier: 'a1-v1', assetId: 'a1', fileId: 'f1', publicUrl: 'https://media/f1' },
      { uniqueIdentifier: 'a2-v1', assetId: 'a2', fileId: 'f2', publicUrl: 'https://media/f2' },
    ]);
    await record.recordUploads([
      { uniqueIdentifier: 'a1-v1', assetId: 'a1', fileId: 'f1b', publicUrl: 'https://media/f1b' },
    ]);
    const found = await record.uploadedMedia(['a1-v1', 'a2-v1', 'a3-v1']);
    expect(Object.fromEntries(found)).toEqual({
      'a1-v1': { uniqueIdentifier: 'a1-v1', assetId: 'a1', fileId: 'f1b', publicUrl: 'https://media/f1b' },
      'a2-v1': { uniqueIdentifier: 'a2-v1', assetId: 'a2', fileId: 'f2', publicUrl: 'https://media/f2' },
    });
    expect((await new PostgresRecord(pool, 'queue-b').uploadedMedia(['a1-v1'])).size).toBe(0);

    await record.forgetUploads(['a2-v1']);
    expect([...(await record.uploadedMedia(['a1-v1', 'a2-v1'])).keys()]).toEqual(['a1-v1']);
  });

  it('says whether a source is empty, and sums the record up with its last complete full sync', async () => {
    const { record } = await freshRecord();
    expect(await record.isEmpty('products')).toBe(true);
    expect(await record.summary()).toEqual({ sources: [], uploadedMedia: 0 });

    await record.recordSent([
      sent({ key: 'p1' }),
      sent({ key: 'p2' }),
      sent({ key: 'p1', language: 'sv' }),
      sent({ key: 'c1', source: 'categories', kind: 'category' }),
    ]);
    await record.recordUploads([{ uniqueIdentifier: 'a1-v1', assetId: 'a1', fileId: 'f1', publicUrl: 'u' }]);
    await record.recordFullSyncComplete('full-1');
    await record.recordFullSyncComplete('full-2');

    expect(await record.isEmpty('products')).toBe(false);
    expect(await record.isEmpty('media')).toBe(true);
    const summary = await record.summary();
    expect(summary).toEqual({
      sources: [
        { source: 'categories', language: 'en', kind: 'category', entities: 1 },
        { source: 'products', language: 'en', kind: 'product', entities: 2 },
        { source: 'products', language: 'sv', kind: 'product', entities: 1 },
      ],
      uploadedMedia: 1,
      lastCompleteFullSync: { runId: 'full-2', completedAt: expect.any(Number) },
    });
  });

  it('applies the migrations once when several workers start at once', async () => {
    const url = await freshTestDatabase();
    const workers = await Promise.all(Array.from({ length: 4 }, () => freshPool(url)));
    const applied = await Promise.all(workers.map((pool) => migrate(pool)));
    // One worker applied them; the others waited for the lock and found nothing left to do.
    expect(applied.filter((versions) => versions.length > 0)).toEqual([[1, 2, 3]]);
    const { rows } = await workers[0].query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
    expect(await migrate(workers[1])).toEqual([]);
  });
});
