/**
 * Issue #13, reconciliation in the full sync, on a real dev server, the simulators over HTTP and
 * PostgreSQL: what Bluestone no longer publishes (its webhooks lost) is gone from Occtoo after the
 * next full sync, and only that; entities another provider wrote stay; the PRUNE_MAX_PERCENT guard
 * stops a run against a Bluestone that suddenly serves half the catalog; a dry run touches nothing
 * and foretells what the real run then does; with MEDIA_DELETE, media no entity shows are deleted
 * with their files, and media another product still shows stay.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { WorkflowBundle } from '@temporalio/worker';
import { Pool } from 'pg';
import request from 'supertest';
import { mediaAssetsOf, mediaKeyOf, mediaUniqueIdentifier, productKeyOf } from '../../src/mapping';
import type { OcctooEntity } from '../../src/occtoo/types';
import type { Reconciliation } from '../../src/shared/reconciliation';
import { compareSource, expectedOcctooState } from '../../src/sim/expected-state';
import { fullSyncWorkflowId, type FullSyncInput, type FullSyncResult } from '../../src/shared/sync-types';
import { fullSync } from '../../src/workflows';
import { closeClearingFixture, slotsOf } from '../support/clearing';
import { lines, runCli } from '../support/cli';
import { startSyncFixture, type SyncFixture } from '../support/service';
import { FOREIGN_KEY, OTHER_PROVIDER, SIM_PROVIDER, writeAsSomeoneElse } from '../support/sims';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';
import { DEFAULT_PUSH_TUNING } from '../../src/pipeline/page-processor';

const SOURCES = ['products', 'categories', 'media'];
const FAST_MEDIA = { ...DEFAULT_PUSH_TUNING, mediaPollIntervalMs: 20 };

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;
let fixture: SyncFixture | undefined;

beforeAll(async () => {
  env = await connectTestEnv();
  workflowBundle = await bundleWorkflows();
});
afterEach(async () => {
  await closeClearingFixture(env, fixture);
  fixture = undefined;
});
afterAll(async () => {
  await env?.teardown();
});

async function start(name: string, config: Record<string, string> = {}, products = 30) {
  fixture = await startSyncFixture(env, workflowBundle, {
    name,
    tuning: FAST_MEDIA,
    sims: {
      catalog: { products, seed: 41 },
      occtoo: {
        providers: [
          { ...SIM_PROVIDER, allowedSources: [...SOURCES, 'setup'] },
          { ...OTHER_PROVIDER, allowedSources: SOURCES },
        ],
      },
    },
    config,
  });
  return fixture;
}

function runFullSync(f: SyncFixture, name: string, input: FullSyncInput = {}): Promise<FullSyncResult> {
  const { taskQueue } = f.config.temporal;
  return env.client.workflow.execute(fullSync, {
    taskQueue,
    workflowId: `${taskQueue}/${name}`,
    args: [input],
  });
}

/** Occtoo against the catalog, source by source, leaving out the keys given (either side). */
function differences(f: SyncFixture, leaveOut: Record<string, Set<string>> = {}): string[] {
  const expected = expectedOcctooState(f.sims.catalog, f.config, f.sims.occtoo.mediaFiles());
  const without = (source: string, entities: Map<string, OcctooEntity>) =>
    new Map([...entities].filter(([key]) => !leaveOut[source]?.has(key)));
  return (['products', 'categories', 'media'] as const).flatMap((source) =>
    compareSource(source, without(source, expected[source]), without(source, f.sims.occtoo.entities(source))),
  );
}

/** Every row the record holds (this deployment), in a stable order: what "the record is unchanged" compares. */
async function recordRows(f: SyncFixture, sightings = true): Promise<unknown[]> {
  const pool = new Pool({ connectionString: f.config.database.url! });
  try {
    const { rows } = await pool.query(
      `SELECT source, key, language, hash, properties, recorded_at
         ${sightings ? ', full_sync_run_id' : ''}
       FROM sent_entities ORDER BY source, key, language`,
    );
    const { rows: scratch } = await pool.query('SELECT count(*)::int AS n FROM dry_run_entities');
    const { rows: uploads } = await pool.query('SELECT * FROM uploaded_media ORDER BY unique_identifier');
    return [rows, scratch[0].n, uploads];
  } finally {
    await pool.end();
  }
}

