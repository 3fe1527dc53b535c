import type { BluestoneClient } from '../../../src/bluestone/client';
import type { Product } from '../../../src/bluestone/types';
import { createLogger } from '../../../src/logger';
import { createPageProcessor } from '../../../src/pipeline/page-processor';
import { removeProducts } from '../../../src/pipeline/remove-products';
import type { ContextPlan } from '../../../src/shared/sync-types';
import { testConfig } from '../../support/config';
import { MemoryRecord } from '../../support/memory-record';
import { product } from '../mapping/fixtures';
import { FakeOcctoo } from './fake-occtoo';

/**
 * Issue #13: unpublished products removed from Occtoo (deleted in the default context, that
 * language cleared in another), and PRODUCT_KEY=number's key changes: a new number deletes the
 * entity under the old one, two products with one number are reported, not merged.
 */

const EN: ContextPlan = { context: 'en', language: 'en', isDefault: true };
const SV: ContextPlan = { context: 'sv-ctx', language: 'sv', isDefault: false };
const silent = createLogger({ level: 'ERROR', write: () => undefined });

/** Bluestone as the page processor reads it: products by id, per context. */
function fakeBluestone(served: Map<string, Product[]>): BluestoneClient {
  return {
    getProductsByIds: async (ids: string[], context: string) =>
      (served.get(context) ?? []).filter((p) => ids.includes(p.id)),
  } as unknown as BluestoneClient;
}

function setUp(env: Record<string, string> = {}) {
  const config = testConfig({ BLUESTONE_ADDITIONAL_CONTEXTS: 'sv-ctx:sv', ...env });
  const occtoo = new FakeOcctoo();
  const record = new MemoryRecord();
  const served = new Map<string, Product[]>();
  const deps = {
    config,
    logger: silent,
    bluestone: fakeBluestone(served),
    occtoo: occtoo.client(),
    record,
  };
  return { config, occtoo, record, served, deps, pages: createPageProcessor(deps) };
}

const item = (id: string, number: string | undefined, name = `Product ${id}`, lastUpdate = 1000) =>
  product({ id, number, name, lastUpdate });

const keys = (occtoo: FakeOcctoo) => [...(occtoo.sources.get('products')?.keys() ?? [])].sort();
const slots = (occtoo: FakeOcctoo, key: string) =>
  occtoo.entity('products', key)?.properties.map((p) => `${p.id}${p.language ? `@${p.language}` : ''}`);

