import { MockActivityEnvironment } from '@temporalio/testing';
import { createIncrementalSyncActivities } from '../../../src/activities/incremental-sync';
import type { BluestoneClient } from '../../../src/bluestone/client';
import type { Category, Difference } from '../../../src/bluestone/types';
import { ApiError, FailureType } from '../../../src/http/api-error';
import { createLogger } from '../../../src/logger';
import { createPageProcessor } from '../../../src/pipeline/page-processor';
import type { ChunkResult, ContextPlan } from '../../../src/shared/sync-types';
import { testConfig } from '../../support/config';
import { MemoryRecord } from '../../support/memory-record';
import { category } from '../mapping/fixtures';
import { FakeOcctoo } from '../pipeline/fake-occtoo';

/**
 * Category DELETE differences in an incremental sync (issue 17): a category Bluestone no longer
 * serves is deleted from Occtoo in the default context's pass only (an additional context's pass
 * leaves it alone), under the key it was sent with, and forgotten in the record in every language.
 * A delete Occtoo refuses is set aside as a category and stays in the record.
 */

const EN: ContextPlan = { context: 'en', language: 'en', isDefault: true };
const SV: ContextPlan = { context: 'sv-ctx', language: 'sv', isDefault: false };
const silent = createLogger({ level: 'ERROR', write: () => undefined });

function setUp() {
  const config = testConfig({ BLUESTONE_ADDITIONAL_CONTEXTS: 'sv-ctx:sv' });
  const occtoo = new FakeOcctoo();
  const record = new MemoryRecord();
  /** Categories Bluestone serves now, by id (the same in every context here). */
  const served = new Map<string, Category>();
  const differences: Difference[] = [];
  const bluestone = {
    differencesPage: async (_syncId: string, source: string, page: { pageNo: number }) =>
      source === 'categories' && page.pageNo === 0 ? differences : [],
    getCategory: async (id: string) => {
      const found = served.get(id);
      if (found) return found;
      throw new ApiError({
        type: FailureType.BluestoneNotFound,
        status: 404,
        message: `Bluestone has no category "${id}"`,
        retryable: false,
      });
    },
  } as unknown as BluestoneClient;
  const deps = { config, logger: silent, bluestone, occtoo: occtoo.client(), record };
  const pages = createPageProcessor(deps);
  const { applyDifferencesChunk } = createIncrementalSyncActivities(deps);
  /** A sync sends these categories in both contexts, and Bluestone serves them. */
  const publish = async (categories: Category[]) => {
    for (const c of categories) served.set(c.id, c);
    await pages.processCategories(EN, categories, undefined, { readAt: 1 });
    await pages.processCategories(
      SV,
      categories.map((c) => ({ ...c, name: `${c.name} (sv)` })),
      undefined,
      { readAt: 1 },
    );
  };
  const apply = (pass: ContextPlan): Promise<ChunkResult> =>
    new MockActivityEnvironment().run(applyDifferencesChunk, {
      syncId: 'sync-1',
      source: 'categories' as const,
      pass,
      maxPages: 5,
    });
  return { occtoo, record, served, differences, publish, apply };
}

const keys = (occtoo: FakeOcctoo) => [...(occtoo.sources.get('categories')?.keys() ?? [])].sort();

describe('an incremental sync: categories Bluestone deleted', () => {
  it('deletes a category Bluestone no longer serves in the default context, and forgets it in every language', async () => {
    const { occtoo, record, served, differences, publish, apply } = setUp();
    await publish([category({ id: 'c-gone', name: 'Old' }), category({ id: 'c-kept', name: 'Shoes' })]);
    served.delete('c-gone');
    differences.push({ id: 'c-gone', diffType: 'DELETE' }, { id: 'c-kept', diffType: 'CHANGE' });

    const result = await apply(EN);

    expect(result.deleted).toBe(1);
    expect(result.setAsideCount).toBe(0);
    expect(keys(occtoo)).toEqual(['c-kept']);
    expect(
      occtoo
        .imported('categories')
        .filter((e) => e.delete)
        .map((e) => e.key),
    ).toEqual(['c-gone']);
    expect(record.get('categories', 'c-gone', 'en')).toBeUndefined();
    expect(record.get('categories', 'c-gone', 'sv')).toBeUndefined();
    expect(record.get('categories', 'c-kept', 'en')).toBeDefined();
  });

  it("leaves it alone in an additional context's pass: neither deleted nor forgotten", async () => {
    const { occtoo, record, served, differences, publish, apply } = setUp();
    await publish([category({ id: 'c-gone', name: 'Old' })]);
    served.delete('c-gone');
    differences.push({ id: 'c-gone', diffType: 'DELETE' });
    const importsBefore = occtoo.imports.length;

    const result = await apply(SV);

    expect(result.deleted).toBe(0);
    expect(keys(occtoo)).toEqual(['c-gone']);
    expect(occtoo.imports.slice(importsBefore).flatMap((i) => i.entities)).toEqual([]);
    expect(record.get('categories', 'c-gone', 'en')).toBeDefined();
    expect(record.get('categories', 'c-gone', 'sv')).toBeDefined();
  });

  it('keeps a DELETE difference for a category Bluestone serves again (a later sync brought it back)', async () => {
    const { occtoo, differences, publish, apply } = setUp();
    await publish([category({ id: 'c-back', name: 'Back' })]);
    differences.push({ id: 'c-back', diffType: 'DELETE' });

    const result = await apply(EN);

    expect(result.deleted).toBe(0);
    expect(keys(occtoo)).toEqual(['c-back']);
    expect(occtoo.imported('categories').some((e) => e.delete)).toBe(false);
  });

  it('deletes under the key the category was sent with, when its id had to be sanitized', async () => {
    const { occtoo, record, served, differences, publish, apply } = setUp();
    await publish([category({ id: 'cat 7/ä', name: 'Hostile' })]);
    const [sentKey] = keys(occtoo);
    expect(sentKey).not.toBe('cat 7/ä');
    served.delete('cat 7/ä');
    differences.push({ id: 'cat 7/ä', diffType: 'DELETE' });

    const result = await apply(EN);

    expect(result.setAside).toEqual([]);
    expect(result.deleted).toBe(1);
    expect(keys(occtoo)).toEqual([]);
    expect(record.get('categories', sentKey, 'en')).toBeUndefined();
  });

  it('sets aside, as a category, a delete Occtoo refuses, and keeps it in the record for a later run', async () => {
    const { occtoo, record, served, differences, publish, apply } = setUp();
    await publish([category({ id: 'c-gone', name: 'Old' })]);
    served.delete('c-gone');
    differences.push({ id: 'c-gone', diffType: 'DELETE' });
    occtoo.refuse.add('c-gone');

    const result = await apply(EN);

    expect(result.deleted).toBe(0);
    expect(result.setAside).toEqual([
      { source: 'categories', context: 'en', id: 'c-gone', reason: 'refused by the test' },
    ]);
    expect(keys(occtoo)).toEqual(['c-gone']);
    expect(record.get('categories', 'c-gone', 'en')).toBeDefined();
  });
});
