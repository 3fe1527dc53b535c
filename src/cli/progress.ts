import type { FullSyncProgress, SourceProgress } from '../shared/sync-types';

/**
 * A running full sync's progress: one bar per context and source redrawn in place on a terminal,
 * or a plain line every few seconds when the output goes to a file or a CI log.
 */

export type ProgressMode = 'bars' | 'lines';

/** What a context holds in Bluestone, when known: the bars' 100%. */
export interface ContextTotals {
  categories?: number;
  products?: number;
}

const BAR_WIDTH = 16;
const fmt = (n: number) => n.toLocaleString('en-US');

/** A source that is not part of this sync: done from the start, nothing read. */
const notInScope = (s: SourceProgress) => s.done && s.read === 0 && s.pages === 0;

function cell(source: SourceProgress, total: number | undefined, bars: boolean): string {
  if (notInScope(source)) return '-';
  const state = source.done ? 'done' : '';
  if (!bars) return `${fmt(source.read)} read, ${fmt(source.sent)} sent${state ? ` (${state})` : ''}`;
  const known = total !== undefined && total > 0;
  const ratio = source.done ? 1 : known ? Math.min(1, source.read / total) : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  const drawn =
    known || source.done ? `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}` : '?'.repeat(BAR_WIDTH);
  const count = known ? `${fmt(source.read)}/${fmt(total)}` : `${fmt(source.read)}`;
  return `[${drawn}] ${count.padStart(11)} ${state}`.trimEnd();
}

function header(progress: FullSyncProgress): string {
  const run = progress.runs > 0 ? `, run ${progress.runs + 1}` : '';
  return `Full sync: ${progress.phase}, ${progress.elapsedSeconds} s${run}, set aside ${fmt(progress.setAsideCount)}`;
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