describe('removing products Bluestone no longer serves', () => {
  it.each(['id', 'number'])(
    'PRODUCT_KEY=%s, default context: deletes every key recorded for the id, and forgets them',
    async (mode) => {
      const { occtoo, record, pages, deps } = setUp({ PRODUCT_KEY: mode });
      await pages.processProducts(EN, [item('p1', 'N-1'), item('p2', 'N-2')], undefined, { readAt: 1 });
      await pages.processProducts(SV, [item('p1', 'N-1', 'Produkt')], undefined, { readAt: 2 });
      const key = mode === 'id' ? 'p1' : 'N-1';
      expect(occtoo.entity('products', key)).toBeDefined();

      const removed = await removeProducts(deps, EN, ['p1']);

      expect(removed).toEqual({ deleted: ['p1'], cleared: [], setAside: [] });
      expect(keys(occtoo)).toEqual([mode === 'id' ? 'p2' : 'N-2']);
      expect(await record.sentOfIds('products', ['p1'])).toEqual([]);
      expect(await record.sentOfIds('products', ['p2'])).toHaveLength(1);
    },
  );

  it('keyed by number with nothing recorded: set aside with why, nothing deleted', async () => {
    const { occtoo, deps } = setUp({ PRODUCT_KEY: 'number' });
    const removed = await removeProducts(deps, EN, ['p9']);
    expect(removed.deleted).toEqual([]);
    expect(removed.setAside).toEqual([
      expect.objectContaining({ id: 'p9', reason: expect.stringContaining('PRODUCT_KEY=number') }),
    ]);
    expect(occtoo.imports).toEqual([]);
  });

  it('keyed by id with nothing recorded: deleted under its id as before the record; a resync deletes only what it recorded', async () => {
    const { occtoo, deps } = setUp();
    expect((await removeProducts(deps, EN, ['p9'], undefined, { recordedOnly: true })).deleted).toEqual([]);
    expect(occtoo.imports).toEqual([]);
    expect((await removeProducts(deps, EN, ['p9'])).deleted).toEqual(['p9']);
    expect(occtoo.imported('products')).toEqual([{ key: 'p9', delete: true, properties: [] }]);
  });

  it("an additional context: clears that language's values only, and forgets that language", async () => {
    const { occtoo, record, pages, deps, served } = setUp({ PRODUCT_KEY: 'number' });
    await pages.processProducts(EN, [item('p1', 'N-1')], undefined, { readAt: 1 });
    await pages.processProducts(SV, [item('p1', 'N-1', 'Produkt')], undefined, { readAt: 2 });
    expect(slots(occtoo, 'N-1')).toContain('Name@sv');
    served.set('en', [item('p1', 'N-1')]);

    const removed = await removeProducts(deps, SV, ['p1']);

    expect(removed).toEqual({ deleted: [], cleared: ['p1'], setAside: [] });
    expect(slots(occtoo, 'N-1')).toEqual(['Id', 'LastUpdate', 'Name@en', 'Number', 'ProductType']);
    expect(record.get('products', 'N-1', 'sv')).toBeUndefined();
    expect(record.get('products', 'N-1', 'en')).toBeDefined();
  });

  it('gone from the default context too: no clear (the default context deletes it, and a clear after that delete would bring it back)', async () => {
    const { occtoo, pages, deps } = setUp();
    await pages.processProducts(EN, [item('p1', 'N-1')], undefined, { readAt: 1 });
    await pages.processProducts(SV, [item('p1', 'N-1', 'Produkt')], undefined, { readAt: 2 });
    occtoo.imports.length = 0;
    expect(await removeProducts(deps, SV, ['p1'])).toEqual({ deleted: [], cleared: [], setAside: [] });
    expect(occtoo.imports).toEqual([]);
  });

  it('a delete Occtoo refuses is set aside and stays in the record, so a later run tries again', async () => {
    const { occtoo, record, pages, deps } = setUp();
    await pages.processProducts(EN, [item('p1', 'N-1')], undefined, { readAt: 1 });
    occtoo.refuse.add('p1');
    const removed = await removeProducts(deps, EN, ['p1']);
    expect(removed.deleted).toEqual([]);
    expect(removed.setAside).toEqual([
      expect.objectContaining({ id: 'p1', reason: expect.stringContaining('Occtoo refused') }),
    ]);
    expect(record.get('products', 'p1', 'en')).toBeDefined();
  });
});

