import {
  addSetAsideReasons,
  handledCount,
  overSetAsideLimit,
  SET_ASIDE_REASON_CAP,
  SET_ASIDE_REASON_CHARS,
  SET_ASIDE_SAMPLE_CAP,
  setAsideReasonsOf,
  tooManySetAsideMessage,
} from '../../../src/shared/set-aside';
import type { SetAsideEntity } from '../../../src/shared/sync-types';

const rejected = (id: string): SetAsideEntity => ({
  source: 'products',
  context: 'en',
  id,
  reason: `Occtoo rejected it: Occtoo rejected import products (400): Invalid request - properties: Weight must be a number. The following entities are rejected: ${id}`,
});

describe('the reasons a run set entities aside for', () => {
  it('groups one rejection of many entities as one reason, naming a few of them', () => {
    const reasons = setAsideReasonsOf(['p001', 'p002', 'p003', 'p004', 'p005'].map(rejected));
    expect(reasons).toEqual([
      {
        source: 'products',
        reason: expect.stringContaining('The following entities are rejected: <key>'),
        count: 5,
        samples: ['p001', 'p002', 'p003'],
      },
    ]);
  });

  it('adds up chunk summaries by source and reason, within bounds', () => {
    const chunk1 = setAsideReasonsOf([
      rejected('p001'),
      { source: 'media', id: 'm1', reason: 'upload failed' },
    ]);
    const chunk2 = setAsideReasonsOf([rejected('p009'), rejected('p010')]);
    const total = addSetAsideReasons(chunk1, chunk2);
    expect(total.map((r) => [r.source, r.count, r.samples])).toEqual([
      ['products', 3, ['p001', 'p009', 'p010']],
      ['media', 1, ['m1']],
    ]);
    // The first summary is left as it was.
    expect(chunk1[0].count).toBe(1);

    const many = setAsideReasonsOf(
      Array.from({ length: 40 }, (_, i) => ({
        source: 'products' as const,
        id: `id${i}`,
        reason: `reason number ${i} ${'x'.repeat(1000)}`,
      })),
    );
    expect(many).toHaveLength(SET_ASIDE_REASON_CAP);
    for (const r of many) {
      expect(r.reason.length).toBeLessThanOrEqual(SET_ASIDE_REASON_CHARS);
      expect(r.samples.length).toBeLessThanOrEqual(SET_ASIDE_SAMPLE_CAP);
    }
  });
});

describe('the set-aside limit', () => {
  const reasons = setAsideReasonsOf(['p001', 'p002'].map(rejected));

  it('is passed only by more than the share allowed', () => {
    expect(overSetAsideLimit({ handled: 100, setAside: 5, reasons }, 5)).toBe(false);
    expect(overSetAsideLimit({ handled: 100, setAside: 6, reasons }, 5)).toBe(true);
    expect(overSetAsideLimit({ handled: 30, setAside: 1, reasons }, 5)).toBe(false);
    expect(overSetAsideLimit({ handled: 10, setAside: 0, reasons: [] }, 0)).toBe(false);
    expect(overSetAsideLimit({ handled: 10, setAside: 1, reasons }, 0)).toBe(true);
    expect(overSetAsideLimit({ handled: 10, setAside: 10, reasons }, 100)).toBe(false);
  });

  it('counts unchanged entities as handled: one product Occtoo keeps rejecting fails no later full sync', () => {
    // A later full sync: the catalog unchanged, the one bad product sent (and rejected) again.
    const later = { sent: 0, unchanged: 999, mediaSent: 0, setAside: 1 };
    expect(overSetAsideLimit({ handled: handledCount(later) + 1, setAside: 1, reasons }, 5)).toBe(false);
    // Occtoo rejects everything: what changed is all set aside, however much is unchanged beside it.
    const systemic = { sent: 0, unchanged: 20, mediaSent: 0, deleted: 0 };
    expect(overSetAsideLimit({ handled: handledCount(systemic) + 80, setAside: 80, reasons }, 5)).toBe(true);
    expect(handledCount({ sent: 3, unchanged: 4, mediaSent: 5, deleted: 6 })).toBe(18);
  });

  it('fails with the count, the share, the limit and the reasons with sample entities', () => {
    const message = tooManySetAsideMessage('This full sync', { handled: 90, setAside: 60, reasons }, 5);
    expect(message).toMatch(
      /^This full sync set aside 60 \(66\.7 %\) of the 90 entities it handled \(sent, found unchanged or set aside\)/,
    );
    expect(message).toContain('more than SET_ASIDE_MAX_PERCENT (5 %)');
    expect(message).toContain('products ×2: Occtoo rejected it:');
    expect(message).toContain('Weight must be a number');
    expect(message).toContain('(e.g. p001, p002)');
    // Reasons beyond the summary's bound are still counted.
    expect(message).toContain('58 more for other reasons');
  });
});
