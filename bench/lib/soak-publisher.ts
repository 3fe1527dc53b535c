/**
 * The soak's stream of PIM work on the simulated Bluestone: products changed (in every context or
 * a few), values removed, products added, unpublished and archived, categories changed. Each
 * publish records Bluestone's syncs and sends their webhooks to the gateway (src/sim/bluestone-publish.ts,
 * webhook-emitter.ts). Seeded: the same seed gives the same sequence of publishes.
 */
import { mediaAssetsOf, mediaKeyOf } from '../../src/mapping';
import type { ProductEdit } from '../../src/sim/catalog';
import type { PublishRequest } from '../../src/sim/bluestone-publish';
import type { Simulators } from '../../src/sim/main';
import type { DeliveryRecord } from '../../src/sim/webhook-emitter';

export type PublishKind = 'change' | 'remove-values' | 'add' | 'unpublish' | 'archive' | 'category-change';

/** How often each kind is picked (relative weights). */
const WEIGHTS: [PublishKind, number][] = [
  ['change', 40],
  ['remove-values', 10],
  ['add', 15],
  ['unpublish', 10],
  ['archive', 10],
  ['category-change', 15],
];

/** PRODUCT_WATCH_STATE of an unpublish: not an archive state, so the gateway ignores the event. */
export const UNPUBLISHED_STATE = 'UNPUBLISHED';

export interface PublishFigures {
  publishes: number;
  byKind: Record<PublishKind, number>;
  /** Bluestone syncs recorded (one per context of each publish). */
  syncs: number;
  productsChanged: number;
  productsAdded: number;
  productsUnpublished: number;
  productsArchived: number;
  categoriesChanged: number;
}

export class SoakPublisher {
  readonly figures: PublishFigures = {
    publishes: 0,
    byKind: { change: 0, 'remove-values': 0, add: 0, unpublish: 0, archive: 0, 'category-change': 0 },
    syncs: 0,
    productsChanged: 0,
    productsAdded: 0,
    productsUnpublished: 0,
    productsArchived: 0,
    categoriesChanged: 0,
  };
  /**
   * Media entities of unpublished and archived products: with MEDIA_DELETE off their media stay
   * in Occtoo (as in the original provider), so the comparison leaves out exactly these keys.
   */
  readonly keptMedia = new Set<string>();
  private readonly deliveries: Promise<DeliveryRecord[]>[] = [];
  private readonly contexts: string[];

  constructor(
    private readonly sims: Simulators,
    private readonly random: () => number,
    private readonly archiveState: string,
  ) {
    this.contexts = sims.contexts.map((c) => c.context);
  }

  /** One publish of a randomly chosen kind. */
  publishOnce(): PublishKind {
    const kind = this.pickKind();
    const request = this.request(kind);
    if (!request) return kind;
    const outcome = this.sims.bluestone.publish(request);
    const f = this.figures;
    f.publishes++;
    f.byKind[kind]++;
    f.syncs += outcome.syncs.length;
    f.productsChanged += outcome.changed.length;
    f.productsAdded += outcome.added.length;
    if (kind === 'unpublish') f.productsUnpublished += outcome.archived.length;
    if (kind === 'archive') f.productsArchived += outcome.archived.length;
    f.categoriesChanged += outcome.categories.changed.length;
    this.deliveries.push(outcome.deliveries);
    return kind;
  }

  /** Every webhook delivery so far, once final (delivered, or given up after Bluestone's retries). */
  async settledDeliveries(): Promise<DeliveryRecord[]> {
    return (await Promise.all(this.deliveries)).flat();
  }

  private request(kind: PublishKind): PublishRequest | undefined {
    const { catalog } = this.sims;
    switch (kind) {
      case 'change':
      case 'remove-values': {
        const contexts = this.someContexts();
        const ids = this.pick(this.productsIn(contexts), 1 + Math.floor(this.random() * 5));
        if (ids.length === 0) return undefined;
        // Removing values: the description and every label go, and Occtoo must clear them.
        const change: (string | ProductEdit)[] =
          kind === 'change' ? ids : ids.map((id) => ({ id, description: null, labels: [] }));
        return { contexts, change };
      }
      case 'add':
        return { contexts: this.someContexts(), add: 1 + Math.floor(this.random() * 3) };
      case 'unpublish':
      case 'archive': {
        // Out of every context: a product unpublished from one language only stays in Occtoo
        // with that language's values (one Occtoo entity holds every language), by design.
        const [id] = this.pick(this.productsIn(this.contexts), 1);
        if (id === undefined) return undefined;
        for (const c of this.contexts) {
          for (const asset of mediaAssetsOf(catalog.product(id, c)!)) {
            const key = mediaKeyOf(asset);
            if (key) this.keptMedia.add(key);
          }
        }
        return {
          contexts: this.contexts,
          archive: [id],
          archivedState: kind === 'archive' ? this.archiveState : UNPUBLISHED_STATE,
        };
      }
      case 'category-change': {
        const contexts = this.someContexts();
        const ids = catalog
          .categoriesIn(contexts[0])
          .map((c) => c.id)
          .filter((id) => contexts.every((c) => catalog.category(id, c)));
        const [id] = this.pick(ids, 1);
        return id === undefined ? undefined : { contexts, categories: { change: [id] } };
      }
    }
  }

  /** Every context most of the time, otherwise one or two of them. */
  private someContexts(): string[] {
    if (this.contexts.length === 1 || this.random() < 0.6) return this.contexts;
    const shuffled = this.pick(this.contexts, this.contexts.length);
    return shuffled.slice(0, 1 + Math.floor(this.random() * (this.contexts.length - 1)));
  }

  /** Products present in every one of `contexts`. */
  private productsIn(contexts: string[]): string[] {
    const { catalog } = this.sims;
    return catalog
      .productIds(contexts[0])
      .filter((id) => contexts.every((c) => catalog.product(id, c) !== undefined));
  }

  private pickKind(): PublishKind {
    const total = WEIGHTS.reduce((n, [, w]) => n + w, 0);
    let at = this.random() * total;
    for (const [kind, weight] of WEIGHTS) {
      at -= weight;
      if (at < 0) return kind;
    }
    return WEIGHTS[0][0];
  }

  /** `count` distinct items, chosen at random. */
  private pick<T>(items: T[], count: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < count && pool.length > 0) {
      out.push(pool.splice(Math.floor(this.random() * pool.length), 1)[0]);
    }
    return out;
  }
}
