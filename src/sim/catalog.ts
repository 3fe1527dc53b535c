import type {
  Attribute,
  AttributeDefinition,
  BundleItem,
  Category,
  ContextInfo,
  MediaAsset,
  MetadataEntry,
  Product,
  ProductRelation,
  RelationDefinition,
} from '../bluestone/types';

/**
 * A deterministic, generated Bluestone catalog: what PAPI would serve per context, after a
 * papi-sync. Ids, numbers and types are the same in every context; names, descriptions and
 * localized attribute values differ. With `hostile` (the default) it also carries the data
 * that breaks naive consumers (bluestone-papi.md §8), listed in `catalog.hostile`.
 */

export interface CatalogOptions {
  seed?: number;
  /** Number of products, variants and bundles included. */
  products?: number;
  /** Catalogs: the root categories. */
  catalogs?: number;
  /** Category levels below each catalog. */
  categoryDepth?: number;
  categoriesPerLevel?: number;
  /** The first context is the default one (PAPI's `en`). */
  contexts?: ContextInfo[];
  mediaPerProduct?: number;
  hostile?: boolean;
  /** Media URLs start with it; the simulator rebases them onto itself. */
  mediaBaseUrl?: string;
  /** The clock that createDate/lastUpdate are derived from (epoch ms). */
  now?: number;
}

export const DEFAULT_CONTEXTS: ContextInfo[] = [
  { context: 'en', contextName: 'English' },
  { context: 'l3471', contextName: 'Swedish' },
  { context: 'l3472', contextName: 'German' },
];

