import {
  diffPage,
  entityHash,
  isOlder,
  vanishedProperties,
  type Candidate,
  type DiffSettings,
} from '../../../src/pipeline/record-diff';
import type { SentEntity } from '../../../src/state/record';

const SETTINGS: DiffSettings = {
  source: 'products',
  language: 'en',
  readAt: 100,
  runId: 'run-2',
  clearWith: 'null',
};

function sent(overrides: Partial<SentEntity> = {}): SentEntity {
  return {
    source: 'products',
    key: 'p1',
    language: 'en',
    kind: 'product',
    bluestoneId: 'p1',
    properties: [],
    hash: entityHash([]),
    readAt: 50,
    runId: 'run-1',
    ...overrides,
  };
}

describe('entityHash', () => {
  it('does not depend on the order of the properties, and tells languages and values apart', () => {
    const a = [
      { id: 'Name', value: 'Shirt', language: 'en' },
      { id: 'Id', value: 'p1' },
    ];
    expect(entityHash(a)).toBe(entityHash([...a].reverse()));
    expect(entityHash(a)).not.toBe(entityHash([{ ...a[0], language: 'sv' }, a[1]]));
    expect(entityHash(a)).not.toBe(entityHash([{ ...a[0], value: 'Shirts' }, a[1]]));
  });
});

describe('vanishedProperties', () => {
  it('clears each recorded slot missing now, in its own language', () => {
    const now = [{ id: 'Name', value: 'Shirt', language: 'en' }];
    expect(vanishedProperties(['Id', 'Name@en', 'Description@en', 'colorUnit'], now, 'null')).toEqual([
      { id: 'Id', value: null },
      { id: 'Description', value: null, language: 'en' },
      { id: 'colorUnit', value: null },
    ]);
    expect(vanishedProperties(['Id'], [], 'empty')).toEqual([{ id: 'Id', value: '' }]);
  });
});

describe('isOlder', () => {
  const candidate: Candidate = { key: 'p1', bluestoneId: 'p1', kind: 'product' };
  it('compares lastUpdate when both have one, else the read time', () => {
    expect(isOlder({ ...candidate, lastUpdate: 1 }, sent({ lastUpdate: 2, readAt: 0 }), 100)).toBe(true);
    expect(isOlder({ ...candidate, lastUpdate: 2 }, sent({ lastUpdate: 2, readAt: 500 }), 100)).toBe(false);
    expect(isOlder(candidate, sent({ readAt: 500 }), 100)).toBe(true);
    expect(isOlder(candidate, sent({ readAt: 50 }), 100)).toBe(false);
  });
});

describe('diffPage', () => {
  const entity = { key: 'p1', properties: [{ id: 'Id', value: 'p1' }] };
  const candidate: Candidate = { key: 'p1', bluestoneId: 'p1', kind: 'product', entity, lastUpdate: 10 };

  it('sends and records an entity the record does not know', () => {
    const diff = diffPage([candidate], new Map(), SETTINGS);
    expect(diff.send).toEqual([entity]);
    expect(diff.toRecord.get('p1')).toMatchObject({
      properties: ['Id'],
      hash: entityHash(entity.properties),
      lastUpdate: 10,
      readAt: 100,
      runId: 'run-2',
    });
  });

  it('skips an unchanged entity unless forced, and never sends an older one', () => {
    const same = new Map([
      ['p1', sent({ properties: ['Id'], hash: entityHash(entity.properties), lastUpdate: 10 })],
    ]);
    expect(diffPage([candidate], same, SETTINGS)).toMatchObject({ send: [], unchanged: ['p1'] });
    expect(diffPage([candidate], same, { ...SETTINGS, force: true }).send).toEqual([entity]);
    const newer = new Map([['p1', sent({ properties: ['Id', 'Name@en'], hash: 'other', lastUpdate: 11 })]]);
    expect(diffPage([candidate], newer, { ...SETTINGS, force: true })).toMatchObject({
      send: [],
      older: ['p1'],
    });
  });

  it('sends just the nulls for a key that maps to nothing now, and nothing when nothing was recorded', () => {
    const empty: Candidate = { key: 'p1', bluestoneId: 'p1', kind: 'product' };
    const recorded = new Map([['p1', sent({ properties: ['Name@sv'], hash: 'x' })]]);
    expect(diffPage([empty], recorded, SETTINGS).send).toEqual([
      { key: 'p1', properties: [{ id: 'Name', value: null, language: 'sv' }] },
    ]);
    expect(diffPage([empty], new Map(), SETTINGS).send).toEqual([]);
    expect(diffPage([empty], new Map([['p1', sent()]]), SETTINGS).send).toEqual([]);
  });
});
