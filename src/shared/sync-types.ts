/**
 * Contracts between workflows, activities, the gateway and the CLI. Types only (plus tiny pure
 * helpers), so that workflow code can import them without pulling anything into the sandbox.
 * Everything here is small: cursors, ids and counts, never product payloads.
 */

import type { DryRunReport, Reconciliation } from './reconciliation';

export type SyncSource = 'categories' | 'products';

/** One Bluestone context mapped to one Occtoo language. */
export interface ContextPlan {
  context: string;
  language: string;
  isDefault: boolean;
}

/** An entity that could not be sent, and why. Lists of these are capped in workflow state. */
export interface SetAsideEntity {
  source: SyncSource | 'media';
  context?: string;
  id: string;
  reason: string;
}

/** The cap on set-aside entities kept in workflow state and results (the count is exact). */
export const SET_ASIDE_LIST_CAP = 100;

/**
 * One reason entities were set aside for: how many, and a few of them. Lists of these are
 * bounded (src/shared/set-aside.ts), so that a run that sets aside thousands still says why.
 */
export interface SetAsideReason {
  source: SyncSource | 'media';
  reason: string;
  count: number;
  /** A few of the entities: Bluestone ids (Occtoo keys for media). */
  samples: string[];
}

export interface SourceProgress {
  read: number;
  sent: number;
  /** Entities not sent because Occtoo already holds them as mapped now (or newer); absent in older progress. */
  unchanged?: number;
  /** Products a sync filter kept out (SYNC_PRODUCT_TYPES, SYNC_LABELS_EXCLUDE); absent in older progress. */
  filtered?: number;
  setAside: number;
  mediaUploaded: number;
  mediaSent: number;
  /** Pages finished (categories: scan pages; products: cursor pages). */
  pages: number;
  /** Where the next chunk starts: a product cursor, or a category page number. */
  cursor?: string;
  /** How often Bluestone silently restarted a cursor stream (its unknown-cursor quirk). */
  restarts: number;
  /** First product id of the cursor stream: seeing it again mid-stream means a restart. */
  head?: string;
  done: boolean;
}

export interface ContextProgress {
  context: string;
  language: string;
  categories: SourceProgress;
  products: SourceProgress;
}

export interface FullSyncProgress {
  phase: 'planning' | 'categories' | 'products' | 'reconciling' | 'done';
  startedAt: string;
  elapsedSeconds: number;
  contexts: ContextProgress[];
  setAsideCount: number;
  setAside: SetAsideEntity[];
  /** Why entities were set aside, bounded; absent in older progress. */
  setAsideReasons?: SetAsideReason[];
  /** What the run removes (or, dry, would remove) that Bluestone no longer publishes; once the streams finished. */
  reconciliation?: Reconciliation;
  /** Continue-as-new generations so far. */
  runs: number;
}

export interface FullSyncInput {
  /** Default: both. */
  categories?: boolean;
  products?: boolean;
  /** Subset of the configured Bluestone contexts; default: all of them. */
  contexts?: string[];
  /** Re-send every entity, unchanged ones too (Occtoo lost data); vanished values are still cleared. */
  force?: boolean;
  /**
   * Read and compare only: report what a run would send, clear and delete, and touch nothing in
   * Occtoo or in the record (no setup data either).
   */
  dryRun?: boolean;
  /** Lift the PRUNE_MAX_PERCENT guard for this run: reconciliation deletes whatever Bluestone no longer serves. */
  allowMassDelete?: boolean;
  /** Tuning, mostly for tests and benchmarks. */
  options?: FullSyncOptions;
  /** Carried across continue-as-new; never set by callers. */
  state?: FullSyncState;
}

export interface FullSyncOptions {
  /** Pages one chunk activity reads at most before it reports back (default 20). */
  pagesPerChunk?: number;
  /** Continue-as-new once history has this many events (default 2,000), or when Temporal suggests it. */
  maxHistoryEvents?: number;
  /** Heartbeat timeout of chunk activities (default 30 s); a dead worker is noticed after it. */
  heartbeatTimeoutSeconds?: number;
}

