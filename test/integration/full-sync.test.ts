/**
 * Full syncs on a real Temporal dev server against both simulators over HTTP: what arrives in
 * Occtoo must equal the catalog, entity by entity, in every language and media mode.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { mulberry32, type HostileKind } from '../../src/sim/catalog';
import { compareSource, expectedOcctooState, compareWithOcctoo } from '../../src/sim/expected-state';
import { fullSync } from '../../src/workflows';
import type { Config } from '../../src/config';
import { testConfig } from '../support/config';
import { startSims, type Sims } from '../support/sims';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue } from '../support/temporal';
import { startTestService } from '../support/service';
import { DEFAULT_PUSH_TUNING } from '../../src/pipeline/page-processor';

const FAST_MEDIA = { ...DEFAULT_PUSH_TUNING, mediaPollIntervalMs: 20 };

const sha256Prefix = (raw: string) => createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 8);
/** Letters docs/mapping.md transliterates beyond what Unicode compatibility decomposition does. */
const TRANSLITERATED: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  ø: 'o',
  œ: 'oe',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ẞ: 'SS',
  Æ: 'AE',
  Ø: 'O',
  Œ: 'OE',
  Ł: 'L',
  Đ: 'D',
  Ð: 'D',
  Þ: 'TH',
};

/**
 * An Occtoo key as docs/mapping.md ("Sanitizing") spells it out, written from the document and
 * sharing no code with the service: a valid id unchanged; anything else transliterated, every
 * character still not allowed made `_`, cut to fit, then `-` and 8 hex digits of the original's SHA-256.
 */
function keyByDocumentedRule(raw: string): string {
  if (/^[A-Za-z0-9_-]{1,256}$/.test(raw)) return raw;
  const converted = [...raw]
    .map((c) => TRANSLITERATED[c] ?? c)
    .join('')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9_-]/gu, '_');
  return `${converted.slice(0, 256 - 9)}-${sha256Prefix(raw)}`;
}

