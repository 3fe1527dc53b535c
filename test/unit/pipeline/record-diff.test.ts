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
    hash: entityHash({ key: 'p1', properties: [] }),
    readAt: 50,
    runId: 'run-1',
    ...overrides,
  };
}

describe('entityHash', () => {
  it('is equal for equal entities, and tells languages, values and keys apart', () => {
    const properties = [
      { id: 'Name', value: 'Shirt', language: 'en' },
      { id: 'Id', value: 'p1' },
    ];
    const a = { key: 'p1', properties };
    expect(entityHash(a)).toBe(entityHash(structuredClone(a)));
    expect(entityHash(a)).not.toBe(
      entityHash({ key: 'p1', properties: [{ ...properties[0], language: 'sv' }, properties[1]] }),
    );
    expect(entityHash(a)).not.toBe(
      entityHash({ key: 'p1', properties: [{ ...properties[0], value: 'Shirts' }, properties[1]] }),
    );
    expect(entityHash(a)).not.toBe(entityHash({ key: 'p2', properties }));
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
      hash: entityHash(entity),
      lastUpdate: 10,
      readAt: 100,
      runId: 'run-2',
    });
  });

  it('skips an unchanged entity unless forced, and never sends an older one', () => {
    const same = new Map([['p1', sent({ properties: ['Id'], hash: entityHash(entity), lastUpdate: 10 })]]);
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

  it('sending again after a superseded push also clears what that push sent and the current version lacks', () => {
    // The record holds the newer version (v11: no Description); the superseded push (v10) sent it.
    const current = { key: 'p1', properties: [{ id: 'Name', value: 'Shirt', language: 'en' }] };
    const now: Candidate = { ...candidate, entity: current, lastUpdate: 11 };
    const recorded = new Map([
      ['p1', sent({ properties: ['Name@en'], hash: entityHash(current), lastUpdate: 11 })],
    ]);
    const alsoClear = new Map([['p1', ['Id', 'Name@en', 'Description@en', 'Labels']]]);
    const diff = diffPage([now], recorded, { ...SETTINGS, force: true, alsoClear });
    expect(diff.send).toEqual([
      {
        key: 'p1',
        properties: [
          { id: 'Name', value: 'Shirt', language: 'en' },
          { id: 'Id', value: null },
          { id: 'Description', value: null, language: 'en' },
          { id: 'Labels', value: null },
        ],
      },
    ]);
    expect(diff.clearing.get('p1')).toBe(3);
    // The record lists the current version's slots only.
    expect(diff.toRecord.get('p1')?.properties).toEqual(['Name@en']);
    // Not taken for unchanged even unforced: the record's equal hash says nothing of what the older push put back.
    expect(diffPage([now], recorded, { ...SETTINGS, alsoClear }).send).toEqual(diff.send);
    // A key that now maps to nothing still sends the superseded push's nulls.
    const gone: Candidate = { key: 'p1', bluestoneId: 'p1', kind: 'product', lastUpdate: 11 };
    const nothingRecorded = new Map([['p1', sent({ lastUpdate: 11 })]]);
    expect(
      diffPage([gone], nothingRecorded, { ...SETTINGS, alsoClear: new Map([['p1', ['Name@sv']]]) }).send,
    ).toEqual([{ key: 'p1', properties: [{ id: 'Name', value: null, language: 'sv' }] }]);
  });
});
