import { randomBytes } from 'node:crypto';
import type {
  DiffEntityType,
  Difference,
  SyncInfo,
  WebhookChange,
  WebhookEnvelope,
} from '../bluestone/types';
import type { Catalog, CategoryEdit, NewCategorySpec, NewProductSpec, ProductEdit } from './catalog';

/**
 * The simulator's "PIM side": changes the catalog the way a PIM user would, then records a
 * papi-sync per affected context (PublishInfo + differences, bluestone-papi.md §8.9, §8.10,
 * §9) and builds the webhook envelopes Bluestone would send (§11.2, §11.3). Not part of PAPI.
 */

export const DIFF_ENTITY_TYPES: DiffEntityType[] = ['products', 'categories', 'attributes', 'relations'];

export interface PublishRequest {
  /** Contexts to publish; default: every context of the catalog. */
  contexts?: string[];
  /** Products to edit: ids (a generated edit) or explicit edits, removals of values included. */
  change?: (string | ProductEdit)[];
  /** Products to add: how many (generated) or their specs. */
  add?: number | NewProductSpec[];
  /** Product ids to archive: they leave PAPI and a PRODUCT_WATCH_STATE event is sent. */
  archive?: string[];
  /**
   * Product ids to unpublish from the publish's contexts (e.g. taken out of its catalog): they
   * leave PAPI there with a DELETE difference, and no event but the sync's.
   */
  unpublish?: string[];
  categories?: {
    /** Ids (a generated edit) or explicit edits, removals of values included. */
    change?: (string | CategoryEdit)[];
    add?: NewCategorySpec[];
    delete?: string[];
  };
  /** `false` records the sync but loses its webhook (as a dropped delivery would). */
  deliver?: boolean;
  /** Put every event of this publish into one envelope instead of one envelope each. */
  combineEvents?: boolean;
  /** `stateChange.newValue` for archived products; default 'ARCHIVED'. */
  archivedState?: string;
}

export interface PublishOutcome {
  syncs: SyncInfo[];
  added: string[];
  changed: string[];
  archived: string[];
  unpublished: string[];
  categories: { added: string[]; changed: string[]; deleted: string[] };
  envelopes: WebhookEnvelope[];
}

export interface RecordedSync {
  info: SyncInfo;
  differences: Record<DiffEntityType, Difference[]>;
}

type DiffSets = Record<DiffEntityType, Map<string, Difference['diffType']>>;

export class SyncLedger {
  private readonly syncs: RecordedSync[] = [];
  private readonly published = new Set<string>();
  private lastCreatedAt = 0;
  private counter = randomBytes(3).readUIntBE(0, 3);

  constructor(
    private readonly catalog: Catalog,
    private readonly clock: () => number = Date.now,
  ) {}

  isPublished(context: string): boolean {
    return this.published.has(context);
  }

  /** Syncs of one context (or all), oldest first. */
  list(context?: string): RecordedSync[] {
    return this.syncs.filter((s) => context === undefined || s.info.contextId === context);
  }

  get(id: string): RecordedSync | undefined {
    return this.syncs.find((s) => s.info.id === id);
  }

  last(context: string): RecordedSync | undefined {
    const list = this.list(context);
    return list[list.length - 1];
  }

  /** The first publish of a context: everything in it is an ADD. */
  recordInitial(context: string): RecordedSync {
    const sets = emptySets();
    for (const p of this.catalog.productsIn(context)) sets.products.set(p.id, 'ADD');
    for (const c of this.catalog.categoriesIn(context)) sets.categories.set(c.id, 'ADD');
    for (const a of this.catalog.attributesIn(context)) sets.attributes.set(a.id, 'ADD');
    for (const r of this.catalog.relationsIn(context)) sets.relations.set(r.id, 'ADD');
    return this.record(context, sets);
  }

