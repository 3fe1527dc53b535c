import { entityBytes, mergeDuplicate, prepareImport, validateEntity } from '../../../src/occtoo/batching';
import type { OcctooEntity } from '../../../src/occtoo/types';

const entity = (key: string, ...properties: OcctooEntity['properties']): OcctooEntity => ({
  key,
  properties,
});

describe('validateEntity', () => {
  it('accepts a well-formed entity, with or without languages', () => {
    expect(
      validateEntity(
        entity(
          'P_1-a',
          { id: 'name', value: 'Chair', language: 'en' },
          { id: 'name', value: 'Stol', language: 'sv-SE' },
          { id: 'color', value: null },
        ),
      ),
    ).toEqual([]);
  });

  it.each<[string, OcctooEntity, RegExp]>([
    ['a key with @', entity('a@b'), /key "a@b" has characters other than/],
    ['a non-ASCII key', entity('café'), /key "café" has characters other than/],
    ['a 300-character key', entity('k'.repeat(300)), /300 characters; Occtoo allows at most 256/],
    ['an empty key', entity(''), /key is missing or empty/],
    ['a bad property id', entity('A', { id: 'my id', value: 'x' }), /property id #0 "my id"/],
    [
      'language x',
      entity('A', { id: 'n', value: 'x', language: 'x' }),
      /language "x"; languages must be 2-10/,
    ],
    [
      'an 11-character language',
      entity('A', { id: 'n', value: 'x', language: 'abcdefghijk' }),
      /languages must be 2-10/,
    ],
    [
      'a duplicate (id, language)',
      entity('A', { id: 'Name', value: '1' }, { id: 'Name', value: '2', language: '' }),
      /"Name" appears twice for no language/,
    ],
    ['a number value', entity('A', { id: 'n', value: 5 as unknown as string }), /number value/],
    [
      'properties that are not an array',
      { key: 'A', properties: null } as unknown as OcctooEntity,
      /must be an array/,
    ],
  ])('reports %s', (_name, e, reason) => {
    const problems = validateEntity(e);
    expect(problems.join('\n')).toMatch(reason);
  });

  it('reports entities over the byte limit', () => {
    const big = entity('A', { id: 'blob', value: 'x'.repeat(2 * 1024 * 1024) });
    expect(validateEntity(big).join('\n')).toMatch(/bytes serialized; the limit is 1048576/);
    expect(validateEntity(entity('A', { id: 'blob', value: 'x'.repeat(200) }), 100)).toHaveLength(1);
  });
});

describe('prepareImport', () => {
  it('splits by entity count', () => {
    const entities = Array.from({ length: 7 }, (_, i) => entity(`k${i}`, { id: 'n', value: String(i) }));
    const { batches, rejected } = prepareImport(entities, { maxBatchEntities: 3 });
    expect(batches.map((b) => b.map((e) => e.key))).toEqual([['k0', 'k1', 'k2'], ['k3', 'k4', 'k5'], ['k6']]);
    expect(rejected).toEqual([]);
  });

  it('splits by serialized bytes, never exceeding the limit per call', () => {
    const entities = Array.from({ length: 10 }, (_, i) =>
      entity(`k${i}`, { id: 'text', value: 'y'.repeat(100) }),
    );
    const one = entityBytes(entities[0]);
    const maxBatchBytes = 15 + 3 * one + 2; // exactly three entities with their commas
    const { batches } = prepareImport(entities, { maxBatchBytes });
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    for (const batch of batches) {
      expect(Buffer.byteLength(JSON.stringify({ entities: batch }))).toBeLessThanOrEqual(maxBatchBytes);
    }
  });

  it('rejects invalid entities with reasons and keeps the rest, in order', () => {
    const { batches, rejected } = prepareImport([
      entity('ok-1'),
      entity('bad key'),
      entity('ok-2', { id: 'n', value: 'v', language: 'x' }),
      entity('ok-3'),
    ]);
    expect(batches).toEqual([[entity('ok-1'), entity('ok-3')]]);
    expect(rejected.map((r) => r.key)).toEqual(['bad key', 'ok-2']);
    expect(rejected[1].reasons[0]).toMatch(/language "x"/);
  });

  it('merges a later duplicate key into the earlier one so no call has a key twice', () => {
    const { batches } = prepareImport(
      [
        entity('A', { id: 'name', value: 'old', language: 'en' }, { id: 'color', value: 'red' }),
        entity('B'),
        entity(
          'A',
          { id: 'name', value: 'new', language: 'en' },
          { id: 'name', value: 'ny', language: 'sv' },
        ),
      ],
      { maxBatchEntities: 50 },
    );
    expect(batches).toHaveLength(1);
    expect(batches[0].map((e) => e.key)).toEqual(['A', 'B']);
    expect(batches[0][0].properties).toEqual([
      { id: 'name', value: 'new', language: 'en' },
      { id: 'color', value: 'red' },
      { id: 'name', value: 'ny', language: 'sv' },
    ]);
  });

  it('lets a later delete win, and a later upsert replace an earlier delete', () => {
    const del: OcctooEntity = { key: 'A', delete: true, properties: [] };
    expect(mergeDuplicate(entity('A', { id: 'n', value: '1' }), del)).toEqual(del);
    expect(mergeDuplicate(del, entity('A', { id: 'n', value: '2' }))).toEqual(
      entity('A', { id: 'n', value: '2' }),
    );
  });

  it('treats empty and null languages as none', () => {
    const { batches } = prepareImport([
      entity(
        'A',
        { id: 'n', value: '1', language: '' },
        { id: 'm', value: '2', language: null as unknown as string },
      ),
    ]);
    expect(batches[0][0].properties).toEqual([
      { id: 'n', value: '1' },
      { id: 'm', value: '2' },
    ]);
  });

  it('refuses nonsensical limits with a clear error', () => {
    expect(() => prepareImport([], { maxBatchEntities: 0 })).toThrow(/batch size must be >= 1/);
  });
});