describe('fullSync', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let sims: Sims | undefined;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });
  afterEach(async () => {
    await sims?.close();
    sims = undefined;
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function runFullSync(config: Config, input: Parameters<typeof fullSync>[0] = {}) {
    const service = await startTestService(env, workflowBundle, config, { tuning: FAST_MEDIA });
    try {
      return await env.client.workflow.execute(fullSync, {
        taskQueue: config.temporal.taskQueue,
        workflowId: `full-sync-${config.temporal.taskQueue}`,
        args: [input],
      });
    } finally {
      await service.stop();
    }
  }

  function innermostCause(err: unknown): unknown {
    let current = err as { cause?: unknown };
    while (current?.cause) current = current.cause as { cause?: unknown };
    return current;
  }

  function expectOcctooEqualsCatalog(s: Sims, config: Config): void {
    const expected = expectedOcctooState(s.catalog, config, s.occtoo.mediaFiles());
    expect(compareWithOcctoo(expected, s.occtoo, config.occtoo)).toEqual([]);
    // Guard against two empty states comparing equal.
    expect(expected.products.size).toBeGreaterThan(20);
    expect(expected.categories.size).toBeGreaterThan(5);
  }

  it.each(['bluestone', 'occtoo', 'ignore'] as const)(
    'copies categories, products and media (HANDLE_MEDIA=%s) for three contexts, hostile data included',
    async (handleMedia) => {
      sims = await startSims({ catalog: { products: 40, seed: 11 } });
      const config = testConfig({
        ...sims.env,
        HANDLE_MEDIA: handleMedia,
        TEMPORAL_TASK_QUEUE: uniqueTaskQueue(handleMedia),
      });
      const result = await runFullSync(config);

      expect(result.status).toBe('completed');
      expectOcctooEqualsCatalog(sims, config);

      const products = sims.occtoo.entities('products');
      const media = sims.occtoo.entities('media');
      // Every product of the catalog arrived, in every language.
      for (const product of sims.catalog.productsIn('en')) {
        const entity = products.get(product.id);
        expect(entity).toBeDefined();
        for (const [context, language] of [
          ['en', 'en'],
          ['l3471', 'sv'],
          ['l3472', 'de'],
        ] as const) {
          const name = sims.catalog.product(product.id, context)?.name;
          if (name) expect(entity!.properties).toContainEqual({ id: 'Name', value: name, language });
        }
      }
      if (handleMedia === 'ignore') {
        expect(media.size).toBe(0);
        expect([...products.values()].some((e) => e.properties.some((p) => p.id === 'Thumbnail'))).toBe(
          false,
        );
      } else {
        expect(media.size).toBeGreaterThan(0);
      }
      if (handleMedia === 'occtoo') {
        const uploads = [...sims.occtoo.uploadCounts.values()];
        expect(uploads.length).toBeGreaterThan(0);
        expect(Math.max(...uploads)).toBe(1); // never uploaded twice
        const thumbnails = [...products.values()].flatMap((e) =>
          e.properties.filter((p) => p.id === 'Thumbnail'),
        );
        expect(thumbnails.length).toBeGreaterThan(0);
        for (const t of thumbnails)
          expect(t.value).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/public\/.*impolicy=small$/);
      }
      const progress = result.progress.contexts.find((c) => c.context === 'en')!;
      expect(progress.products.read).toBe(sims.catalog.productsIn('en').length);
      expect(progress.products.done && progress.categories.done).toBe(true);
    },
  );

  it('keys products by their sanitized number with PRODUCT_KEY=number (hostile numbers included)', async () => {
    sims = await startSims({ catalog: { products: 30, seed: 5 } });
    const config = testConfig({
      ...sims.env,
      PRODUCT_KEY: 'number',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('number'),
    });
    const result = await runFullSync(config, { categories: false });
    expect(result.status).toBe('completed');
    const expected = expectedOcctooState(sims.catalog, config);
    expect(compareSource('products', expected.products, sims.occtoo.entities('products'))).toEqual([]);
    expect(expected.products.size).toBeGreaterThan(20);

    // The rule as written here gives the document's own examples.
    expect(
      ['SKU-100', 'a.b', 'a/b', 'Größe', 'Grösse', 'SKU 12/34', 'N'.repeat(300)].map(keyByDocumentedRule),
    ).toEqual([
      'SKU-100',
      'a_b-2e7336dc',
      'a_b-c14cddc0',
      'Grosse-aedc3f80',
      'Grosse-f4a378e7',
      'SKU_12_34-b473d57c',
      `${'N'.repeat(247)}-227343bd`,
    ]);
    // Each product under the key docs/mapping.md gives its number, worked out here from the
    // document, not by the service's code; the hostile numbers by name.
    const catalog = sims.catalog.productsIn('en');
    const numbered = catalog.filter((p) => p.number);
    const keyed = new Map(numbered.map((p) => [keyByDocumentedRule(p.number!), p.id]));
    expect(keyed.size).toBe(numbered.length);
    const products = sims.occtoo.entities('products');
    expect(new Set(products.keys())).toEqual(new Set(keyed.keys()));
    for (const [key, id] of keyed)
      expect(products.get(key)!.properties).toContainEqual({ id: 'Id', value: id });
    const hostileNumber = (kind: HostileKind) => {
      const planted = sims!.catalog.hostile.find((h) => h.kind === kind)!;
      return sims!.catalog.product(planted.id, 'en')!.number!;
    };
    const space = hostileNumber('product-number-with-space');
    const dot = hostileNumber('product-number-with-dot');
    const slash = hostileNumber('product-number-with-slash');
    const nonAscii = hostileNumber('product-number-non-ascii');
    expect(space).toMatch(/^P [^ ]+$/);
    expect(keyByDocumentedRule(space)).toBe(`${space.replace(' ', '_')}-${sha256Prefix(space)}`);
    expect(keyByDocumentedRule(dot)).toBe(`${dot.replace('.', '_')}-${sha256Prefix(dot)}`);
    expect(keyByDocumentedRule(slash)).toBe(`${slash.replace('/', '_')}-${sha256Prefix(slash)}`);
    expect(nonAscii).toMatch(/^ÅÄÖ-Größe-[A-Za-z0-9_-]+$/);
    expect(keyByDocumentedRule(nonAscii)).toBe(`AAO-Grosse-${nonAscii.slice(10)}-${sha256Prefix(nonAscii)}`);
    for (const number of [space, dot, slash, nonAscii])
      expect(products.has(keyByDocumentedRule(number))).toBe(true);

    // Set aside: only what the rule cannot key (no number with PRODUCT_KEY=number), nothing sendable.
    const withoutNumber = catalog.filter((p) => !p.number).map((p) => p.id);
    expect(withoutNumber).toContain(
      sims.catalog.hostile.find((h) => h.kind === 'product-without-number')!.id,
    );
    expect(new Set(result.progress.setAside.map((s) => `${s.source}:${s.id}`))).toEqual(
      new Set(withoutNumber.map((id) => `products:${id}`)),
    );
    expect(result.progress.setAsideCount).toBe(result.progress.setAside.length);
  });

  it('continues as new on a small catalog and still completes correctly', async () => {
    sims = await startSims({ catalog: { products: 30, seed: 3 } });
    const config = testConfig({ ...sims.env, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('can') });
    const result = await runFullSync(config, { options: { pagesPerChunk: 1, maxHistoryEvents: 20 } });
    expect(result.progress.runs).toBeGreaterThan(1);
    expectOcctooEqualsCatalog(sims, config);
  });

  it('ends with Occtoo equal to the catalog through 10% 5xx and 5% 429 on both simulators', async () => {
    sims = await startSims({
      catalog: { products: 40, seed: 21 },
      faults: { serverErrorRate: 0.1, rateLimitRate: 0.05, random: mulberry32(99) },
    });
    const config = testConfig({ ...sims.env, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('faults') });
    const result = await runFullSync(config);
    expect(result.status).toBe('completed');
    expect(sims.bluestone.faults.stats.serverErrors + sims.occtoo.faults.stats.serverErrors).toBeGreaterThan(
      0,
    );
    expect(sims.bluestone.faults.stats.rateLimited + sims.occtoo.faults.stats.rateLimited).toBeGreaterThan(0);
    sims.bluestone.faults.set({});
    sims.occtoo.faults.set({});
    expectOcctooEqualsCatalog(sims, config);
  });

  it('fails at once, saying what to fix, when Occtoo rejects the data provider credentials', async () => {
    sims = await startSims({ catalog: { products: 5 } });
    const config = testConfig({
      ...sims.env,
      OCCTOO_DATA_PROVIDER_SECRET: 'wrong-secret',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('creds'),
    });
    const err = await runFullSync(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as { type?: string; message?: string };
    expect(cause.type).toBe('OcctooUnauthorized');
    expect(cause.message).toMatch(/OCCTOO_DATA_PROVIDER_ID|OCCTOO_DATA_PROVIDER_SECRET/);
  });

  it('fails at once when a configured context does not exist in Bluestone, naming the valid ones', async () => {
    sims = await startSims({ catalog: { products: 5 } });
    const config = testConfig({
      ...sims.env,
      BLUESTONE_ADDITIONAL_CONTEXTS: 'l9999:fi',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('ctx'),
    });
    const err = await runFullSync(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    // Setup data runs first (a child workflow) and names the bad context and the valid ones.
    const root = innermostCause(err) as { type?: string; message?: string };
    expect(root.type).toBe('ConfigurationError');
    expect(root.message).toContain('l9999');
    expect(root.message).toContain('l3471');
    expect(sims.occtoo.imports).toHaveLength(0);
  });
});
