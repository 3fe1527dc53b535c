import type { Logger } from '../logger';
import type { OcctooClient } from '../occtoo/client';
import { pushEntities, type PushOptions, type PushResult } from '../occtoo/push';
import type { DryRunNote, PropertySlot, SentEntity, SyncRecord } from '../state/record';
import { currentActivity, recordCleared } from '../telemetry';
import { diffPage, type Candidate, type DiffSettings, type PageDiff } from './record-diff';

/** Who read a page and when: what the record needs beside the entities. */
export interface PageRun {
  /** When the page was read from Bluestone, taken before the read (epoch ms). */
  readAt: number;
  /** The workflow run that sends (a full sync: its first run, stable across continue-as-new). */
  runId: string;
  /** Set in full syncs: entities found unchanged are marked as seen by this run. */
  fullSyncRunId?: string;
  /** full-sync --force: re-send unchanged entities. */
  force?: boolean;
  /** Re-sending entities a newer write superseded during the push: not done twice. */
  sendingAgain?: boolean;
  /**
   * When sending again: the superseded push's rows. Occtoo may hold what they sent, so the slots
   * they list that the current version lacks are cleared too (alsoClearOf).
   */
  superseded?: readonly SentEntity[];
  /** full-sync --dry-run: nothing is pushed or recorded; what would be sent is noted (fullSyncRunId). */
  dryRun?: boolean;
}

/**
 * Entities a full sync saw besides those it sent or found unchanged: set aside (no key, too large,
 * refused by Occtoo), kept out by a sync filter, media an owner still shows but that were left
 * out. Bluestone still serves them, so reconciliation must not remove them.
 */
export interface Sightings {
  source: string;
  language: string;
  keys: string[];
  /** Entities without a key: their recorded keys, found by Bluestone id. */
  bluestoneIds: string[];
}

/** The page's run, with what the caller left out taken from the running activity. */
export function pageRun(given: Partial<PageRun> = {}, readAt = Date.now()): PageRun {
  return { readAt, ...given, runId: given.runId ?? currentRunId() };
}

function currentRunId(): string {
  return currentActivity()?.info.workflowExecution?.runId ?? 'outside-temporal';
}

/** One source's and language's share of a superseded push: the slots it sent, by key. */
export function alsoClearOf(
  superseded: readonly SentEntity[] | undefined,
  source: string,
  language: string,
): Map<string, PropertySlot[]> | undefined {
  const rows = (superseded ?? []).filter((e) => e.source === source && e.language === language);
  return rows.length ? new Map(rows.map((e) => [e.key, e.properties])) : undefined;
}

/**
 * A page's record look-up, started before the page is mapped so that the database round trip
 * overlaps the mapping instead of following it. Keys the mapping adds later are looked up then.
 */
export interface EarlyLookup {
  keys: ReadonlySet<string>;
  recorded: Promise<Map<string, SentEntity>>;
}

export function lookUpEarly(
  record: SyncRecord | undefined,
  source: string,
  language: string,
  keys: Iterable<string | undefined>,
): EarlyLookup | undefined {
  if (!record) return undefined;
  const wanted = new Set([...keys].filter((k): k is string => k !== undefined));
  if (wanted.size === 0) return undefined;
  const recorded = record.lastSent(source, language, [...wanted]);
  // Awaited by the push; a page that fails before it must not leave an unhandled rejection.
  recorded.catch(() => undefined);
  return { keys: wanted, recorded };
}

