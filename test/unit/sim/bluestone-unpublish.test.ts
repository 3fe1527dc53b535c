import { SyncLedger } from '../../../src/sim/bluestone-publish';
import { generateCatalog } from '../../../src/sim/catalog';

/** An unpublish in the simulator: the product leaves PAPI with a DELETE difference and no archive event. */

describe('publishes that unpublish a product', () => {
  it('records a DELETE in each context it leaves, and sends only the syncs’ events', () => {
    const catalog = generateCatalog({ seed: 7, products: 30 });
    const ledger = new SyncLedger(catalog, () => 1_800_000_000_000);
    const id = catalog.productsIn('en')[3].id;
    const out = ledger.publish({ contexts: ['en', 'l3471'], unpublish: [id] });
    expect(out.unpublished).toEqual([id]);
    expect(out.archived).toEqual([]);
    expect(catalog.product(id, 'en')).toBeUndefined();
    expect(catalog.product(id, 'l3471')).toBeUndefined();
    // Still published in the context the publish left alone.
    expect(catalog.product(id, 'l3472')).toBeDefined();
    for (const c of ['en', 'l3471'])
      expect(ledger.last(c)!.differences.products).toEqual([{ id, diffType: 'DELETE' }]);
    expect(out.envelopes.flatMap((e) => e.events.map((ev) => ev.changes.eventType))).toEqual([
      'PRODUCT_SYNC_DONE',
      'PRODUCT_SYNC_DONE',
    ]);
  });

  it('refuses a product that none of the contexts publishes', () => {
    const catalog = generateCatalog({ seed: 7, products: 30 });
    const ledger = new SyncLedger(catalog);
    expect(() => ledger.publish({ unpublish: ['no-such-product'] })).toThrow(
      'publish: product "no-such-product" to unpublish is in none of en, l3471, l3472',
    );
  });
});
