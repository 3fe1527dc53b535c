import type { BluestoneClient } from '../../../src/bluestone/client';
import type { Category, Product } from '../../../src/bluestone/types';
import { ApiError, FailureType } from '../../../src/http/api-error';
import { createLogger } from '../../../src/logger';
import { createPageProcessor } from '../../../src/pipeline/page-processor';
import {
  applyReconciliation,
  planReconciliation,
  RECONCILE_BATCH_KEYS,
  reconcileTargets,
  type BluestoneReads,
  type ReconcileCheckpoint,
} from '../../../src/pipeline/reconcile';
import { overPruneLimit, pruneRefusal, type Reconciliation } from '../../../src/shared/reconciliation';
import type { ContextPlan } from '../../../src/shared/sync-types';
import type { SentEntity } from '../../../src/state/record';
import { testConfig } from '../../support/config';
import { MemoryRecord } from '../../support/memory-record';
import { asset, category, product } from '../mapping/fixtures';
import { FakeOcctoo } from './fake-occtoo';

/**
 * Reconciliation (issue #13) on the in-memory record: which keys a full sync deletes, which
 * languages it clears, what it leaves alone; resuming from a checkpoint; the guard's arithmetic;
 * and what the page processor marks as seen (or, in a dry run, only notes).
 */

const RUN = 'full-1';
const STARTED = 10_000;
const EN: ContextPlan = { context: 'en', language: 'en', isDefault: true };
const EVERYTHING = { categories: true, products: true, contexts: ['en', 'sv-ctx'] };
const silent = createLogger({ level: 'ERROR', write: () => undefined });

/**
 * Bluestone's reads by id, per context: what it still serves. `failWith` makes every read fail
 * (an outage); `reads` lists the calls.
 */
class FakeBluestone {
  readonly products = new Map<string, Map<string, Product>>();
  readonly categories = new Map<string, Map<string, Category>>();
  readonly reads: { context: string; ids: string[] }[] = [];
  failWith?: Error;

  serve(context: string, item: Product): void {
    this.products.set(context, (this.products.get(context) ?? new Map()).set(item.id, item));
  }

  serveCategory(context: string, item: Category): void {
    this.categories.set(context, (this.categories.get(context) ?? new Map()).set(item.id, item));
  }

  client(): BluestoneReads {
    return {
      getProductsByIds: async (ids: string[], context: string) => {
        this.reads.push({ context, ids });
        if (this.failWith) throw this.failWith;
        return ids.flatMap((id) => this.products.get(context)?.get(id) ?? []);
      },
      getCategory: async (id: string, context: string) => {
        this.reads.push({ context, ids: [id] });
        if (this.failWith) throw this.failWith;
        const found = this.categories.get(context)?.get(id);
        if (found) return found;
        throw new ApiError({
          type: FailureType.BluestoneNotFound,
          message: `Bluestone has no category "${id}" on GET /categories/{id}`,
          retryable: false,
        });
      },
    };
  }
}

function setUp(env: Record<string, string> = {}) {
  const config = testConfig({ BLUESTONE_ADDITIONAL_CONTEXTS: 'sv-ctx:sv', ...env });
  const occtoo = new FakeOcctoo();
  const record = new MemoryRecord();
  const bluestone = new FakeBluestone();
  const deps = { config, logger: silent, occtoo: occtoo.client(), bluestone: bluestone.client(), record };
  return { config, occtoo, record, bluestone, deps };
}

/** A recorded row; `seen`: marked by the run; `late`: written after the run started. */
async function row(
  record: MemoryRecord,
  key: string,
  language: string,
  { seen = false, late = false, source = 'products', bluestoneId = `bs-${key}` } = {},
): Promise<void> {
  const entity: SentEntity = {
    source,
    key,
    language,
    kind: source === 'media' ? 'media' : source === 'categories' ? 'category' : 'product',
    bluestoneId,
    properties: language === 'en' ? ['Id', `Name@en`] : [`Name@${language}`],
    hash: 'h',
    readAt: 1,
    runId: 'earlier',
    fullSyncRunId: seen ? RUN : 'older-full-sync',
  };
  await record.recordSent([entity]);
  record.get(source, key, language)!.recordedAt = late ? STARTED + 1 : STARTED - 1;
}