export interface FullSyncState {
  plan: ContextPlan[];
  progress: FullSyncProgress;
  /** What the plan step found worth telling (an empty record); absent in older state. */
  notes?: string[];
}

/** What the plan step returns: the contexts, and notes for the result. */
export interface FullSyncPlan {
  plan: ContextPlan[];
  notes: string[];
}

export interface FullSyncResult {
  status: 'completed';
  /**
   * What this run covered: a refresh skips syncs that a full sync of everything read after. A dry
   * run covers nothing (no source, no context).
   */
  scope: { categories: boolean; products: boolean; contexts: string[] };
  progress: FullSyncProgress;
  /** Things the operator should know, e.g. that the record was empty, so nothing could be cleared. */
  notes?: string[];
  /** A dry run's report (then `scope` is empty: it covered nothing in Occtoo). */
  dryRun?: DryRunReport;
}

/** What a page, or a chunk of pages, did. */
export interface SyncCounts {
  read: number;
  sent: number;
  /** Not sent: Occtoo already holds the entity as mapped now, or a newer version of it. */
  unchanged: number;
  /** Entities deleted from Occtoo (incremental syncs; SYNC_LABELS_EXCLUDE in every sync). */
  deleted: number;
  /** Products a sync filter kept out: an excluded type, or an excluded label (then also deleted). */
  filtered: number;
  mediaUploaded: number;
  mediaSent: number;
}

/** What a chunk activity reports: where it stopped and what it did. */
export interface ChunkResult extends SyncCounts {
  /** Next cursor (products) or page number (categories); undefined when the stream is finished. */
  nextCursor?: string;
  done: boolean;
  /** First product id of the cursor stream (products only). */
  head?: string;
  pages: number;
  restarts: number;
  setAsideCount: number;
  setAside: SetAsideEntity[];
  /** Why entities were set aside, bounded; absent from workers older than this field. */
  setAsideReasons?: SetAsideReason[];
}

/** Heartbeat details of a chunk activity: enough to resume after a crash. */
export interface ChunkCheckpoint extends ChunkResult {
  /** The cursor after the last fully pushed page. */
  cursor?: string;
}

export function emptySourceProgress(cursor?: string): SourceProgress {
  return {
    read: 0,
    sent: 0,
    unchanged: 0,
    filtered: 0,
    setAside: 0,
    mediaUploaded: 0,
    mediaSent: 0,
    pages: 0,
    restarts: 0,
    done: false,
    cursor,
  };
}

export function emptyCounts(read = 0): SyncCounts {
  return { read, sent: 0, unchanged: 0, deleted: 0, filtered: 0, mediaUploaded: 0, mediaSent: 0 };
}

export function emptyChunkResult(): ChunkResult {
  return {
    ...emptyCounts(),
    done: false,
    pages: 0,
    restarts: 0,
    setAsideCount: 0,
    setAside: [],
  };
}

/**
 * Workflow ids of full syncs, one per scope, so that overlapping starts are refused. Ids are
 * prefixed with the task queue so that several deployments can share one namespace.
 */
export function fullSyncWorkflowId(
  taskQueue: string,
  input: Pick<FullSyncInput, 'categories' | 'products'>,
): string {
  const categories = input.categories ?? true;
  const products = input.products ?? true;
  const scope =
    categories && products ? 'full-sync' : categories ? 'full-sync-categories' : 'full-sync-products';
  return `${taskQueue}/${scope}`;
}

// ---- Incremental sync, its coordinator, and archive deletion

/** A `PRODUCT_SYNC_DONE` webhook: sync `syncId` reached the Public API for `context`. */
export interface SyncDoneNotice {
  syncId: string;
  context: string;
  /** Where it came from: `webhook` or `refresh` (the lookback job). */
  via: 'webhook' | 'refresh';
}

