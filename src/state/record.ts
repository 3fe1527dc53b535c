/**
 * The service's record of what it sent to Occtoo (issue #12): the memory that lets a sync clear
 * what vanished in Bluestone, skip what did not change, and never overwrite a newer write with an
 * older read. Reached only from activities (through `createActivities(deps)`); workflows carry
 * ids, cursors and counts, never records.
 *
 * The production implementation is PostgreSQL (src/state/postgres-record.ts); every call is one
 * round trip for a whole page, never one per entity.
 */

import type { KeyTally } from '../shared/reconciliation';

export type RecordedKind = 'product' | 'category' | 'media';

/**
 * One property slot of an Occtoo entity: its id, plus `@language` when it was sent localized
 * (`Name@sv`). Property ids and languages never contain `@` (Occtoo's character rules).
 */
export type PropertySlot = string;

export function slotOf(property: { id: string; language?: string }): PropertySlot {
  return property.language ? `${property.id}@${property.language}` : property.id;
}

export function propertyOfSlot(slot: PropertySlot): { id: string; language?: string } {
  const at = slot.indexOf('@');
  return at < 0 ? { id: slot } : { id: slot.slice(0, at), language: slot.slice(at + 1) };
}

/** One Occtoo entity in one pass language, as this service last had it accepted (202). */
export interface SentEntity {
  /** Occtoo data source. */
  source: string;
  /** Occtoo key. */
  key: string;
  /** The Occtoo language of the pass that sent it (the default context's language for non-localized properties). */
  language: string;
  kind: RecordedKind;
  /** Bluestone's id of the product, category or media asset. */
  bluestoneId: string;
  /** Every property slot sent with a value (not the nulls that cleared others). */
  properties: PropertySlot[];
  /** Hash of the mapped entity (its properties, order-independent): equal hash = nothing to send. */
  hash: string;
  /** Bluestone's `lastUpdate` (epoch ms) of the version sent, when Bluestone gives one (products). */
  lastUpdate?: number;
  /** When the sync read this version from Bluestone (epoch ms): orders writes of entities without `lastUpdate`. */
  readAt: number;
  /** The workflow run that sent it. */
  runId: string;
  /** The last full-sync run that saw it (sent or found unchanged). */
  fullSyncRunId?: string;
  /** When it was recorded (epoch ms); set by the record. */
  recordedAt?: number;
  /**
   * The Occtoo keys of the media this entity shows (products and categories, default pass):
   * archiving deletes a media entity only when no other entity shows it. Absent when unknown
   * (recorded before migration 0003).
   */
  mediaKeys?: string[];
}

/** A media file this service uploaded to Occtoo's media service (HANDLE_MEDIA=occtoo). */
export interface UploadedMedia {
  /** `mediaUniqueIdentifier(asset)`: asset id and version. */
  uniqueIdentifier: string;
  assetId: string;
  fileId: string;
  publicUrl: string;
}

/** Entities per source and language in the record (`npm run cli -- state`). */
export interface RecordSummary {
  sources: { source: string; language: string; kind: RecordedKind; entities: number }[];
  uploadedMedia: number;
  /** The newest full-sync run recorded as complete, if any. */
  lastCompleteFullSync?: { runId: string; completedAt: number };
}

/**
 * What reconciliation reads of one full sync (issue #13): which of one source's rows it saw. Rows
 * written after the run started belong to newer syncs (an incremental sync sent them while the run
 * read on), so they count as seen: reconciliation never removes what it could not have read.
 */
export interface SightingQuery {
  /** Occtoo data source. */
  source: string;
  /** The Occtoo languages the run read (rows of other languages are left alone). */
  languages: string[];
  /** The full sync's first run id (stable across continue-as-new). */
  runId: string;
  /** When the run started (epoch ms). */
  startedAt: number;
  /** A dry run noted what it saw in its scratch table, not in the record. */
  dryRun?: boolean;
}

/** One key of a source with rows the run did not see. */
export interface UnseenKey {
  key: string;
  bluestoneId: string;
  /** No row of the key was seen (in the languages read): Bluestone serves it in none of them. */
  gone: boolean;
  /** The rows not seen: their language and the property slots recorded for it. */
  unseen: { language: string; properties: PropertySlot[] }[];
}

/** What reconciliation would remove from one source, counted before anything is removed. */
export interface UnseenTally {
  /** Keys recorded in the languages read. */
  recorded: number;
  /** Keys no row of which was seen: to delete. */
  gone: KeyTally;
  /** Per language read: rows recorded, and rows not seen of keys seen in another language (to clear). */
  languages: (KeyTally & { language: string; recorded: number })[];
}