describe('reconciliation', () => {
  it('deletes keys seen in no language, clears the languages not seen, and leaves the rest alone', async () => {
    const { occtoo, record, deps } = setUp();
    await row(record, 'a', 'en', { seen: true });
    await row(record, 'a', 'sv'); // served in English only now: Swedish cleared
    await row(record, 'b', 'en');
    await row(record, 'b', 'sv'); // served nowhere: deleted
    await row(record, 'c', 'en');
    await row(record, 'c', 'sv', { seen: true }); // served in Swedish only: English (and the rest) cleared
    await row(record, 'd', 'en', { late: true }); // an incremental sync wrote it meanwhile: kept
    await row(record, 'e', 'fr'); // a language not configured: not this run's to judge
    const input = { runId: RUN, startedAt: STARTED, scope: EVERYTHING };

    const plan = await planReconciliation(deps, input);
    const products = plan.sources.find((s) => s.source === 'products')!;
    expect(products).toEqual({
      source: 'products',
      kind: 'products',
      recorded: 4,
      deleted: { count: 1, samples: ['b'] },
      cleared: [
        { language: 'en', recorded: 4, count: 1, samples: ['c'] },
        { language: 'sv', recorded: 3, count: 1, samples: ['a'] },
      ],
    });
    expect(occtoo.imports).toEqual([]);

    const done = await applyReconciliation(deps, { ...input, plan });
    expect(occtoo.imported('products')).toEqual(
      expect.arrayContaining([
        { key: 'b', delete: true, properties: [] },
        {
          key: 'c',
          properties: [
            { id: 'Id', value: null },
            { id: 'Name', value: null, language: 'en' },
          ],
        },
        { key: 'a', properties: [{ id: 'Name', value: null, language: 'sv' }] },
      ]),
    );
    expect(occtoo.imported('products')).toHaveLength(3);
    expect([...record.entities.values()].map((e) => `${e.key}@${e.language}`).sort()).toEqual([
      'a@en',
      'c@sv',
      'd@en',
      'e@fr',
    ]);
    expect(done.state).toBe('done');
    expect(done.sources.find((s) => s.source === 'products')).toMatchObject({
      deleted: { count: 1, samples: ['b'] },
      refused: { count: 0, samples: [] },
    });
  });

  it('resumes after the last checkpoint, and keeps what Occtoo refused to remove in the record', async () => {
    const { occtoo, record, deps } = setUp();
    for (const key of ['k1', 'k2', 'k3']) await row(record, key, 'en');
    occtoo.refuse.add('k3');
    const input = { runId: RUN, startedAt: STARTED, scope: EVERYTHING };
    const plan = await planReconciliation(deps, input);
    const resumed: ReconcileCheckpoint = {
      sourceIndex: plan.sources.findIndex((s) => s.source === 'products'),
      after: 'k1',
      done: plan.sources.map((s) => ({
        ...s,
        deleted: { count: 0, samples: [] },
        cleared: s.cleared.map((c) => ({ ...c, count: 0, samples: [] })),
        refused: { count: 0, samples: [] },
      })),
    };
    const beats: ReconcileCheckpoint[] = [];
    const done = await applyReconciliation(
      deps,
      { ...input, plan },
      { resumed, beat: (c) => beats.push(structuredClone(c)) },
    );

    expect(occtoo.imported('products').map((e) => e.key)).toEqual(['k2']);
    expect(record.get('products', 'k1', 'en')).toBeDefined(); // before the checkpoint: done earlier
    expect(record.get('products', 'k2', 'en')).toBeUndefined();
    expect(record.get('products', 'k3', 'en')).toBeDefined(); // refused: tried again next time
    expect(done.sources.find((s) => s.source === 'products')).toMatchObject({
      deleted: { count: 1, samples: ['k2'] },
      refused: { count: 1, samples: ['k3'] },
    });
    expect(beats.some((b) => b.after === 'k3')).toBe(true);
  });

  it('reconciles only sources read whole, and media only with MEDIA_DELETE after both sources', () => {
    const { config } = setUp();
    const all = reconcileTargets(config, EVERYTHING, true);
    expect(all.targets.map((t) => t.source)).toEqual(['categories', 'products']);
    expect(all.skipped).toEqual([{ source: 'media', reason: 'MEDIA_DELETE is off: media entities stay' }]);

    const partial = reconcileTargets(config, { ...EVERYTHING, contexts: ['en'] }, true);
    expect(partial.targets).toEqual([]);
    expect(partial.skipped.map((s) => s.source)).toEqual(['categories', 'products', 'media']);

    const withMedia = setUp({ MEDIA_DELETE: 'true' }).config;
    expect(reconcileTargets(withMedia, EVERYTHING, true).targets).toContainEqual({
      source: 'media',
      kind: 'media',
      languages: ['en'],
    });
    expect(
      reconcileTargets(withMedia, { ...EVERYTHING, categories: false }, true).skipped.map((s) => s.source),
    ).toEqual(['media']);
    expect(reconcileTargets(config, EVERYTHING, false).targets).toEqual([]);
  });
});

