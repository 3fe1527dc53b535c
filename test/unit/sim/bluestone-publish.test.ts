import axios from 'axios';
import type { Product } from '../../../src/bluestone/types';
import { SyncLedger } from '../../../src/sim/bluestone-publish';
import { startBluestoneSim, type CursorPageRead } from '../../../src/sim/bluestone-sim';
import { generateCatalog, toPapiJson, type Catalog } from '../../../src/sim/catalog';

/** Publishes that remove values, as a merchandiser clears them in Bluestone (issue #12). */

const CONTEXTS = ['en', 'l3471', 'l3472'];

function setup(): {
  catalog: Catalog;
  ledger: SyncLedger;
  first: (match: (p: Product) => boolean) => Product;
} {
  const catalog = generateCatalog({ seed: 7, products: 30 });
  const ledger = new SyncLedger(catalog, () => 1_800_000_000_000);
  const first = (match: (p: Product) => boolean) => {
    const found = catalog.productsIn('en').find(match);
    if (!found) throw new Error('no such product in the catalog');
    return found;
  };
  return { catalog, ledger, first };
}

const changedIn = (ledger: SyncLedger, context: string) =>
  ledger
    .last(context)!
    .differences.products.filter((d) => d.diffType === 'CHANGE')
    .map((d) => d.id);

describe('publishes that remove values', () => {
  it('empties a description in every context; PAPI then omits it', () => {
    const { catalog, ledger, first } = setup();
    const p = first((x) => x.description !== undefined);
    const out = ledger.publish({ change: [{ id: p.id, description: null }] });
    expect(out.changed).toEqual([p.id]);
    for (const c of CONTEXTS) {
      expect(catalog.product(p.id, c)!.description).toBeUndefined();
      expect(toPapiJson(catalog.product(p.id, c)!)).not.toHaveProperty('description');
      expect(changedIn(ledger, c)).toEqual([p.id]);
    }
    expect(out.syncs.map((s) => s.contextId)).toEqual(CONTEXTS);
    expect(out.envelopes).toHaveLength(3);
  });

  it('removes one attribute, empties another (select values too), and drops a unit', () => {
    const { catalog, ledger } = setup();
    const sink = catalog.productsIn('en')[0];
    ledger.publish({
      change: [{ id: sink.id, attributes: { care_instructions: null, color: [] }, dropUnits: ['weight'] }],
    });
    for (const c of CONTEXTS) {
      const attributes = catalog.product(sink.id, c)!.attributes;
      expect(attributes.find((a) => a.number === 'care_instructions')).toBeUndefined();
      expect(attributes.find((a) => a.number === 'color')).toMatchObject({ values: [], select: [] });
      const weight = attributes.find((a) => a.number === 'weight')!;
      expect(weight.unit).toBeUndefined();
      expect(weight.values).toHaveLength(1);
    }
  });

  it('empties a localized attribute in Swedish only: the other contexts keep it and get no sync entry', () => {
    const { catalog, ledger } = setup();
    const sink = catalog.productsIn('en')[0];
    const before = (c: string) =>
      catalog.product(sink.id, c)!.attributes.find((a) => a.number === 'title_text');
    const english = structuredClone(before('en'));
    const out = ledger.publish({
      change: [{ id: sink.id, attributes: { title_text: [] }, contexts: ['l3471'] }],
    });
    expect(before('l3471')!.values).toEqual([]);
    expect(before('en')).toEqual(english);
    expect(before('l3472')!.values).not.toEqual([]);
    expect(changedIn(ledger, 'l3471')).toEqual([sink.id]);
    expect(changedIn(ledger, 'en')).toEqual([]);
    expect(out.syncs).toHaveLength(3);
  });

  it('removes the last label and category, the relations, all media, metadata and bundle items', () => {
    const { catalog, ledger, first } = setup();
    const bundle = first((x) => x.type === 'BUNDLE' && x.bundles.length > 0);
    const related = first((x) => x.relations.length > 0 && x.media.length > 0 && x.labels.length > 0);
    const sink = catalog.productsIn('en')[0];
    ledger.publish({
      change: [
        { id: bundle.id, bundles: [], categories: [] },
        { id: related.id, relations: [], media: [], labels: [] },
        { id: sink.id, metadata: [] },
      ],
    });
    for (const c of CONTEXTS) {
      expect(catalog.product(bundle.id, c)).toMatchObject({ bundles: [], categories: [] });
      expect(catalog.product(related.id, c)).toMatchObject({ relations: [], media: [], labels: [] });
      expect(catalog.product(sink.id, c)!.metadata).toEqual([]);
      expect(Object.keys(toPapiJson(catalog.product(bundle.id, c)!))).not.toContain('bundles');
    }
  });

  it('keeps the media it is told to keep', () => {
    const { catalog, ledger, first } = setup();
    const p = first((x) => x.media.length >= 2);
    const kept = p.media[1].id;
    ledger.publish({ change: [{ id: p.id, media: [kept] }] });
    expect(catalog.product(p.id, 'l3471')!.media.map((m) => m.id)).toEqual([kept]);
  });

  it('detaches a variant from its group, and the sync lists both as changed', () => {
    const { catalog, ledger, first } = setup();
    const variant = first((x) => x.type === 'VARIANT');
    const group = variant.variantParentId!;
    ledger.publish({ change: [{ id: variant.id, detachVariant: true }] });
    for (const c of CONTEXTS) {
      expect(catalog.product(variant.id, c)!.variantParentId).toBeUndefined();
      expect(catalog.product(group, c)!.variants).not.toContain(variant.id);
      expect(changedIn(ledger, c).sort()).toEqual([variant.id, group].sort());
    }
  });

  it("empties a category's description and removes its attribute and metadata", () => {
    const { catalog, ledger } = setup();
    const category = catalog.categoriesIn('en').find((c) => c.description !== undefined)!;
    ledger.publish({ categories: { change: [{ id: category.id, attributes: { title_text: ['Pick'] } }] } });
    expect(catalog.category(category.id, 'l3472')!.attributes.map((a) => a.values)).toEqual([['Pick']]);
    const out = ledger.publish({
      categories: {
        change: [{ id: category.id, description: null, attributes: { title_text: null }, metaData: [] }],
      },
    });
    expect(out.categories.changed).toEqual([category.id]);
    for (const c of CONTEXTS) {
      const after = catalog.category(category.id, c)!;
      expect(after.description).toBeUndefined();
      expect(after.attributes).toEqual([]);
      expect(after.metaData).toEqual([]);
      expect(ledger.last(c)!.differences.categories).toEqual([{ id: category.id, diffType: 'CHANGE' }]);
    }
  });

  it('fails on an edit for a product in none of the published contexts', () => {
    const { ledger, first } = setup();
    const p = first(() => true);
    expect(() =>
      ledger.publish({ contexts: ['en'], change: [{ id: p.id, labels: [], contexts: ['l3471'] }] }),
    ).toThrow(/in none of en/);
  });
});

