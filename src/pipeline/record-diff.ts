import { hash } from 'node:crypto';
import { entityJson } from '../occtoo/batching';
import type { OcctooEntity, OcctooProperty } from '../occtoo/types';
import {
  propertyOfSlot,
  slotOf,
  type PropertySlot,
  type RecordedKind,
  type SentEntity,
} from '../state/record';

/**
 * The record's three uses on one page, as pure functions (issue #12): clear what vanished, skip
 * what did not change, never roll back. The page processor reads the record and pushes; this
 * decides what to send.
 */

/** One Occtoo entity the mapping produced (or would have, and did not: `entity` undefined). */
export interface Candidate {
  key: string;
  bluestoneId: string;
  kind: RecordedKind;
  /** The mapped entity; undefined when this pass maps to nothing now (its nulls may still go). */
  entity?: OcctooEntity;
  /** Bluestone's `lastUpdate` of the version read (products). */
  lastUpdate?: number;
  /** The Occtoo keys of the media it shows (products, categories), recorded for archives. */
  mediaKeys?: string[];
}

export interface DiffSettings {
  source: string;
  language: string;
  /** When the page was read, before the read (epoch ms). */
  readAt: number;
  runId: string;
  fullSyncRunId?: string;
  /** Re-send unchanged entities (full-sync --force); clearing and never-roll-back still apply. */
  force?: boolean;
  /** CLEAR_WITH: how a vanished property is sent. */
  clearWith: 'null' | 'empty';
  /**
   * Re-sending after a superseded push, by key: the slots that push sent. Occtoo may hold them
   * although the record (the newer version) does not, so they are cleared too when absent now.
   */
  alsoClear?: ReadonlyMap<string, readonly PropertySlot[]>;
}

export interface PageDiff {
  /** What to push: mapped properties plus a clearing value for every vanished slot. */
  send: OcctooEntity[];
  /** What to record once Occtoo accepted it, by key. */
  toRecord: Map<string, SentEntity>;
  /** Keys whose mapped entity equals what Occtoo last accepted. */
  unchanged: string[];
  /** Keys read in an older version than the one recorded: Occtoo already holds newer. */
  older: string[];
  /** Keys sent with clearing values, and how many vanished slots each clears. */
  clearing: Map<string, number>;
}

/**
 * A hash of the mapped entity, taken from the one serialization that also measures and sends it.
 * The same Bluestone version maps to the same properties in the same order, so an equal hash
 * means nothing to send; a reordering alone costs one import more, never a missed change.
 */
export function entityHash(entity: OcctooEntity): string {
  return hash('sha256', entityJson(entity), 'base64url');
}

/** Property slots sent with a value (nulls and empty strings clear, they are not recorded). */
export function slotsWithValues(properties: readonly OcctooProperty[]): PropertySlot[] {
  return properties.filter((p) => p.value !== null && p.value !== '').map(slotOf);
}

/** The clearing properties for slots recorded last time and absent now. */
export function vanishedProperties(
  recorded: readonly PropertySlot[],
  current: readonly OcctooProperty[],
  clearWith: DiffSettings['clearWith'],
): OcctooProperty[] {
  const now = new Set(current.map(slotOf));
  const value = clearWith === 'empty' ? '' : null;
  return recorded
    .filter((slot) => !now.has(slot))
    .map((slot) => {
      const { id, language } = propertyOfSlot(slot);
      return language === undefined ? { id, value } : { id, value, language };
    });
}

/**
 * True when this read is older than what the record holds: by Bluestone's `lastUpdate` when
 * both have one (products), else by when the page was read (categories, media).
 */
export function isOlder(candidate: Candidate, recorded: SentEntity, readAt: number): boolean {
  if (candidate.lastUpdate !== undefined && recorded.lastUpdate !== undefined)
    return candidate.lastUpdate < recorded.lastUpdate;
  return readAt < recorded.readAt;
}

export function diffPage(
  candidates: readonly Candidate[],
  recorded: ReadonlyMap<string, SentEntity>,
  settings: DiffSettings,
): PageDiff {
  const diff: PageDiff = { send: [], toRecord: new Map(), unchanged: [], older: [], clearing: new Map() };
  for (const c of candidates) {
    const last = recorded.get(c.key);
    const superseded = settings.alsoClear?.get(c.key) ?? [];
    const recordedSlots = last?.properties ?? [];
    const clearable = superseded.length ? [...new Set([...recordedSlots, ...superseded])] : recordedSlots;
    // Nothing mapped and nothing recorded: nothing to send, as before the record.
    if (!c.entity && clearable.length === 0) {
      // Still served, with nothing in this language: as Occtoo holds it (a full sync saw it).
      if (last) diff.unchanged.push(c.key);
      continue;
    }
    const entity = c.entity ?? { key: c.key, properties: [] };
    const { properties } = entity;
    const hash = entityHash(entity);
    // A superseded push's slots are cleared even when the record holds this very version.
    if (last && last.hash === hash && !settings.force && superseded.length === 0) {
      diff.unchanged.push(c.key);
      continue;
    }
    // Another product's version (it held the key before this one took it over) is no older or newer.
    if (last && last.bluestoneId === c.bluestoneId && isOlder(c, last, settings.readAt)) {
      diff.older.push(c.key);
      continue;
    }
    const cleared = vanishedProperties(clearable, properties, settings.clearWith);
    // The mapped entity itself when nothing is cleared: its serialization is already made.
    diff.send.push(cleared.length ? { key: c.key, properties: [...properties, ...cleared] } : entity);
    if (cleared.length) diff.clearing.set(c.key, cleared.length);
    diff.toRecord.set(c.key, {
      source: settings.source,
      key: c.key,
      language: settings.language,
      kind: c.kind,
      bluestoneId: c.bluestoneId,
      properties: slotsWithValues(properties),
      hash,
      lastUpdate: c.lastUpdate,
      readAt: settings.readAt,
      runId: settings.runId,
      fullSyncRunId: settings.fullSyncRunId,
      ...(c.mediaKeys ? { mediaKeys: c.mediaKeys } : {}),
    });
  }
  return diff;
}
