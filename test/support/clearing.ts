/**
 * The clearing cases of issue #12 ("Why"), planned on a simulated catalog: which product or
 * category each case edits, the Bluestone publish that removes its values, and the property slots
 * (`id` or `id@language`) that must be gone from Occtoo afterwards, beside those that must stay.
 * One publish carries every case, each on products of its own, so one sync checks them all.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { Product } from '../../src/bluestone/types';
import { mediaAssetsOf, mediaKeyOf } from '../../src/mapping';
import type { OcctooEntity } from '../../src/occtoo/types';
import type { PublishRequest } from '../../src/sim/bluestone-publish';
import type { Catalog, ProductEdit } from '../../src/sim/catalog';
import { compareSource, expectedOcctooState } from '../../src/sim/expected-state';
import { slotOf, type PropertySlot } from '../../src/state/record';
import { incrementalSyncWorkflowId, syncCoordinatorWorkflowId } from '../../src/shared/sync-types';
import { fullSync } from '../../src/workflows';
import { waitFor } from './processes';
import { startSyncFixture, type SyncFixture } from './service';

export const CLEARING_CASES = [
  'description emptied in every context',
  'an attribute removed',
  "an attribute's values emptied",
  'a localized attribute emptied in Swedish only',
  "a category's description emptied and its attribute removed",
  'the last label removed',
  'the last category removed',
  'relations emptied',
  'all media removed',
  'a variant detached',
  'metadata removed',
  'bundle items removed',
  'a unit dropped',
] as const;
export type ClearingCaseName = (typeof CLEARING_CASES)[number];

/** Occtoo languages of the simulators' three contexts. */
export const LANGUAGES = ['en', 'sv', 'de'] as const;

/** `title_text` is localized, so emptying it in one context is a per-language clear. */
export const CLEARING_CONFIG = { LOCALIZED_PROPERTIES_PRODUCT: 'Name,Description,title_text' };
/** A category attribute the plan adds before the first sync, so that a case can remove it. */
const CATEGORY_ATTRIBUTE = 'eco_certified';

export interface ClearingCase {
  name: ClearingCaseName;
  source: 'products' | 'categories';
  key: string;
  /** Slots Occtoo held before the publish and must not hold after it. */
  gone: PropertySlot[];
  /** Slots of the same entity that must still be there, with the value the catalog maps to now. */
  kept: PropertySlot[];
}

export interface ClearingPlan {
  cases: Map<ClearingCaseName, ClearingCase>;
  /** Published (not delivered) before the first full sync: gives a category an attribute. */
  prepare: PublishRequest;
  /** The publish that removes every case's values. */
  clear: PublishRequest;
  /** Media entities left in Occtoo once their assets are removed (MEDIA_DELETE off). */
  orphanedMedia: Set<string>;
}

const everyLanguage = (id: string) => LANGUAGES.map((language) => slotOf({ id, language }));

