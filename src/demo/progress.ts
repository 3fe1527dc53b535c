import type { Client } from '@temporalio/client';
import type { FullSyncProgress, FullSyncResult } from '../shared/sync-types';
import { progressQuery } from '../shared/messages';

/**
 * The full sync's live progress, from its `progress` query: a bar redrawn in place on a
 * terminal, or a plain line every few seconds when the output goes to a file or a CI log.
 */
export interface ProgressTotals {
  /** Product reads the sync will make: products per context, summed over contexts. */
  products: number;
  categories: number;
}

const BAR_WIDTH = 28;
const fmt = (n: number) => n.toLocaleString('en-US');

function sums(progress: FullSyncProgress) {
  let products = 0;
  let categories = 0;
  let media = 0;
  for (const c of progress.contexts) {
    products += c.products.read;
    categories += c.categories.read;
    media += c.products.mediaUploaded + c.categories.mediaUploaded;
  }
  return { products, categories, media };
}

/** One line: a bar over everything the sync reads, then the counts behind it. */
export function progressLine(
  progress: FullSyncProgress,
  totals: ProgressTotals,
  bar: boolean,
  elapsedMs: number,
): string {
  const done = sums(progress);
  const all = totals.products + totals.categories;
  const ratio = all === 0 ? 1 : Math.min(1, (done.products + done.categories) / all);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  const filled = Math.round(ratio * BAR_WIDTH);
  const drawn = bar ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
  return (
    `${drawn}${percent}  ${`(${progress.phase})`.padEnd(12)} ` +
    `categories ${fmt(done.categories)}/${fmt(totals.categories)}, ` +
    `products ${fmt(done.products)}/${fmt(totals.products)}, ` +
    `media uploaded ${fmt(done.media)}, set aside ${fmt(progress.setAsideCount)}, ` +
    // Our clock: the query's elapsedSeconds only moves when the workflow does.
    `${Math.round(elapsedMs / 1000)} s`
  );
}

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
      const line = progressLine(progress, options.totals, true, elapsed);
      // Pad over the previous, possibly longer, line.
      options.write(`\r${line.padEnd(lastWidth)}${final ? '\n' : ''}`);
      lastWidth = line.length;
      return;
    }
    const counts = JSON.stringify([progress.phase, sums(progress), progress.setAsideCount]);
    const since = Date.now() - lastLine;
    if (final || (counts !== lastCounts && since >= lineEveryMs) || since >= quietLineEveryMs) {
      options.write(`${progressLine(progress, options.totals, false, elapsed)}\n`);
      lastLine = Date.now();
      lastCounts = counts;
    }
  };
  while (!finished) {
    // A query can miss while the sync continues as new or a worker task is slow: skip that tick.
    const progress = await handle.query(progressQuery).catch(() => undefined);
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