  /** Applies the request to the catalog and records one sync per context. */
  publish(req: PublishRequest): PublishOutcome {
    const contexts = req.contexts ?? this.catalog.contexts.map((c) => c.context);
    const unknown = contexts.filter((c) => !this.catalog.hasContext(c));
    if (unknown.length) throw new Error(`publish: unknown context(s) ${unknown.join(', ')}`);
    if (contexts.length === 0) throw new Error('publish: contexts must not be empty');
    const now = this.clock();
    const perContext = new Map<string, DiffSets>(contexts.map((c) => [c, emptySets()]));
    const mark = (context: string, type: DiffEntityType, id: string, diff: Difference['diffType']) => {
      const set = perContext.get(context)?.[type];
      if (!set) return;
      // An entity added in this publish stays an ADD even if it is also changed.
      if (set.get(id) === 'ADD' && diff === 'CHANGE') return;
      set.set(id, diff);
    };
    const outcome: PublishOutcome = {
      syncs: [],
      added: [],
      changed: [],
      archived: [],
      unpublished: [],
      categories: { added: [], changed: [], deleted: [] },
      envelopes: [],
    };

    const addSpecs =
      typeof req.add === 'number' ? Array.from({ length: req.add }, () => ({})) : (req.add ?? []);
    outcome.added = this.catalog.addProducts(addSpecs, contexts, now);
    for (const id of outcome.added) for (const c of contexts) mark(c, 'products', id, 'ADD');

    for (const item of req.change ?? []) {
      const edit = typeof item === 'string' ? { id: item } : item;
      let found = false;
      for (const c of contexts) {
        // A detached variant's group changes too, so its sync lists both.
        const groupChanged = (group: string) => mark(c, 'products', group, 'CHANGE');
        if (this.catalog.changeProduct(edit, c, now, groupChanged)) {
          found = true;
          mark(c, 'products', edit.id, 'CHANGE');
        }
      }
      if (!found)
        throw new Error(`publish: product "${edit.id}" to change is in none of ${contexts.join(', ')}`);
      outcome.changed.push(edit.id);
    }

    for (const id of req.archive ?? []) {
      let found = false;
      for (const c of contexts) {
        if (this.catalog.removeProduct(id, c)) {
          found = true;
          mark(c, 'products', id, 'DELETE');
        }
      }
      if (!found) throw new Error(`publish: product "${id}" to archive is in none of ${contexts.join(', ')}`);
      outcome.archived.push(id);
    }

    for (const id of req.unpublish ?? []) {
      const found = contexts.filter((c) => this.catalog.removeProduct(id, c));
      if (!found.length)
        throw new Error(`publish: product "${id}" to unpublish is in none of ${contexts.join(', ')}`);
      found.forEach((c) => mark(c, 'products', id, 'DELETE'));
      outcome.unpublished.push(id);
    }

    const cats = req.categories ?? {};
    for (const spec of cats.add ?? []) {
      const id = this.catalog.addCategory(spec, contexts);
      outcome.categories.added.push(id);
      for (const c of contexts) mark(c, 'categories', id, 'ADD');
    }
    for (const edit of cats.change ?? []) {
      const id = typeof edit === 'string' ? edit : edit.id;
      const found = contexts.filter((c) => this.catalog.changeCategory(edit, c));
      if (!found.length)
        throw new Error(`publish: category "${id}" to change is in none of ${contexts.join(', ')}`);
      found.forEach((c) => mark(c, 'categories', id, 'CHANGE'));
      outcome.categories.changed.push(id);
    }
    for (const id of cats.delete ?? []) {
      let found = false;
      for (const c of contexts) {
        const { removed, changedProducts } = this.catalog.removeCategory(id, c);
        if (removed.length) found = true;
        removed.forEach((r) => mark(c, 'categories', r, 'DELETE'));
        changedProducts.forEach((p) => mark(c, 'products', p, 'CHANGE'));
      }
      if (!found) throw new Error(`publish: category "${id}" to delete is in none of ${contexts.join(', ')}`);
      outcome.categories.deleted.push(id);
    }

    const events: WebhookChange[] = [];
    if (outcome.archived.length) {
      for (const context of contexts) {
        events.push({
          eventType: 'PRODUCT_WATCH_STATE',
          entityIds: [...outcome.archived],
          stateChange: {
            changeType: 'UPDATE',
            oldValue: 'CONNECTED',
            newValue: req.archivedState ?? 'ARCHIVED',
            context,
          },
        });
      }
    }
    for (const context of contexts) {
      const sync = this.record(context, perContext.get(context) ?? emptySets());
      outcome.syncs.push(sync.info);
      events.push({
        eventType: 'PRODUCT_SYNC_DONE',
        entityIds: [],
        syncDoneData: { field: 'PAPI_SYNC_ID', value: sync.info.id, context },
      });
    }
    const timestamp = this.clock();
    outcome.envelopes = req.combineEvents
      ? [{ timestamp, events: events.map((changes) => ({ changes })) }]
      : events.map((changes) => ({ timestamp, events: [{ changes }] }));
    return outcome;
  }

  private record(context: string, sets: DiffSets): RecordedSync {
    const createdAt = Math.max(this.clock(), this.lastCreatedAt + 1);
    this.lastCreatedAt = createdAt;
    const ctx = this.catalog.contexts.find((c) => c.context === context);
    const info: SyncInfo = {
      id: this.mongoId(createdAt),
      state: 'CLOSED',
      createdAt,
      contextId: context,
      contextName: ctx?.contextName ?? 'default',
    };
    const differences = Object.fromEntries(
      DIFF_ENTITY_TYPES.map((t) => [t, [...sets[t]].map(([id, diffType]) => ({ id, diffType }))]),
    ) as Record<DiffEntityType, Difference[]>;
    const sync = { info, differences };
    this.syncs.push(sync);
    this.published.add(context);
    return sync;
  }

  /** Like a Mongo ObjectId: seconds, 5 random bytes, a counter (24 hex characters). */
  private mongoId(at: number): string {
    this.counter = (this.counter + 1) % 0x1000000;
    return (
      Math.floor(at / 1000)
        .toString(16)
        .padStart(8, '0') +
      randomBytes(5).toString('hex') +
      this.counter.toString(16).padStart(6, '0')
    );
  }
}

function emptySets(): DiffSets {
  return { products: new Map(), categories: new Map(), attributes: new Map(), relations: new Map() };
}