export interface IncrementalSyncInput {
  syncId: string;
  context: string;
  /** Resolved by the coordinator: why this sync cannot be applied (an unconfigured context); it is skipped. */
  problem?: string;
  /**
   * Resolved by the coordinator: its lookup failed (Bluestone refused or does not know the id). The
   * run fails with it, so that a redelivered webhook or the refresh tries the sync again.
   */
  failure?: SyncLookupFailure;
  pass?: ContextPlan;
  options?: Pick<FullSyncOptions, 'pagesPerChunk' | 'heartbeatTimeoutSeconds'>;
}

export interface SourceTotals {
  read: number;
  sent: number;
  /** Not sent: Occtoo already holds them; absent in results from before the record existed. */
  unchanged?: number;
  deleted: number;
  /** Products a sync filter kept out; absent in results from before filters existed. */
  filtered?: number;
  setAside: number;
  mediaUploaded: number;
  pages: number;
}

export interface IncrementalSyncResult {
  status: 'applied' | 'skipped';
  syncId: string;
  context: string;
  /** Set when skipped: what was wrong and what to do. */
  reason?: string;
  categories: SourceTotals;
  products: SourceTotals;
  setAside: SetAsideEntity[];
  /** Why entities were set aside, bounded; absent in older results. */
  setAsideReasons?: SetAsideReason[];
}

/** What the coordinator learned about a sync before ordering it. */
export interface SyncLookup {
  syncId: string;
  context: string;
  /** Bluestone's creation time (epoch ms); syncs are applied in this order. */
  createdAt?: number;
  pass?: ContextPlan;
  /** Why the sync is skipped (an unconfigured context): applying it again would change nothing. */
  problem?: string;
  /** Why the lookup failed for good (not an outage): the sync fails, and may be applied again later. */
  failure?: SyncLookupFailure;
}

/** A lookup that no retry can fix: a failure type (src/shared/failures.ts) and what to do. */
export interface SyncLookupFailure {
  type: string;
  message: string;
}

/**
 * The shapes of Bluestone's ids (sync and product ids: 24 hex digits, MongoDB ObjectIds —
 * bluestone-papi.md §8.9, §11.2; any id of up to 64 URL-safe characters is taken, a UUID fits) and
 * contexts (`en`, `l3471`, §3). Ids go into PAPI paths, workflow ids and search attributes: no `.`,
 * since `..` would change a PAPI path. The gateway refuses other notices (400); the coordinator
 * fails a signal that slipped through at once, without a lookup or a child run.
 */
export const BLUESTONE_ID_RULE = {
  pattern: /^[A-Za-z0-9_-]{1,64}$/,
  description: "1 to 64 letters, digits, '_' or '-', such as 656f3ef6e2f4d70012a166ba",
};
export const BLUESTONE_CONTEXT_RULE = {
  pattern: /^[A-Za-z0-9_.-]{1,64}$/,
  description: "1 to 64 letters, digits, '.', '_' or '-', such as \"en\" or \"l3600\"",
};

/** Why a notice cannot name a Bluestone sync, or undefined when its sync id and context look right. */
export function noticeProblem(notice: Pick<SyncDoneNotice, 'syncId' | 'context'>): string | undefined {
  // A signal sent by hand may carry anything.
  const { syncId, context } = (typeof notice === 'object' && notice !== null ? notice : {}) as {
    syncId?: unknown;
    context?: unknown;
  };
  if (typeof syncId !== 'string' || !BLUESTONE_ID_RULE.pattern.test(syncId)) {
    return `${shownValue(syncId)} is not a Bluestone sync id (${BLUESTONE_ID_RULE.description}); the notice was not applied`;
  }
  if (typeof context !== 'string' || !BLUESTONE_CONTEXT_RULE.pattern.test(context)) {
    return `${shownValue(context)} is not a Bluestone context (${BLUESTONE_CONTEXT_RULE.description}); sync ${syncId} was not applied`;
  }
  return undefined;
}