describe('PRODUCT_KEY=number: number changes and shared numbers', () => {
  it('a new number: sent under it, and the entity under the old number deleted and forgotten', async () => {
    const { occtoo, record, pages, served } = setUp({ PRODUCT_KEY: 'number' });
    await pages.processProducts(EN, [item('p1', 'N-1')], undefined, { readAt: 1 });
    await pages.processProducts(SV, [item('p1', 'N-1', 'Produkt')], undefined, { readAt: 2 });
    const renumbered = item('p1', 'N-1b', 'Product p1', 2000);
    served.set('en', [renumbered]);

    const outcome = await pages.processProducts(EN, [renumbered], undefined, { readAt: 3 });

    expect(keys(occtoo)).toEqual(['N-1b']);
    expect(outcome.deleted).toBe(1);
    expect(outcome.setAside).toEqual([]);
    expect((await record.sentOfIds('products', ['p1'])).map((r) => `${r.key}@${r.language}`)).toEqual([
      'N-1b@en',
    ]);
  });

  it('the old entity stays when Occtoo refuses the new one', async () => {
    const { occtoo, pages } = setUp({ PRODUCT_KEY: 'number' });
    await pages.processProducts(EN, [item('p1', 'N-1')], undefined, { readAt: 1 });
    occtoo.refuse.add('N-1b');
    await pages.processProducts(EN, [item('p1', 'N-1b', 'Product p1', 2000)], undefined, { readAt: 2 });
    expect(keys(occtoo)).toEqual(['N-1']);
  });

  it('two products with one number on a page: the first is sent, the later one set aside naming both', async () => {
    const { occtoo, pages } = setUp({ PRODUCT_KEY: 'number' });
    const outcome = await pages.processProducts(EN, [item('p1', 'N-1'), item('p2', 'N-1')], undefined, {
      readAt: 1,
    });
    expect(keys(occtoo)).toEqual(['N-1']);
    expect(occtoo.entity('products', 'N-1')!.properties).toContainEqual({ id: 'Id', value: 'p1' });
    expect(outcome.sent).toBe(1);
    expect(outcome.setAside).toEqual([
      {
        source: 'products',
        context: 'en',
        id: 'p2',
        reason: expect.stringMatching(/p1 and p2 have the same number "N-1".*p2 is set aside/),
      },
    ]);
  });

  it('a number the record holds for another product Bluestone still serves with it: set aside, not merged', async () => {
    const { occtoo, pages, served } = setUp({ PRODUCT_KEY: 'number' });
    await pages.processProducts(EN, [item('p1', 'N-1')], undefined, { readAt: 1 });
    served.set('en', [item('p1', 'N-1')]);
    const before = occtoo.entity('products', 'N-1');

    const outcome = await pages.processProducts(EN, [item('p2', 'N-1', 'Intruder')], undefined, {
      readAt: 2,
    });

    expect(occtoo.entity('products', 'N-1')).toEqual(before);
    expect(outcome.setAside).toEqual([
      expect.objectContaining({
        id: 'p2',
        reason: expect.stringMatching(/p1 and p2 have the same number "N-1".*p2 is set aside/),
      }),
    ]);
  });

  it('a number whose earlier product no longer has it: taken over, even with an older lastUpdate', async () => {
    const { occtoo, record, pages, served } = setUp({ PRODUCT_KEY: 'number' });
    await pages.processProducts(EN, [item('p1', 'N-1', 'First', 5000)], undefined, { readAt: 1 });
    // p1 now has another number (its own sync not applied yet); p2 got N-1.
    served.set('en', [item('p1', 'N-9', 'First', 6000)]);

    const outcome = await pages.processProducts(EN, [item('p2', 'N-1', 'Second', 4000)], undefined, {
      readAt: 2,
    });

    expect(outcome.setAside).toEqual([]);
    expect(occtoo.entity('products', 'N-1')!.properties).toContainEqual({ id: 'Id', value: 'p2' });
    expect(record.get('products', 'N-1', 'en')?.bluestoneId).toBe('p2');
  });

  it('two products swapping numbers on one page: both sent, nothing deleted', async () => {
    const { occtoo, pages } = setUp({ PRODUCT_KEY: 'number' });
    await pages.processProducts(EN, [item('p1', 'N-1'), item('p2', 'N-2')], undefined, { readAt: 1 });
    const outcome = await pages.processProducts(
      EN,
      [item('p1', 'N-2', 'Product p1', 2000), item('p2', 'N-1', 'Product p2', 2000)],
      undefined,
      { readAt: 2 },
    );
    expect(outcome.setAside).toEqual([]);
    expect(outcome.deleted).toBe(0);
    expect(keys(occtoo)).toEqual(['N-1', 'N-2']);
    expect(occtoo.entity('products', 'N-1')!.properties).toContainEqual({ id: 'Id', value: 'p2' });
  });
});