describe('confirming with Bluestone before removing', () => {
  const input = { runId: RUN, startedAt: STARTED, scope: EVERYTHING };
  /** A product Bluestone serves, its id the recorded key (PRODUCT_KEY=id). */
  const served = (id: string, overrides: Partial<Product> = {}) =>
    product({ id, number: `N-${id}`, ...overrides });
  const keysOf = (occtoo: FakeOcctoo) => occtoo.imported('products').map((e) => e.key);

  it('keeps what Bluestone still serves by id, removes the rest, and counts both', async () => {
    const { occtoo, record, bluestone, deps } = setUp({ SYNC_LABELS_EXCLUDE: 'hidden' });
    for (const key of ['skipped', 'gone', 'relabelled']) {
      await row(record, key, 'en', { bluestoneId: key });
      await row(record, key, 'sv', { bluestoneId: key });
    }
    await row(record, 'sv-skipped', 'en', { seen: true, bluestoneId: 'sv-skipped' });
    await row(record, 'sv-skipped', 'sv', { bluestoneId: 'sv-skipped' });
    await row(record, 'sv-gone', 'en', { seen: true, bluestoneId: 'sv-gone' });
    await row(record, 'sv-gone', 'sv', { bluestoneId: 'sv-gone' });
    // The cursor skipped it, and only the default context counts for a delete.
    bluestone.serve('en', served('skipped'));
    bluestone.serve('sv-ctx', served('gone'));
    // Served, but SYNC_LABELS_EXCLUDE removes it: no reason to keep it.
    bluestone.serve('en', served('relabelled', { labels: ['hidden'] }));
    // A clear is confirmed in the language's own context.
    bluestone.serve('sv-ctx', served('sv-skipped'));
    bluestone.serve('en', served('sv-gone'));
    const unconfirmed = await planReconciliation(deps, input);
    expect(unconfirmed.sources.find((s) => s.source === 'products')).toMatchObject({
      deleted: { count: 3 },
      cleared: [
        { language: 'en', count: 0 },
        { language: 'sv', count: 2 },
      ],
    });
    const done = await applyReconciliation(deps, { ...input, plan: unconfirmed });

    expect(keysOf(occtoo).sort()).toEqual(['gone', 'relabelled', 'sv-gone']);
    expect(occtoo.imported('products')).toContainEqual({
      key: 'sv-gone',
      properties: [{ id: 'Name', value: null, language: 'sv' }],
    });
    // Kept as it was in the record: the next full sync sees it, or confirms again.
    for (const language of ['en', 'sv']) expect(record.get('products', 'skipped', language)).toBeDefined();
    expect(record.get('products', 'sv-skipped', 'sv')).toBeDefined();
    expect(record.get('products', 'gone', 'en')).toBeUndefined();
    expect(record.get('products', 'sv-gone', 'sv')).toBeUndefined();
    const products = done.sources.find((s) => s.source === 'products')!;
    expect(products).toMatchObject({
      deleted: { count: 2, samples: ['gone', 'relabelled'] },
      cleared: [
        { language: 'en', count: 0 },
        { language: 'sv', count: 1, samples: ['sv-gone'] },
      ],
      stillServed: { count: 2, samples: ['skipped', 'sv-skipped'] },
    });
    expect(done.state).toBe('done');
    // The delete candidates read in the default context, the Swedish clears in Swedish.
    expect(bluestone.reads.map((r) => [r.context, [...r.ids].sort()])).toEqual([
      ['en', ['gone', 'relabelled', 'skipped']],
      ['sv-ctx', ['sv-gone', 'sv-skipped']],
    ]);
  });

  it('in a dry run, confirms and counts the same way, and touches nothing', async () => {
    const { occtoo, record, bluestone, deps } = setUp();
    for (const key of ['skipped', 'gone']) await row(record, key, 'en', { bluestoneId: key });
    bluestone.serve('en', served('skipped'));
    const dryInput = { ...input, dryRun: true };
    const plan = await planReconciliation(deps, dryInput);
    const before = structuredClone([...record.entities]);
    const dry = await applyReconciliation(deps, { ...dryInput, plan });
    expect(occtoo.imports).toEqual([]);
    expect([...record.entities]).toEqual(before);
    expect(dry.state).toBe('planned');
    expect(dry.sources.find((s) => s.source === 'products')).toMatchObject({
      deleted: { count: 1, samples: ['gone'] },
      stillServed: { count: 1, samples: ['skipped'] },
    });
  });

  it('deletes the old key of a product whose number changed (PRODUCT_KEY=number)', async () => {
    const { occtoo, record, bluestone, deps } = setUp({ PRODUCT_KEY: 'number' });
    await row(record, 'N-old', 'en', { bluestoneId: 'p1' });
    await row(record, 'N-same', 'en', { bluestoneId: 'p2' });
    bluestone.serve('en', product({ id: 'p1', number: 'N-new' }));
    bluestone.serve('en', product({ id: 'p2', number: 'N-same' }));
    const plan = await planReconciliation(deps, input);
    const done = await applyReconciliation(deps, { ...input, plan });
    expect(keysOf(occtoo)).toEqual(['N-old']);
    expect(done.sources.find((s) => s.source === 'products')!.stillServed).toEqual({
      count: 1,
      samples: ['N-same'],
    });
  });

  it('reads the candidates in bounded batches, each confirmed before anything of it is removed', async () => {
    const { occtoo, record, bluestone, deps } = setUp();
    const keys = Array.from(
      { length: RECONCILE_BATCH_KEYS + 50 },
      (_, i) => `k${String(i).padStart(3, '0')}`,
    );
    for (const key of keys) await row(record, key, 'en', { bluestoneId: key });
    const plan = await planReconciliation(deps, input);
    const beats: ReconcileCheckpoint[] = [];
    await applyReconciliation(deps, { ...input, plan }, { beat: (c) => beats.push(structuredClone(c)) });
    expect(bluestone.reads.map((r) => r.ids.length)).toEqual([RECONCILE_BATCH_KEYS, 50]);
    expect(keysOf(occtoo).sort()).toEqual(keys);

    // An outage in the second batch: the first one is removed, nothing of the second.
    const again = setUp();
    for (const key of keys) await row(again.record, key, 'en', { bluestoneId: key });
    const plan2 = await planReconciliation(again.deps, input);
    const getProductsByIds = again.deps.bluestone.getProductsByIds;
    let calls = 0;
    again.deps.bluestone.getProductsByIds = (...args) => {
      if (++calls === 2)
        throw new ApiError({
          type: FailureType.BluestoneUnavailable,
          message: 'Bluestone is unavailable: 503',
          retryable: true,
        });
      return getProductsByIds(...args);
    };
    const failed = await applyReconciliation(again.deps, { ...input, plan: plan2 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).toMatchObject({ type: FailureType.BluestoneUnavailable });
    expect(again.occtoo.imported('products')).toHaveLength(RECONCILE_BATCH_KEYS);
    expect(again.record.get('products', keys[RECONCILE_BATCH_KEYS], 'en')).toBeDefined();
    expect(beats.length).toBeGreaterThan(0);
  });

  it('confirms categories one by one: a 404 is gone, a context Bluestone does not know fails', async () => {
    const { occtoo, record, bluestone, deps } = setUp();
    for (const key of ['c-kept', 'c-gone'])
      await row(record, key, 'en', { source: 'categories', bluestoneId: key });
    bluestone.serveCategory('en', category({ id: 'c-kept' }));
    const plan = await planReconciliation(deps, input);
    const done = await applyReconciliation(deps, { ...input, plan });
    expect(occtoo.imported('categories').map((e) => e.key)).toEqual(['c-gone']);
    expect(done.sources.find((s) => s.source === 'categories')!.stillServed).toEqual({
      count: 1,
      samples: ['c-kept'],
    });

    bluestone.failWith = new ApiError({
      type: FailureType.BluestoneNotFound,
      message: 'Bluestone has no context "en" (GET /categories/{id}: "Given context not found.")',
      retryable: false,
    });
    const again = await planReconciliation(deps, input);
    await expect(applyReconciliation(deps, { ...input, plan: again })).rejects.toThrow('has no context');
    expect(occtoo.imported('categories')).toHaveLength(1);
  });

  it('leaves media alone when Bluestone still serves an entity the run did not list', async () => {
    const { occtoo, record, bluestone, deps } = setUp({ MEDIA_DELETE: 'true' });
    await row(record, 'skipped', 'en', { bluestoneId: 'skipped' });
    await row(record, 'm-skipped', 'en', { source: 'media', bluestoneId: 'm-skipped' });
    bluestone.serve('en', served('skipped'));
    const plan = await planReconciliation(deps, input);
    expect(plan.sources.find((s) => s.source === 'media')!.deleted.count).toBe(1);
    const done = await applyReconciliation(deps, { ...input, plan });
    expect(occtoo.imports).toEqual([]);
    expect(record.get('media', 'm-skipped', 'en')).toBeDefined();
    expect(done.sources.find((s) => s.source === 'media')!.deleted.count).toBe(0);
    expect(done.skipped).toContainEqual({
      source: 'media',
      reason: expect.stringContaining('media are left for the next full sync'),
    });
  });
});

describe('the mass-delete guard', () => {
  const plan = (deleted: number, cleared = 0): Reconciliation => ({
    state: 'planned',
    maxPercent: 10,
    skipped: [],
    sources: [
      {
        source: 'products',
        kind: 'products',
        recorded: 100,
        deleted: { count: deleted, samples: ['p1', 'p2'] },
        cleared: [{ language: 'sv', recorded: 50, count: cleared, samples: ['p3'] }],
      },
    ],
  });

  it('refuses more than PRUNE_MAX_PERCENT of a source, or of one language, with counts and samples', () => {
    expect(pruneRefusal('This full sync', plan(10))).toBeUndefined();
    expect(pruneRefusal('This full sync', plan(11))).toMatch(
      /^This full sync would delete 11 of 100 entities \(11 %\) in products, e\.g\. p1, p2: more than PRUNE_MAX_PERCENT=10 %/,
    );
    expect(pruneRefusal('This full sync', plan(0, 6))).toContain(
      'clear the sv values of 6 of 50 entities (12 %) in products, e.g. p3',
    );
  });

  it('lets 0 % refuse any removal, and 100 % none', () => {
    expect(overPruneLimit(1, 1000, 0)).toBe(true);
    expect(overPruneLimit(0, 1000, 0)).toBe(false);
    expect(overPruneLimit(1000, 1000, 100)).toBe(false);
  });
});

describe('the page processor marks what it saw', () => {
  function pages(env: Record<string, string> = {}) {
    const s = setUp(env);
    const processor = createPageProcessor({ ...s.deps, bluestone: {} as BluestoneClient });
    return { ...s, processor };
  }
  const run = { readAt: 5, runId: RUN, fullSyncRunId: RUN };
  const shirt = (overrides: Partial<Product> = {}) =>
    product({ id: 'p1', number: 'N-1', name: 'Shirt', lastUpdate: 1000, media: [asset()], ...overrides });

  it('keeps products set aside without a key, refused by Occtoo, or skipped by a filter', async () => {
    const { occtoo, record, processor } = pages({
      PRODUCT_KEY: 'number',
      SYNC_PRODUCT_TYPES: 'SINGLE',
    });
    const own = (id: string) => [asset({ id: `m-${id}` })];
    await processor.processProducts(
      EN,
      [
        shirt({ media: own('p1') }),
        shirt({ id: 'p2', number: 'N-2', media: own('p2') }),
        shirt({ id: 'p3', number: 'N-3', media: own('p3') }),
      ],
      undefined,
      { readAt: 1, runId: 'first' },
    );
    occtoo.refuse.add('N-2');
    await processor.processProducts(
      EN,
      [
        shirt({ number: undefined, media: own('p1') }), // no key now
        shirt({ id: 'p2', number: 'N-2', name: 'Changed', media: own('p2') }), // refused by Occtoo
        shirt({ id: 'p3', number: 'N-3', type: 'BUNDLE', media: own('p3') }), // skipped by SYNC_PRODUCT_TYPES
      ],
      undefined,
      run,
    );
    for (const key of ['N-1', 'N-2', 'N-3'])
      expect(record.get('products', key, 'en')?.fullSyncRunId).toBe(RUN);
    // The media a skipped product shows stay too, though the run did not map them.
    for (const id of ['p1', 'p2', 'p3'])
      expect(record.get('media', `m-${id}`, 'en')?.fullSyncRunId).toBe(RUN);
  });

  it('in a dry run, pushes and records nothing, and notes what it would send and saw', async () => {
    const { occtoo, record, processor } = pages();
    await processor.processProducts(EN, [shirt(), shirt({ id: 'p2' })], undefined, {
      readAt: 1,
      runId: 'first',
    });
    const imports = occtoo.imports.length;
    const before = structuredClone([...record.entities]);

    await processor.processProducts(
      EN,
      [shirt({ name: 'Renamed', description: undefined, lastUpdate: 2000 }), shirt({ id: 'p2' })],
      undefined,
      { ...run, dryRun: true },
    );

    expect(occtoo.imports).toHaveLength(imports);
    expect([...record.entities]).toEqual(before);
    expect(await record.dryRunSends(RUN, 10)).toEqual([
      { source: 'products', language: 'en', count: 1, clearing: 0, samples: ['p1'] },
    ]);
    const notes = [...record.dryRuns.get(RUN)!.values()].map((n) => `${n.source}:${n.key}:${n.action}`);
    expect(notes.sort()).toEqual(['media:m1:seen', 'products:p1:send', 'products:p2:seen']);
    await record.forgetDryRun(RUN);
    expect(record.dryRuns.has(RUN)).toBe(false);
  });
});