/** A value as a message may show it: JSON (lone surrogates escaped), at most 40 characters of it. */
export function shownValue(value: unknown): string {
  if (typeof value !== 'string') return value == null ? 'a missing value' : `a ${typeof value}`;
  return value.length > 40
    ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)`
    : JSON.stringify(value);
}

export interface ArchiveProductsInput {
  productIds: string[];
  /** The new state that made them archived, e.g. `ARCHIVED`. */
  state: string;
  context?: string;
  /**
   * When Bluestone sent the notice (the webhook envelope's `timestamp`, epoch ms): a product
   * Bluestone serves with a later `lastUpdate` was published again after it, and stays. Absent in
   * archives started before the coordinator applied them: then every product is deleted.
   */
  noticeTime?: number;
}

/**
 * An archive notice as the gateway hands it to the coordinator (archiveNoticeSignal), which
 * applies it in time order with the syncs as a child `archiveProducts` run.
 */
export interface ArchiveNotice {
  /** The archive run's id, derived from the delivery (archiveWorkflowId): a redelivery is a duplicate. */
  workflowId: string;
  productIds: string[];
  state: string;
  context?: string;
  /** The webhook envelope's `timestamp` (epoch ms): its place among the syncs, and the late-notice rule. */
  timestamp: number;
}

/** Why a signalled archive notice cannot be applied (one sent by hand may hold anything), or undefined. */
export function archiveNoticeProblem(notice: unknown): string | undefined {
  const n = (typeof notice === 'object' && notice !== null ? notice : {}) as Partial<
    Record<keyof ArchiveNotice, unknown>
  >;
  if (typeof n.workflowId !== 'string' || n.workflowId === '')
    return `${shownValue(n.workflowId)} is not an archive run id; the archive notice was not applied`;
  if (typeof n.state !== 'string' || n.state === '')
    return `${shownValue(n.state)} is not a product state; archive notice ${n.workflowId} was not applied`;
  if (typeof n.timestamp !== 'number' || !Number.isFinite(n.timestamp))
    return `the notice time must be epoch milliseconds; archive notice ${n.workflowId} was not applied`;
  if (
    n.context !== undefined &&
    (typeof n.context !== 'string' || !BLUESTONE_CONTEXT_RULE.pattern.test(n.context))
  )
    return `${shownValue(n.context)} is not a Bluestone context (${BLUESTONE_CONTEXT_RULE.description}); archive notice ${n.workflowId} was not applied`;
  const ids = n.productIds;
  if (!Array.isArray(ids) || ids.length === 0)
    return `an archive notice names the products, a non-empty list; archive notice ${n.workflowId} was not applied`;
  const wrong = ids.find((id) => typeof id !== 'string' || !BLUESTONE_ID_RULE.pattern.test(id));
  if (wrong !== undefined)
    return `${shownValue(wrong)} is not a Bluestone product id (${BLUESTONE_ID_RULE.description}); archive notice ${n.workflowId} was not applied`;
  return undefined;
}

export interface ArchiveProductsResult {
  status: 'completed';
  /** Occtoo keys deleted from the products source. */
  deleted: string[];
  mediaDeleted: string[];
  /** Products that could not be deleted, and why. */
  notDeleted: { productId: string; reason: string }[];
  /**
   * Products not deleted because Bluestone published them again after the notice (a `lastUpdate`
   * later than its time), and why; absent in older results.
   */
  kept?: { productId: string; reason: string }[];
  /** MEDIA_DELETE: media keys of the deleted products that another entity still shows, so kept. */
  mediaKept?: string[];
}

// ---- Resync: chosen products read again and sent (issue #13)

/** At most this many products per resync: the result lists them, and workflows carry no payloads. */
export const RESYNC_MAX_PRODUCTS = 1000;

export interface ResyncInput {
  /** Bluestone product ids (BLUESTONE_ID_RULE), at most RESYNC_MAX_PRODUCTS. */
  productIds: string[];
  /** Some of the configured Bluestone contexts; default: all of them. */
  contexts?: string[];
}

/** What a resync did in one context. */
export interface ResyncPass {
  context: string;
  language: string;
  /** Bluestone ids sent (every one served, re-sent even when unchanged), set-aside ones excepted. */
  sent: string[];
  /** Kept out by a sync filter (SYNC_PRODUCT_TYPES, SYNC_LABELS_EXCLUDE; the latter deleted). */
  filtered: string[];
  /** Not served in this context, and deleted from Occtoo (default context). */
  deleted: string[];
  /** Not served in this additional context, and this language's values cleared. */
  cleared: string[];
  /** Not served, and nothing of it recorded in this language: nothing to remove. */
  notServed: string[];
}

export interface ResyncResult {
  status: 'completed';
  productIds: string[];
  passes: ResyncPass[];
  /** Products (or their media) not sent, deleted or cleared, and why (capped: SET_ASIDE_LIST_CAP). */
  setAside: SetAsideEntity[];
  /** How many were set aside (exact). */
  setAsideCount?: number;
}

/** Why a resync request is wrong, or undefined when its ids and contexts look right. */
export function resyncInputProblem(input: unknown): string | undefined {
  const { productIds, contexts } = (typeof input === 'object' && input !== null ? input : {}) as {
    productIds?: unknown;
    contexts?: unknown;
  };
  if (!Array.isArray(productIds) || productIds.length === 0)
    return 'productIds must be a list of one or more Bluestone product ids';
  if (productIds.length > RESYNC_MAX_PRODUCTS)
    return `productIds lists ${productIds.length} products; a resync takes at most ${RESYNC_MAX_PRODUCTS} (run a full sync for more)`;
  const wrong = productIds.filter((id) => typeof id !== 'string' || !BLUESTONE_ID_RULE.pattern.test(id));
  if (wrong.length > 0)
    return `${wrong.slice(0, 3).map(shownValue).join(', ')}${wrong.length > 3 ? ` and ${wrong.length - 3} more` : ''} ${wrong.length === 1 ? 'is not a Bluestone product id' : 'are not Bluestone product ids'} (${BLUESTONE_ID_RULE.description})`;
  if (contexts !== undefined) {
    if (!Array.isArray(contexts) || contexts.length === 0)
      return 'contexts, when given, must be a list of one or more configured Bluestone contexts';
    const bad = contexts.filter((c) => typeof c !== 'string' || !BLUESTONE_CONTEXT_RULE.pattern.test(c));
    if (bad.length > 0)
      return `${bad.slice(0, 3).map(shownValue).join(', ')} ${bad.length === 1 ? 'is not a Bluestone context' : 'are not Bluestone contexts'} (${BLUESTONE_CONTEXT_RULE.description})`;
  }
  return undefined;
}

export function syncCoordinatorWorkflowId(taskQueue: string): string {
  return `${taskQueue}/sync-coordinator`;
}

/** One incremental sync per Bluestone sync id: redeliveries and racing gateways find the same run. */
export function incrementalSyncWorkflowId(taskQueue: string, syncId: string): string {
  return `${taskQueue}/incremental-${syncId}`;
}

export function emptySourceTotals(): SourceTotals {
  return { read: 0, sent: 0, unchanged: 0, deleted: 0, filtered: 0, setAside: 0, mediaUploaded: 0, pages: 0 };
}

/** What the coordinator holds: syncs waiting, the one being applied, and recent outcomes. */
export interface CoordinatorState {
  /** Syncs looked up and waiting, oldest first. */
  pending: { syncId: string; context: string; createdAt?: number }[];
  /** Notices received but not looked up yet (they join `pending` then); absent in older state. */
  toLookUp?: number;
  /** Archive notices waiting for their turn, oldest first (query only). */
  pendingArchives?: { workflowId: string; products: number; state: string; timestamp: number }[];
  /** Archive notices applied; absent until the first one. */
  archived?: number;
  applying?: string;
  applied: number;
  skipped: number;
  failed: number;
  duplicates: number;
  recent: {
    /** The sync id; for an archive notice, its archive run's id. */
    syncId: string;
    context: string;
    outcome: 'applied' | 'skipped' | 'failed' | 'duplicate';
    detail?: string;
    /** Set for an archive notice. */
    kind?: 'archive';
  }[];
}

export interface SyncCoordinatorInput {
  /** Carried across continue-as-new. */
  state?: CoordinatorState;
  /** Notices not looked up yet. */
  incoming?: SyncDoneNotice[];
  /** Syncs looked up, oldest first: ids, context, creation time and plan (a reason when failed or skipped). */
  waiting?: SyncLookup[];
  /** Sync ids recently applied or skipped (capped): a redelivery of one is a duplicate. */
  completed?: string[];
  /** Archive notices waiting, oldest first (by their timestamp); absent when none. */
  archives?: ArchiveNotice[];
  /** Older runs' list of every sync id seen (failed ones too); no longer read. */
  seen?: string[];
  /** Continue as new after this many history events (default 2,000). */
  maxHistoryEvents?: number;
}

// ---- The lookback refresh, setup data and the health check

export interface RefreshSyncsInput {
  /** Lookback window; default LOOKBACK_DAYS, resolved by the starter (schedule, CLI). */
  days?: number;
  contexts?: string[];
}

export interface RefreshSyncsResult {
  found: { syncId: string; context: string; createdAt: number }[];
  applied: string[];
  /** Already applied (by its webhook or an earlier refresh), or not applicable, with why. */
  skipped: { syncId: string; reason: string }[];
  failed: { syncId: string; reason: string }[];
}

/** What setupSync returns. */
export interface SetupResult {
  /** Every context Bluestone has, and which of them this deployment syncs. */
  contexts: { context: string; contextName?: string; configured: boolean }[];
  attributes: number;
  relations: number;
  /** Entities pushed to OCCTOO_SETUP_SOURCE (0 when it is not set). */
  pushed: number;
  setupSource?: string;
}

/** Which worker answered the health-check workflow, and when. */
export interface HealthCheckResult {
  worker: string;
  taskQueue: string;
  checkedAt: string;
}

// ---- Adding up what pages and chunks did

const COUNT_NAMES = [
  'read',
  'sent',
  'unchanged',
  'deleted',
  'filtered',
  'mediaUploaded',
  'mediaSent',
  'pages',
  'restarts',
] as const;
type CountName = (typeof COUNT_NAMES)[number];
type Counts = Partial<Record<CountName, number>>;
const ALWAYS_KEPT = new Set<CountName>(['filtered', 'unchanged']);

/**
 * Adds a page's or a chunk's counts to a running total, in place. A total keeps only the counts
 * it reports (a full sync's progress has no `deleted`, an incremental sync's totals no
 * `mediaSent`), so only those are added; `filtered` and `unchanged` are always kept, because
 * totals carried over from before filters (or the record) existed lack them. Set-aside entities
 * are added with `addSetAside`.
 */
export function addCounts(total: Counts, added: Counts): void {
  for (const name of COUNT_NAMES) {
    if (name in total || ALWAYS_KEPT.has(name)) total[name] = (total[name] ?? 0) + (added[name] ?? 0);
  }
}

/** A set-aside list with more entities added, capped (the count beside it stays exact). */
export function addSetAside(list: SetAsideEntity[], added: readonly SetAsideEntity[]): SetAsideEntity[] {
  return [...list, ...added].slice(0, SET_ASIDE_LIST_CAP);
}