describe('Bluestone simulator: removals over HTTP and held cursor pages', () => {
  it('takes removal edits on /_admin/publish', async () => {
    const sim = await startBluestoneSim({ apiKey: 'k', catalog: { seed: 7, products: 12 } });
    try {
      const p = sim.catalog.productsIn('en').find((x) => x.description !== undefined)!;
      const res = await axios.post(`${sim.origin}/_admin/publish`, {
        change: [{ id: p.id, description: null, labels: [], attributes: { title_text: null } }],
        deliver: false,
      });
      expect(res.status).toBe(200);
      const served = await axios.get(`${sim.url}/products/${p.id}`, {
        headers: { 'x-api-key': 'k', context: 'en' },
      });
      expect(served.data.description).toBeUndefined();
      expect(served.data.labels).toBeUndefined();
      expect((served.data.attributes ?? []).map((a: { number?: string }) => a.number)).not.toContain(
        'title_text',
      );
    } finally {
      await sim.close();
    }
  });

  it('answers a cursor page read before a hold is released with the products as they were read', async () => {
    const sim = await startBluestoneSim({ apiKey: 'k', catalog: { seed: 7, products: 12 } });
    try {
      const id = sim.catalog.productIds()[0];
      let release!: () => void;
      const reads: CursorPageRead[] = [];
      sim.onCursorPage = (page) => {
        reads.push(page);
        if (page.offset === 0) return new Promise<void>((resolve) => (release = resolve));
      };
      const pending = axios.post(
        `${sim.url}/products/cursor/all`,
        { limit: 5 },
        { headers: { 'x-api-key': 'k', context: 'en' } },
      );
      await new Promise<void>((resolve) => {
        const poll = () => (reads.length ? resolve() : setTimeout(poll, 5));
        poll();
      });
      sim.publish({ change: [{ id, name: 'Newer name' }], deliver: false });
      release();
      const page = (await pending).data as { results: Product[] };
      expect(reads[0]).toEqual({
        context: 'en',
        offset: 0,
        productIds: sim.catalog.productIds().slice(0, 5),
      });
      expect(page.results[0].name).not.toBe('Newer name');
      expect(sim.catalog.product(id, 'en')!.name).toBe('Newer name');
    } finally {
      await sim.close();
    }
  });
});