/** Picks a product for each case, each product (and a detached variant's group) used once. */
export function planClearing(catalog: Catalog): ClearingPlan {
  const used = new Set<string>();
  const inEveryContext = (p: Product) => catalog.contexts.every((c) => catalog.product(p.id, c.context));
  const pick = (what: string, match: (p: Product) => boolean): Product => {
    const found = catalog.productsIn('en').find((p) => !used.has(p.id) && inEveryContext(p) && match(p));
    if (!found) throw new Error(`planClearing: the catalog has no product for "${what}"`);
    used.add(found.id);
    return found;
  };
  const attr = (p: Product, number: string) => p.attributes.find((a) => a.number === number);
  const hasValue = (p: Product, number: string) => (attr(p, number)?.values.length ?? 0) > 0;
  const cases = new Map<ClearingCaseName, ClearingCase>();
  const edits: ProductEdit[] = [];
  const product = (
    name: ClearingCaseName,
    p: Product,
    edit: Omit<ProductEdit, 'id'>,
    gone: string[],
    kept: string[],
  ) => {
    edits.push({ id: p.id, ...edit });
    cases.set(name, { name, source: 'products', key: p.id, gone, kept });
  };

  const described = pick('description', (p) =>
    catalog.contexts.every((c) => catalog.product(p.id, c.context)?.description),
  );
  product(
    'description emptied in every context',
    described,
    { description: null },
    everyLanguage('Description'),
    [...everyLanguage('Name')],
  );
  const packed = pick('pack_size', (p) => hasValue(p, 'pack_size') && hasValue(p, 'launch_date'));
  product(
    'an attribute removed',
    packed,
    { attributes: { pack_size: null } },
    ['pack_size'],
    ['launch_date'],
  );
  const coloured = pick('color', (p) => hasValue(p, 'color') && hasValue(p, 'ean_code'));
  product(
    "an attribute's values emptied",
    coloured,
    { attributes: { color: [] } },
    ['color', 'colorKey'],
    ['ean_code'],
  );
  const titled = pick('title_text', (p) =>
    catalog.contexts.every(
      (c) => (attr(catalog.product(p.id, c.context)!, 'title_text')?.values.length ?? 0) > 0,
    ),
  );
  product(
    'a localized attribute emptied in Swedish only',
    titled,
    { attributes: { title_text: [] }, contexts: ['l3471'] },
    ['title_text@sv'],
    ['title_text@en', 'title_text@de'],
  );
  const labelled = pick('labels', (p) => p.labels.length > 0 && p.categories.length > 0);
  product('the last label removed', labelled, { labels: [] }, ['Labels'], ['Categories']);
  const categorized = pick('categories', (p) => p.categories.length > 0);
  product('the last category removed', categorized, { categories: [] }, ['Categories'], ['Id']);
  // Relation numbers that need no sanitizing, so the property id is plain `relation-{number}`.
  const related = pick(
    'relations',
    (p) =>
      p.relations.length > 0 &&
      p.relations.every((r) => !r.reverse && /^[A-Za-z0-9_-]+$/.test(r.number ?? '')),
  );
  const relationIds = [...new Set(related.relations.map((r) => `relation-${r.number}`))];
  product('relations emptied', related, { relations: [] }, relationIds, ['Id']);
  const illustrated = pick('media', (p) => p.media.length > 0 && p.media[0].previewUri !== undefined);
  product('all media removed', illustrated, { media: [] }, ['Media', 'Thumbnail'], ['Id']);
  const variant = pick(
    'variant',
    (p) => p.type === 'VARIANT' && p.variantParentId !== undefined && !used.has(p.variantParentId),
  );
  used.add(variant.variantParentId!);
  product('a variant detached', variant, { detachVariant: true }, ['VariantParentId'], ['ProductType']);
  const annotated = pick('metadata', (p) => p.metadata.length > 0);
  product('metadata removed', annotated, { metadata: [] }, ['Metadata'], ['Id']);
  const bundle = pick(
    'bundle',
    (p) => p.type === 'BUNDLE' && p.bundles.some((b) => b.quantity !== undefined),
  );
  product(
    'bundle items removed',
    bundle,
    { bundles: [] },
    ['BundleProductIds', 'BundleQuantities'],
    ['ProductType'],
  );
  const weighed = pick('weight', (p) => hasValue(p, 'weight') && attr(p, 'weight')?.unit !== undefined);
  product('a unit dropped', weighed, { dropUnits: ['weight'] }, ['weightUnit'], ['weight']);

  const category = catalog
    .categoriesIn('en')
    .find((c) => catalog.contexts.every((ctx) => catalog.category(c.id, ctx.context)?.description));
  if (!category) throw new Error('planClearing: no category with a description in every context');
  cases.set("a category's description emptied and its attribute removed", {
    name: "a category's description emptied and its attribute removed",
    source: 'categories',
    key: category.id,
    gone: [...everyLanguage('Description'), CATEGORY_ATTRIBUTE],
    kept: everyLanguage('Name'),
  });

  return {
    cases,
    prepare: {
      categories: { change: [{ id: category.id, attributes: { [CATEGORY_ATTRIBUTE]: ['true'] } }] },
      deliver: false,
    },
    clear: {
      change: edits,
      categories: {
        change: [{ id: category.id, description: null, attributes: { [CATEGORY_ATTRIBUTE]: null } }],
      },
    },
    orphanedMedia: new Set(mediaAssetsOf(illustrated).map((m) => mediaKeyOf(m)!)),
  };
}

/** The slots an Occtoo entity holds, with their values. */
export function slotsOf(entity: OcctooEntity | undefined): Map<PropertySlot, string | null> {
  return new Map((entity?.properties ?? []).map((p) => [slotOf(p), p.value]));
}

/**
 * What a case finds in Occtoo: its `gone` slots still there, and its `kept` slots that are
 * missing or do not hold what the catalog maps to now (the other languages keep theirs).
 */