/** The input a workflow was started with. */
async function startInput(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }) {
  const [input] = (await handle.fetchHistory()).events![0].workflowExecutionStartedEventAttributes!.input!
    .payloads!;
  return JSON.parse(Buffer.from(input.data!).toString()) as FullSyncInput;
}

const sourceOf = (r: Reconciliation | undefined, source: string) =>
  r?.sources.find((s) => s.source === source);

/** Products served in every context, in catalog order. */
const inEveryContext = (f: SyncFixture) =>
  f.sims.catalog
    .productIds()
    .filter((id) => f.sims.catalog.contexts.every((c) => f.sims.catalog.product(id, c.context)));

describe('reconciliation in the full sync', () => {
  it('removes what Bluestone no longer publishes, webhooks lost, and nothing else', async () => {
    const f = await start('reconcile-gone');
    const { sims } = f;
    await runFullSync(f, 'first');
    expect(differences(f)).toEqual([]);
    const foreign = await writeAsSomeoneElse(f.sims.occtoo.url, 'products');
    const foreignCategory = await writeAsSomeoneElse(f.sims.occtoo.url, 'categories');

    const [archived, unpublished, unpublishedInSwedish] = inEveryContext(f);
    const leaf = sims.catalog
      .categoriesIn('en')
      .find((c) => !sims.catalog.categoriesIn('en').some((o) => o.parentId === c.id))!;
    // Their media stay in Occtoo (MEDIA_DELETE off): the only media entities the catalog no longer shows.
    const orphaned = [
      ...[archived, unpublished].flatMap((id) => mediaAssetsOf(sims.catalog.product(id, 'en')!)),
      ...mediaAssetsOf(leaf),
    ].map((m) => mediaKeyOf(m)!);
    // Each with its webhook lost: an archive, an unpublish (gone from PAPI, no event at all), an
    // unpublish in Swedish only, a deleted category.
    sims.bluestone.publish({ archive: [archived], deliver: false });
    for (const c of sims.catalog.contexts) sims.catalog.removeProduct(unpublished, c.context);
    sims.catalog.removeProduct(unpublishedInSwedish, 'l3471');
    sims.bluestone.publish({ categories: { delete: [leaf.id] }, deliver: false });
    for (const [source, key] of [
      ['products', archived],
      ['products', unpublished],
      ['categories', leaf.id],
    ])
      expect(sims.occtoo.entity(source, key)).toBeDefined();
    expect([...slotsOf(sims.occtoo.entity('products', unpublishedInSwedish)).keys()]).toContain('Name@sv');

    // Continuing as new on the way: what the earlier runs saw still counts.
    const result = await runFullSync(f, 'second', { options: { pagesPerChunk: 1, maxHistoryEvents: 20 } });
    expect(result.progress.runs).toBeGreaterThan(0);

    expect(sims.occtoo.entity('products', archived)).toBeUndefined();
    expect(sims.occtoo.entity('products', unpublished)).toBeUndefined();
    expect(sims.occtoo.entity('categories', leaf.id)).toBeUndefined();
    // Exactly that language: no Swedish value left, English and German as the catalog maps them.
    const swedishGone = slotsOf(sims.occtoo.entity('products', unpublishedInSwedish));
    expect([...swedishGone.keys()].filter((s) => s.endsWith('@sv'))).toEqual([]);
    expect(swedishGone.get('Name@en')).toBe(sims.catalog.product(unpublishedInSwedish, 'en')!.name);
    expect(swedishGone.get('Name@de')).toBe(sims.catalog.product(unpublishedInSwedish, 'l3472')!.name);
    // Someone else's entities are not this service's to remove.
    expect(sims.occtoo.entity('products', FOREIGN_KEY)).toEqual(foreign);
    expect(sims.occtoo.entity('categories', FOREIGN_KEY)).toEqual(foreignCategory);
    // Occtoo equals the catalog, apart from the other provider's entities and those media.
    expect(
      differences(f, {
        products: new Set([FOREIGN_KEY]),
        categories: new Set([FOREIGN_KEY]),
        media: new Set(orphaned),
      }),
    ).toEqual([]);
    expect(orphaned.every((key) => sims.occtoo.entity('media', key))).toBe(true);

    const reconciliation = result.progress.reconciliation!;
    expect(reconciliation.state).toBe('done');
    expect(sourceOf(reconciliation, 'products')!.deleted).toEqual({
      count: 2,
      samples: [archived, unpublished].sort(),
    });
    expect(sourceOf(reconciliation, 'products')!.cleared.find((c) => c.language === 'sv')).toMatchObject({
      count: 1,
      samples: [unpublishedInSwedish],
    });
    expect(sourceOf(reconciliation, 'categories')!.deleted).toEqual({ count: 1, samples: [leaf.id] });
    expect(reconciliation.skipped).toEqual([
      { source: 'media', reason: 'MEDIA_DELETE is off: media entities stay' },
    ]);
    // Forgotten by the record, in every language (the Swedish row only, for the one cleared there).
    const record = f.service.record!;
    expect(await record.entitiesOf(archived)).toEqual([]);
    expect(await record.entitiesOf(unpublished)).toEqual([]);
    expect(await record.entitiesOf(leaf.id)).toEqual([]);
    expect((await record.entitiesOf(unpublishedInSwedish)).map((e) => e.language).sort()).toEqual([
      'de',
      'en',
    ]);

    // Nothing left to remove: the next full sync sends and removes nothing.
    const before = sims.occtoo.importCounts();
    const again = await runFullSync(f, 'third');
    expect(sims.occtoo.importCounts()).toEqual(before);
    expect(again.progress.reconciliation!.sources.every((s) => s.deleted.count === 0)).toBe(true);
  });

  it('keeps a product the cursor listing skipped while Bluestone still serves it by id, exactly as it was', async () => {
    const f = await start('reconcile-skipped');
    const { sims } = f;
    await runFullSync(f, 'first');
    const [skipped, archived] = inEveryContext(f);
    const before = sims.occtoo.entity('products', skipped);
    expect(before).toBeDefined();
    const recorded = (await f.service.record!.entitiesOf(skipped)).map((e) => e.language).sort();
    // Its media stay in Occtoo (MEDIA_DELETE off).
    const archivedMedia = mediaAssetsOf(sims.catalog.product(archived, 'en')!).map((m) => mediaKeyOf(m)!);
    // PAPI's cursor skips products when earlier ones are removed during a run (§4.2); by id it serves them.
    sims.bluestone.cursorHides.add(skipped);
    sims.bluestone.publish({ archive: [archived], deliver: false });

    // A dry run reports the confirmed counts.
    const dry = await runFullSync(f, 'skipped-dry', { dryRun: true });
    expect(sourceOf(dry.dryRun!.reconciliation, 'products')).toMatchObject({
      deleted: { count: 1, samples: [archived] },
      stillServed: { count: 1, samples: [skipped] },
    });

    const result = await runFullSync(f, 'second');
    expect(sims.occtoo.entity('products', skipped)).toEqual(before);
    expect(sims.occtoo.entity('products', archived)).toBeUndefined();
    const products = sourceOf(result.progress.reconciliation, 'products')!;
    expect(products).toMatchObject({
      deleted: { count: 1, samples: [archived] },
      stillServed: { count: 1, samples: [skipped] },
    });
    expect(products.cleared.every((c) => c.count === 0)).toBe(true);
    expect((await f.service.record!.entitiesOf(skipped)).map((e) => e.language).sort()).toEqual(recorded);
    expect(differences(f, { media: new Set(archivedMedia) })).toEqual([]);

    // Listed again, it is seen: nothing kept, nothing removed.
    sims.bluestone.cursorHides.clear();
    const again = sourceOf((await runFullSync(f, 'third')).progress.reconciliation, 'products')!;
    expect([again.deleted.count, again.stillServed?.count ?? 0]).toEqual([0, 0]);
    expect(sims.occtoo.entity('products', skipped)).toEqual(before);
  });

  it('keeps what Bluestone still serves but the run did not send: refused by Occtoo, filtered out, without a key', async () => {
    const f = await start('reconcile-kept', {
      PRODUCT_KEY: 'number',
      SYNC_PRODUCT_TYPES: 'SINGLE,GROUP,VARIANT',
      // The catalog's own products without a number are set aside too: more than the default 5 %.
      SET_ASIDE_MAX_PERCENT: '100',
    });
    const { sims } = f;
    await runFullSync(f, 'first');
    const singles = inEveryContext(f).filter((id) => sims.catalog.product(id, 'en')!.type === 'SINGLE');
    const [refused, filtered, unnumbered] = singles.map((id) => ({
      id,
      key: productKeyOf(sims.catalog.product(id, 'en')!, f.config.mapping)!,
    }));
    for (const { key } of [refused, filtered, unnumbered])
      expect(sims.occtoo.entity('products', key)).toBeDefined();
    const before = [refused, filtered, unnumbered].map(({ key }) => sims.occtoo.entity('products', key));
    // Changed, and Occtoo refuses it (400); now of a type SYNC_PRODUCT_TYPES skips; now without a number.
    sims.bluestone.publish({ change: [refused.id], deliver: false });
    sims.occtoo.rejectEntities('products', { keys: [refused.key] });
    for (const c of sims.catalog.contexts) {
      sims.catalog.product(filtered.id, c.context)!.type = 'BUNDLE';
      delete sims.catalog.product(unnumbered.id, c.context)!.number;
    }

    const result = await runFullSync(f, 'second');

    const setAside = result.progress.setAside.filter((s) => s.context === 'en').map((s) => s.id);
    expect(setAside).toEqual(expect.arrayContaining([refused.id, unnumbered.id]));
    expect(result.progress.contexts.find((c) => c.context === 'en')!.products.filtered).toBeGreaterThan(0);
    expect([refused, filtered, unnumbered].map(({ key }) => sims.occtoo.entity('products', key))).toEqual(
      before,
    );
    expect(sourceOf(result.progress.reconciliation, 'products')!.deleted.count).toBe(0);
    expect(sourceOf(result.progress.reconciliation, 'products')!.cleared.every((c) => c.count === 0)).toBe(
      true,
    );
  });

  it('stops a run against a Bluestone that suddenly serves half the catalog; allowMassDelete lets it through', async () => {
    const f = await start('reconcile-guard');
    const { sims } = f;
    await runFullSync(f, 'first');
    await writeAsSomeoneElse(f.sims.occtoo.url, 'products');
    const ids = sims.catalog.productIds();
    const half = ids.slice(0, Math.ceil(ids.length / 2));
    for (const id of half) for (const c of sims.catalog.contexts) sims.catalog.removeProduct(id, c.context);
    const before = sims.occtoo.entities('products');
    const recorded = await recordRows(f, false);

    const failure = await runFullSync(f, 'half').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as Error & { type?: string; details?: unknown[] };
    expect(cause.type).toBe('MassDeleteRefused');
    expect(cause.message).toContain(`would delete ${half.length} of `);
    expect(cause.message).toContain('PRUNE_MAX_PERCENT=10');
    expect(cause.message).toContain([...half].sort().slice(0, 3).join(', '));
    const refused = cause.details![0] as Reconciliation;
    expect(refused.state).toBe('refused');
    // The run's details in the Temporal UI say so too.
    const metadata = (await env.client.workflow
      .getHandle(`${f.config.temporal.taskQueue}/half`)
      .query('__temporal_workflow_metadata')) as { currentDetails?: string };
    expect(metadata.currentDetails).toContain(`**Reconciliation** — refused: ${cause.message}`);
    expect(sourceOf(refused, 'products')!.deleted.count).toBe(half.length);
    // Nothing deleted or cleared, nothing forgotten (the run only marked what it saw).
    expect(sims.occtoo.entities('products')).toEqual(before);
    expect(await recordRows(f, false)).toEqual(recorded);

    const result = await runFullSync(f, 'half-allowed', { allowMassDelete: true });
    expect(sourceOf(result.progress.reconciliation, 'products')!.deleted.count).toBe(half.length);
    for (const id of half) expect(sims.occtoo.entity('products', id)).toBeUndefined();
    expect(sims.occtoo.entity('products', FOREIGN_KEY)).toBeDefined();
    const leftMedia = [...sims.occtoo.entities('media').keys()].filter(
      (k) => !expectedOcctooState(sims.catalog, f.config).media.has(k),
    );
    expect(differences(f, { products: new Set([FOREIGN_KEY]), media: new Set(leftMedia) })).toEqual([]);
  });

  it('dryRun imports nothing, changes no record, and reports what the real run then does', async () => {
    const f = await start('reconcile-dry-run');
    const { sims } = f;
    await runFullSync(f, 'first');
    await writeAsSomeoneElse(f.sims.occtoo.url, 'products');
    const [changed, archived, unpublishedInSwedish] = inEveryContext(f);
    sims.bluestone.publish({
      change: [{ id: changed, name: 'Renamed while nobody listened' }],
      deliver: false,
    });
    sims.bluestone.publish({ archive: [archived], deliver: false });
    sims.catalog.removeProduct(unpublishedInSwedish, 'l3471');
    const imports = sims.occtoo.imports.length;
    const state = SOURCES.map((s) => sims.occtoo.entities(s));
    const recorded = await recordRows(f);

    // As an operator runs it: the CLI waits for the report and prints it.
    const printed = await runCli(['full-sync', '--dry-run', '--allow-mass-delete'], {
      ...sims.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: f.config.temporal.taskQueue,
      DATABASE_URL: f.config.database.url!,
      WEBHOOK_SECRET: 'reconcile-webhook-secret',
      LOG_LEVEL: 'WARN',
    });
    expect([printed.code, printed.stderr]).toEqual([0, '']);
    const dryHandle = env.client.workflow.getHandle(fullSyncWorkflowId(f.config.temporal.taskQueue, {}));
    const dry = (await dryHandle.result()) as FullSyncResult;
    expect(await startInput(dryHandle)).toMatchObject({ dryRun: true, allowMassDelete: true });

    expect(sims.occtoo.imports.length).toBe(imports);
    expect(SOURCES.map((s) => sims.occtoo.entities(s))).toEqual(state);
    expect(await recordRows(f)).toEqual(recorded);
    expect(dry.scope).toEqual({ categories: false, products: false, contexts: [] });
    const report = dry.dryRun!;
    const sends = (source: string, language: string) =>
      report.sends.find((s) => s.source === source && s.language === language);
    // The renamed product, in every language (its name is localized); nothing else changed.
    for (const language of ['en', 'sv', 'de'])
      expect(sends('products', language)).toMatchObject({ count: 1, samples: [changed] });
    expect(report.sends.filter((s) => s.source !== 'products')).toEqual([]);
    const products = sourceOf(report.reconciliation, 'products')!;
    expect(products.deleted).toEqual({ count: 1, samples: [archived] });
    expect(products.cleared.find((c) => c.language === 'sv')).toMatchObject({
      count: 1,
      samples: [unpublishedInSwedish],
    });
    expect(report.reconciliation!.state).toBe('planned');
    // Continuing as new on the way, a dry run reports the same.
    const paused = await runFullSync(f, 'dry-paused', {
      dryRun: true,
      options: { pagesPerChunk: 1, maxHistoryEvents: 20 },
    });
    expect(paused.progress.runs).toBeGreaterThan(0);
    expect(paused.dryRun).toEqual(report);
    expect(await recordRows(f)).toEqual(recorded);
    const text = lines(printed.stdout);
    expect(text).toContain(
      'Dry run: nothing was sent, cleared or deleted in Occtoo, and the record is unchanged.',
    );
    for (const language of ['en', 'sv', 'de'])
      expect(text).toContainEqual(
        expect.stringMatching(new RegExp(`^  products +${language} +1 +\\d+ +${changed}$`)),
      );
    expect(text).toContainEqual(
      expect.stringMatching(new RegExp(`^  products +delete +1 +\\d+ +${archived}$`)),
    );
    expect(text).toContainEqual(
      expect.stringMatching(new RegExp(`^  products +sv +clear +1 +\\d+ +${unpublishedInSwedish}$`)),
    );

    // The real run does what the dry run said.
    const real = await runFullSync(f, 'real');
    for (const c of real.progress.contexts)
      expect([c.language, c.products.sent]).toEqual([c.language, sends('products', c.language)?.count ?? 0]);
    const done = sourceOf(real.progress.reconciliation, 'products')!;
    expect(done.deleted).toEqual(products.deleted);
    expect(done.cleared.map((c) => [c.language, c.count])).toEqual(
      products.cleared.map((c) => [c.language, c.count]),
    );
    expect(sims.occtoo.entity('products', archived)).toBeUndefined();
    expect(sims.occtoo.entity('products', FOREIGN_KEY)).toBeDefined();
  });

  it('takes dryRun and allowMassDelete on the admin full-sync routes', async () => {
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'reconcile-route',
      roles: 'all',
      sims: { catalog: { products: 12, seed: 41 } },
    });
    const f = fixture;
    const admin = `Bearer ${f.config.gateway.adminToken}`;
    await runFullSync(f, 'first');
    const [removed] = inEveryContext(f);
    for (const c of f.sims.catalog.contexts) f.sims.catalog.removeProduct(removed, c.context);
    const imports = f.sims.occtoo.imports.length;

    const wrong = await request(f.gateway!.server)
      .post('/ProductFullSync?dryRun=yes&allowMassDelete=1')
      .set('Authorization', admin);
    expect([wrong.status, wrong.body]).toEqual([400, { error: 'dryRun must be true or false' }]);

    const started = await request(f.gateway!.server)
      .post('/ProductFullSync?dryRun=true&allowMassDelete=true')
      .set('Authorization', admin);
    expect(started.status).toBe(202);
    const handle = env.client.workflow.getHandle(started.body.workflowId);
    const result = (await handle.result()) as FullSyncResult;
    expect(f.sims.occtoo.imports.length).toBe(imports);
    expect(sourceOf(result.dryRun!.reconciliation, 'products')!.deleted).toEqual({
      count: 1,
      samples: [removed],
    });
    expect(await startInput(handle)).toMatchObject({
      products: true,
      categories: false,
      dryRun: true,
      allowMassDelete: true,
    });
  });

  it('with MEDIA_DELETE, deletes media (and files) no entity shows any more, and keeps those another product shows', async () => {
    const f = await start('reconcile-media', { HANDLE_MEDIA: 'occtoo', MEDIA_DELETE: 'true' }, 12);
    const { sims } = f;
    const [archived, other] = inEveryContext(f);
    const [kept, ...dropped] = mediaAssetsOf(sims.catalog.product(archived, 'en')!);
    expect(dropped.length).toBeGreaterThan(0);
    // The other product shows the archived one's first medium too.
    sims.catalog.product(other, 'en')!.media.push(structuredClone(kept));
    await runFullSync(f, 'first');
    const fileOf = (asset: typeof kept) =>
      sims.occtoo.mediaFiles().find((m) => m.uniqueIdentifier === mediaUniqueIdentifier(asset));
    for (const asset of [kept, ...dropped]) {
      expect(sims.occtoo.entity('media', mediaKeyOf(asset)!)).toBeDefined();
      expect(fileOf(asset)).toBeDefined();
    }
    await writeAsSomeoneElse(f.sims.occtoo.url, 'media');

    sims.bluestone.publish({ archive: [archived], deliver: false });
    // Continuing as new on the way: what the earlier runs saw still counts.
    const result = await runFullSync(f, 'second', { options: { pagesPerChunk: 1, maxHistoryEvents: 20 } });
    expect(result.progress.runs).toBeGreaterThan(0);

    expect(sims.occtoo.entity('products', archived)).toBeUndefined();
    for (const asset of dropped) {
      expect(sims.occtoo.entity('media', mediaKeyOf(asset)!)).toBeUndefined();
      expect(fileOf(asset)).toBeUndefined();
    }
    expect(sims.occtoo.entity('media', mediaKeyOf(kept)!)).toBeDefined();
    expect(fileOf(kept)).toBeDefined();
    expect(sims.occtoo.entity('media', FOREIGN_KEY)).toBeDefined();
    expect(sourceOf(result.progress.reconciliation, 'media')).toMatchObject({
      deleted: { count: dropped.length, samples: dropped.map((m) => mediaKeyOf(m)).sort() },
      filesDeleted: dropped.length,
    });
    expect(differences(f, { media: new Set([FOREIGN_KEY]) })).toEqual([]);
  });
});
