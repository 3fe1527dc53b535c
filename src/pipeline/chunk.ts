import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import {
  addCounts,
  addSetAside,
  emptyChunkResult,
  type ChunkCheckpoint,
  type ChunkResult,
} from '../shared/sync-types';
import { toActivityFailure } from '../http/api-error';
import { recordPage } from '../telemetry';
import { streamPages, type StreamPage } from './page-stream';
import type { PageOutcome } from './page-processor';

/** A chunk reports back to its workflow at least this often, so progress stays fresh. */
const CHUNK_MAX_MILLIS = 60_000;
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
  processPage(items: T[], signal: AbortSignal): Promise<PageOutcome>;
  /** Called with every page read; true means the stream restarted (counted). */
  watchRestart?(cursor: string | undefined, items: T[]): boolean;
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
  // A page can take long (media uploads): re-send the last checkpoint meanwhile, so the heartbeat
  // timeout means "the worker is gone", not "this page is slow".
  const keepAlive = setInterval(() => ctx.heartbeat(total), KEEP_ALIVE_MS);
  try {
    const stream = await streamPages({
      startCursor: total.cursor,
      maxPages: Math.max(1, spec.maxPages - total.pages),
      readAhead: spec.readAhead,
      maxMillis: CHUNK_MAX_MILLIS,
      signal,
      readPage: async (cursor) => {
        const page = await spec.readPage(cursor, signal);
        if (spec.watchRestart?.(cursor, page.items)) total.restarts++;
        return page;
      },
      processPage: (items) => spec.processPage(items, signal),
      onCommitted: (nextCursor, outcome) => {
        total.cursor = nextCursor;
        total.done = nextCursor === undefined;
        total.pages++;
        addCounts(total, outcome);
        total.setAsideCount += outcome.setAside.length;
        total.setAside = addSetAside(total.setAside, outcome.setAside);
        ctx.heartbeat(total);
        recordPage(spec.source, { ...outcome, setAside: outcome.setAside.length });
      },
    });
    total.cursor = stream.nextCursor;
    total.done = stream.done;
    return result(total);
  } catch (err) {
    throw toActivityFailure(err);
  } finally {
    clearInterval(keepAlive);
  }
}

function result(total: ChunkCheckpoint): ChunkResult {
  const { cursor, ...rest } = total;
  return { ...rest, nextCursor: cursor };
}
