/**
 * The demo's summary says what the publish cleared and deleted, from the workflows' results:
 * what actually happened, whichever DELETE_ON_UNPUBLISH the service runs with.
 */
import { mirrorLines, type MirrorFacts } from '../../../src/demo/summary';
import type { Reconciliation } from '../../../src/shared/reconciliation';

const reconciled: Reconciliation = {
  state: 'done',
  sources: [
    {
      source: 'bluestoneCategories',
      kind: 'categories',
      recorded: 26,
      deleted: { count: 0, samples: [] },
      cleared: [],
    },
    {
      source: 'bluestoneProducts',
      kind: 'products',
      recorded: 2000,
      deleted: { count: 2, samples: ['gone-1', 'lost-1'] },
      cleared: [],
    },
  ],
  skipped: [{ source: 'bluestoneMedia', reason: 'MEDIA_DELETE is off: media entities stay' }],
  maxPercent: 10,
};

function facts(more: Partial<MirrorFacts> = {}): MirrorFacts {
  return {
    cleared: { key: 'p-clear', property: 'Description', languages: ['en', 'sv'], stillInOcctoo: [] },
    unpublished: ['gone-1'],
    unpublishDeleted: 1,
    deleteOnUnpublish: true,
    archived: 2,
    archiveDeleted: 2,
    lost: { syncs: 3, changed: ['lost-changed'], unpublished: ['lost-1'] },
    repairSent: 3,
    contexts: 3,
    reconciliation: {
      ...reconciled,
      sources: [
        reconciled.sources[0],
        { ...reconciled.sources[1], deleted: { count: 1, samples: ['lost-1'] } },
      ],
    },
    ...more,
  };
}

describe('the demo summary: what was cleared and deleted', () => {
  it('names the cleared value, each deletion and what the repairing full sync removed', () => {
    expect(mirrorLines(facts())).toEqual([
      'What the publish cleared and deleted in Occtoo:',
      '  cleared       Description of product p-clear, removed in Bluestone (en, sv): cleared in Occtoo',
      '  unpublished   gone-1 (webhook delivered): its incremental syncs deleted 1 from Occtoo',
      '  archived      2 products: the archive deleted 2 from Occtoo',
      '  lost webhook  3 syncs (lost-changed changed, lost-1 unpublished): no incremental sync ran',
      '  full sync     3 sent over 3 contexts (what the lost webhook missed); reconciliation done',
      '    Removed because Bluestone no longer publishes it:',
      '      source               language  did     entities  of     e.g.',
      '      bluestoneCategories            delete         0     26',
      '      bluestoneProducts              delete         1  2,000  lost-1',
      '      bluestoneMedia: left alone (MEDIA_DELETE is off: media entities stay)',
    ]);
  });

  it('says an unpublish stayed until the full sync when the incremental syncs kept it', () => {
    const lines = mirrorLines(
      facts({ unpublishDeleted: 0, deleteOnUnpublish: false, reconciliation: reconciled }),
    );
    expect(lines[2]).toBe(
      '  unpublished   gone-1 (webhook delivered): its incremental syncs kept it in Occtoo (DELETE_ON_UNPUBLISH=false): the full sync removes it',
    );
    expect(lines).toContain('      bluestoneProducts              delete         2  2,000  gone-1, lost-1');
  });

  it('says what Occtoo still holds, and what did not finish', () => {
    const lines = mirrorLines(
      facts({
        cleared: { key: 'p-clear', property: 'Description', languages: ['en', 'sv'], stillInOcctoo: ['sv'] },
        unpublishDeleted: undefined,
        archiveDeleted: undefined,
        reconciliation: {
          ...reconciled,
          sources: reconciled.sources.map((s) => ({ ...s, deleted: { count: 0, samples: [] } })),
        },
      }),
    );
    expect(lines.slice(1, 4)).toEqual([
      '  cleared       Description of product p-clear, removed in Bluestone (en, sv): Occtoo still holds it in sv',
      '  unpublished   gone-1 (webhook delivered): the incremental syncs did not all finish',
      '  archived      2 products: the archive did not finish',
    ]);
    expect(lines[lines.length - 1]).toBe(
      '    nothing left to remove: Occtoo held nothing Bluestone no longer publishes',
    );
  });
});
