import type { FullSyncProgress, SourceProgress } from '../shared/sync-types';
import { formatCount } from './format';

/**
 * A running full sync's progress: one bar per context and source redrawn in place on a terminal,
 * or a plain line every few seconds when the output goes to a file or a CI log. The demo draws
 * one bar over the whole sync (overallProgressLine) with the same pieces.
 */

export type ProgressMode = 'bars' | 'lines';

/** What a context holds in Bluestone, when known: the bars' 100%. */
export interface ContextTotals {
  categories?: number;
  products?: number;
}

const BAR_WIDTH = 16;

/** `ratio` (0 to 1) of `width` filled: `####....`. */
function bar(ratio: number, width: number): string {
  const filled = Math.round(ratio * width);
  return `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
}

/** A source that is not part of this sync: done from the start, nothing read. */
const notInScope = (s: SourceProgress) => s.done && s.read === 0 && s.pages === 0;

function cell(source: SourceProgress, total: number | undefined, bars: boolean): string {
  if (notInScope(source)) return '-';
  const state = source.done ? 'done' : '';
  if (!bars)
    return `${formatCount(source.read)} read, ${formatCount(source.sent)} sent, ${formatCount(source.unchanged)} unchanged${state ? ` (${state})` : ''}`;
  const known = total !== undefined && total > 0;
  const ratio = source.done ? 1 : known ? Math.min(1, source.read / total) : 0;
  const drawn = known || source.done ? bar(ratio, BAR_WIDTH) : '?'.repeat(BAR_WIDTH);
  const count = known ? `${formatCount(source.read)}/${formatCount(total)}` : `${formatCount(source.read)}`;
  return `[${drawn}] ${count.padStart(11)} ${state}`.trimEnd();
}

function header(progress: FullSyncProgress): string {
  const run = progress.runs > 0 ? `, run ${progress.runs + 1}` : '';
  return `Full sync: ${progress.phase}, ${progress.elapsedSeconds} s${run}, set aside ${formatCount(progress.setAsideCount)}`;
}

/** The terminal frame: a header, then a line per context with a bar per source. */
export function progressFrame(
  progress: FullSyncProgress,
  totals: ReadonlyMap<string, ContextTotals> = new Map(),
): string[] {
  const labels = progress.contexts.map((c) => `${c.context} (${c.language})`);
  const width = Math.max(0, ...labels.map((l) => l.length));
  return [
    header(progress),
    ...progress.contexts.map((c, i) => {
      const t = totals.get(c.context) ?? {};
      const categories = cell(c.categories, t.categories, true).padEnd(BAR_WIDTH + 20);
      return `  ${labels[i].padEnd(width)}  categories ${categories}  products ${cell(c.products, t.products, true)}`;
    }),
  ];
}

/** One plain line: what each context has read and sent so far. */
export function progressLine(progress: FullSyncProgress): string {
  const contexts = progress.contexts.map(
    (c) =>
      `${c.context}: categories ${cell(c.categories, undefined, false)}; products ${cell(c.products, undefined, false)}`,
  );
  return [header(progress), ...contexts].join(' | ');
}

/** What the whole sync will read: the overall bar's 100%. */
export interface ProgressTotals {
  /** Product reads the sync will make: products per context, summed over contexts. */
  products: number;
  categories: number;
}

const OVERALL_BAR_WIDTH = 28;

/** What the whole sync has read (and the media it uploaded), over every context. */
export function overallCounts(progress: FullSyncProgress) {
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
export function overallProgressLine(
  progress: FullSyncProgress,
  totals: ProgressTotals,
  withBar: boolean,
  elapsedMs: number,
): string {
  const done = overallCounts(progress);
  const all = totals.products + totals.categories;
  const ratio = all === 0 ? 1 : Math.min(1, (done.products + done.categories) / all);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  const drawn = withBar ? `[${bar(ratio, OVERALL_BAR_WIDTH)}] ` : '';
  return (
    `${drawn}${percent}  ${`(${progress.phase})`.padEnd(12)} ` +
    `categories ${formatCount(done.categories)}/${formatCount(totals.categories)}, ` +
    `products ${formatCount(done.products)}/${formatCount(totals.products)}, ` +
    `media uploaded ${formatCount(done.media)}, set aside ${formatCount(progress.setAsideCount)}, ` +
    // Our clock: the query's elapsedSeconds only moves when the workflow does.
    `${Math.round(elapsedMs / 1000)} s`
  );
}

export class ProgressView {
  private drawn = 0;
  private lastLineAt = 0;

  constructor(
    private readonly mode: ProgressMode,
    private readonly write: (text: string) => void,
    private readonly totals: ReadonlyMap<string, ContextTotals> = new Map(),
    private readonly lineEveryMs = 3_000,
  ) {}

  show(progress: FullSyncProgress, final = false): void {
    if (this.mode === 'bars') {
      const lines = progressFrame(progress, this.totals);
      // Back to the frame's first line and clear below it, then draw the new frame.
      const back = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
      this.write(`${back}${lines.join('\n')}\n`);
      this.drawn = lines.length;
    } else if (final || Date.now() - this.lastLineAt >= this.lineEveryMs) {
      this.write(`${progressLine(progress)}\n`);
      this.lastLineAt = Date.now();
    }
  }
}