/** Lets look-ups just started reach the database before a long stretch of CPU work. */
export function letLookUpsStart(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What the record holds for these keys: the early look-up's answer, plus any keys it did not cover. */
export async function lastSentOf(
  record: SyncRecord,
  settings: Pick<DiffSettings, 'source' | 'language'>,
  keys: string[],
  early: EarlyLookup | undefined,
): Promise<Map<string, SentEntity>> {
  if (!early) return keys.length ? record.lastSent(settings.source, settings.language, keys) : new Map();
  const recorded = await early.recorded;
  const missing = keys.filter((k) => !early.keys.has(k));
  if (missing.length === 0) return recorded;
  const more = await record.lastSent(settings.source, settings.language, missing);
  return new Map([...recorded, ...more]);
}

/** One source's share of a page: what was decided, and what Occtoo did with it. */
export interface SourcePush {
  settings: DiffSettings;
  diff: PageDiff;
  pushed: PushResult;
}

/**
 * Pushes one source's share of a page. With a record: one `lastSent` for the page, then only
 * what changed goes, with a clearing value for each property that vanished. Without one (unit
 * tests, the benchmark's baseline): every mapped entity goes, as before the record existed.
 */
export async function pushAgainstRecord(
  occtoo: OcctooClient,
  record: SyncRecord | undefined,
  candidates: Candidate[],
  settings: DiffSettings,
  options: PushOptions & { dryRun?: boolean },
  early?: EarlyLookup,
): Promise<SourcePush> {
  let diff: PageDiff;
  if (!record) {
    const send = candidates.flatMap((c) => (c.entity ? [c.entity] : []));
    diff = { send, toRecord: new Map(), unchanged: [], older: [], clearing: new Map() };
  } else {
    const recorded = await lastSentOf(
      record,
      settings,
      candidates.map((c) => c.key),
      early,
    );
    diff = diffPage(candidates, recorded, settings);
  }
  // A dry run counts what it would send as sent: Occtoo's own refusals are not foreseen.
  const pushed = options.dryRun
    ? { sent: diff.send.length, setAside: [] }
    : await pushEntities(occtoo, settings.source, diff.send, options);
  return { settings, diff, pushed };
}

/**
 * Records what Occtoo accepted on a page (every source in one `recordSent`: one round trip), and
 * in a full sync marks what it found unchanged as seen. Entities set aside are not recorded, so
 * they go again next time. Returns what the record refused because it holds a newer version: a
 * newer write landed between this page's `lastSent` and its push, so Occtoo may now hold the
 * older one.
 */
export async function recordPage(
  record: SyncRecord | undefined,
  pushes: SourcePush[],
  logger: Logger,
  also: { seen?: Sightings[]; dryRun?: boolean } = {},
): Promise<SentEntity[]> {
  if (!record) return [];
  if (also.dryRun) {
    await noteDryRun(record, pushes, also.seen ?? []);
    return [];
  }
  const accepted: SentEntity[] = [];
  for (const { settings, diff, pushed } of pushes) {
    const refused = new Set(pushed.setAside.map((s) => s.key));
    for (const entity of diff.toRecord.values()) if (!refused.has(entity.key)) accepted.push(entity);
    recordCleared(settings.source, [...diff.clearing.keys()].filter((key) => !refused.has(key)).length);
  }
  const seen = pushes.flatMap(({ settings, diff }) => {
    const keys = [...diff.unchanged, ...diff.older];
    if (diff.older.length > 0) {
      logger.info('Not sent: Occtoo already holds a newer version', {
        source: settings.source,
        language: settings.language,
        keys: diff.older,
      });
    }
    return settings.fullSyncRunId && keys.length
      ? [record.recordSeen(settings.source, settings.language, keys, settings.fullSyncRunId)]
      : [];
  });
  // Seen beside the pushes (usually nothing): in the same round of statements, not after it.
  const runId = pushes.find((p) => p.settings.fullSyncRunId)?.settings.fullSyncRunId;
  const alsoSeen = runId
    ? (also.seen ?? []).flatMap((s) => [
        ...(s.keys.length ? [record.recordSeen(s.source, s.language, s.keys, runId)] : []),
        ...(s.bluestoneIds.length ? [record.recordSeenIds(s.source, s.language, s.bluestoneIds, runId)] : []),
      ])
    : [];
  const [superseded] = await Promise.all([
    accepted.length ? record.recordSent(accepted) : Promise.resolve([]),
    ...seen,
    ...alsoSeen,
  ]);
  return superseded;
}

/** A dry run's page: what it would send and what it saw, noted in its scratch table (one round trip). */
async function noteDryRun(record: SyncRecord, pushes: SourcePush[], seen: Sightings[]): Promise<void> {
  const runId = pushes.find((p) => p.settings.fullSyncRunId)?.settings.fullSyncRunId;
  if (!runId) return;
  const notes: DryRunNote[] = [];
  for (const { settings, diff } of pushes) {
    const { source, language } = settings;
    for (const e of diff.send)
      notes.push({ source, language, key: e.key, action: 'send', clearing: diff.clearing.get(e.key) ?? 0 });
    for (const key of [...diff.unchanged, ...diff.older])
      notes.push({ source, language, key, action: 'seen' });
  }
  for (const s of seen) {
    const { source, language } = s;
    for (const key of s.keys) notes.push({ source, language, key, action: 'seen' });
    for (const bluestoneId of s.bluestoneIds) notes.push({ source, language, bluestoneId, action: 'seen' });
  }
  await record.noteDryRun(runId, notes);
}
