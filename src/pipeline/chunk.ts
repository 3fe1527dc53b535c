import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import {
  addCounts,
  addSetAside,
  emptyChunkResult,
  type ChunkCheckpoint,
  type ChunkResult,
} from '../shared/sync-types';
import { addSetAsideReasons, setAsideReasonsOf } from '../shared/set-aside';
import { toActivityFailure } from '../http/api-error';
import { recordPage } from '../telemetry';
import { streamPages, type StreamPage } from './page-stream';
import type { PageOutcome } from './page-processor';

/** A chunk reports back to its workflow at least this often, so progress stays fresh. */
const CHUNK_MAX_MILLIS = 60_000;
/** At most this long between heartbeats while a page is slow; shorter for short heartbeat timeouts. */
const KEEP_ALIVE_MS = 5_000;

export interface ChunkSpec<T> {
  /** What is synced (`products`, `categories`): labels the chunk's metrics. */
  source: string;
  /** Where the chunk starts when it is not resuming: a product cursor or a page number. */
  cursor?: string;
  maxPages: number;
  /** Pages read while the current one is pushed (READ_AHEAD_PAGES). */
  readAhead: number;
  readPage(cursor: string | undefined, signal: AbortSignal): Promise<StreamPage<T>>;
  /** `readAt`: when the page's read started (the record orders writes by it). */
  processPage(items: T[], signal: AbortSignal, readAt: number): Promise<PageOutcome>;
  /**
   * Called with every page read; true means the stream restarted (counted). `checkpoint.head`
   * keeps the stream's first id in the heartbeat, so a resumed attempt still knows it.
   */
  watchRestart?(cursor: string | undefined, items: T[], checkpoint: { head?: string }): boolean;
}

/**
 * Runs one chunk of a sync inside an activity: streams up to `maxPages` pages, heartbeating a
 * checkpoint after every pushed page. A retried attempt (after a crash, a deploy, a timeout)
 * resumes from the last checkpoint, so finished pages are neither re-read nor counted twice.
 */
export async function runChunk<T>(spec: ChunkSpec<T>): Promise<ChunkResult> {
  const ctx = Context.current();
  const resumed = ctx.info.heartbeatDetails as ChunkCheckpoint | undefined;
  const total: ChunkCheckpoint = resumed ?? { ...emptyChunkResult(), cursor: spec.cursor };
  if (resumed) ctx.log.info('Resuming a chunk from its last checkpoint', { pages: resumed.pages });
  if (total.done) return result(total);
  const signal = ctx.cancellationSignal;
  // Every concurrent request (imports, media uploads) listens on the one cancellation signal.
  setMaxListeners(256, signal);
  // A page can take long (media uploads): when nothing was sent for a while, re-send the last
  // checkpoint, so the heartbeat timeout means "the worker is gone", not "this page is slow" — at
  // least three beats per timeout, so one late beat on a busy machine is not taken for a dead worker.
  // Only then: each beat takes a place in the SDK's throttle window, and a checkpoint queued behind
  // a keep-alive would reach the server late (a crash then re-reads one page more).
  const keepAliveMs = Math.min(KEEP_ALIVE_MS, (ctx.info.heartbeatTimeoutMs ?? KEEP_ALIVE_MS * 3) / 3);
  let keepAlive: NodeJS.Timeout | undefined;
  const beat = () => {
    clearTimeout(keepAlive);
    ctx.heartbeat(total);
    keepAlive = setTimeout(beat, keepAliveMs);
  };
  keepAlive = setTimeout(beat, keepAliveMs);
  const readAtOf = new WeakMap<T[], number>();
  try {
    const stream = await streamPages({
      startCursor: total.cursor,
      maxPages: Math.max(1, spec.maxPages - total.pages),
      readAhead: spec.readAhead,
      maxMillis: CHUNK_MAX_MILLIS,
      signal,
      readPage: async (cursor) => {
        const readAt = Date.now();
        const page = await spec.readPage(cursor, signal);
        readAtOf.set(page.items, readAt);
        if (spec.watchRestart?.(cursor, page.items, total)) total.restarts++;
        return page;
      },
      processPage: (items) => spec.processPage(items, signal, readAtOf.get(items) ?? Date.now()),
      onCommitted: (nextCursor, outcome) => {
        total.cursor = nextCursor;
        total.done = nextCursor === undefined;
        total.pages++;
        addCounts(total, outcome);
        total.setAsideCount += outcome.setAside.length;
        total.setAside = addSetAside(total.setAside, outcome.setAside);
        total.setAsideReasons = addSetAsideReasons(
          total.setAsideReasons,
          setAsideReasonsOf(outcome.setAside),
        );
        beat();
        recordPage(spec.source, { ...outcome, setAside: outcome.setAside.length });
      },
    });
    total.cursor = stream.nextCursor;
    total.done = stream.done;
    return result(total);
  } catch (err) {
    throw toActivityFailure(err);
  } finally {
    clearTimeout(keepAlive);
  }
}

function result(total: ChunkCheckpoint): ChunkResult {
  const { cursor, ...rest } = total;
  return { ...rest, nextCursor: cursor };
}
