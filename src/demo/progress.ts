import type { Client } from '@temporalio/client';
import type { FullSyncProgress, FullSyncResult } from '../shared/sync-types';
import { fullSyncProgressQuery } from '../shared/messages';
import { overallCounts, overallProgressLine, type ProgressTotals } from '../cli/progress';

/**
 * The full sync's live progress, from its `progress` query: the overall bar (drawn by
 * src/cli/progress.ts) redrawn in place on a terminal, or a plain line every few seconds when
 * the output goes to a file or a CI log.
 */
export interface WatchOptions {
  totals: ProgressTotals;
  /** Redraw in place (a terminal) or print a line every `lineEveryMs` (anything else). */
  tty: boolean;
  write: (text: string) => void;
  pollMs?: number;
  /** Without a terminal: a line when the counts change, at most this often... */
  lineEveryMs?: number;
  /** ...and at least this often while they do not. */
  quietLineEveryMs?: number;
}

/** Shows the sync's progress until it completes; resolves with its result (or rejects with its failure). */
export async function watchFullSync(
  client: Client,
  workflowId: string,
  options: WatchOptions,
): Promise<FullSyncResult> {
  // No run id: the query and the result follow the sync across continue-as-new.
  const handle = client.workflow.getHandle(workflowId);
  const pollMs = options.pollMs ?? 250;
  const lineEveryMs = options.lineEveryMs ?? 3000;
  const quietLineEveryMs = options.quietLineEveryMs ?? 15_000;
  const startedAt = Date.now();
  let finished = false;
  const result = handle.result().finally(() => (finished = true)) as Promise<FullSyncResult>;
  result.catch(() => undefined); // observed below; this only keeps Node from calling it unhandled
  let lastLine = 0;
  let lastCounts = '';
  let lastWidth = 0;
  const show = (progress: FullSyncProgress, final = false) => {
    const elapsed = Date.now() - startedAt;
    if (options.tty) {
      const line = overallProgressLine(progress, options.totals, true, elapsed);
      // Pad over the previous, possibly longer, line.
      options.write(`\r${line.padEnd(lastWidth)}${final ? '\n' : ''}`);
      lastWidth = line.length;
      return;
    }
    const counts = JSON.stringify([progress.phase, overallCounts(progress), progress.setAsideCount]);
    const since = Date.now() - lastLine;
    if (final || (counts !== lastCounts && since >= lineEveryMs) || since >= quietLineEveryMs) {
      options.write(`${overallProgressLine(progress, options.totals, false, elapsed)}\n`);
      lastLine = Date.now();
      lastCounts = counts;
    }
  };
  while (!finished) {
    // A query can miss while the sync continues as new or a worker task is slow: skip that tick.
    const progress = await handle.query(fullSyncProgressQuery).catch(() => undefined);
    if (progress && !finished) show(progress);
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, pollMs))]);
  }
  try {
    const final = await result;
    show(final.progress, true);
    return final;
  } catch (err) {
    if (options.tty && lastWidth > 0) options.write('\n');
    throw err;
  }
}
