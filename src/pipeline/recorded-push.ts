import { Context } from '@temporalio/activity';
import type { Logger } from '../logger';
import type { OcctooClient } from '../occtoo/client';
import { pushEntities, type PushOptions, type PushResult } from '../occtoo/push';
import type { SentEntity, SyncRecord } from '../state/record';
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
}

/** The page's run, with what the caller left out taken from the running activity. */
export function pageRun(given: Partial<PageRun> = {}, readAt = Date.now()): PageRun {
  return { readAt, ...given, runId: given.runId ?? currentRunId() };
}

function currentRunId(): string {
  try {
    return Context.current().info.workflowExecution?.runId ?? 'outside-temporal';
  } catch {
    return 'outside-temporal';
  }
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
  options: PushOptions,
): Promise<SourcePush> {
  let diff: PageDiff;
  if (!record) {
    const send = candidates.flatMap((c) => (c.entity ? [c.entity] : []));
    diff = { send, toRecord: new Map(), unchanged: [], older: [] };
  } else {
    const keys = candidates.map((c) => c.key);
    const recorded = keys.length
      ? await record.lastSent(settings.source, settings.language, keys)
      : new Map();
    diff = diffPage(candidates, recorded, settings);
  }
  const pushed = await pushEntities(occtoo, settings.source, diff.send, options);
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
): Promise<SentEntity[]> {
  if (!record) return [];
  const accepted: SentEntity[] = [];
  for (const { diff, pushed } of pushes) {
    const refused = new Set(pushed.setAside.map((s) => s.key));
    for (const entity of diff.toRecord.values()) if (!refused.has(entity.key)) accepted.push(entity);
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
  const [superseded] = await Promise.all([
    accepted.length ? record.recordSent(accepted) : Promise.resolve([]),
    ...seen,
  ]);
  return superseded;
}