export function inspectCase(c: ClearingCase, fixture: SyncFixture) {
  const { sims, config } = fixture;
  const now = slotsOf(sims.occtoo.entity(c.source, c.key));
  const expected = slotsOf(expectedOcctooState(sims.catalog, config)[c.source].get(c.key));
  return {
    stillThere: c.gone.filter((s) => now.has(s)),
    notKept: c.kept.filter((s) => !expected.has(s) || now.get(s) !== expected.get(s)),
  };
}

/**
 * A fixture for the clearing cases: simulators with a catalog that has every case, the service
 * (worker and gateway, webhooks configured), the prepare publish, and a first full sync. It checks
 * that every slot to clear is really in Occtoo first, so no case passes by having nothing to clear.
 */
export async function startClearingFixture(
  env: TestWorkflowEnvironment,
  workflowBundle: WorkflowBundle,
  name: string,
): Promise<{ fixture: SyncFixture; plan: ClearingPlan }> {
  const secret = `${name}-webhook-secret`;
  const fixture = await startSyncFixture(env, workflowBundle, {
    name,
    roles: 'all',
    sims: { catalog: { products: 40, seed: 17 } },
    config: { ...CLEARING_CONFIG, WEBHOOK_SECRET: secret },
  });
  try {
    const { sims } = fixture;
    sims.bluestone.webhooks.configure({ url: fixture.gateway!.webhookUrl, secret, secretMode: 'header' });
    const plan = planClearing(sims.catalog);
    sims.bluestone.publish(plan.prepare);
    await runFullSync(env, fixture, 'first');
    const absent = [...plan.cases.values()].flatMap((c) => {
      const slots = slotsOf(sims.occtoo.entity(c.source, c.key));
      return c.gone.filter((s) => !slots.has(s)).map((s) => `${c.name}: ${s}`);
    });
    if (absent.length) throw new Error(`Occtoo lacks values the cases would clear: ${absent.join(', ')}`);
    const before = differences(fixture, plan);
    if (before.length)
      throw new Error(`Occtoo differs from the catalog after the first full sync:\n${before.join('\n')}`);
    return { fixture, plan };
  } catch (err) {
    await fixture.close();
    throw err;
  }
}

export function runFullSync(env: TestWorkflowEnvironment, fixture: SyncFixture, name: string, force = false) {
  const { taskQueue } = fixture.config.temporal;
  return env.client.workflow.execute(fullSync, {
    taskQueue,
    workflowId: `${taskQueue}/${name}-full-sync`,
    args: [{ force }],
  });
}

/** Publishes with its webhooks delivered and waits for every incremental sync it caused to finish. */
export async function publishAndApply(
  env: TestWorkflowEnvironment,
  fixture: SyncFixture,
  request: PublishRequest,
) {
  const published = fixture.sims.bluestone.publish({ ...request, deliver: true });
  const deliveries = await published.deliveries;
  if (!deliveries.every((d) => d.outcome === 'delivered')) throw new Error('a webhook was not delivered');
  for (const sync of published.syncs) {
    const handle = env.client.workflow.getHandle(
      incrementalSyncWorkflowId(fixture.config.temporal.taskQueue, sync.id),
    );
    await waitFor(`incremental sync ${sync.id} to start`, () => handle.describe().then(() => true));
    await handle.result();
  }
  return published;
}

/** Ends the coordinator a test's webhooks started (it runs until told otherwise), then the fixture. */
export async function closeClearingFixture(env: TestWorkflowEnvironment, fixture: SyncFixture | undefined) {
  if (!fixture) return;
  await env.client.workflow
    .getHandle(syncCoordinatorWorkflowId(fixture.config.temporal.taskQueue))
    .terminate()
    .catch(() => undefined);
  await fixture.close();
}

/** Occtoo against the catalog, exactly, apart from the media entities a removal leaves behind (either side). */
export function differences(fixture: SyncFixture, plan: ClearingPlan): string[] {
  const { sims, config } = fixture;
  const expected = expectedOcctooState(sims.catalog, config);
  const withoutOrphans = (media: Map<string, OcctooEntity>) =>
    new Map([...media].filter(([key]) => !plan.orphanedMedia.has(key)));
  return [
    ...compareSource('products', expected.products, sims.occtoo.entities('products')),
    ...compareSource('categories', expected.categories, sims.occtoo.entities('categories')),
    ...compareSource('media', withoutOrphans(expected.media), withoutOrphans(sims.occtoo.entities('media'))),
  ];
}