/** Every kind of hostile data the generator plants. */
export const HOSTILE_KINDS = [
  'product-number-with-space',
  'product-number-with-dot',
  'product-number-with-slash',
  'product-number-non-ascii',
  'product-without-number',
  'product-without-description',
  'product-with-omitted-arrays',
  'product-with-unknown-fields',
  'product-with-long-description',
  'attribute-number-non-ascii',
  'attribute-number-nordic',
  'attribute-number-builtin-name',
  'attribute-numbers-differ-by-rejected-char',
  'attribute-number-with-space',
  'attribute-without-number',
  'attribute-unknown-data-type',
  'attribute-value-not-a-string',
  'attribute-empty-in-other-contexts',
  'media-without-file-name',
  'relation-number-with-space',
  'category-without-number',
  'category-with-unknown-fields',
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

export interface HostileCase {
  kind: HostileKind;
  entity: 'product' | 'attribute' | 'category' | 'media' | 'relation';
  /** The entity's id (for attributes: the definition id). */
  id: string;
  /** For product-level cases about an attribute or medium: the product carrying it. */
  productId?: string;
  detail: string;
}

/** Products and categories may carry fields our types do not know (PAPI adds fields). */
export type SimProduct = Product & { [extra: string]: unknown };
export type SimCategory = Category & { [extra: string]: unknown };
/** `/attributes` items: GroupedAttributeDefinition, with the column/matrix layout. */
export type SimAttributeDefinition = AttributeDefinition & {
  columns?: { valueId: string; value?: string }[];
  rows?: { valueId: string; value?: string }[];
  [extra: string]: unknown;
};

/**
 * Custom edits for a publish; a name left out gets a generated one, and without `attributes` a
 * text attribute gets a generated value. The list fields give the value after the edit, so `[]`
 * removes the last label, category, relation, medium, metadata entry or bundle item.
 */
export interface ProductEdit {
  id: string;
  name?: string;
  /** `null` or `''` removes the description (PAPI then omits it). */
  description?: string | null;
  /** Attribute number (or id) → new values; `[]` empties the values, `null` removes the attribute. */
  attributes?: Record<string, string[] | null>;
  /** The product's labels after the edit (replacing the old ones). */
  labels?: string[];
  /** Category ids after the edit. */
  categories?: string[];
  relations?: ProductRelation[];
  /** Ids of the media assets kept. */
  media?: string[];
  metadata?: MetadataEntry[];
  bundles?: BundleItem[];
  /** Attribute numbers (or ids) whose unit is dropped. */
  dropUnits?: string[];
  /** Detaches a VARIANT from its GROUP: no `variantParentId`, and the group no longer lists it. */
  detachVariant?: boolean;
  /** Only these contexts get the edit (e.g. a value emptied in Swedish only); default: all published. */
  contexts?: string[];
  /** A new product number (the same in every context, as in Bluestone); `''` removes it. */
  number?: string;
}

/** Custom edits of a category; `name` left out gets a generated one. */
export interface CategoryEdit {
  id: string;
  name?: string;
  /** `null` or `''` removes the description. */
  description?: string | null;
  /** Attribute number (or id) → new values; `[]` empties the values, `null` removes the attribute. */
  attributes?: Record<string, string[] | null>;
  metaData?: MetadataEntry[];
  contexts?: string[];
}

export interface NewProductSpec {
  name?: string;
  number?: string;
}

export interface NewCategorySpec {
  parentId?: string;
  name?: string;
  number?: string;
}

/** mulberry32: a tiny seeded PRNG, so the same seed always gives the same catalog. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------
// Localization: a small word table, so Swedish and German texts read as translations.

const WORDS: Record<string, Record<string, string>> = {
  Swedish: {
    Shirt: 'Skjorta',
    Jacket: 'Jacka',
    Trousers: 'Byxor',
    Shoe: 'Sko',
    Hat: 'Hatt',
    Bag: 'Väska',
    Red: 'Röd',
    Blue: 'Blå',
    Green: 'Grön',
    Black: 'Svart',
    White: 'Vit',
    Cotton: 'Bomull',
    Wool: 'Ull',
    Leather: 'Läder',
    Linen: 'Linne',
    Small: 'Liten',
    Large: 'Stor',
    Classic: 'Klassisk',
    Soft: 'Mjuk',
    Light: 'Lätt',
    Width: 'Bredd',
    Height: 'Höjd',
    Length: 'Längd',
    Clothing: 'Kläder',
    Shoes: 'Skor',
    Accessories: 'Accessoarer',
    Outdoor: 'Friluftsliv',
    Webshop: 'Webbutik',
    Print: 'Tryck',
    Bundle: 'Paket',
    Variant: 'Variant',
    made: 'gjord',
    of: 'av',
    A: 'En',
    and: 'och',
    Wash: 'Tvätta',
    at: 'i',
    Do: 'Får',
    not: 'inte',
    tumble: 'torktumlas',
    dry: 'torka',
    Similar: 'Liknande',
    products: 'produkter',
    Spare: 'Reserv',
    parts: 'delar',
    Accessory: 'Tillbehör',
    for: 'för',
  },
  German: {
    Shirt: 'Hemd',
    Jacket: 'Jacke',
    Trousers: 'Hose',
    Shoe: 'Schuh',
    Hat: 'Hut',
    Bag: 'Tasche',
    Red: 'Rot',
    Blue: 'Blau',
    Green: 'Grün',
    Black: 'Schwarz',
    White: 'Weiß',
    Cotton: 'Baumwolle',
    Wool: 'Wolle',
    Leather: 'Leder',
    Linen: 'Leinen',
    Small: 'Klein',
    Large: 'Groß',
    Classic: 'Klassisch',
    Soft: 'Weich',
    Light: 'Leicht',
    Width: 'Breite',
    Height: 'Höhe',
    Length: 'Länge',
    Clothing: 'Kleidung',
    Shoes: 'Schuhe',
    Accessories: 'Zubehör',
    Outdoor: 'Draußen',
    Webshop: 'Onlineshop',
    Print: 'Druck',
    Bundle: 'Paket',
    made: 'gemacht',
    of: 'aus',
    A: 'Ein',
    and: 'und',
    Wash: 'Waschen',
    at: 'bei',
    Do: 'Nicht',
    not: 'nicht',
    tumble: 'trocknen',
    dry: 'trocken',
    Similar: 'Ähnliche',
    products: 'Produkte',
    Spare: 'Ersatz',
    parts: 'teile',
    Accessory: 'Zubehör',
    for: 'für',
  },
};

/** Translates word by word; a text the table cannot change gets a context suffix, so it still differs. */
export function localize(text: string, ctx: ContextInfo, isDefault: boolean): string {
  if (isDefault) return text;
  const table = WORDS[ctx.contextName ?? ''] ?? {};
  const out = text.replace(/\p{L}+/gu, (w) => table[w] ?? w);
  return out === text ? `${text} [${ctx.contextName ?? ctx.context}]` : out;
}

// ---------------------------------------------------------------------------------------
// Attribute definitions.

interface AttrSpec {
  def: SimAttributeDefinition;
  /** Values in the default context; localized per context when `localized`. */
  localized: boolean;
  hostile?: HostileKind;
}

const NOUNS = ['Shirt', 'Jacket', 'Trousers', 'Shoe', 'Hat', 'Bag'];
const ADJECTIVES = ['Classic', 'Soft', 'Light', 'Small', 'Large'];
const COLOURS: [string, string, string][] = [
  ['red', 'Red', '#ff0000'],
  ['blue', 'Blue', '#0000ff'],
  ['green', 'Green', '#00ff00'],
  ['black', 'Black', '#000000'],
  ['white', 'White', '#ffffff'],
];
const SIZES = ['XS', 'S', 'M', 'L', 'XL'];
const MATERIALS: [string, string][] = [
  ['cotton', 'Cotton'],
  ['wool', 'Wool'],
  ['leather', 'Leather'],
  ['linen', 'Linen'],
];
const LABELS = ['new', 'sale', 'eco', 'bestseller'];
const CATEGORY_WORDS = ['Clothing', 'Shoes', 'Accessories', 'Outdoor'];
const CATALOG_NAMES = ['Webshop', 'Print', 'Outlet', 'B2B'];

const pad = (n: number, width = 6) => String(n).padStart(width, '0');

/** The in-memory model, one view per context. */
export class Catalog {
  readonly contexts: ContextInfo[];
  readonly hostile: HostileCase[] = [];
  /** Media base URL currently in the downloadUri/previewUri of every asset. */
  mediaBaseUrl: string;

  private readonly rng: () => number;
  private readonly now: number;
  private readonly mediaPerProduct: number;
  private readonly hostileOn: boolean;
  private readonly attrSpecs: AttrSpec[] = [];
  private readonly relationDefs: RelationDefinition[] = [];
  private readonly products = new Map<string, Map<string, SimProduct>>();
  private readonly categories = new Map<string, Map<string, SimCategory>>();
  private readonly media = new Map<string, { contentType: string }>();
  private seq = 0;
  private categorySeq = 0;
  private revision = 0;

  constructor(options: CatalogOptions = {}) {
    this.contexts = (options.contexts ?? DEFAULT_CONTEXTS).map((c) => ({ ...c }));
    if (this.contexts.length === 0)
      throw new Error('generateCatalog: contexts must list at least one context');
    this.rng = mulberry32(options.seed ?? 1);
    this.now = options.now ?? 1_735_689_600_000;
    this.mediaPerProduct = options.mediaPerProduct ?? 2;
    this.hostileOn = options.hostile ?? true;
    this.mediaBaseUrl = (options.mediaBaseUrl ?? 'https://media.invalid/sim').replace(/\/+$/, '');
    for (const c of this.contexts) {
      this.products.set(c.context, new Map());
      this.categories.set(c.context, new Map());
    }
    this.defineAttributes();
    this.defineRelations();
    const leaves = this.generateCategories(
      options.catalogs ?? 2,
      options.categoryDepth ?? 2,
      options.categoriesPerLevel ?? 3,
    );
    this.generateProducts(options.products ?? 20, leaves);
  }

  // ----- reads ---------------------------------------------------------------------------

  hasContext(context: string): boolean {
    return this.products.has(context);
  }

  isDefaultContext(context: string): boolean {
    return this.contexts[0].context === context;
  }

  /** Every product in a context, in catalog order (the cursor order). */
  productsIn(context: string): SimProduct[] {
    return [...this.view(this.products, context).values()];
  }

  product(id: string, context: string): SimProduct | undefined {
    return this.view(this.products, context).get(id);
  }

  productIds(context = this.contexts[0].context): string[] {
    return [...this.view(this.products, context).keys()];
  }

  /** Flat list, parents before children, without `subCategories`. */
  categoriesIn(context: string): SimCategory[] {
    return [...this.view(this.categories, context).values()];
  }

  category(id: string, context: string): SimCategory | undefined {
    return this.view(this.categories, context).get(id);
  }

  rootCategories(context: string): SimCategory[] {
    return this.categoriesIn(context).filter((c) => c.parentId === undefined);
  }

  childCategories(id: string, context: string): SimCategory[] {
    return this.categoriesIn(context)
      .filter((c) => c.parentId === id)
      .sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  }

  /** The category and all its descendants, depth first. */
  subtree(id: string, context: string): SimCategory[] {
    const root = this.category(id, context);
    if (!root) return [];
    const out: SimCategory[] = [root];
    for (const child of this.childCategories(id, context)) out.push(...this.subtree(child.id, context));
    return out;
  }

  /** Root first, parent last. */
  ancestors(id: string, context: string): SimCategory[] {
    const out: SimCategory[] = [];
    let current = this.category(id, context);
    while (current?.parentId) {
      current = this.category(current.parentId, context);
      if (current) out.unshift(current);
    }
    return out;
  }

  attributesIn(context: string): SimAttributeDefinition[] {
    const ctx = this.contextInfo(context);
    const isDefault = this.isDefaultContext(context);
    return this.attrSpecs.map((s) => ({
      ...s.def,
      name: s.def.name === undefined ? undefined : localize(s.def.name, ctx, isDefault),
      groupName: s.def.groupName === undefined ? undefined : localize(s.def.groupName, ctx, isDefault),
    }));
  }

  relationsIn(context: string): RelationDefinition[] {
    const ctx = this.contextInfo(context);
    const isDefault = this.isDefaultContext(context);
    return this.relationDefs.map((r) => ({
      ...r,
      name: r.name === undefined ? undefined : localize(r.name, ctx, isDefault),
      reverseName: r.reverseName === undefined ? undefined : localize(r.reverseName, ctx, isDefault),
    }));
  }

  /** The content type of a media asset, or undefined for an unknown id. */
  mediaContentType(id: string): string | undefined {
    return this.media.get(id)?.contentType;
  }

  /** Points every downloadUri/previewUri at `baseUrl` (the simulator's own media route). */
  rebaseMedia(baseUrl: string): void {
    const next = baseUrl.replace(/\/+$/, '');
    const prev = this.mediaBaseUrl;
    if (next === prev) return;
    const fix = (m: MediaAsset) => {
      if (m.downloadUri?.startsWith(prev)) m.downloadUri = next + m.downloadUri.slice(prev.length);
      if (m.previewUri?.startsWith(prev)) m.previewUri = next + m.previewUri.slice(prev.length);
    };
    for (const view of this.products.values()) for (const p of view.values()) p.media.forEach(fix);
    for (const view of this.categories.values()) for (const c of view.values()) c.media.forEach(fix);
    this.mediaBaseUrl = next;
  }

  // ----- mutations (the simulator's publish API) -----------------------------------------

  /**
   * Edits a product in one context; returns false when it is not there (or the edit is for other
   * contexts). Detaching a variant also changes its group: `changedGroup` then names it.
   */
  changeProduct(
    edit: ProductEdit,
    context: string,
    at: number,
    changedGroup?: (id: string) => void,
  ): boolean {
    const p = this.product(edit.id, context);
    if (!p || (edit.contexts && !edit.contexts.includes(context))) return false;
    this.revision++;
    p.name = edit.name ?? `${p.name ?? p.id} (rev ${this.revision})`;
    if (edit.description === null || edit.description === '') delete p.description;
    else if (edit.description !== undefined) p.description = edit.description;
    if (edit.number === '') delete p.number;
    else if (edit.number !== undefined) p.number = edit.number;
    if (edit.labels !== undefined) p.labels = [...edit.labels];
    if (edit.categories !== undefined) p.categories = [...edit.categories];
    if (edit.relations !== undefined) p.relations = structuredClone(edit.relations);
    if (edit.media !== undefined) p.media = p.media.filter((m) => edit.media!.includes(m.id));
    if (edit.metadata !== undefined) p.metadata = structuredClone(edit.metadata);
    if (edit.bundles !== undefined) p.bundles = structuredClone(edit.bundles);
    for (const key of edit.dropUnits ?? []) {
      const attr = p.attributes.find((a) => a.number === key || a.id === key);
      if (!attr) throw new Error(`changeProduct: product "${p.id}" has no attribute "${key}"`);
      delete attr.unit;
    }
    if (edit.detachVariant && p.variantParentId) {
      const group = this.product(p.variantParentId, context);
      delete p.variantParentId;
      if (group) {
        group.variants = group.variants.filter((v) => v !== p.id);
        group.lastUpdate = at;
        changedGroup?.(group.id);
      }
    }
    if (edit.attributes) {
      p.attributes = this.editAttributes(p.attributes, edit.attributes, context);
    } else {
      const text = p.attributes.find((a) => a.dataType === 'text' && !a.isCompound);
      if (text) text.values = [`${text.values[0] ?? ''} (rev ${this.revision})`.trim()];
    }
    p.lastUpdate = at;
    return true;
  }

  /** Applies `number → values | null` to a product's or category's attributes. */
  private editAttributes(
    attributes: Attribute[],
    edits: Record<string, string[] | null>,
    context: string,
  ): Attribute[] {
    let out = attributes;
    for (const [key, values] of Object.entries(edits)) {
      const matches = (a: { number?: string; id: string }) => a.number === key || a.id === key;
      if (values === null) {
        out = out.filter((a) => !matches(a));
        continue;
      }
      const attr = out.find(matches);
      if (attr) {
        attr.values = [...values];
        // Emptied: a select, dictionary, column or matrix value is gone too, as in Bluestone's UI.
        if (values.length === 0) Object.assign(attr, { select: [], dictionary: [], column: [], matrix: [] });
      } else {
        const spec = this.attrSpecs.find((s) => matches(s.def));
        if (!spec) throw new Error(`no attribute with number or id "${key}"`);
        out = [...out, { ...this.attributeShell(spec, context), values: [...values] }];
      }
    }
    return out;
  }

  /** Adds SINGLE products to the given contexts; returns their ids. */
  addProducts(specs: NewProductSpec[], contexts: string[], at: number): string[] {
    const leaves = this.categoriesIn(this.contexts[0].context).filter(
      (c) => this.childCategories(c.id, this.contexts[0].context).length === 0,
    );
    const ids: string[] = [];
    for (const spec of specs) {
      const template = this.buildSingle(
        leaves.map((l) => l.id),
        [],
        at,
      );
      if (spec.name !== undefined) template.name = spec.name;
      if (spec.number !== undefined) template.number = spec.number;
      // Published now: a generated lastUpdate (up to 30 days after creation) would lie in the
      // future, and every later change (lastUpdate = its publish) would look older than it.
      template.lastUpdate = at;
      this.store(template, contexts);
      ids.push(template.id);
    }
    return ids;
  }

  removeProduct(id: string, context: string): boolean {
    return this.view(this.products, context).delete(id);
  }

  changeCategory(edit: string | CategoryEdit, context: string): boolean {
    const e = typeof edit === 'string' ? { id: edit } : edit;
    const c = this.category(e.id, context);
    if (!c || (e.contexts && !e.contexts.includes(context))) return false;
    this.revision++;
    c.name = e.name ?? `${c.name ?? c.id} (rev ${this.revision})`;
    if (e.description === null || e.description === '') delete c.description;
    else if (e.description !== undefined) c.description = e.description;
    if (e.attributes) c.attributes = this.editAttributes(c.attributes, e.attributes, context);
    if (e.metaData !== undefined) c.metaData = structuredClone(e.metaData);
    return true;
  }

  addCategory(spec: NewCategorySpec, contexts: string[]): string {
    const parentId = spec.parentId;
    if (parentId !== undefined && !contexts.every((c) => this.category(parentId, c))) {
      throw new Error(`addCategory: parent category "${parentId}" does not exist in every published context`);
    }
    const siblings = parentId
      ? this.childCategories(parentId, contexts[0])
      : this.rootCategories(contexts[0]);
    const template: SimCategory = {
      id: this.hexId(),
      parentId,
      order: siblings.length,
      name: spec.name ?? `${CATEGORY_WORDS[this.int(CATEGORY_WORDS.length)]} ${++this.categorySeq}`,
      number: spec.number ?? `C-${pad(this.categorySeq, 4)}`,
      media: [],
      attributes: [],
      metaData: [],
      subCategories: [],
    };
    for (const context of contexts)
      this.view(this.categories, context).set(template.id, this.localizeCategory(template, context));
    return template.id;
  }

  /**
   * Removes a category and its descendants from one context, and unlinks the products that
   * pointed at them. Returns the removed category ids and the changed product ids.
   */
  removeCategory(id: string, context: string): { removed: string[]; changedProducts: string[] } {
    const removed = this.subtree(id, context).map((c) => c.id);
    const view = this.view(this.categories, context);
    for (const r of removed) view.delete(r);
    const gone = new Set(removed);
    const changedProducts: string[] = [];
    for (const p of this.productsIn(context)) {
      if (p.categories.some((c) => gone.has(c))) {
        p.categories = p.categories.filter((c) => !gone.has(c));
        changedProducts.push(p.id);
      }
    }
    return { removed, changedProducts };
  }

  // ----- generation ------------------------------------------------------------------------

  private view<T>(map: Map<string, Map<string, T>>, context: string): Map<string, T> {
    const view = map.get(context);
    if (!view)
      throw new Error(
        `Catalog has no context "${context}" (known: ${this.contexts.map((c) => c.context).join(', ')})`,
      );
    return view;
  }

  private contextInfo(context: string): ContextInfo {
    const ctx = this.contexts.find((c) => c.context === context);
    if (!ctx) throw new Error(`Catalog has no context "${context}"`);
    return ctx;
  }

  private int(n: number): number {
    return Math.floor(this.rng() * n);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** 24 hex characters, like Bluestone's Mongo ids. */
  hexId(): string {
    let out = '';
    for (let i = 0; i < 24; i++) out += Math.floor(this.rng() * 16).toString(16);
    return out;
  }

  private addHostile(c: HostileCase): void {
    if (this.hostileOn) this.hostile.push(c);
  }

  private defineAttributes(): void {
    const groups = [
      { groupId: this.hexId(), groupName: 'General', groupNumber: 'general' },
      { groupId: this.hexId(), groupName: 'Logistics', groupNumber: 'logistics' },
      { groupId: this.hexId(), groupName: 'Hostile', groupNumber: 'hostile' },
    ];
    let order = 0;
    const add = (
      number: string | undefined,
      name: string,
      dataType: string,
      group: number,
      localized: boolean,
      extra: Partial<SimAttributeDefinition> = {},
      hostile?: HostileKind,
    ) => {
      const def: SimAttributeDefinition = {
        id: this.hexId(),
        name,
        number,
        dataType,
        ...groups[group],
        order: order,
        sortingOrder: order++,
        groupOrder: group,
        ...extra,
      };
      this.attrSpecs.push({ def, localized, hostile });
    };
    add('title_text', 'Marketing title', 'text', 0, true);
    add('care_instructions', 'Care instructions', 'multiline', 0, true);
    add('long_description', 'Long description', 'formatted_text', 0, true);
    add('html_teaser', 'HTML teaser', 'formatted_text', 0, true);
    add('eco_certified', 'Eco certified', 'boolean', 0, false);
    add('pack_size', 'Pack size', 'integer', 1, false);
    add('weight', 'Weight', 'decimal', 1, false, { unit: 'kg' });
    add('launch_date', 'Launch date', 'date', 1, false);
    add('available_from', 'Available from', 'date_time', 1, false);
    add('pickup_time', 'Pickup time', 'time', 1, false);
    add('ean_code', 'EAN code', 'pattern', 1, false);
    add('color', 'Colour', 'single_select', 0, true);
    add('sizes', 'Sizes', 'multi_select', 0, true);
    add('materials', 'Materials', 'dictionary', 0, true);
    add('dimensions', 'Dimensions', 'column', 1, true, {
      columns: ['Width', 'Height', 'Length'].map((value, i) => ({ valueId: `col${i}`, value })),
    });
    add('size_chart', 'Size chart', 'matrix', 1, true, {
      columns: SIZES.map((value, i) => ({ valueId: `size${i}`, value })),
      rows: ['EU', 'US'].map((value, i) => ({ valueId: `row${i}`, value })),
    });
    add('compound_spec', 'Compound spec', 'text', 1, false, { isCompound: true });
    if (!this.hostileOn) return;
    add('Größe', 'Size (German number)', 'text', 2, false, {}, 'attribute-number-non-ascii');
    add('ÅÄÖ', 'Nordic number', 'integer', 2, false, {}, 'attribute-number-nordic');
    add('Name', 'Name clash', 'text', 2, true, {}, 'attribute-number-builtin-name');
    add('a.b', 'Dotted', 'text', 2, false, {}, 'attribute-numbers-differ-by-rejected-char');
    add('a/b', 'Slashed', 'text', 2, false, {}, 'attribute-numbers-differ-by-rejected-char');
    add('Color Code', 'Colour code', 'text', 2, false, {}, 'attribute-number-with-space');
    add(undefined, 'No number', 'text', 2, false, {}, 'attribute-without-number');
    add('lead_time', 'Lead time', 'duration', 2, false, {}, 'attribute-unknown-data-type');
    add('stock_level', 'Stock level', 'integer', 2, false, {}, 'attribute-value-not-a-string');
    add('seasonal_note', 'Seasonal note', 'text', 2, true, {}, 'attribute-empty-in-other-contexts');
    for (const s of this.attrSpecs) {
      if (s.hostile)
        this.addHostile({
          kind: s.hostile,
          entity: 'attribute',
          id: s.def.id,
          detail: `number ${JSON.stringify(s.def.number)}, dataType ${s.def.dataType}`,
        });
    }
  }

  private defineRelations(): void {
    this.relationDefs.push(
      {
        id: this.hexId(),
        number: 'accessories',
        name: 'Accessories',
        reverseName: 'Accessory for',
        order: 0,
      },
      { id: this.hexId(), number: 'similar', name: 'Similar products', order: 1 },
    );
    if (this.hostileOn) {
      const spare: RelationDefinition = {
        id: this.hexId(),
        number: 'spare parts',
        name: 'Spare parts',
        order: 2,
      };
      this.relationDefs.push(spare);
      this.addHostile({
        kind: 'relation-number-with-space',
        entity: 'relation',
        id: spare.id,
        detail: 'number "spare parts"',
      });
    }
  }

  /** Returns the leaf category ids (where products live). */
  private generateCategories(catalogs: number, depth: number, perLevel: number): string[] {
    const leaves: string[] = [];
    const build = (parentId: string | undefined, level: number, order: number): void => {
      this.categorySeq++;
      const word = level === 0 ? CATALOG_NAMES[order % CATALOG_NAMES.length] : this.pick(CATEGORY_WORDS);
      const c: SimCategory = {
        id: this.hexId(),
        parentId,
        order,
        name: level === 0 ? word : `${word} ${this.categorySeq}`,
        number: `C-${pad(this.categorySeq, 4)}`,
        description: this.rng() < 0.7 ? `${word} for every season` : undefined,
        media: this.rng() < 0.3 ? [this.buildMedia(`category-${this.categorySeq}`, 0, false)] : [],
        attributes: [],
        metaData: this.rng() < 0.5 ? [{ id: 'navKey', value: `nav-${this.categorySeq}` }] : [],
        subCategories: [],
      };
      if (this.hostileOn && this.categorySeq === 2) {
        delete c.number;
        this.addHostile({
          kind: 'category-without-number',
          entity: 'category',
          id: c.id,
          detail: 'no number',
        });
      }
      if (this.hostileOn && this.categorySeq === 3) {
        c.categoryAttributes = [];
        c.futureField = { introducedIn: 'v2' };
        this.addHostile({
          kind: 'category-with-unknown-fields',
          entity: 'category',
          id: c.id,
          detail: 'categoryAttributes, futureField',
        });
      }
      for (const context of this.contexts)
        this.view(this.categories, context.context).set(c.id, this.localizeCategory(c, context.context));
      if (level === depth) leaves.push(c.id);
      else for (let i = 0; i < perLevel; i++) build(c.id, level + 1, i);
    };
    for (let i = 0; i < catalogs; i++) build(undefined, 0, i);
    return leaves;
  }

  private generateProducts(count: number, leaves: string[]): void {
    const made: SimProduct[] = [];
    const singles: SimProduct[] = [];
    const push = (p: SimProduct) => {
      made.push(p);
      if (p.type === 'SINGLE') singles.push(p);
    };
    const createdAt = () => this.now - Math.floor(this.rng() * 365 * 86_400_000);
    // A fixed opening guarantees every product type exists even in small catalogs.
    const opening = count >= 6 ? ['KITCHEN_SINK', 'SINGLE', 'GROUP', 'BUNDLE'] : [];
    let step = 0;
    while (made.length < count) {
      const remaining = count - made.length;
      const r = this.rng();
      const kind =
        opening[step++] ??
        (r < 0.1 && remaining >= 3 ? 'GROUP' : r < 0.2 && singles.length >= 2 ? 'BUNDLE' : 'SINGLE');
      if (kind === 'GROUP' && remaining >= 3) {
        const group = this.buildSingle(leaves, made, createdAt());
        group.type = 'GROUP';
        group.name = `${group.name} family`;
        push(group);
        const variantCount = Math.min(remaining - 1, 2 + this.int(3));
        for (let v = 0; v < variantCount; v++) {
          const variant = this.buildSingle([], made, group.createDate ?? this.now);
          variant.type = 'VARIANT';
          variant.variantParentId = group.id;
          variant.name = `${group.name} ${SIZES[v % SIZES.length]}`;
          group.variants.push(variant.id);
          push(variant);
        }
      } else if (kind === 'BUNDLE' && singles.length >= 2) {
        const bundle = this.buildSingle(leaves, made, createdAt());
        bundle.type = 'BUNDLE';
        bundle.name = `${bundle.name} Bundle`;
        const members = new Set<SimProduct>();
        while (members.size < Math.min(2 + this.int(2), singles.length)) members.add(this.pick(singles));
        bundle.bundles = [...members].map((m) => ({ productId: m.id, quantity: 1 + this.int(4) }));
        push(bundle);
      } else {
        const p = this.buildSingle(leaves, made, createdAt());
        if (kind === 'KITCHEN_SINK') this.makeKitchenSink(p);
        push(p);
      }
    }
    // Singles first (they stay simple), then any other product, so small catalogs get every case.
    const candidates = [...singles, ...made.filter((p) => p.type !== 'SINGLE')].filter((p) => p !== made[0]);
    if (this.hostileOn) this.plantHostileProducts(candidates);
    for (const p of made)
      this.store(
        p,
        this.contexts.map((c) => c.context),
      );
  }

  /** Product 0 carries every attribute and every data type, so one read covers them all. */
  private makeKitchenSink(p: SimProduct): void {
    p.name = `Kitchen sink ${p.name}`;
    p.attributes = this.attrSpecs.map((s) => this.attributeValue(s));
    p.labels = [...LABELS];
    p.metadata = [
      { id: 'erpId', value: `ERP-${p.number}` },
      { id: 'weightGrams', value: 1200 },
    ];
    while (p.media.length < 3) p.media.push(this.buildMedia(p.number ?? p.id, p.media.length, true));
    for (const h of this.hostile) if (h.entity === 'attribute') h.productId = p.id;
  }

  private plantHostileProducts(candidates: SimProduct[]): void {
    const plant = (kind: HostileKind, detail: string, apply: (p: SimProduct) => void) => {
      const p = candidates.shift();
      if (!p) return;
      apply(p);
      this.addHostile({ kind, entity: 'product', id: p.id, productId: p.id, detail });
    };
    plant('product-number-with-space', 'number has a space', (p) => (p.number = `P ${p.number?.slice(2)}`));
    plant('product-number-with-dot', 'number has a dot', (p) => (p.number = `P.${p.number?.slice(2)}`));
    plant('product-number-with-slash', 'number has a slash', (p) => (p.number = `P/${p.number?.slice(2)}`));
    plant(
      'product-number-non-ascii',
      'number has non-ASCII letters',
      (p) => (p.number = `ÅÄÖ-Größe-${p.number?.slice(2)}`),
    );
    plant('product-without-number', 'no number', (p) => delete p.number);
    plant('product-without-description', 'no description', (p) => delete p.description);
    plant(
      'product-with-omitted-arrays',
      'no attributes, media, labels, categories, relations, metadata',
      (p) => {
        for (const key of ['attributes', 'media', 'labels', 'categories', 'relations', 'metadata'] as const)
          p[key] = [];
      },
    );
    plant('product-with-unknown-fields', 'publishInfoRef and futureField', (p) => {
      p.publishInfoRef = { id: this.hexId() };
      p.futureField = { nested: [1, 2, 3], flag: true };
    });
    plant('product-with-long-description', 'description over 20 kB', (p) => {
      p.description = `${p.description ?? ''} ${'A Soft Cotton Shirt made of Wool and Linen. '.repeat(480)}`;
    });
    plant('media-without-file-name', 'a medium without fileName or number', (p) => {
      const m = p.media[0] ?? this.buildMedia(p.number ?? p.id, 0, false);
      delete m.fileName;
      delete m.number;
      p.media[0] = m;
    });
  }

  /** A SINGLE product with random content (in default-context words). */
  private buildSingle(leaves: string[], others: SimProduct[], createDate: number): SimProduct {
    const seq = ++this.seq;
    const noun = this.pick(NOUNS);
    const adjective = this.pick(ADJECTIVES);
    const material = this.pick(MATERIALS)[1];
    const p: SimProduct = {
      id: this.hexId(),
      type: 'SINGLE',
      name: `${adjective} ${noun} ${seq}`,
      number: `P-${pad(seq)}`,
      description: `A ${adjective} ${noun} made of ${material}.`,
      attributes: this.attrSpecs
        .filter((s) => !s.hostile && this.rng() < 0.6)
        .map((s) => this.attributeValue(s)),
      media: [],
      labels: LABELS.filter(() => this.rng() < 0.25),
      categories: leaves.length
        ? [...new Set([this.pick(leaves), ...(this.rng() < 0.3 ? [this.pick(leaves)] : [])])]
        : [],
      relations: [],
      metadata: this.rng() < 0.4 ? [{ id: 'erpId', value: `ERP-${seq}` }] : [],
      bundles: [],
      variants: [],
      lastUpdate: createDate + Math.floor(this.rng() * 30 * 86_400_000),
      createDate,
    };
    if (this.hostileOn) {
      // Sprinkle the hostile attributes over the catalog, not only on the kitchen sink.
      for (const s of this.attrSpecs) {
        if (s.hostile && s.hostile !== 'attribute-empty-in-other-contexts' && this.rng() < 0.2) {
          p.attributes.push(this.attributeValue(s));
        }
      }
    }
    for (let i = 0; i < this.mediaPerProduct; i++)
      p.media.push(this.buildMedia(p.number ?? p.id, i, this.rng() < 0.3));
    if (others.length > 0 && this.rng() < 0.4) p.relations.push(...this.buildRelations(p, others));
    return p;
  }

  private buildRelations(p: SimProduct, others: SimProduct[]): ProductRelation[] {
    const out: ProductRelation[] = [];
    const n = 1 + this.int(2);
    for (let i = 0; i < n; i++) {
      const def = this.pick(this.relationDefs);
      const target = this.pick(others);
      const twoWay = def.number === 'similar';
      out.push({
        id: def.id,
        name: def.name,
        number: def.number,
        productId: target.id,
        direction: twoWay ? 'TWO_WAY' : 'ONE_WAY',
      });
      if (twoWay) {
        target.relations.push({
          id: def.id,
          name: def.name,
          number: def.number,
          productId: p.id,
          reverse: true,
          direction: 'TWO_WAY',
        });
      }
    }
    return out;
  }

  private buildMedia(owner: string, index: number, withAttributes: boolean): MediaAsset {
    const id = this.hexId();
    const png = this.rng() < 0.3;
    const contentType = png ? 'image/png' : 'image/jpeg';
    const fileName = `${owner.replace(/[^A-Za-z0-9_-]/g, '_')}-${index + 1}.${png ? 'png' : 'jpg'}`;
    const downloadUri = `${this.mediaBaseUrl}/${id}/${encodeURIComponent(fileName)}`;
    this.media.set(id, { contentType });
    const created = this.now - Math.floor(this.rng() * 200 * 86_400_000);
    const text = (number: string, name: string, value: string): Attribute => ({
      id: number === 'alt_text' ? 'asset-attr-alt-text' : 'asset-attr-photographer',
      name,
      number,
      dataType: 'text',
      values: [value],
      select: [],
      dictionary: [],
      column: [],
      matrix: [],
    });
    return {
      id,
      number: `M-${pad(this.media.size)}`,
      name: `${this.pick(COLOURS)[1]} ${this.pick(NOUNS)} image ${index + 1}`,
      fileName,
      contentType,
      downloadUri,
      previewUri: `${downloadUri}?f=jpg&w=400`,
      labels: index === 0 ? ['Main'] : [],
      createdAt: created,
      updatedAt: created + Math.floor(this.rng() * 10 * 86_400_000),
      attributes: withAttributes
        ? [
            text('alt_text', 'Alt text', `${this.pick(NOUNS)} on White`),
            text('photographer', 'Photographer', 'Studio 9'),
          ]
        : [],
    };
  }

  private attributeShell(spec: AttrSpec, _context?: string): Attribute {
    const d = spec.def;
    return {
      id: d.id,
      name: d.name,
      number: d.number,
      unit: d.unit,
      groupName: d.groupName,
      groupNumber: d.groupNumber,
      dataType: d.dataType,
      isCompound: d.isCompound,
      values: [],
      select: [],
      dictionary: [],
      column: [],
      matrix: [],
    };
  }

  /** One attribute value in default-context words; the values follow §8.3's formats. */
  private attributeValue(spec: AttrSpec): Attribute {
    const a = this.attributeShell(spec);
    const day = 1 + this.int(28);
    const month = 1 + this.int(12);
    const ymd = `202${this.int(6)}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    switch (spec.def.dataType) {
      case 'text':
        a.values = spec.def.isCompound
          ? [`${this.int(100)} Example text`]
          : [`${this.pick(ADJECTIVES)} ${this.pick(NOUNS)}`];
        break;
      case 'multiline':
        a.values = ['Wash at 40°C\nDo not tumble dry'];
        break;
      case 'formatted_text':
        if (spec.def.number === 'html_teaser') {
          a.contentType = 'text/html';
          a.values = [`<p><b>${this.pick(NOUNS)}</b> made of ${this.pick(MATERIALS)[1]}</p>`];
        } else {
          a.contentType = 'text/markdown';
          a.values = [`**${this.pick(NOUNS)}**\n\n- Soft\n- Light`];
        }
        break;
      case 'boolean':
        a.values = [this.rng() < 0.5 ? 'true' : 'false'];
        break;
      case 'integer':
        a.values = [String(this.int(1000))];
        break;
      case 'decimal':
        a.values = [(this.rng() * 100).toFixed(4)];
        break;
      case 'date':
        a.values = [ymd];
        break;
      case 'date_time':
        a.values = [`${ymd} ${this.int(24)}:${String(this.int(60)).padStart(2, '0')}:00`];
        break;
      case 'time':
        a.values = [`${String(this.int(24)).padStart(2, '0')}:${String(this.int(60)).padStart(2, '0')}:31`];
        break;
      case 'pattern':
        a.values = [`ABC-${100 + this.int(900)}`];
        break;
      case 'single_select': {
        const [number, value, hex] = this.pick(COLOURS);
        a.valueType = 'color';
        a.select = [{ id: `opt-${number}`, number, value, metadata: JSON.stringify({ hex }) }];
        a.values = [value];
        break;
      }
      case 'multi_select': {
        const chosen = SIZES.filter(() => this.rng() < 0.5);
        const sizes = chosen.length ? chosen : [SIZES[2]];
        a.select = sizes.map((s) => ({ id: `opt-size-${s}`, number: s.toLowerCase(), value: s }));
        a.values = [...sizes];
        a.definingAttribute = true;
        break;
      }
      case 'dictionary': {
        const chosen = MATERIALS.filter(() => this.rng() < 0.5);
        a.dictionary = (chosen.length ? chosen : [MATERIALS[0]]).map(([number, value]) => ({
          id: `dict-${number}`,
          number,
          value,
        }));
        break;
      }
      case 'column':
        a.column = ['Width', 'Height', 'Length'].map((name, i) => ({
          id: `col${i}`,
          name,
          value: `${10 + this.int(90)} cm`,
        }));
        break;
      case 'matrix':
        a.matrix = ['EU', 'US'].map((name, r) => ({
          id: `row${r}`,
          name,
          rows: SIZES.slice(0, 3).map((size, i) => ({
            id: `size${i}`,
            name: size,
            value: String((r ? 4 : 34) + 2 * i),
          })),
        }));
        break;
      case 'duration':
        a.values = [`PT${1 + this.int(48)}H`];
        break;
      default:
        a.values = ['?'];
    }
    if (spec.hostile === 'attribute-value-not-a-string') a.values = [this.int(500) as unknown as string];
    return a;
  }

  /** Puts a product template into each context's view, localized. */
  private store(template: SimProduct, contexts: string[]): void {
    for (const context of contexts) {
      this.view(this.products, context).set(template.id, this.localizeProduct(template, context));
    }
  }

  private localizeProduct(p: SimProduct, context: string): SimProduct {
    const ctx = this.contextInfo(context);
    const isDefault = this.isDefaultContext(context);
    const l = (s: string | undefined) => (s === undefined ? undefined : localize(s, ctx, isDefault));
    const copy = structuredClone(p);
    copy.contextId = context;
    copy.name = l(copy.name);
    copy.description = l(copy.description);
    copy.attributes = copy.attributes.map((a) => this.localizeAttribute(a, ctx, isDefault));
    copy.media = copy.media.map((m) => this.localizeMedia(m, ctx, isDefault));
    copy.relations = copy.relations.map((r) => ({ ...r, name: l(r.name) }));
    return copy;
  }

  private localizeCategory(c: SimCategory, context: string): SimCategory {
    const ctx = this.contextInfo(context);
    const isDefault = this.isDefaultContext(context);
    const copy = structuredClone(c);
    copy.name = copy.name === undefined ? undefined : localize(copy.name, ctx, isDefault);
    copy.description =
      copy.description === undefined ? undefined : localize(copy.description, ctx, isDefault);
    copy.media = copy.media.map((m) => this.localizeMedia(m, ctx, isDefault));
    return copy;
  }

  private localizeMedia(m: MediaAsset, ctx: ContextInfo, isDefault: boolean): MediaAsset {
    return {
      ...m,
      name: m.name === undefined ? undefined : localize(m.name, ctx, isDefault),
      attributes: m.attributes.map((a) => this.localizeAttribute(a, ctx, isDefault)),
    };
  }

  private localizeAttribute(a: Attribute, ctx: ContextInfo, isDefault: boolean): Attribute {
    const spec = this.attrSpecs.find((s) => s.def.id === a.id);
    const l = (s: string) => localize(s, ctx, isDefault);
    const out: Attribute = { ...a, name: a.name === undefined ? undefined : l(a.name) };
    if (a.groupName !== undefined) out.groupName = l(a.groupName);
    if (spec?.hostile === 'attribute-empty-in-other-contexts' && !isDefault) {
      out.values = [];
      return out;
    }
    const textual = spec ? spec.localized : a.dataType === 'text';
    if (!textual) return out;
    out.values = a.values.map((v) => (typeof v === 'string' ? l(v) : v));
    out.select = a.select.map((o) => ({ ...o, value: o.value === undefined ? undefined : l(o.value) }));
    out.dictionary = a.dictionary.map((d) => ({
      ...d,
      value: d.value === undefined ? undefined : l(d.value),
    }));
    out.column = a.column.map((c) => ({ ...c, name: c.name === undefined ? undefined : l(c.name) }));
    out.matrix = a.matrix.map((m) => ({ ...m, rows: m.rows.map((r) => ({ ...r })) }));
    return out;
  }
}

/** Builds a catalog; the same options (seed included) always give the same catalog. */
export function generateCatalog(options: CatalogOptions = {}): Catalog {
  return new Catalog(options);
}

/**
 * PAPI's JSON style: empty arrays and undefined fields are omitted (bluestone-papi.md §8).
 * Used by the simulator on every response.
 */
export function toPapiJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => toPapiJson(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[key] = toPapiJson(v);
  }
  return out as T;
}