/** What a dry run noted of one entity it read (src/state/migrations/0002-reconciliation.ts). */
export interface DryRunNote {
  source: string;
  language: string;
  /** Its key; undefined for an entity the run could not key: then every key recorded for its Bluestone id. */
  key?: string;
  bluestoneId?: string;
  /** `send`: the run would send it (new or changed); `seen`: Bluestone serves it, nothing to send. */
  action: 'send' | 'seen';
  /** Vanished property slots the send would clear. */
  clearing?: number;
}

/** What a dry run would send to one source in one language. */
export interface DryRunSends extends KeyTally {
  source: string;
  language: string;
  /** Of those, sends that would clear vanished values. */
  clearing: number;
}

export interface SyncRecord {
  /** What was last sent for these keys of one source and language: one round trip. */
  lastSent(source: string, language: string, keys: string[]): Promise<Map<string, SentEntity>>;
  /**
   * Records entities Occtoo accepted (insert or replace per source, key, language): one round trip.
   * Never replaces a newer write (a later `lastUpdate`, or without one a later `readAt`): returns
   * the entities it refused for that reason, whose push may have overwritten a newer version in
   * Occtoo, so the caller reads them again.
   */
  recordSent(entities: SentEntity[]): Promise<SentEntity[]>;
  /** Marks entities a full sync found unchanged as seen by that run: one round trip. */
  recordSeen(source: string, language: string, keys: string[], fullSyncRunId: string): Promise<void>;
  /** Every recorded entity of a Bluestone id, in every source and language (`cli why`). */
  entitiesOf(bluestoneId: string): Promise<SentEntity[]>;
  /** Media files already uploaded, by unique identifier: one round trip. */
  uploadedMedia(uniqueIdentifiers: string[]): Promise<Map<string, UploadedMedia>>;
  recordUploads(media: UploadedMedia[]): Promise<void>;
  /** True when nothing was ever recorded for this source (a new database). */
  isEmpty(source: string): Promise<boolean>;
  /** A full-sync run that read everything without a failed stream. */
  recordFullSyncComplete(runId: string): Promise<void>;
  summary(): Promise<RecordSummary>;
  // Added by Q (the sync): a deleted entity or file must be sent/uploaded again when it comes
  // back, so deletes forget what was recorded; otherwise "unchanged" would skip it for good.
  /** Forgets entities deleted from Occtoo, in every language: one round trip. */
  forget(source: string, keys: string[]): Promise<void>;
  /** Forgets media files deleted from Occtoo's media service (MEDIA_DELETE): one round trip. */
  forgetUploads(uniqueIdentifiers: string[]): Promise<void>;

  // Reconciliation (issue #13): a full sync removes what Bluestone no longer publishes.
  /**
   * Marks as seen by a full sync the entities of these Bluestone ids in one source and language:
   * those it could not key (set aside without a key), so that their recorded keys stay.
   */
  recordSeenIds(
    source: string,
    language: string,
    bluestoneIds: string[],
    fullSyncRunId: string,
  ): Promise<void>;
  /** Counts what a full sync did not see in one source: one statement. */
  unseenTally(query: SightingQuery, sampleSize: number): Promise<UnseenTally>;
  /** Keys with rows a full sync did not see, in key order after `after`, at most `limit`. */
  unseenKeys(query: SightingQuery, after: string | undefined, limit: number): Promise<UnseenKey[]>;
  /** Forgets one language's rows of these keys (their values were cleared in Occtoo). */
  forgetLanguage(source: string, language: string, keys: string[]): Promise<void>;
  /** Every file uploaded for these Bluestone asset ids, in any version. */
  uploadsOfAssets(assetIds: string[]): Promise<UploadedMedia[]>;
  /** A dry run's notes, in its scratch table (never the record): one round trip. */
  noteDryRun(runId: string, notes: DryRunNote[]): Promise<void>;
  /** What a dry run would send, per source and language, with samples. */
  dryRunSends(runId: string, sampleSize: number): Promise<DryRunSends[]>;
  /** Empties a dry run's scratch rows (and any a dry run that failed left for over a day). */
  forgetDryRun(runId: string): Promise<void>;

  // Unpublish and key changes (issue #13, part U): which keys were sent for these Bluestone ids.
  /** Every recorded row of these Bluestone ids in one source, every language: one round trip. */
  sentOfIds(source: string, bluestoneIds: string[]): Promise<SentEntity[]>;

  // Archive notices (issue #13, part A): media another entity still shows survive an archive.
  /**
   * Of these media keys, those a recorded entity of another Bluestone id than `exceptIds` shows
   * (its `mediaKeys`), in any source: one round trip.
   */
  mediaShownByOthers(mediaKeys: string[], exceptIds: string[]): Promise<Set<string>>;
}
