import { ApplicationFailure } from '@temporalio/activity';
import type { BluestoneClient } from '../../../src/bluestone/client';
import type { Product } from '../../../src/bluestone/types';
import { createResyncActivities } from '../../../src/activities/resync';
import { createLogger } from '../../../src/logger';
import { createPageProcessor } from '../../../src/pipeline/page-processor';
import { FailureType } from '../../../src/shared/failures';
import { resyncInputProblem } from '../../../src/shared/sync-types';
import { testConfig } from '../../support/config';
import { MemoryRecord } from '../../support/memory-record';
import { product } from '../mapping/fixtures';
import { FakeOcctoo } from '../pipeline/fake-occtoo';

/**
 * Resync (issue #13): exactly the products asked for are read again and sent, unchanged ones too;
 * those Bluestone no longer serves are deleted (default context) or cleared (another context).
 */

const silent = createLogger({ level: 'ERROR', write: () => undefined });
const EN = { context: 'en', language: 'en', isDefault: true };
const SV = { context: 'sv-ctx', language: 'sv', isDefault: false };

function setUp() {
  const config = testConfig({ BLUESTONE_ADDITIONAL_CONTEXTS: 'sv-ctx:sv' });
  const occtoo = new FakeOcctoo();
  const record = new MemoryRecord();
  const served = new Map<string, Product[]>();
  const bluestone = {
    getProductsByIds: async (ids: string[], context: string) =>
      (served.get(context) ?? []).filter((p) => ids.includes(p.id)),
  } as unknown as BluestoneClient;
  const deps = { config, logger: silent, bluestone, occtoo: occtoo.client(), record };
  return { occtoo, record, served, pages: createPageProcessor(deps), resync: createResyncActivities(deps) };
}

const item = (id: string, name = `Product ${id}`) => product({ id, name, lastUpdate: 1000 });

describe('resync', () => {
  it('sends exactly the products named, unchanged ones too, in every context', async () => {
    const { occtoo, pages, served, resync } = setUp();
    served.set('en', [item('p1'), item('p2')]);
    served.set('sv-ctx', [item('p1', 'Produkt 1'), item('p2', 'Produkt 2')]);
    await pages.processProducts(EN, served.get('en')!, undefined, { readAt: 1 });
    await pages.processProducts(SV, served.get('sv-ctx')!, undefined, { readAt: 2 });
    occtoo.imports.length = 0;

    const result = await resync.resendProducts({ productIds: ['p1'] });

    expect(occtoo.imported('products').map((e) => e.key)).toEqual(['p1', 'p1']);
    expect(result.passes).toEqual([
      { context: 'en', language: 'en', sent: ['p1'], filtered: [], deleted: [], cleared: [], notServed: [] },
      {
        context: 'sv-ctx',
        language: 'sv',
        sent: ['p1'],
        filtered: [],
        deleted: [],
        cleared: [],
        notServed: [],
      },
    ]);
    expect(result.setAside).toEqual([]);
  });

  it('deletes a product the default context no longer serves, and clears a language another context lacks', async () => {
    const { occtoo, record, pages, served, resync } = setUp();
    await pages.processProducts(EN, [item('p1'), item('p2')], undefined, { readAt: 1 });
    await pages.processProducts(SV, [item('p1', 'Produkt 1'), item('p2', 'Produkt 2')], undefined, {
      readAt: 2,
    });
    // p1 is gone everywhere; p2 only from Swedish; p3 never existed.
    served.set('en', [item('p2')]);
    served.set('sv-ctx', []);

    const result = await resync.resendProducts({ productIds: ['p1', 'p2', 'p3'] });

    expect(occtoo.entity('products', 'p1')).toBeUndefined();
    expect(
      occtoo
        .entity('products', 'p2')!
        .properties.filter((p) => p.language === 'sv')
        .map((p) => p.id),
    ).toEqual([]);
    expect(occtoo.entity('products', 'p2')!.properties).toContainEqual({
      id: 'Name',
      value: 'Product p2',
      language: 'en',
    });
    expect(result.passes[0]).toMatchObject({ sent: ['p2'], deleted: ['p1'], notServed: ['p3'] });
    expect(result.passes[1]).toMatchObject({ sent: [], cleared: ['p2'], deleted: [], notServed: [] });
    expect(await record.sentOfIds('products', ['p1'])).toEqual([]);
  });

  it('only the contexts asked for; an unknown one fails at once, naming the configured ones', async () => {
    const { occtoo, served, resync } = setUp();
    served.set('sv-ctx', [item('p1', 'Produkt 1')]);
    const result = await resync.resendProducts({ productIds: ['p1'], contexts: ['sv-ctx'] });
    expect(result.passes.map((p) => p.context)).toEqual(['sv-ctx']);
    expect(occtoo.imported('products')).toHaveLength(1);

    const failure = await resync.resendProducts({ productIds: ['p1'], contexts: ['fr'] }).catch((e) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: FailureType.InvalidResyncRequest,
      nonRetryable: true,
      message: expect.stringContaining('configured contexts: en, sv-ctx'),
    });
  });

  it.each([
    ['no ids', { productIds: [] }, 'one or more'],
    ['a path for an id', { productIds: ['../x'] }, 'is not a Bluestone product id'],
    ['1,001 ids', { productIds: Array.from({ length: 1001 }, (_, i) => `p${i}`) }, 'at most 1000'],
    ['contexts not a list', { productIds: ['p1'], contexts: 'en' }, 'contexts, when given'],
    ['no productIds', {}, 'productIds must be'],
  ])('a wrong request is refused with what to fix: %s', (_what, input, message) => {
    expect(resyncInputProblem(input)).toContain(message);
  });
});
